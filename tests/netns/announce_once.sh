#!/bin/bash
# Server side, two addresses to announce: mptcpd on the server announces
# each once per connection, and every client (the kernel's path manager,
# which takes one ADD_ADDR in at a time) joins both without waiting for
# our kernel's ADD_ADDR retransmission.  Sent back to back, the second
# announcement was dropped by the client and heard again ~200 ms later:
# 2.95 announcements per connection where 2 are due (59 for 20).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "server-side announcements come from the daemon"
N=20

lab_setup v4
set_pm "$C" kernel
ip -n "$C" mptcp limits set subflows 8 add_addr_accepted 8 || fail "client limits"
set_pm "$S" userspace
ip -n "$S" addr add 203.0.113.3/24 dev eth0 || fail "second server address"
ip -n "$S" addr add 203.0.113.4/24 dev eth0 || fail "third server address"
printf '[core]\nstrategy = fullmesh\nannounce = all\n' >"$CONF"
ip netns exec "$S" "$MPTCPD" -f -c "$CONF" --log stderr -d >"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
LAB_PIDS+=("$DAEMON_PID")
wait_until 10 grep -qw ready "$DAEMON_LOG" || fail "the daemon did not start"
ip netns exec "$C" "$MPTCP_EVENTS" -t 60 >"$TMP/ev.txt" 2>"$TMP/ev.err" &
LAB_PIDS+=("$!")
wait_until 5 grep -q ready "$TMP/ev.err" || fail "mptcp_events did not start"
start_server 5000
start_client c -a "$SRV4" -p 5000 -n "$N" -d 4 -i 20

joined() { [ "$(nsx "$C" ss -tnH state established '( dst 203.0.113.3 or dst 203.0.113.4 )' | grep -c .)" = $((2 * N)) ]; }
wait_until 10 joined || fail "the clients did not join both announced addresses on all $N connections"
wait_client c 20 || fail "the client failed: $(client_out c)"
sleep 0.5
! grep -q "events lost" "$TMP/ev.err" || fail "the event recorder lost events"
est=$(awk '$2 == "established" { n++ } END { print n + 0 }' "$TMP/ev.txt")
ann=$(awk '$2 == "announced" { n++ } END { print n + 0 }' "$TMP/ev.txt")
log "$est connections, $ann announcements heard"
[ "$est" = "$N" ] || fail "$est connections established, $N expected"
# Each address once is 2N.  A path manager on a loaded machine may take
# longer than the daemon's 150 ms pacing over an ADD_ADDR: one or two
# repeated by the kernel are tolerated (without pacing: 16 to 19).
[ "$ann" -ge $((2 * N)) ] && [ "$ann" -le $((2 * N + 2)) ] ||
	fail "$ann announcements heard for $N connections: each address once is $((2 * N))"
pass
