/* SPDX-License-Identifier: BSD-3-Clause */
/* A netlink message built by hand, attribute by attribute, as the kernel
 * lays it out: shared by the tests that feed decoders crafted replies. */
#ifndef MPTCPD_TEST_NLBUF_H
#define MPTCPD_TEST_NLBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/netlink.h>

struct nl_buf {
	char b[1024] __attribute__((aligned(8)));
	size_t len;
};

/* Appends an attribute (data NULL: its payload is left as it is). */
static inline struct nlattr *nb_put(struct nl_buf *m, uint16_t type,
				    const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->b + m->len);

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (data)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(a->nla_len);
	return a;
}

/* Closes a nest opened with nb_put(m, type, NULL, 0). */
static inline void nb_end(struct nl_buf *m, struct nlattr *nest)
{
	nest->nla_len = (uint16_t)(m->b + m->len - (char *)nest);
}

#endif
