/* SPDX-License-Identifier: BSD-3-Clause */
/* The netlink helpers the edges share: libnl error codes as errno, the
 * extended-ack text of crafted error and done messages, laid out the way
 * the kernel's netlink_ack() and netlink_dump_done() lay them out, and
 * the refusal of datagrams that another program (not the kernel) sent. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>

#include "fixture.h"
#include "nlutil.h"

START_TEST(test_errno_nomem)
{
	ck_assert_int_eq(nlutil_errno(-NLE_NOMEM), -ENOMEM);
	ck_assert_int_eq(nlutil_errno(NLE_NOMEM), -ENOMEM);
}
END_TEST

START_TEST(test_errno_table)
{
	ck_assert_int_eq(nlutil_errno(0), 0);
	ck_assert_int_eq(nlutil_errno(-NLE_AGAIN), -EAGAIN);
	ck_assert_int_eq(nlutil_errno(-NLE_PERM), -EPERM);
	ck_assert_int_eq(nlutil_errno(-NLE_NOACCESS), -EACCES);
	ck_assert_int_eq(nlutil_errno(-NLE_OBJ_NOTFOUND), -ENOENT);
	ck_assert_int_eq(nlutil_errno(-NLE_INVAL), -EINVAL);
	ck_assert_int_eq(nlutil_errno(-NLE_OPNOTSUPP), -EOPNOTSUPP);
	ck_assert_int_eq(nlutil_errno(-NLE_RANGE), -ERANGE);
	ck_assert_int_eq(nlutil_errno(-NLE_EXIST), -EEXIST);
	ck_assert_int_eq(nlutil_errno(-NLE_BUSY), -EBUSY);
	ck_assert_int_eq(nlutil_errno(-NLE_MSGSIZE), -EMSGSIZE);
	/* rtnl_dump() retries on -EINTR: an interrupted dump. */
	ck_assert_int_eq(nlutil_errno(-NLE_DUMP_INTR), -EINTR);
	ck_assert_int_eq(nlutil_errno(-NLE_BAD_SOCK), -EBADF);
	/* No errno of its own. */
	ck_assert_int_eq(nlutil_errno(-NLE_FAILURE), -EIO);
}
END_TEST

/* The kernel's error field: an errno passes, what no errno is becomes
 * -EIO (strerror(-INT_MIN) would overflow). */
START_TEST(test_kernel_errno)
{
	ck_assert_int_eq(nlutil_kernel_errno(0), 0);
	ck_assert_int_eq(nlutil_kernel_errno(-ENOENT), -ENOENT);
	ck_assert_int_eq(nlutil_kernel_errno(-4095), -4095);
	ck_assert_int_eq(nlutil_kernel_errno(-4096), -EIO);
	ck_assert_int_eq(nlutil_kernel_errno(INT_MIN), -EIO);
	ck_assert_int_eq(nlutil_kernel_errno(7), 7);
}
END_TEST

/* ---- Crafted replies. ---- */

#define TEXT	"invalid token"

struct msg {
	char b[512] __attribute__((aligned(8)));
	size_t len;
};

static struct nlmsghdr *hdr(struct msg *m)
{
	return (struct nlmsghdr *)m->b;
}

static void put(struct msg *m, const void *data, size_t len)
{
	memcpy(m->b + m->len, data, len);
	m->len += NLMSG_ALIGN(len);
	hdr(m)->nlmsg_len = (uint32_t)m->len;
}

static void put_attr(struct msg *m, uint16_t type, const void *data,
		     size_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len),
			    .nla_type = type };

	memcpy(m->b + m->len, &a, sizeof(a));
	memcpy(m->b + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(NLA_HDRLEN + len);
	hdr(m)->nlmsg_len = (uint32_t)m->len;
}

/* An NLMSG_ERROR answering a request of request_len bytes (a header and
 * a payload of bytes 0xaa).  Capped: only the request's header is
 * echoed; uncapped: all of it, padded to 4 bytes. */
static void error_msg(struct msg *m, bool capped, uint32_t request_len)
{
	struct nlmsgerr e = { .error = -EINVAL };
	uint16_t flags = NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0);
	struct nlmsghdr h = { .nlmsg_type = NLMSG_ERROR, .nlmsg_flags = flags };
	char payload[64];

	memset(m, 0, sizeof(*m));
	put(m, &h, sizeof(h));
	e.msg.nlmsg_len = request_len;
	e.msg.nlmsg_type = 0x15;
	put(m, &e, sizeof(e));
	if (capped)
		return;
	ck_assert_uint_le(request_len - NLMSG_HDRLEN, sizeof(payload));
	memset(payload, 0xaa, sizeof(payload));
	put(m, payload, request_len - NLMSG_HDRLEN);
}

/* The kernel's text after an offset attribute, as for a bad attribute. */
static void ext_ack_attrs(struct msg *m)
{
	uint32_t offs = 20;

	put_attr(m, NLMSGERR_ATTR_OFFS, &offs, sizeof(offs));
	put_attr(m, NLMSGERR_ATTR_MSG, TEXT, sizeof(TEXT));
}

START_TEST(test_ext_ack_capped)
{
	struct msg m;

	error_msg(&m, true, 40);
	ext_ack_attrs(&m);
	ck_assert_str_eq(nlutil_ext_ack(hdr(&m)), TEXT);
}
END_TEST

/* A request of 22 bytes: its 6-byte payload is echoed padded to 8, and
 * the attributes start after the padding. */
START_TEST(test_ext_ack_uncapped)
{
	struct msg m;

	error_msg(&m, false, NLMSG_HDRLEN + 6);
	ck_assert_uint_eq(m.len, NLMSG_HDRLEN + sizeof(struct nlmsgerr) + 8);
	ext_ack_attrs(&m);
	ck_assert_str_eq(nlutil_ext_ack(hdr(&m)), TEXT);
}
END_TEST

START_TEST(test_ext_ack_uncapped_aligned)
{
	struct msg m;

	error_msg(&m, false, NLMSG_HDRLEN + 24);
	ext_ack_attrs(&m);
	ck_assert_str_eq(nlutil_ext_ack(hdr(&m)), TEXT);
}
END_TEST

START_TEST(test_ext_ack_done)
{
	struct nlmsghdr h = { .nlmsg_type = NLMSG_DONE,
			      .nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS };
	int32_t status = -EOPNOTSUPP;
	struct msg m;

	memset(&m, 0, sizeof(m));
	put(&m, &h, sizeof(h));
	put(&m, &status, sizeof(status));
	put_attr(&m, NLMSGERR_ATTR_MSG, TEXT, sizeof(TEXT));
	ck_assert_str_eq(nlutil_ext_ack(hdr(&m)), TEXT);
}
END_TEST

START_TEST(test_ext_ack_none)
{
	struct msg m;

	/* No NLM_F_ACK_TLVS: whatever follows is not extended ack. */
	error_msg(&m, true, 40);
	ext_ack_attrs(&m);
	hdr(&m)->nlmsg_flags &= (uint16_t)~NLM_F_ACK_TLVS;
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
	/* The flag but no attributes. */
	error_msg(&m, true, 40);
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
	/* Attributes but no message among them. */
	error_msg(&m, true, 40);
	put_attr(&m, NLMSGERR_ATTR_OFFS, "\0\0\0\0", 4);
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
	/* Not an error or done message. */
	error_msg(&m, true, 40);
	ext_ack_attrs(&m);
	hdr(&m)->nlmsg_type = NLMSG_NOOP;
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
}
END_TEST

START_TEST(test_ext_ack_truncated)
{
	struct msg m;

	/* Too short for its struct nlmsgerr. */
	error_msg(&m, true, 40);
	hdr(&m)->nlmsg_len = NLMSG_HDRLEN + 8;
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
	hdr(&m)->nlmsg_len = 4;
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
	/* The message attribute cut short: its NUL is beyond the end. */
	error_msg(&m, true, 40);
	ext_ack_attrs(&m);
	hdr(&m)->nlmsg_len -= 4;
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
	/* Uncapped, cut inside the echoed request. */
	error_msg(&m, false, NLMSG_HDRLEN + 24);
	ext_ack_attrs(&m);
	hdr(&m)->nlmsg_len = NLMSG_HDRLEN + sizeof(struct nlmsgerr) + 12;
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
}
END_TEST

START_TEST(test_ext_ack_malformed)
{
	struct nlattr *a;
	struct msg m;

	/* The echoed request claims to be shorter than a header. */
	error_msg(&m, false, NLMSG_HDRLEN);
	ext_ack_attrs(&m);
	((struct nlmsgerr *)NLMSG_DATA(hdr(&m)))->msg.nlmsg_len = 4;
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
	/* ... or longer than the message that holds it (the offset would
	 * wrap around in 32 bits). */
	((struct nlmsgerr *)NLMSG_DATA(hdr(&m)))->msg.nlmsg_len = 0xfffffffe;
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
	/* An attribute longer than what is left. */
	error_msg(&m, true, 40);
	ext_ack_attrs(&m);
	a = (struct nlattr *)(m.b + NLMSG_HDRLEN + sizeof(struct nlmsgerr));
	a->nla_len = 200;
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
	/* An attribute shorter than its own header. */
	a->nla_len = 2;
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
	/* A message attribute without its NUL. */
	error_msg(&m, true, 40);
	put_attr(&m, NLMSGERR_ATTR_MSG, "abcd", 4);
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
	/* An empty one. */
	error_msg(&m, true, 40);
	put_attr(&m, NLMSGERR_ATTR_MSG, "", 0);
	ck_assert_ptr_null(nlutil_ext_ack(hdr(&m)));
}
END_TEST

/* ---- Who may talk to us. ---- */

static struct sockaddr_nl nl_from(uint32_t port)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = port };

	return sa;
}

START_TEST(test_from_kernel)
{
	struct sockaddr_nl sa = nl_from(0);

	ck_assert(nlutil_from_kernel(&sa, sizeof(sa)));
	/* A user's socket: its port id, never 0. */
	sa = nl_from(4242);
	ck_assert(!nlutil_from_kernel(&sa, sizeof(sa)));
	/* No address, or a short one, proves nothing. */
	sa = nl_from(0);
	ck_assert(!nlutil_from_kernel(&sa, 0));
	ck_assert(!nlutil_from_kernel(&sa, sizeof(sa) - 1));
	sa.nl_family = AF_UNSPEC;
	ck_assert(!nlutil_from_kernel(&sa, sizeof(sa)));
}
END_TEST

/* Warnings captured through log_set_sink. */
static struct {
	int n;
	char last[256];
} warned;

static void warn_sink(int level, enum log_subsys sub, const char *msg,
		      void *arg)
{
	(void)arg;
	if (level != LOG_WARNING || sub != LOG_SUB_RTNL)
		return;
	warned.n++;
	snprintf(warned.last, sizeof(warned.last), "%s", msg);
}

START_TEST(test_accept_rate_limited)
{
	struct nlutil_guard g = NLUTIL_GUARD_INIT(LOG_SUB_RTNL, "test");
	struct sockaddr_nl kernel = nl_from(0), user = nl_from(4242);

	memset(&warned, 0, sizeof(warned));
	log_set_sink(warn_sink, NULL);
	ck_assert(nlutil_accept_at(&g, &kernel, sizeof(kernel), 100));
	ck_assert_uint_eq(g.dropped, 0);
	ck_assert_int_eq(warned.n, 0);
	/* The first refusal is logged with the sender's port. */
	ck_assert(!nlutil_accept_at(&g, &user, sizeof(user), 100));
	ck_assert_uint_eq(g.dropped, 1);
	ck_assert_int_eq(warned.n, 1);
	ck_assert_ptr_nonnull(strstr(warned.last, "port 4242"));
	ck_assert_ptr_nonnull(strstr(warned.last, "dropped"));
	ck_assert_ptr_nonnull(strstr(warned.last, "test socket"));
	/* A flood within the interval is counted, not logged. */
	for (int i = 0; i < 1000; i++)
		ck_assert(!nlutil_accept_at(&g, &user, sizeof(user),
					    100 + NLUTIL_WARN_INTERVAL_S - 1));
	ck_assert_uint_eq(g.dropped, 1001);
	ck_assert_int_eq(warned.n, 1);
	/* Then one line again, saying how many went unmentioned. */
	ck_assert(!nlutil_accept_at(&g, &user, sizeof(user),
				    100 + NLUTIL_WARN_INTERVAL_S));
	ck_assert_uint_eq(g.dropped, 1002);
	ck_assert_int_eq(warned.n, 2);
	ck_assert_ptr_nonnull(strstr(warned.last, "1000 more"));
	/* The kernel still gets through. */
	ck_assert(nlutil_accept(&g, &kernel, sizeof(kernel)));
	log_set_sink(NULL, NULL);
}
END_TEST

/* A datagram from one user socket to another's port; 0 or -errno. */
static int nl_send_to(int fd, uint32_t port)
{
	struct sockaddr_nl to = nl_from(port);
	struct nlmsghdr nlh = {
		.nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP,
	};

	if (sendto(fd, &nlh, sizeof(nlh), MSG_DONTWAIT,
		   (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

static uint32_t nl_port(int fd)
{
	struct sockaddr_nl sa;
	socklen_t len = sizeof(sa);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	return sa.nl_pid;
}

/* The kernel's answers still reach a connected socket: ask for an ACK
 * and read past the forgery queued before the connect. */
static void nl_ack_from_kernel(int fd)
{
	struct nlmsghdr req = {
		.nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = 7,
	};
	char buf[256] __attribute__((aligned(4)));
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct sockaddr_nl from;
	socklen_t len;

	ck_assert_int_eq(send(fd, &req, sizeof(req), 0), (int)sizeof(req));
	do {
		len = sizeof(from);
		ck_assert_int_ge(recvfrom(fd, buf, sizeof(buf), 0,
					  (struct sockaddr *)&from, &len),
				 (int)NLMSG_HDRLEN);
	} while (!nlutil_from_kernel(&from, len));
	ck_assert_uint_eq(nlh->nlmsg_type, NLMSG_ERROR);
	ck_assert_uint_eq(nlh->nlmsg_seq, 7);
}

/* With CAP_NET_ADMIN one socket may unicast to another's port of
 * NETLINK_ROUTE; once the target is connected to the kernel, the kernel
 * refuses that.  Without the capability (not root) the kernel refuses
 * the forgery anyway, and only the kernel's answer is checked. */
START_TEST(test_connect_kernel)
{
	int target, forger, err;

	target = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	forger = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (target < 0 || forger < 0)
		return;	/* no netlink in this sandbox */
	ck_assert_int_eq(bind(target, (struct sockaddr *)&(struct sockaddr_nl){
		.nl_family = AF_NETLINK }, sizeof(struct sockaddr_nl)), 0);
	/* Without the fix the forgery is delivered. */
	err = nl_send_to(forger, nl_port(target));
	ck_assert(err == 0 || err == -EPERM);
	ck_assert_int_eq(nlutil_connect_kernel(target), 0);
	if (err == 0)
		ck_assert_int_eq(nl_send_to(forger, nl_port(target)),
				 -ECONNREFUSED);
	nl_ack_from_kernel(target);
	close(forger);
	close(target);
}
END_TEST

static int count_msgs(const struct nlmsghdr *nlh, void *ctx)
{
	int *n = ctx;

	(*n)++;
	return nlh->nlmsg_type == NLMSG_DONE ? 7 : 0;
}

/* The one walk over a datagram's messages both diag walkers use. */
START_TEST(test_walk)
{
	struct nlmsghdr v[3];
	int n = 0;

	memset(v, 0, sizeof(v));
	v[0].nlmsg_len = v[1].nlmsg_len = v[2].nlmsg_len = sizeof(v[0]);
	v[0].nlmsg_type = v[1].nlmsg_type = 0x20;
	v[2].nlmsg_type = NLMSG_DONE;
	ck_assert_int_eq(nlutil_walk(v, sizeof(v), count_msgs, &n), 7);
	ck_assert_int_eq(n, 3);
	n = 0;
	ck_assert_int_eq(nlutil_walk(v, 2 * sizeof(v[0]), count_msgs, &n), 0);
	ck_assert_int_eq(n, 2);
	v[1].nlmsg_len = 3 * sizeof(v[0]);	/* past the datagram */
	n = 0;
	ck_assert_int_eq(nlutil_walk(v, 2 * sizeof(v[0]), count_msgs, &n), -EIO);
	ck_assert_int_eq(n, 1);
	v[1].nlmsg_len = 4;			/* shorter than a header */
	ck_assert_int_eq(nlutil_walk(v, sizeof(v), count_msgs, &n), -EIO);
}
END_TEST

static Suite *nlutil_suite(void)
{
	Suite *s = suite_create("nlutil");
	TCase *err = tcase_create("errno");
	TCase *ack = tcase_create("ext_ack");
	TCase *from = tcase_create("from_kernel");

	tcase_add_test(err, test_errno_nomem);
	tcase_add_test(err, test_errno_table);
	tcase_add_test(err, test_kernel_errno);
	tcase_add_test(ack, test_ext_ack_capped);
	tcase_add_test(ack, test_ext_ack_uncapped);
	tcase_add_test(ack, test_ext_ack_uncapped_aligned);
	tcase_add_test(ack, test_ext_ack_done);
	tcase_add_test(ack, test_ext_ack_none);
	tcase_add_test(ack, test_ext_ack_truncated);
	tcase_add_test(ack, test_ext_ack_malformed);
	tcase_add_test(from, test_from_kernel);
	tcase_add_test(from, test_accept_rate_limited);
	tcase_add_test(from, test_connect_kernel);
	tcase_add_test(ack, test_walk);
	suite_add_tcase(s, err);
	suite_add_tcase(s, ack);
	suite_add_tcase(s, from);
	return s;
}

FX_RUN(nlutil_suite)
