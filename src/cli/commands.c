/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command line grammar of mptcpd-ctl.  Everything is checked here,
 * before a byte reaches the daemon, so a typo gets a usage message with
 * the right synopsis instead of a round trip and a terse EINVAL.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "ctl_proto.h"

/* What a keyword's value must look like. */
enum commands_value {
	COMMANDS_VALUE_NONE = 0,	/* a flag: no value */
	COMMANDS_VALUE_TOKEN,
	COMMANDS_VALUE_ADDRESS,
	COMMANDS_VALUE_PORT,
	COMMANDS_VALUE_ID,
};

/* One `ip mptcp` style keyword.  follows >= 0 means the keyword is only
 * valid right after that keyword's value ("port" binds to the address
 * before it). */
struct commands_kw {
	const char *name;
	enum commands_value value;
	int follows;
};

#define COMMANDS_KW_MAX 8

/* The keywords found on a command line, by table index. */
struct commands_kw_found {
	const char *value[COMMANDS_KW_MAX];
	bool seen[COMMANDS_KW_MAX];
};

struct commands_def {
	const char *name;
	const char *usage;
	int (*parse)(int n, char *const w[], struct commands_request *req);
	void (*complete)(int n, char *const w[], struct commands_candidates *c);
	bool monitor;
	bool hidden;
};

/* What `interface IFACE WORD` sets; the first two take a value. */
enum { IFACE_TYPE, IFACE_METERED, IFACE_EXCLUDE, IFACE_INCLUDE };
static const struct ctl_word COMMANDS_IFACE_WORDS[] = {
	{ "type", IFACE_TYPE }, { "metered", IFACE_METERED },
	{ "exclude", IFACE_EXCLUDE }, { "include", IFACE_INCLUDE }, { NULL, 0 },
};
static const char *const COMMANDS_OPTIONS[] = {
	"--json", "--socket", "--help", "--version", NULL
};

/* id is del's alone, backup add's alone. */
enum { SUBFLOW_TOKEN, SUBFLOW_ADDRESS, SUBFLOW_LPORT, SUBFLOW_REMOTE,
       SUBFLOW_RPORT, SUBFLOW_ID, SUBFLOW_BACKUP, SUBFLOW_N };
static const struct commands_kw COMMANDS_SUBFLOW_KW[SUBFLOW_N] = {
	[SUBFLOW_TOKEN] = { "token", COMMANDS_VALUE_TOKEN, -1 },
	[SUBFLOW_ADDRESS] = { "address", COMMANDS_VALUE_ADDRESS, -1 },
	[SUBFLOW_LPORT] = { "port", COMMANDS_VALUE_PORT, SUBFLOW_ADDRESS },
	[SUBFLOW_REMOTE] = { "remote", COMMANDS_VALUE_ADDRESS, -1 },
	[SUBFLOW_RPORT] = { "port", COMMANDS_VALUE_PORT, SUBFLOW_REMOTE },
	[SUBFLOW_ID] = { "id", COMMANDS_VALUE_ID, -1 },
	[SUBFLOW_BACKUP] = { "backup", COMMANDS_VALUE_NONE, -1 },
};

enum { ANNOUNCE_TOKEN, ANNOUNCE_ADDRESS, ANNOUNCE_N };
static const struct commands_kw COMMANDS_ANNOUNCE_KW[ANNOUNCE_N] = {
	[ANNOUNCE_TOKEN] = { "token", COMMANDS_VALUE_TOKEN, -1 },
	[ANNOUNCE_ADDRESS] = { "address", COMMANDS_VALUE_ADDRESS, -1 },
};

enum { REMOVE_TOKEN, REMOVE_ID, REMOVE_N };
static const struct commands_kw COMMANDS_REMOVE_KW[REMOVE_N] = {
	[REMOVE_TOKEN] = { "token", COMMANDS_VALUE_TOKEN, -1 },
	[REMOVE_ID] = { "id", COMMANDS_VALUE_ID, -1 },
};

/* ---- errors and small validators ---- */

__attribute__((format(printf, 2, 3)))
static int commands_fail(struct commands_request *req, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req->err, sizeof(req->err), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* One of the words of t; *value is what it stands for. */
static int commands_check_enum(struct commands_request *req, const char *what,
			       const struct ctl_word *t, const char *w,
			       int *value)
{
	char all[128] = "";

	if (ctl_word_to_value(t, w, value))
		return 0;
	for (int i = 0; t[i].word; i++) {
		strncat(all, i ? "|" : "", sizeof(all) - strlen(all) - 1);
		strncat(all, t[i].word, sizeof(all) - strlen(all) - 1);
	}
	return commands_fail(req, "%s must be %s, not '%s'", what, all, w);
}

/* A token is the kernel's u32, written in hex; the daemon gets it
 * normalised to 8 lower-case digits. */
static int commands_check_token(struct commands_request *req, const char *w,
				char out[9])
{
	size_t len = strlen(w);

	if (len == 0 || len > 8 || strspn(w, "0123456789abcdefABCDEF") != len)
		return commands_fail(req, "token must be 1 to 8 hex digits, not '%s'", w);
	snprintf(out, 9, "%08lx", strtoul(w, NULL, 16));
	return 0;
}

static int commands_check_address(struct commands_request *req, const char *w,
				  int *family)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, w, buf) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, w, buf) == 1)
		*family = AF_INET6;
	else
		return commands_fail(req, "'%s' is not an IPv4 or IPv6 address", w);
	return 0;
}

static int commands_check_number(struct commands_request *req, const char *what,
				 const char *w, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(w, &end, 10);
	if (!isdigit((unsigned char)w[0]) || *end || errno || *out < 1 || *out > max)
		return commands_fail(req, "%s must be 1..%ld, not '%s'", what, max, w);
	return 0;
}

/* Mirrors the kernel's dev_valid_name(). */
static int commands_check_dev(struct commands_request *req, const char *w)
{
	size_t len = strlen(w);

	if (len == 0 || len > 15 || !strcmp(w, ".") || !strcmp(w, "..") ||
	    strpbrk(w, "/: \t\n"))
		return commands_fail(req, "'%s' is not a valid interface name", w);
	return 0;
}

static int commands_check_name(struct commands_request *req, const char *w)
{
	size_t len = strlen(w);
	const char *ok = "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

	if (len == 0 || len > 63 || strspn(w, ok) != len)
		return commands_fail(req, "'%s' is not a valid strategy name", w);
	return 0;
}

/* ---- JSON argument building ---- */

static struct json_object *commands_args(struct commands_request *req)
{
	if (!req->args)
		req->args = json_object_new_object();
	return req->args;
}

static void commands_add_string(struct commands_request *req, const char *key,
				const char *value)
{
	json_object_object_add(commands_args(req), key,
			       json_object_new_string(value));
}

static void commands_add_int(struct commands_request *req, const char *key,
			     long value)
{
	json_object_object_add(commands_args(req), key,
			       json_object_new_int64(value));
}

static void commands_add_bool(struct commands_request *req, const char *key,
			      bool value)
{
	json_object_object_add(commands_args(req), key,
			       json_object_new_boolean(value));
}

static int commands_add_token(struct commands_request *req, const char *w)
{
	char token[9];
	int err = commands_check_token(req, w, token);

	if (!err)
		commands_add_string(req, "token", token);
	return err;
}

/* ---- keyword lists (subflow, announce, remove) ---- */

static int commands_kw_lookup(const struct commands_kw *kw, int nkw,
			      const char *w, int last)
{
	for (int i = 0; i < nkw; i++)
		if (!strcmp(kw[i].name, w) && (kw[i].follows < 0 || kw[i].follows == last))
			return i;
	return -1;
}

static int commands_kw_value(struct commands_request *req,
			     const struct commands_kw *k, const char *w)
{
	char token[9];
	int family;
	long num;

	switch (k->value) {
	case COMMANDS_VALUE_NONE:
		return 0;
	case COMMANDS_VALUE_TOKEN:
		return commands_check_token(req, w, token);
	case COMMANDS_VALUE_ADDRESS:
		return commands_check_address(req, w, &family);
	case COMMANDS_VALUE_PORT:
		return commands_check_number(req, "port", w, 65535, &num);
	case COMMANDS_VALUE_ID:
		return commands_check_number(req, "id", w, 255, &num);
	}
	return 0;
}

static int commands_kw_unknown(struct commands_request *req,
			       const struct commands_kw *kw, int nkw,
			       const char *w)
{
	char after[64] = "";

	for (int i = 0; i < nkw; i++) {
		if (strcmp(kw[i].name, w) || kw[i].follows < 0)
			continue;
		snprintf(after + strlen(after), sizeof(after) - strlen(after),
			 "%s'%s ADDR'", after[0] ? " or " : "",
			 kw[kw[i].follows].name);
	}
	if (after[0])
		return commands_fail(req, "'%s' must follow %s", w, after);
	return commands_fail(req, "unexpected '%s'", w);
}

/* Walks "keyword [value]..." checking each value; every keyword at most
 * once.  Which keywords are required is the caller's business. */
static int commands_kw_parse(int n, char *const w[], const struct commands_kw *kw,
			     int nkw, struct commands_kw_found *f,
			     struct commands_request *req)
{
	int last = -1;

	for (int i = 0; i < n; i++) {
		int k = commands_kw_lookup(kw, nkw, w[i], last);

		if (k < 0)
			return commands_kw_unknown(req, kw, nkw, w[i]);
		if (f->seen[k])
			return commands_fail(req, "'%s' given twice", w[i]);
		f->seen[k] = true;
		last = k;
		if (kw[k].value == COMMANDS_VALUE_NONE)
			continue;
		if (++i == n)
			return commands_fail(req, "'%s' needs a value", kw[k].name);
		f->value[k] = w[i];
		if (commands_kw_value(req, &kw[k], w[i]))
			return -EINVAL;
	}
	return 0;
}

static int commands_kw_require(struct commands_request *req,
			       const struct commands_kw *kw,
			       const struct commands_kw_found *f, int k,
			       const char *what)
{
	if (f->seen[k])
		return 0;
	return commands_fail(req, "missing '%s %s'", kw[k].name, what);
}

/* ---- per-command parsers ---- */

static int commands_parse_none(int n, char *const w[], struct commands_request *req)
{
	if (n > 0)
		return commands_fail(req, "'%s' takes no arguments, got '%s'",
				     req->command, w[0]);
	return 0;
}

static int commands_parse_connection(int n, char *const w[],
				     struct commands_request *req)
{
	if (n != 1)
		return commands_fail(req, "%s", n ? "too many arguments" : "missing TOKEN");
	return commands_add_token(req, w[0]);
}

/* "30s", "10m", "1h", "2d" (a bare number: seconds) in milliseconds. */
static bool commands_duration_ms(const char *w, long long *ms)
{
	char *end;
	long long n;

	if (!isdigit((unsigned char)w[0]))
		return false;
	errno = 0;
	n = strtoll(w, &end, 10);
	if (errno || n > 366LL * 24 * 3600)
		return false;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		*ms = n * 1000;
	else if (!strcmp(end, "m"))
		*ms = n * 60 * 1000;
	else if (!strcmp(end, "h"))
		*ms = n * 3600 * 1000;
	else if (!strcmp(end, "d"))
		*ms = n * 86400 * 1000;
	else
		return false;
	return *ms <= 366LL * 24 * 3600 * 1000;
}

/* "2026-12-02T02:18:18" with an optional ".200" and an optional "Z"
 * (without it: local time), or "02:18:18" (today, local time): how long
 * ago, in milliseconds (0 for a time to come). */
static bool commands_time_ago_ms(const char *w, long long *ms)
{
	struct timespec now;
	struct tm tm = { 0 };
	const char *end = strptime(w, "%Y-%m-%dT%H:%M:%S", &tm);
	long long frac = 0, at;
	time_t t;

	clock_gettime(CLOCK_REALTIME, &now);
	if (!end) {
		time_t today = now.tv_sec;

		localtime_r(&today, &tm);
		end = strptime(w, "%H:%M:%S", &tm);
	}
	if (!end)
		return false;
	if (*end == '.') {
		int digits = 0;

		for (end++; isdigit((unsigned char)*end); end++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*end - '0');
		for (; digits > 0 && digits < 3; digits++)
			frac *= 10;
	}
	tm.tm_isdst = -1;
	t = *end == 'Z' ? timegm(&tm) : mktime(&tm);
	if (*end == 'Z')
		end++;
	if (*end || t == (time_t)-1)
		return false;
	at = (long long)t * 1000 + frac;
	*ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 - at;
	if (*ms < 0)
		*ms = 0;
	/* Further back than the daemon takes: all it has. */
	if (*ms > 366LL * 24 * 3600 * 1000)
		*ms = 366LL * 24 * 3600 * 1000;
	return true;
}

/* events [--since D|TIME] [--token T] (or since, token without dashes) */
static int commands_parse_events(int n, char *const w[],
				 struct commands_request *req)
{
	for (int i = 0; i < n; i += 2) {
		const char *k = w[i] + (strncmp(w[i], "--", 2) ? 0 : 2);
		long long ms;

		if (i + 1 >= n)
			return commands_fail(req, "'%s' needs a value", w[i]);
		if (!strcmp(k, "token")) {
			if (commands_add_token(req, w[i + 1]))
				return -EINVAL;
		} else if (!strcmp(k, "since")) {
			if (!commands_duration_ms(w[i + 1], &ms) &&
			    !commands_time_ago_ms(w[i + 1], &ms))
				return commands_fail(req, "--since takes a "
						     "duration (30s, 10m, 1h, "
						     "2d) or a time "
						     "(2026-12-02T02:18:18Z, "
						     "02:18:18), not '%s'",
						     w[i + 1]);
			commands_add_int(req, "since_ms", (long)ms);
		} else {
			return commands_fail(req, "unknown argument '%s'", w[i]);
		}
	}
	return 0;
}

/* The request has no arguments: --openmetrics only changes how the CLI
 * prints the answer. */
static int commands_parse_stats(int n, char *const w[],
				struct commands_request *req)
{
	if (n > 1)
		return commands_fail(req, "too many arguments");
	if (n == 1 && strcmp(w[0], "--openmetrics"))
		return commands_fail(req, "unknown option '%s' (only "
				     "--openmetrics)", w[0]);
	req->openmetrics = n == 1;
	return 0;
}

static int commands_parse_strategy(int n, char *const w[],
				   struct commands_request *req)
{
	if (n > 1)
		return commands_fail(req, "too many arguments");
	if (n == 0)
		return 0;
	if (commands_check_name(req, w[0]))
		return -EINVAL;
	commands_add_string(req, "name", w[0]);
	return 0;
}

static int commands_parse_interface(int n, char *const w[],
				    struct commands_request *req)
{
	const struct ctl_word *values;
	int what, value;

	if (n < 2)
		return commands_fail(req, "%s", n ? "missing what to set" : "missing IFACE");
	if (commands_check_dev(req, w[0]) ||
	    commands_check_enum(req, "setting", COMMANDS_IFACE_WORDS, w[1], &what))
		return -EINVAL;
	if (n < (what < IFACE_EXCLUDE ? 3 : 2))
		return commands_fail(req, "'%s' needs a value", w[1]);
	if (n > (what < IFACE_EXCLUDE ? 3 : 2))
		return commands_fail(req, "too many arguments after '%s'", w[1]);
	commands_add_string(req, "dev", w[0]);
	if (what >= IFACE_EXCLUDE) {
		commands_add_bool(req, "exclude", what == IFACE_EXCLUDE);
		return 0;
	}
	values = what == IFACE_METERED ? ctl_words_metered : ctl_words_iface_type;
	if (strcmp(w[2], CTL_WORD_AUTO) != 0 &&
	    commands_check_enum(req, w[1], values, w[2], &value))
		return -EINVAL;
	commands_add_string(req, w[1], w[2]);
	return 0;
}

static struct json_object *commands_endpoint(const char *address, const char *port)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "address", json_object_new_string(address));
	json_object_object_add(o, "port", json_object_new_int(port ? atoi(port) : 0));
	return o;
}

static int commands_subflow_check(const struct commands_kw_found *f, bool add,
				  struct commands_request *req)
{
	const struct commands_kw *kw = COMMANDS_SUBFLOW_KW;
	int lfam, rfam;

	if (commands_kw_require(req, kw, f, SUBFLOW_TOKEN, "TOKEN"))
		return -EINVAL;
	/* del by the subflow's local ID alone. */
	if (f->seen[SUBFLOW_ID]) {
		if (add)
			return commands_fail(req, "'id' only applies to 'subflow del'");
		for (int k = SUBFLOW_ADDRESS; k < SUBFLOW_ID; k++)
			if (f->seen[k])
				return commands_fail(req, "'subflow del id N' takes "
						     "no '%s'", kw[k].name);
		return 0;
	}
	if (commands_kw_require(req, kw, f, SUBFLOW_ADDRESS, "ADDR") ||
	    commands_kw_require(req, kw, f, SUBFLOW_REMOTE, "ADDR") ||
	    commands_kw_require(req, kw, f, SUBFLOW_RPORT, "P"))
		return -EINVAL;
	/* The kernel identifies a subflow to close by its 4-tuple. */
	if (!add && !f->seen[SUBFLOW_LPORT])
		return commands_fail(req, "'subflow del' needs the local 'port P'");
	if (!add && f->seen[SUBFLOW_BACKUP])
		return commands_fail(req, "'backup' only applies to 'subflow add'");
	commands_check_address(req, f->value[SUBFLOW_ADDRESS], &lfam);
	commands_check_address(req, f->value[SUBFLOW_REMOTE], &rfam);
	if (lfam != rfam)
		return commands_fail(req, "local and remote addresses are of different families");
	return 0;
}

static int commands_parse_subflow(int n, char *const w[],
				  struct commands_request *req)
{
	struct commands_kw_found f = { 0 };
	int add;

	if (n == 0)
		return commands_fail(req, "missing add|del");
	if (commands_check_enum(req, "operation", ctl_words_subflow_op, w[0], &add))
		return -EINVAL;
	if (commands_kw_parse(n - 1, w + 1, COMMANDS_SUBFLOW_KW, SUBFLOW_N, &f, req) ||
	    commands_subflow_check(&f, add, req))
		return -EINVAL;
	commands_add_token(req, f.value[SUBFLOW_TOKEN]);
	commands_add_string(req, "op", w[0]);
	if (f.seen[SUBFLOW_ID]) {
		json_object_object_add(commands_args(req), "id",
				       json_object_new_int(atoi(f.value[SUBFLOW_ID])));
		return 0;
	}
	json_object_object_add(commands_args(req), "local",
			       commands_endpoint(f.value[SUBFLOW_ADDRESS], f.value[SUBFLOW_LPORT]));
	json_object_object_add(commands_args(req), "remote",
			       commands_endpoint(f.value[SUBFLOW_REMOTE], f.value[SUBFLOW_RPORT]));
	commands_add_bool(req, "backup", f.seen[SUBFLOW_BACKUP]);
	return 0;
}

static int commands_parse_announce(int n, char *const w[],
				   struct commands_request *req)
{
	const struct commands_kw *kw = COMMANDS_ANNOUNCE_KW;
	struct commands_kw_found f = { 0 };

	if (commands_kw_parse(n, w, kw, ANNOUNCE_N, &f, req) ||
	    commands_kw_require(req, kw, &f, ANNOUNCE_TOKEN, "TOKEN") ||
	    commands_kw_require(req, kw, &f, ANNOUNCE_ADDRESS, "ADDR"))
		return -EINVAL;
	commands_add_token(req, f.value[ANNOUNCE_TOKEN]);
	commands_add_string(req, "address", f.value[ANNOUNCE_ADDRESS]);
	return 0;
}

static int commands_parse_remove(int n, char *const w[],
				 struct commands_request *req)
{
	const struct commands_kw *kw = COMMANDS_REMOVE_KW;
	struct commands_kw_found f = { 0 };

	if (commands_kw_parse(n, w, kw, REMOVE_N, &f, req) ||
	    commands_kw_require(req, kw, &f, REMOVE_TOKEN, "TOKEN") ||
	    commands_kw_require(req, kw, &f, REMOVE_ID, "ID"))
		return -EINVAL;
	commands_add_token(req, f.value[REMOVE_TOKEN]);
	commands_add_int(req, "id", atol(f.value[REMOVE_ID]));
	return 0;
}

/* ---- completion, per command (w = the words after the command) ---- */

static void commands_offer(struct commands_candidates *c, const char *word)
{
	if (c->n < COMMANDS_CANDIDATES_MAX && commands_candidate_matches(c, word))
		c->word[c->n++] = word;
}

static void commands_offer_list(struct commands_candidates *c,
				const char *const *list)
{
	for (int i = 0; list[i]; i++)
		commands_offer(c, list[i]);
}

static void commands_offer_words(struct commands_candidates *c,
				 const struct ctl_word *t)
{
	for (; t->word; t++)
		commands_offer(c, t->word);
}

static void commands_complete_none(int n, char *const w[],
				   struct commands_candidates *c)
{
}

static void commands_complete_connection(int n, char *const w[],
					 struct commands_candidates *c)
{
	if (n == 1)
		c->dynamic = COMMANDS_DYNAMIC_TOKEN;
}

static void commands_complete_events(int n, char *const w[],
				     struct commands_candidates *c)
{
	static const char *const words[] = { "--since", "--token", NULL };

	if (n % 2 == 1)
		commands_offer_list(c, words);
	else if (n >= 2 && strstr(w[n - 2], "token"))
		c->dynamic = COMMANDS_DYNAMIC_TOKEN;
}

static void commands_complete_strategy(int n, char *const w[],
				       struct commands_candidates *c)
{
	if (n == 1)
		c->dynamic = COMMANDS_DYNAMIC_STRATEGY;
}

static void commands_complete_stats(int n, char *const w[],
				    struct commands_candidates *c)
{
	(void)w;
	if (n == 1)
		commands_offer(c, "--openmetrics");
}

static void commands_complete_interface(int n, char *const w[],
					struct commands_candidates *c)
{
	if (n == 1)
		c->dynamic = COMMANDS_DYNAMIC_DEV;
	else if (n == 2)
		commands_offer_words(c, COMMANDS_IFACE_WORDS);
	else if (n == 3 && !strcmp(w[1], "type"))
		commands_offer_words(c, ctl_words_iface_type);
	else if (n == 3 && !strcmp(w[1], "metered"))
		commands_offer_words(c, ctl_words_metered);
	if (n == 3 && (!strcmp(w[1], "type") || !strcmp(w[1], "metered")))
		commands_offer(c, CTL_WORD_AUTO);
}

/* Replays the finished words to learn which keywords are used and whether
 * the word being typed is a keyword's value. */
/* except: a keyword not to offer (this form of the command has none), or
 * -1. */
static void commands_complete_kw(int n, char *const w[], const struct commands_kw *kw,
				 int nkw, int except, struct commands_candidates *c)
{
	bool seen[COMMANDS_KW_MAX] = { false };
	int last = -1;

	for (int i = 0; i < n - 1; i++) {
		int k = commands_kw_lookup(kw, nkw, w[i], last);

		if (k < 0)
			return;
		seen[k] = true;
		last = k;
		if (kw[k].value == COMMANDS_VALUE_NONE)
			continue;
		if (i == n - 2) {
			if (kw[k].value == COMMANDS_VALUE_TOKEN)
				c->dynamic = COMMANDS_DYNAMIC_TOKEN;
			return;
		}
		i++;
	}
	for (int k = 0; k < nkw; k++)
		if (!seen[k] && k != except &&
		    (kw[k].follows < 0 || kw[k].follows == last))
			commands_offer(c, kw[k].name);
}

static void commands_complete_subflow(int n, char *const w[],
				      struct commands_candidates *c)
{
	if (n == 1)
		commands_offer_words(c, ctl_words_subflow_op);
	else if (!strcmp(w[0], "add"))
		commands_complete_kw(n - 1, w + 1, COMMANDS_SUBFLOW_KW, SUBFLOW_N,
				     SUBFLOW_ID, c);
	else if (!strcmp(w[0], "del"))
		commands_complete_kw(n - 1, w + 1, COMMANDS_SUBFLOW_KW, SUBFLOW_N,
				     SUBFLOW_BACKUP, c);
}

static void commands_complete_announce(int n, char *const w[],
				       struct commands_candidates *c)
{
	commands_complete_kw(n, w, COMMANDS_ANNOUNCE_KW, ANNOUNCE_N, -1, c);
}

static void commands_complete_remove(int n, char *const w[],
				     struct commands_candidates *c)
{
	commands_complete_kw(n, w, COMMANDS_REMOVE_KW, REMOVE_N, -1, c);
}

/* ---- the command table ---- */

static const struct commands_def COMMANDS[] = {
	{ "status", "status", commands_parse_none, commands_complete_none, false, false },
	{ "connections", "connections", commands_parse_none, commands_complete_none, false, false },
	{ "connection", "connection TOKEN", commands_parse_connection,
	  commands_complete_connection, false, false },
	{ "interfaces", "interfaces", commands_parse_none, commands_complete_none, false, false },
	{ "policy", "policy", commands_parse_none, commands_complete_none, false, false },
	{ "stats", "stats [--openmetrics]", commands_parse_stats,
	  commands_complete_stats, false, false },
	{ "strategy", "strategy [NAME]", commands_parse_strategy,
	  commands_complete_strategy, false, false },
	{ "interface", "interface IFACE type wifi|cellular|ethernet|other|auto\n"
	  "interface IFACE metered yes|no|unknown|auto\n"
	  "interface IFACE exclude|include", commands_parse_interface,
	  commands_complete_interface, false, false },
	{ "subflow", "subflow add|del token TOKEN address ADDR [port P] "
	  "remote ADDR port P [backup] | subflow del token TOKEN id N",
	  commands_parse_subflow,
	  commands_complete_subflow, false, false },
	{ "announce", "announce token TOKEN address ADDR", commands_parse_announce,
	  commands_complete_announce, false, false },
	{ "remove", "remove token TOKEN id ID", commands_parse_remove,
	  commands_complete_remove, false, false },
	{ "monitor", "monitor", commands_parse_none, commands_complete_none, true, false },
	{ "reload", "reload", commands_parse_none, commands_complete_none, false, false },
	{ "events", "events [--since 10m|30s|1h|TIME] [--token TOKEN]",
	  commands_parse_events, commands_complete_events, false, false },
	{ "complete", "complete [WORDS...]", NULL, commands_complete_none, false, true },
};

#define COMMANDS_N (sizeof(COMMANDS) / sizeof(COMMANDS[0]))

static const struct commands_def *commands_find(const char *name)
{
	for (size_t i = 0; i < COMMANDS_N; i++)
		if (!strcmp(COMMANDS[i].name, name))
			return &COMMANDS[i];
	return NULL;
}

int commands_parse(int n, char *const words[], struct commands_request *req)
{
	const struct commands_def *def;

	memset(req, 0, sizeof(*req));
	if (n < 1)
		return commands_fail(req, "missing command");
	def = commands_find(words[0]);
	if (!def || !def->parse)
		return commands_fail(req, "unknown command '%s'", words[0]);
	req->command = def->name;
	req->usage = def->usage;
	req->monitor = def->monitor;
	if (def->parse(n - 1, words + 1, req) == 0)
		return 0;
	commands_request_release(req);
	return -EINVAL;
}

void commands_request_release(struct commands_request *req)
{
	json_object_put(req->args);
	req->args = NULL;
}

void commands_print_usage(FILE *out)
{
	for (size_t i = 0; i < COMMANDS_N; i++) {
		const char *u = COMMANDS[i].usage;

		if (COMMANDS[i].hidden)
			continue;
		/* Multi-line synopses print each line indented alike. */
		for (const char *nl; (nl = strchr(u, '\n')); u = nl + 1)
			fprintf(out, "  %.*s\n", (int)(nl - u), u);
		fprintf(out, "  %s\n", u);
	}
}

bool commands_candidate_matches(const struct commands_candidates *c,
				const char *candidate)
{
	return !strncmp(candidate, c->prefix, strlen(c->prefix));
}

/* Global options before the command; returns the command's index, or n-1
 * when the word being typed is still in the option area. */
static int commands_complete_options(int n, char *const words[],
				     struct commands_candidates *c)
{
	int i = 0;

	for (; i < n - 1 && words[i][0] == '-'; i++)
		if (!strcmp(words[i], "-s") || !strcmp(words[i], "--socket"))
			i++;
	if (i > n - 1) {	/* typing the value of -s */
		c->dynamic = COMMANDS_DYNAMIC_FILE;
		return -1;
	}
	if (i == n - 1 && words[i][0] == '-')
		commands_offer_list(c, COMMANDS_OPTIONS);
	return i;
}

void commands_complete(int n, char *const words[], struct commands_candidates *c)
{
	const struct commands_def *def;
	int i;

	if (n < 1) {	/* nothing typed yet: the same as one empty word */
		char empty[] = "";
		char *const one[] = { empty };

		commands_complete(1, one, c);
		c->prefix = "";
		return;
	}
	memset(c, 0, sizeof(*c));
	c->prefix = words[n - 1];
	i = commands_complete_options(n, words, c);
	if (i < 0 || c->n > 0)
		return;
	if (i == n - 1) {
		for (size_t k = 0; k < COMMANDS_N; k++)
			if (!COMMANDS[k].hidden)
				commands_offer(c, COMMANDS[k].name);
		return;
	}
	def = commands_find(words[i]);
	if (def)
		def->complete(n - i - 1, words + i + 1, c);
}
