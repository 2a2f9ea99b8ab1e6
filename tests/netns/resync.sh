#!/bin/bash
# Lost events: the daemon's event socket overflows (a tiny buffer, and the
# daemon stopped while 40 connections open), so the kernel drops their
# CREATED/ESTABLISHED events.  On ENOBUFS the daemon must rebuild its
# picture from sock_diag and give every connection its extra subflow, with
# no duplicates.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "recovery from lost events is the daemon's"

N=40
lab_setup v4
start_server 5000
MPTCPD_EVENT_RCVBUF=4096 start_daemon

kill -STOP "$DAEMON_PID"
start_client c -a "$SRV4" -p 5000 -n "$N" -d 8 -i 200
wait_until 10 eval '[ "$(count_subflows | grep -c .)" = "$N" ]' ||
	fail "expected $N connections, ss says: $(count_subflows | xargs)"
sleep 0.5
[ "$(count_subflows | grep -cx 1)" = "$N" ] ||
	fail "subflows appeared while the daemon was stopped: $(count_subflows | xargs)"
# The kernel's own count of messages it dropped on generic netlink sockets
# of this namespace (the daemon's are the only ones): proof that events
# really were lost.
genl_drops() { nsx "$C" awk '$2 == 16 { n += $9 } END { print n + 0 }' /proc/net/netlink; }
[ "$(genl_drops)" -gt 0 ] || fail "no event was dropped: the test did not test anything"
kill -CONT "$DAEMON_PID"

wait_until 10 conns_with_subflows "$N" 2 ||
	fail "expected $N connections with 2 subflows after the resync, ss says: $(count_subflows | xargs)"
wait_until 5 eval '[ "$(tcp_count_from 198.51.100.2 established)" = "$N" ]' ||
	fail "expected $N established subflows from 198.51.100.2"
[ -z "$(dup_subflows)" ] || fail "duplicate subflows: $(dup_subflows)"
wait_client c 20 || fail "the client failed: $(client_out c)"
pass
