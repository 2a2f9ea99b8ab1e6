/* SPDX-License-Identifier: BSD-3-Clause */
/* Small builders shared by the unit tests. */
#ifndef MPTCPD_TEST_FIXTURE_H
#define MPTCPD_TEST_FIXTURE_H

#include <check.h>
#include <string.h>

#include "addr.h"
#include "mptcpd/strategy.h"

static inline struct mptcpd_addr fx_addr(const char *text, uint16_t port)
{
	struct mptcpd_addr a;

	ck_assert_msg(addr_parse(text, &a) == 0, "bad test address %s", text);
	a.port = port;
	return a;
}

static inline struct mptcpd_local_addr fx_local(const char *text, int ifindex,
						const char *ifname)
{
	struct mptcpd_local_addr l;

	memset(&l, 0, sizeof(l));
	l.addr = fx_addr(text, 0);
	l.ifindex = ifindex;
	strncpy(l.ifname, ifname, sizeof(l.ifname) - 1);
	return l;
}

static inline struct mptcpd_subflow fx_subflow(const char *local, uint16_t lport,
					       const char *remote, uint16_t rport)
{
	struct mptcpd_subflow s;

	memset(&s, 0, sizeof(s));
	s.local = fx_addr(local, lport);
	s.remote = fx_addr(remote, rport);
	s.state = MPTCPD_SUBFLOW_ESTABLISHED;
	return s;
}

/* Does the list hold an action of this type from local to remote:port? */
static inline int fx_count(const struct mptcpd_actions *out,
			   enum mptcpd_action_type type, const char *local,
			   const char *remote, uint16_t rport)
{
	struct mptcpd_addr l = fx_addr(local, 0), r = fx_addr(remote, rport);
	int n = 0;

	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].type == type &&
		    mptcpd_addr_same_ip(&out->v[i].local, &l) &&
		    mptcpd_addr_same_ip(&out->v[i].remote, &r) &&
		    out->v[i].remote.port == rport)
			n++;
	return n;
}

#define FX_RUN(suite_fn) \
	int main(void) \
	{ \
		SRunner *sr = srunner_create(suite_fn()); \
		int failed; \
		srunner_run_all(sr, CK_NORMAL); \
		failed = srunner_ntests_failed(sr); \
		srunner_free(sr); \
		return failed ? 1 : 0; \
	}

#endif
