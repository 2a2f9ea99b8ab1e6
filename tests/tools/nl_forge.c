/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nl_forge: what another local program can try on a netlink socket whose
 * port id it knows (ss -f netlink, /proc/net/netlink): unicast it a
 * message that looks like the kernel's.  The kernel lets only holders of
 * CAP_NET_ADMIN (in the namespace's user namespace) unicast to another
 * port of these protocols; an ordinary user gets EPERM.  For
 * tests/netns/forged_netlink.sh.
 *
 *   nl_forge mptcp PORT...
 *	MPTCP path-manager events for connection TOKEN_FAKE, each as its
 *	own datagram: "created" and "established" (192.0.2.2:40000 ->
 *	192.0.2.99:80), then "announced" (id 5, 192.0.2.98:80).  The
 *	mptcp_pm family id is resolved with CTRL_CMD_GETFAMILY.
 *   nl_forge newaddr IFINDEX ADDRESS PORT...
 *	An rtnetlink RTM_NEWADDR of ADDRESS/24 (IPv4) on IFINDEX.
 *
 * One line per port: "port N: sent K", "port N: refused" (the kernel
 * answered ECONNREFUSED: that socket is connected to the kernel) or "port
 * N: denied" (EPERM: we lack CAP_NET_ADMIN).  Exit status 0 when every
 * datagram was sent, refused or denied, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "mptcp_uapi.h"

#define TOKEN_FAKE	0x0badf00du
#define FORGE_BUF	512

/* A message under construction: header first, attributes appended. */
struct forge_msg {
	char b[FORGE_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t len;
};

static struct nlmsghdr *forge_hdr(struct forge_msg *m)
{
	return (struct nlmsghdr *)m->b;
}

static void forge_start(struct forge_msg *m, uint16_t type, uint16_t flags,
			const void *fixed, size_t fixed_len)
{
	memset(m, 0, sizeof(*m));
	m->len = NLMSG_HDRLEN;
	forge_hdr(m)->nlmsg_type = type;
	forge_hdr(m)->nlmsg_flags = flags;
	memcpy(m->b + m->len, fixed, fixed_len);
	m->len += NLMSG_ALIGN(fixed_len);
	forge_hdr(m)->nlmsg_len = (uint32_t)m->len;
}

static void forge_attr(struct forge_msg *m, uint16_t type, const void *data,
		       size_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len),
			    .nla_type = type };

	memcpy(m->b + m->len, &a, sizeof(a));
	memcpy(m->b + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(NLA_HDRLEN + len);
	forge_hdr(m)->nlmsg_len = (uint32_t)m->len;
}

static void forge_u8(struct forge_msg *m, uint16_t type, uint8_t v)
{
	forge_attr(m, type, &v, sizeof(v));
}

static void forge_u16(struct forge_msg *m, uint16_t type, uint16_t v)
{
	forge_attr(m, type, &v, sizeof(v));
}

static void forge_u32(struct forge_msg *m, uint16_t type, uint32_t v)
{
	forge_attr(m, type, &v, sizeof(v));
}

static void forge_ip4(struct forge_msg *m, uint16_t type, const char *text)
{
	struct in_addr a;

	if (inet_pton(AF_INET, text, &a) != 1) {
		fprintf(stderr, "nl_forge: bad IPv4 address %s\n", text);
		exit(1);
	}
	forge_attr(m, type, &a, sizeof(a));
}

static int forge_socket(int protocol)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);

	if (fd < 0) {
		perror("nl_forge: socket");
		exit(1);
	}
	return fd;
}

/* ---- the mptcp_pm family id, asked of the kernel's genl controller -- */

static int forge_family_in(const char *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct nlattr *a;
	uint16_t id;

	if (len < off || nlh->nlmsg_type != GENL_ID_CTRL ||
	    nlh->nlmsg_len > len)
		return -1;
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		a = (const struct nlattr *)(buf + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nlh->nlmsg_len)
			return -1;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID &&
		    a->nla_len == NLA_HDRLEN + sizeof(id)) {
			memcpy(&id, (const char *)a + NLA_HDRLEN, sizeof(id));
			return id;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return -1;
}

static int forge_resolve_mptcp(void)
{
	struct genlmsghdr g = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 };
	struct forge_msg m;
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd = forge_socket(NETLINK_GENERIC), id;
	ssize_t n;

	forge_start(&m, GENL_ID_CTRL, NLM_F_REQUEST, &g, sizeof(g));
	forge_attr(&m, CTRL_ATTR_FAMILY_NAME, MPTCP_PM_NAME,
		   sizeof(MPTCP_PM_NAME));
	if (send(fd, m.b, m.len, 0) < 0) {
		perror("nl_forge: CTRL_CMD_GETFAMILY");
		exit(1);
	}
	n = recv(fd, buf, sizeof(buf), 0);
	id = n > 0 ? forge_family_in(buf, (size_t)n) : -1;
	close(fd);
	if (id < 0) {
		fprintf(stderr, "nl_forge: no %s family\n", MPTCP_PM_NAME);
		exit(1);
	}
	return id;
}

/* ---- sending ------------------------------------------------------- */

struct forge_result {
	int sent, refused, denied, failed;
};

static void forge_send(int fd, uint32_t port, const struct forge_msg *m,
		       struct forge_result *r)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = port };

	if (sendto(fd, m->b, m->len, 0, (struct sockaddr *)&to,
		   sizeof(to)) >= 0)
		r->sent++;
	else if (errno == ECONNREFUSED)
		r->refused++;
	else if (errno == EPERM)
		r->denied++;
	else {
		fprintf(stderr, "nl_forge: port %u: %s\n", port,
			strerror(errno));
		r->failed++;
	}
}

static void forge_report(uint32_t port, const struct forge_result *r)
{
	if (r->failed)
		printf("port %u: failed\n", port);
	else if (r->sent)
		printf("port %u: sent %d\n", port, r->sent);
	else if (r->refused)
		printf("port %u: refused\n", port);
	else
		printf("port %u: denied\n", port);
}

static uint32_t forge_port(const char *text)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	if (*end || v == 0 || v > UINT32_MAX) {
		fprintf(stderr, "nl_forge: bad port id %s\n", text);
		exit(1);
	}
	return (uint32_t)v;
}

/* ---- the messages -------------------------------------------------- */

static void forge_mptcp_event(struct forge_msg *m, int family, uint8_t cmd)
{
	struct genlmsghdr g = { .cmd = cmd, .version = MPTCP_PM_VER };

	forge_start(m, (uint16_t)family, 0, &g, sizeof(g));
	forge_u32(m, MPTCP_ATTR_TOKEN, TOKEN_FAKE);
	forge_u16(m, MPTCP_ATTR_FAMILY, AF_INET);
	if (cmd == MPTCPD_KEV_ANNOUNCED) {
		forge_u8(m, MPTCP_ATTR_REM_ID, 5);
		forge_ip4(m, MPTCP_ATTR_DADDR4, "192.0.2.98");
		forge_u16(m, MPTCP_ATTR_DPORT, htons(80));
		return;
	}
	forge_ip4(m, MPTCP_ATTR_SADDR4, "192.0.2.2");
	forge_ip4(m, MPTCP_ATTR_DADDR4, "192.0.2.99");
	forge_u16(m, MPTCP_ATTR_SPORT, htons(40000));
	forge_u16(m, MPTCP_ATTR_DPORT, htons(80));
	forge_u8(m, MPTCP_ATTR_SERVER_SIDE, 0);
}

static int forge_mptcp(int argc, char **argv)
{
	static const uint8_t cmds[] = {
		MPTCPD_KEV_CREATED, MPTCPD_KEV_ESTABLISHED, MPTCPD_KEV_ANNOUNCED,
	};
	int family = forge_resolve_mptcp(), fd = forge_socket(NETLINK_GENERIC);
	int status = 0;
	struct forge_msg m;

	for (int i = 0; i < argc; i++) {
		struct forge_result r = { 0 };
		uint32_t port = forge_port(argv[i]);

		for (size_t k = 0; k < sizeof(cmds); k++) {
			forge_mptcp_event(&m, family, cmds[k]);
			forge_send(fd, port, &m, &r);
		}
		forge_report(port, &r);
		status |= r.failed != 0;
	}
	close(fd);
	return status;
}

static int forge_newaddr(int argc, char **argv)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 24,
				 .ifa_scope = RT_SCOPE_UNIVERSE };
	int fd = forge_socket(NETLINK_ROUTE), status = 0;
	struct forge_msg m;

	ifa.ifa_index = (uint32_t)atoi(argv[0]);
	forge_start(&m, RTM_NEWADDR, 0, &ifa, sizeof(ifa));
	forge_ip4(&m, IFA_LOCAL, argv[1]);
	forge_ip4(&m, IFA_ADDRESS, argv[1]);
	forge_u32(&m, IFA_FLAGS, IFA_F_PERMANENT);
	for (int i = 2; i < argc; i++) {
		struct forge_result r = { 0 };
		uint32_t port = forge_port(argv[i]);

		forge_send(fd, port, &m, &r);
		forge_report(port, &r);
		status |= r.failed != 0;
	}
	close(fd);
	return status;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "mptcp") == 0)
		return forge_mptcp(argc - 2, argv + 2);
	if (argc >= 5 && strcmp(argv[1], "newaddr") == 0)
		return forge_newaddr(argc - 2, argv + 2);
	fprintf(stderr, "usage: nl_forge mptcp PORT...\n"
		"       nl_forge newaddr IFINDEX ADDRESS PORT...\n");
	return 2;
}
