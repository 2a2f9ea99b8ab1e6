/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Matching of [policy NAME] rules against what is known of a connection,
 * and the parsers of their port and prefix values.  Cheap keys first
 * (ports, prefixes, side), so that the owner lookup is only asked for
 * when a rule naming a user or cgroup could still match.
 */
#include <errno.h>
#include <stdarg.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "policy.h"

bool policy_rule_needs_owner(const struct policy_rule *r)
{
	return r->has_user || r->n_cgroups > 0;
}

static bool policy_port_in(const struct policy_port_range *v, size_t n,
			   uint16_t port)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (port >= v[i].lo && port <= v[i].hi)
			return true;
	return false;
}

static bool policy_prefix_in(const struct policy_rule *r,
			     const struct mptcpd_addr *a)
{
	struct mptcpd_addr plain = *a;

	if (r->n_prefixes == 0)
		return true;
	addr_unmap_v4(&plain);	/* a dual-stack socket's IPv4 peer */
	for (size_t i = 0; i < r->n_prefixes; i++)
		if (addr_in_prefix(&plain, &r->remote_prefixes[i].net,
				   r->remote_prefixes[i].len))
			return true;
	return false;
}

bool policy_cgroup_matches(const char *pattern, const char *path)
{
	while (*path == '/')
		path++;
	return fnmatch(pattern, path, 0) == 0;
}

/* The keys that need nothing but the connection's addresses. */
static bool policy_cheap_match(const struct policy_rule *r,
			       const struct policy_conn *c)
{
	if (r->side == POLICY_SIDE_SERVER && !c->server_side)
		return false;
	if (r->side == POLICY_SIDE_CLIENT && c->server_side)
		return false;
	return policy_port_in(r->remote_ports, r->n_remote_ports,
			      c->remote.port) &&
	       policy_port_in(r->local_ports, r->n_local_ports,
			      c->local.port) &&
	       policy_prefix_in(r, &c->remote);
}

static bool policy_owner_match(const struct policy_rule *r,
			       const struct policy_conn *c)
{
	const char *cg = c->cgroup ? c->cgroup : "";
	bool any = r->n_cgroups == 0;

	if (r->has_user && c->uid != r->uid)
		return false;
	for (size_t i = 0; i < r->n_cgroups && !any; i++)
		any = *cg && policy_cgroup_matches(r->cgroups[i], cg);
	return any;
}

int policy_match(const struct policy_rule *rules, size_t n,
		 const struct policy_conn *c)
{
	for (size_t i = 0; i < n; i++) {
		const struct policy_rule *r = &rules[i];

		if (!policy_cheap_match(r, c))
			continue;
		if (!policy_rule_needs_owner(r))
			return (int)i;
		if (!c->owner_known)
			return POLICY_NEED_OWNER;
		if (policy_owner_match(r, c))
			return (int)i;
	}
	return POLICY_NONE;
}

/* A port 1..65535, all of text; false otherwise. */
static bool policy_port(const char *text, size_t len, uint16_t *out)
{
	char buf[8];
	char *end;
	unsigned long v;

	if (len == 0 || len >= sizeof(buf) || text[0] < '0' || text[0] > '9')
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	v = strtoul(buf, &end, 10);
	if (*end || v < 1 || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

int policy_parse_port_range(const char *text, struct policy_port_range *out,
			    const char **why)
{
	const char *dash = strchr(text, '-');
	size_t len = strlen(text);

	if (!dash) {
		if (!policy_port(text, len, &out->lo))
			goto bad;
		out->hi = out->lo;
		return 0;
	}
	if (!policy_port(text, (size_t)(dash - text), &out->lo) ||
	    !policy_port(dash + 1, strlen(dash + 1), &out->hi))
		goto bad;
	if (out->lo > out->hi) {
		*why = "the range's first port is above its last";
		return -EINVAL;
	}
	return 0;
bad:
	*why = "a port is a number from 1 to 65535, a range is written 8000-8100";
	return -EINVAL;
}

int policy_parse_prefix(const char *text, struct policy_prefix *out,
			const char **why)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned int max;
	char *end;
	unsigned long len;

	*why = "not an IPv4 or IPv6 prefix (as in 192.0.2.0/24 or 2001:db8::/32)";
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, &out->net) < 0)
		return -EINVAL;
	max = out->net.family == AF_INET ? 32 : 128;
	len = max;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		len = strtoul(slash + 1, &end, 10);
		if (*end || len > max) {
			*why = "the prefix length is above the address's bits";
			return -EINVAL;
		}
	}
	out->len = (uint8_t)len;
	/* 192.0.2.1/24 is most likely a typo for a host or a network:
	 * refuse it rather than guess. */
	for (unsigned int bit = (unsigned int)len; bit < max; bit++) {
		const uint8_t *b = out->net.family == AF_INET ?
				   (const uint8_t *)&out->net.u.v4 :
				   (const uint8_t *)&out->net.u.v6;

		if (b[bit / 8] & (0x80u >> (bit % 8))) {
			*why = "bits are set after the prefix length (write the network, as in 192.0.2.0/24, or a host without /N)";
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- descriptions ---- */

struct policy_text {
	char *buf;
	size_t len, used;
};

static void __attribute__((format(printf, 2, 3)))
policy_put(struct policy_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->used >= t->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->used, t->len - t->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->used += (size_t)n;
	if (t->used >= t->len)
		t->used = t->len;	/* cut: snprintf terminated it */
}

static void policy_put_key(struct policy_text *t, const char *key)
{
	policy_put(t, "%s%s ", t->used ? " " : "", key);
}

static void policy_put_ports(struct policy_text *t, const char *key,
			     const struct policy_port_range *v, size_t n)
{
	if (!n)
		return;
	policy_put_key(t, key);
	for (size_t i = 0; i < n; i++) {
		policy_put(t, "%s%u", i ? "," : "", v[i].lo);
		if (v[i].hi != v[i].lo)
			policy_put(t, "-%u", v[i].hi);
	}
}

void policy_describe_match(const struct policy_rule *r, char *buf, size_t len)
{
	struct policy_text t = { buf, len, 0 };
	char a[ADDR_STRLEN];

	if (len)
		buf[0] = '\0';
	policy_put_ports(&t, "remote-port", r->remote_ports, r->n_remote_ports);
	if (r->n_prefixes)
		policy_put_key(&t, "remote-prefix");
	for (size_t i = 0; i < r->n_prefixes; i++)
		policy_put(&t, "%s%s/%u", i ? "," : "",
			   addr_str(&r->remote_prefixes[i].net, a, sizeof(a)),
			   r->remote_prefixes[i].len);
	policy_put_ports(&t, "local-port", r->local_ports, r->n_local_ports);
	if (r->side != POLICY_SIDE_ANY) {
		policy_put_key(&t, "server-side");
		policy_put(&t, "%s", r->side == POLICY_SIDE_SERVER ? "yes" : "no");
	}
	if (r->has_user) {
		policy_put_key(&t, "user");
		policy_put(&t, "%s", r->user);
	}
	if (r->n_cgroups)
		policy_put_key(&t, "cgroup");
	for (size_t i = 0; i < r->n_cgroups; i++)
		policy_put(&t, "%s%s", i ? "," : "", r->cgroups[i]);
}

void policy_describe_actions(const struct policy_rule *r,
			     const char *(*type_word)(int type),
			     char *buf, size_t len)
{
	static const char *const metered[] = {
		[POLICY_METERED_ALLOW] = "allow",
		[POLICY_METERED_BACKUP_ONLY] = "backup-only",
		[POLICY_METERED_NEVER] = "never",
	};
	struct policy_text t = { buf, len, 0 };
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	if (r->max_subflows) {
		policy_put_key(&t, "max-subflows");
		policy_put(&t, "%u", r->max_subflows);
	}
	if (r->iface_types)
		policy_put_key(&t, "interfaces");
	for (int type = 0; type < 32; type++)
		if (r->iface_types & (1u << type))
			policy_put(&t, "%s%s", n++ ? "," : "", type_word(type));
	if (r->metered != POLICY_METERED_DEFAULT) {
		policy_put_key(&t, "metered");
		policy_put(&t, "%s", metered[r->metered]);
	}
}
