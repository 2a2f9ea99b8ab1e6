#!/bin/bash
# Another program may unicast to a netlink socket whose port id it knows
# (/proc/net/netlink, ss -f netlink).  For generic netlink and rtnetlink
# the kernel allows that only with CAP_NET_ADMIN: first check that nobody
# is denied, then, as nobody holding CAP_NET_ADMIN alone (a network
# helper, say), forge to each of the daemon's sockets the MPTCP events of
# a connection that does not exist (created, established, announced:
# token 0badf00d, 192.0.2.0/24) and an RTM_NEWADDR of an address the host
# does not have: mptcpd-ctl shows neither, the daemon tried nothing for
# them, and it keeps running and managing the real connection it had.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the forged messages are aimed at the daemon's sockets"
command -v setpriv >/dev/null || skip "setpriv is not installed"
CTL=${MPTCPD_CTL:-$top_builddir/src/mptcpd-ctl}
NL_FORGE=${NL_FORGE:-$top_builddir/tests/tools/nl_forge}
[ -x "$CTL" ] || fail "$CTL is not built"
[ -x "$NL_FORGE" ] || fail "$NL_FORGE is not built (make check builds it)"

FAKE_TOKEN=0badf00d
FAKE_ADDR=192.0.2.77

ctl() { timeout 20 ip netns exec "$C" "$CTL" "$@"; }

# daemon_ports PROTOCOL: the port ids of the daemon's netlink sockets of
# that protocol (0 rtnetlink, 16 generic), from the namespace's
# /proc/net/netlink matched by inode against the daemon's descriptors.
daemon_ports() {
	local inodes
	inodes=$(find "/proc/$DAEMON_PID/fd" -type l -printf '%l\n' 2>/dev/null |
		sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | xargs)
	nsx "$C" cat /proc/net/netlink | awk -v proto="$1" -v inodes="$inodes" '
		BEGIN { n = split(inodes, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		NR > 1 && $2 == proto && ($NF in want) { print $3 }' | xargs
}

# forge ARGS...: nl_forge in the client namespace, as nobody with
# CAP_NET_ADMIN and no other capability.
forge() {
	timeout 20 ip netns exec "$C" setpriv --reuid=65534 --regid=65534 \
		--clear-groups --inh-caps=-all,+net_admin \
		--ambient-caps=-all,+net_admin "$TMP/nl_forge" "$@"
}
# forge_plain ARGS...: the same without any capability.
forge_plain() {
	timeout 20 ip netns exec "$C" setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$TMP/nl_forge" "$@"
}

fake_conn_listed() { ctl -j connections | grep -q "\"$FAKE_TOKEN\""; }
fake_addr_listed() { ctl -j interfaces | grep -q "\"$FAKE_ADDR\""; }

lab_setup v4
# nobody cannot reach into the build tree's parents, nor into $TMP.
chmod 0711 "$TMP"
install -m 0755 "$NL_FORGE" "$TMP/nl_forge"

start_daemon
start_server 5000
# A real connection first: events and command ACKs reach the daemon's
# sockets (connected to the kernel) and it gets its second subflow.
start_client c -a "$SRV4" -p 5000 -n 1 -d 30 -i 50 -s 2000
wait_until 10 conns_with_subflows 1 2 ||
	fail "the real connection did not get its subflow: $(count_subflows | xargs)"

genl_ports=$(daemon_ports 16)
rtnl_ports=$(daemon_ports 0)
log "daemon's generic netlink ports: $genl_ports; rtnetlink ports: $rtnl_ports"
# The event and the command socket; the monitor.
[ "$(wc -w <<<"$genl_ports")" -ge 2 ] || fail "expected 2 generic netlink sockets, found '$genl_ports'"
[ "$(wc -w <<<"$rtnl_ports")" -ge 1 ] || fail "expected an rtnetlink socket, found '$rtnl_ports'"
fake_conn_listed && fail "token $FAKE_TOKEN is listed before anything was forged"
fake_addr_listed && fail "$FAKE_ADDR is listed before anything was forged"

# The kernel's own rule: no capability, no unicast to another port.
# shellcheck disable=SC2086
out=$(forge_plain mptcp $genl_ports) || fail "nl_forge mptcp as nobody: $out"
grep -qv ': denied$' <<<"$out" && fail "nobody could send to the daemon's sockets: $out"
log "as nobody: $(xargs <<<"$out")"

# shellcheck disable=SC2086
out=$(forge mptcp $genl_ports) || fail "nl_forge mptcp: $out"
# Sent (the daemon must ignore them) or refused by the kernel (the socket
# is connected to it); denied would mean this test tried nothing.
grep -q ': denied$' <<<"$out" && fail "CAP_NET_ADMIN did not let nl_forge send: $out"
log "forged MPTCP events: $(xargs <<<"$out")"
ifindex=$(nsx "$C" cat /sys/class/net/eth0/ifindex)
# shellcheck disable=SC2086
out=$(forge newaddr "$ifindex" "$FAKE_ADDR" $rtnl_ports) || fail "nl_forge newaddr: $out"
grep -q ': denied$' <<<"$out" && fail "CAP_NET_ADMIN did not let nl_forge send: $out"
log "forged RTM_NEWADDR: $(xargs <<<"$out")"

# Give a daemon that took the bait time to act on it.
sleep 2
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died"
fake_conn_listed && fail "the daemon lists the forged connection $FAKE_TOKEN: $(ctl connections)"
fake_addr_listed && fail "the daemon lists the forged address $FAKE_ADDR: $(ctl interfaces)"
# Debug logging names every command the daemon sends: none for the
# forged connection (its joins would have failed in the kernel unseen).
grep -qi "$FAKE_TOKEN" "$DAEMON_LOG" && fail "the daemon acted on token $FAKE_TOKEN: $(grep -i "$FAKE_TOKEN" "$DAEMON_LOG" | head -3)"
conns_with_subflows 1 2 || fail "the real connection lost its subflow: $(count_subflows | xargs)"
ctl -j connections | grep -q '"token"' || fail "the real connection is no longer listed: $(ctl connections)"

stop_client c
wait_client c 15 || fail "the client failed: $(client_out c)"
pass
