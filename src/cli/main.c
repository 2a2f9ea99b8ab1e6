/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mptcpd-ctl: look at and steer a running mptcpd over its control socket.
 * This file owns the process side: options, exit statuses and their
 * messages, signals.  The grammar is in commands.c, the transport in
 * client.c, the printing in output.c.
 */
#ifdef HAVE_CONFIG_H
#include "autoconf.h"
#endif
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/output.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define MAIN_TIMEOUT_MS 10000		/* any answer but monitor events */
#define MAIN_COMPLETE_TIMEOUT_MS 1000	/* keep <TAB> snappy */
#define MAIN_START_HINT "start it with 'systemctl start mptcpd' (or point -s at its socket)"

struct main_opts {
	enum output_format fmt;
	char socket[PATH_MAX];
	int n;			/* words from the command on */
	char **words;
};

static void main_help(FILE *out)
{
	fputs("Usage: mptcpd-ctl [-j|--json] [-s|--socket PATH] COMMAND [ARGS]\n"
	      "       mptcpd-ctl -h|--help | -V|--version\n\nCommands:\n", out);
	commands_print_usage(out);
	fputs("\nOptions:\n"
	      "  -j, --json         print the daemon's JSON result (monitor: one event per line)\n"
	      "  -s, --socket PATH  control socket (default DIR/NETNS/control: DIR is\n"
	      "                     $MPTCPD_RUNTIME_DIRECTORY, $RUNTIME_DIRECTORY or\n"
	      "                     /run/mptcpd, NETNS this network namespace's inode)\n"
	      "  -h, --help         this text\n"
	      "  -V, --version      version and control protocol version\n\n"
	      "Exit status: 0 ok, 1 mptcpd refused the request, 2 usage error,\n"
	      "3 mptcpd not reachable, 4 permission denied, 5 protocol error.\n", out);
}

static int main_usage_error(const char *msg, const char *usage)
{
	fprintf(stderr, "mptcpd-ctl: %s\n", msg);
	if (!usage) {
		fputs("Try 'mptcpd-ctl --help'.\n", stderr);
		return CTL_EXIT_USAGE;
	}
	for (const char *nl; (nl = strchr(usage, '\n')); usage = nl + 1)
		fprintf(stderr, "usage: mptcpd-ctl %.*s\n", (int)(nl - usage), usage);
	fprintf(stderr, "usage: mptcpd-ctl %s\n", usage);
	return CTL_EXIT_USAGE;
}

static int main_set_socket(struct main_opts *o, const char *path)
{
	if (strlen(path) >= sizeof(o->socket))
		return main_usage_error("socket path too long", NULL);
	strcpy(o->socket, path);
	return -1;
}

/* getopt leaves optopt 0 for a long option, and then optind has moved
 * past it; a short one may sit inside a group like -jx. */
static int main_bad_option(const char *word, int opt)
{
	char msg[128], shortopt[3] = { '-', (char)opt, 0 };

	if (opt)
		word = shortopt;
	if (opt == 's' || !strcmp(word, "--socket"))
		snprintf(msg, sizeof(msg), "option '%s' needs a PATH", word);
	else
		snprintf(msg, sizeof(msg), "unknown option '%s'", word);
	return main_usage_error(msg, NULL);
}

/* Without -s: the socket of this network namespace's daemon. */
static int main_default_socket(struct main_opts *o)
{
	int err = client_default_path(o->socket, sizeof(o->socket));

	if (err == -ENAMETOOLONG)
		return main_usage_error("runtime directory path too long", NULL);
	if (err < 0) {
		fprintf(stderr, "mptcpd-ctl: cannot tell the network namespace "
			"(/proc/self/ns/net: %s): point -s at the socket\n",
			strerror(-err));
		return CTL_EXIT_UNREACHABLE;
	}
	return -1;
}

/* Returns -1 to go on, or the exit status (help, version, bad option). */
static int main_options(int argc, char **argv, struct main_opts *o)
{
	static const struct option LONG[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, ret = -1;

	opterr = 0;	/* our own message, with the hint */
	while (ret < 0 && (opt = getopt_long(argc, argv, "+js:hV", LONG, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o->fmt = OUTPUT_FORMAT_JSON;
			break;
		case 's':
			ret = main_set_socket(o, optarg);
			break;
		case 'h':
			main_help(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf("mptcpd-ctl %s (control protocol %d)\n",
			       PACKAGE_VERSION, CTL_PROTO_VERSION);
			return CTL_EXIT_OK;
		default:
			return main_bad_option(argv[optind - 1], optopt);
		}
	}
	o->n = argc - optind;
	o->words = argv + optind;
	return ret < 0 && !o->socket[0] ? main_default_socket(o) : ret;
}

/* With -j, an error is one JSON object on stderr, as a result is on
 * stdout: {"error": {"code", "message", "reasons"}} (reasons: the
 * daemon's, when it gave any).  Returns status. */
static int main_json_error(const char *code, const char *message,
			   struct json_object *reasons, int status)
{
	struct json_object *o = json_object_new_object();
	struct json_object *e = json_object_new_object();

	if (!o || !e) {
		json_object_put(o);
		json_object_put(e);
		fprintf(stderr, "mptcpd-ctl: %s (%s)\n", message, code);
		return status;
	}
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	if (reasons)
		json_object_object_add(e, "reasons", json_object_get(reasons));
	json_object_object_add(o, "error", e);
	fprintf(stderr, "%s\n", json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return status;
}

/* An error of ours (not the daemon's answer): the text, or with -j the
 * same as JSON with the errno's name as its code. */
__attribute__((format(printf, 4, 5)))
static int main_error(enum output_format fmt, int err, int status,
		      const char *fmt_msg, ...)
{
	char msg[PATH_MAX + 256];
	const char *code = strerrorname_np(-err);
	va_list ap;

	va_start(ap, fmt_msg);
	vsnprintf(msg, sizeof(msg), fmt_msg, ap);
	va_end(ap);
	if (fmt == OUTPUT_FORMAT_JSON)
		return main_json_error(code ? code : "EIO", msg, NULL, status);
	fprintf(stderr, "mptcpd-ctl: %s\n", msg);
	return status;
}

static int main_connect_error(enum output_format fmt, int err, const char *path)
{
	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
		return main_error(fmt, err, CTL_EXIT_UNREACHABLE, "mptcpd is not "
				  "running (no socket at %s): " MAIN_START_HINT, path);
	case -ECONNREFUSED:
		return main_error(fmt, err, CTL_EXIT_UNREACHABLE, "mptcpd is not "
				  "running (nothing listens on %s): " MAIN_START_HINT,
				  path);
	case -EACCES:
	case -EPERM:
		return main_error(fmt, err, CTL_EXIT_PERM, "permission denied on "
				  "%s: mptcpd-ctl needs root or membership of "
				  "mptcpd's control group", path);
	case -ENAMETOOLONG:
		return main_usage_error("socket path too long for a UNIX socket", NULL);
	}
	return main_error(fmt, err, CTL_EXIT_UNREACHABLE, "cannot connect to %s: %s",
			  path, strerror(-err));
}

static int main_io_error(enum output_format fmt, int err)
{
	switch (err) {
	case -ETIMEDOUT:
		return main_error(fmt, err, CTL_EXIT_UNREACHABLE, "mptcpd did not "
				  "answer within %d s", MAIN_TIMEOUT_MS / 1000);
	case -ECONNRESET:
	case -EPIPE:
		return main_error(fmt, err, CTL_EXIT_UNREACHABLE, "mptcpd closed "
				  "the connection");
	case -EMSGSIZE:
		return main_error(fmt, err, CTL_EXIT_PROTO, "protocol error: "
				  "message over %d bytes", CTL_ANSWER_MAX);
	case -EBADMSG:
	case -EPROTO:
		return main_error(fmt, err, CTL_EXIT_PROTO, "protocol error: "
				  "unexpected answer from mptcpd (this is control "
				  "protocol version %d)", CTL_PROTO_VERSION);
	}
	return main_error(fmt, err, CTL_EXIT_UNREACHABLE, "%s", strerror(-err));
}

/* What to do about a refusal that is not final: nothing was changed. */
static void main_refused_hint(const struct client_error *e)
{
	if (!strcmp(e->code, CTL_ERR_EXISTS))
		fprintf(stderr, "mptcpd-ctl: nothing to do: it is already "
			"in place\n");
	else if (!strcmp(e->code, CTL_ERR_AGAIN))
		fprintf(stderr, "mptcpd-ctl: nothing was sent; run the command "
			"again later\n");
}

static int main_refused_status(const struct client_error *e)
{
	if (!strcmp(e->code, CTL_ERR_PERM))
		return CTL_EXIT_PERM;
	if (!strcmp(e->code, CTL_ERR_VERSION))
		return CTL_EXIT_PROTO;
	return CTL_EXIT_ERROR;
}

/* The daemon's reasons, one line each, indented under its message. */
static void main_refused_reasons(const struct client_error *e)
{
	for (size_t i = 0; e->reasons && i < json_object_array_length(e->reasons); i++) {
		const char *r = json_object_get_string(
			json_object_array_get_idx(e->reasons, i));
		char *esc = output_escape(r ? r : "?");

		fprintf(stderr, "mptcpd-ctl:   %s\n", esc ? esc : "?");
		free(esc);
	}
}

static int main_refused(enum output_format fmt, const char *command,
			const struct client_error *e)
{
	char *msg, *code;

	if (fmt == OUTPUT_FORMAT_JSON)
		return main_json_error(e->code, e->message, e->reasons,
				       main_refused_status(e));
	msg = output_escape(e->message);
	code = output_escape(e->code);
	fprintf(stderr, "mptcpd-ctl: %s (%s)\n", msg ? msg : "?", code ? code : "?");
	free(msg);
	free(code);
	main_refused_reasons(e);
	main_refused_hint(e);
	if (!strcmp(e->code, CTL_ERR_PERM))
		fprintf(stderr, "mptcpd-ctl: '%s' changes mptcpd and needs root or "
			"membership of mptcpd's control group\n", command);
	return main_refused_status(e);
}

/* A reader that went away (`| head`) is not an error. */
static int main_output_error(int err)
{
	if (err == 0 || err == -EPIPE)
		return CTL_EXIT_OK;
	fprintf(stderr, "mptcpd-ctl: write error: %s\n", strerror(-err));
	return CTL_EXIT_ERROR;
}

/* Sends req and waits for its answer.  On success *msg holds the
 * response (the caller puts it) and *result points into it. */
static int main_exchange(struct client *c, const struct commands_request *req,
			 enum output_format fmt, int timeout_ms, struct json_object **msg,
			 struct json_object **result)
{
	struct client_error e = { 0 };
	int err;

	err = client_send(c, req->command, req->args);
	if (err == -EMSGSIZE)
		return main_usage_error("request too big", NULL);
	/* A daemon with no free slot answers before it reads anything and
	 * closes: its refusal may be waiting although the send failed. */
	if (!err || err == -EPIPE || err == -ECONNRESET) {
		int rerr = client_receive(c, timeout_ms, NULL, msg);

		if (!err || !rerr)
			err = rerr;
	}
	if (err)
		return main_io_error(fmt, err);
	err = client_response(c, *msg, result, &e);
	if (err == -EREMOTEIO)
		return main_refused(fmt, req->command, &e);
	return err ? main_io_error(fmt, err) : CTL_EXIT_OK;
}

static int main_event(struct json_object *msg, enum output_format fmt)
{
	struct json_object *event;

	if (client_event(msg, &event))
		return main_io_error(fmt, -EPROTO);
	return main_output_error(output_event(stdout, fmt, event));
}

/* Prints events until Ctrl-C, SIGTERM, the daemon leaving or stdout
 * going away (noticed even while no event comes: `monitor | head -1`).
 * The signals arrive through a signalfd, so no handler and no global
 * flag are needed. */
static int main_monitor(struct client *c, int sfd, enum output_format fmt)
{
	const struct client_watch watch = { sfd, STDOUT_FILENO };

	for (;;) {
		struct json_object *msg = NULL;
		int err = client_receive(c, -1, &watch, &msg);
		int ret;

		if (err == -EINTR || err == -EPIPE)
			return CTL_EXIT_OK;
		if (err)
			return main_io_error(fmt, err);
		ret = main_event(msg, fmt);
		json_object_put(msg);
		if (ret != CTL_EXIT_OK || ferror(stdout))
			return ret;
	}
}

static int main_stop_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int main_run(const struct main_opts *o, const struct commands_request *req)
{
	struct json_object *msg = NULL, *result = NULL;
	struct client *c = NULL;
	int sfd = req->monitor ? main_stop_fd() : -1;
	int ret, err;

	err = client_new(o->socket, &c);
	if (err) {
		ret = main_connect_error(o->fmt, err, o->socket);
		goto out;
	}
	ret = main_exchange(c, req, o->fmt, MAIN_TIMEOUT_MS, &msg, &result);
	if (ret != CTL_EXIT_OK)
		goto out;
	if (req->monitor)	/* its result is an empty object: events follow */
		ret = main_monitor(c, sfd, o->fmt);
	else
		ret = main_output_error(output_result(stdout, req->openmetrics ?
				OUTPUT_FORMAT_OPENMETRICS : o->fmt, req->command,
				result));
out:
	json_object_put(msg);
	client_free(c);
	if (sfd >= 0)
		close(sfd);
	return ret;
}

/* ---- the hidden `complete` command ---- */

/* The -s given among the words being completed, if any. */
static const char *main_complete_socket(int n, char **w, const char *dflt)
{
	for (int i = 0; i < n - 1 && w[i][0] == '-'; i++) {
		if (!strncmp(w[i], "--socket=", 9))
			return w[i] + 9;
		if ((!strcmp(w[i], "-s") || !strcmp(w[i], "--socket")) && i + 2 < n)
			return w[i + 1];
	}
	return dflt;
}

/* Asks the daemon quietly; no daemon just means no candidates. */
static struct json_object *main_complete_fetch(const char *path, const char *command)
{
	struct json_object *msg = NULL, *result = NULL;
	struct client_error e;
	struct client *c = NULL;

	if (client_new(path, &c) == 0 && client_send(c, command, NULL) == 0 &&
	    client_receive(c, MAIN_COMPLETE_TIMEOUT_MS, NULL, &msg) == 0 &&
	    client_response(c, msg, &result, &e) == 0)
		json_object_get(result);
	else
		result = NULL;
	json_object_put(msg);
	client_free(c);
	return result;
}

static void main_complete_list(const struct commands_candidates *cand,
			       struct json_object *list, const char *key)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *v = json_object_array_get_idx(list, i);
		const char *s;

		if (key)
			json_object_object_get_ex(v, key, &v);
		s = json_object_get_string(v);
		if (s && commands_candidate_matches(cand, s)) {
			char *e = output_escape(s);	/* one word per line */

			printf("%s\n", e ? e : "");
			free(e);
		}
	}
}

/* Tokens come from "connections", strategy names from "strategy". */
static void main_complete_dynamic(const struct commands_candidates *cand,
				  const char *path)
{
	bool token = cand->dynamic == COMMANDS_DYNAMIC_TOKEN;
	struct json_object *res, *list = NULL;

	res = main_complete_fetch(path, token ? "connections" : "strategy");
	if (res && json_object_object_get_ex(res, token ? "connections" : "available",
					     &list) &&
	    json_object_is_type(list, json_type_array))
		main_complete_list(cand, list, token ? "token" : NULL);
	json_object_put(res);
}

static void main_complete_devs(const struct commands_candidates *cand)
{
	struct if_nameindex *ifs = if_nameindex();

	for (struct if_nameindex *i = ifs; i && i->if_index; i++)
		if (commands_candidate_matches(cand, i->if_name))
			printf("%s\n", i->if_name);
	if (ifs)
		if_freenameindex(ifs);
}

static int main_complete(int n, char **w, const char *socket)
{
	struct commands_candidates cand;

	if (n > 0 && !strcmp(w[0], "--"))
		n--, w++;
	commands_complete(n, w, &cand);
	for (size_t i = 0; i < cand.n; i++)
		printf("%s\n", cand.word[i]);
	switch (cand.dynamic) {
	case COMMANDS_DYNAMIC_NONE:
	case COMMANDS_DYNAMIC_FILE:	/* the shell completes paths */
		break;
	case COMMANDS_DYNAMIC_TOKEN:
	case COMMANDS_DYNAMIC_STRATEGY:
		main_complete_dynamic(&cand, main_complete_socket(n, w, socket));
		break;
	case COMMANDS_DYNAMIC_DEV:
		main_complete_devs(&cand);
		break;
	}
	return main_output_error(fflush(stdout) ? -errno : 0);
}

int main(int argc, char **argv)
{
	struct main_opts o = { .fmt = OUTPUT_FORMAT_TEXT };
	struct commands_request req;
	int ret;

	/* A closed stdout or socket shows up as EPIPE, handled in place. */
	signal(SIGPIPE, SIG_IGN);
	ret = main_options(argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (o.n == 0)
		return main_usage_error("missing command", NULL);
	if (!strcmp(o.words[0], "complete"))
		return main_complete(o.n - 1, o.words + 1, o.socket);
	if (commands_parse(o.n, o.words, &req))
		return main_usage_error(req.err, req.usage);
	ret = main_run(&o, &req);
	commands_request_release(&req);
	return ret;
}
