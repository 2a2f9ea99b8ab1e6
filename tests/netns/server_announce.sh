#!/bin/bash
# Server side: mptcpd runs on the SERVER (userspace PM there), which has a
# second address, 203.0.113.3.  For each server-side connection it
# announces that address (the application's wildcard listener serves it),
# and the client, here the kernel's own path manager with
# add_addr_accepted raised, joins it.  When the address goes away the
# announcement is withdrawn (RM_ADDR) and the client's subflow to it goes.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "server-side announcements come from the daemon"

lab_setup v4
set_pm "$C" kernel
ip -n "$C" mptcp limits set subflows 8 add_addr_accepted 8 || fail "client limits"
set_pm "$S" userspace
ip -n "$S" addr add 203.0.113.3/24 dev eth0 || fail "second server address"
printf '[core]\nstrategy = fullmesh\nannounce = all\n' >"$CONF"
ip netns exec "$S" "$MPTCPD" -f -c "$CONF" --log stderr -d >"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
LAB_PIDS+=("$DAEMON_PID")
wait_until 10 grep -qw ready "$DAEMON_LOG" || fail "the daemon did not start"
start_server 5000
start_client c -a "$SRV4" -p 5000 -n 2 -d 10 -i 50

to_announced() { nsx "$C" ss -tnH state established dst 203.0.113.3 | grep -c .; }
wait_until 10 eval '[ "$(to_announced)" = 2 ]' ||
	fail "the client did not join the announced 203.0.113.3 on both connections ($(to_announced))"
# Only what a listener serves is announced: nothing listens on 203.0.113.3
# port 6000 alone, so a connection to a port-6000 listener bound to
# 203.0.113.2 gets no announcement.
ip netns exec "$S" "$MPTCP_CONN" server -a 203.0.113.2 -p 6000 -t 60 >"$TMP/s6000.out" 2>&1 &
LAB_PIDS+=("$!")
wait_until 5 listening 6000 || fail "no listener on 6000"
start_client d -a "$SRV4" -p 6000 -n 1 -d 3 -i 50
sleep 2
[ "$(nsx "$C" ss -tnH state established dst 203.0.113.3 dport = :6000 | grep -c .)" = 0 ] ||
	fail "an address with no listener behind it was announced"

log "removing 203.0.113.3 from the server"
ip -n "$S" addr del 203.0.113.3/24 dev eth0 || fail "addr del"
wait_until 10 eval '[ "$(to_announced)" = 0 ]' || fail "the client still has subflows to the withdrawn address"
wait_client c 20 || fail "the client failed: $(client_out c)"
wait_client d 10 || fail "the port-6000 client failed: $(client_out d)"
pass
