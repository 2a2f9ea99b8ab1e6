#!/bin/bash
# Break before make: every client address vanishes under a running
# transfer, so the connection is left with no subflow at all; 3 s later a
# NEW address appears (198.51.100.7 on eth1).  The same connection must get
# a subflow from it and finish: the client keeps writing during the gap
# (into its socket buffer), no write fails, and the server receives every
# byte the client sent.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

NEW=198.51.100.7

lab_setup v4
start_server 5000
start_daemon
# 20 KB/s: the 3 s gap fits in the socket buffer.
start_client c -a "$SRV4" -p 5000 -d 12 -i 50 -s 1000

wait_until 10 conns_with_subflows 1 2 ||
	fail "expected 1 connection with 2 subflows, ss says: $(count_subflows | xargs)"
wait_until 5 established_from 192.0.2.2 1 || fail "expected one established subflow from 192.0.2.2"
sleep 1

log "deleting every client address"
ip -n "$C" addr del 192.0.2.2/24 dev eth0 || fail "addr del 192.0.2.2"
ip -n "$C" addr del 198.51.100.2/24 dev eth1 || fail "addr del 198.51.100.2"
kpm_sync
wait_until 5 no_tcp_from 192.0.2.2 || fail "subflows from the deleted 192.0.2.2 remain: $(tcp_from 192.0.2.2)"
wait_until 5 no_tcp_from 198.51.100.2 ||
	fail "subflows from the deleted 198.51.100.2 remain: $(tcp_from 198.51.100.2)"
[ -z "$(nsx "$C" ss -tnH state established)" ] ||
	fail "established subflows remain: $(nsx "$C" ss -tnH state established)"
[ "$(count_subflows | grep -c .)" = 1 ] || fail "the connection did not survive the loss of every address"
sleep 3
client_alive c || fail "the client ended during the gap: $(client_out c)"
[ "$(count_subflows | grep -c .)" = 1 ] || fail "the connection did not survive the 3 s gap"

log "adding the new address $NEW"
ip -n "$C" addr add "$NEW/24" dev eth1 || fail "addr add $NEW"
ip -n "$C" route add default via 198.51.100.1 dev eth1 metric 200 || fail "route via eth1"
kpm_sync
t0=$(elapsed)
wait_until 10 established_from "$NEW" 1 || fail "the connection got no subflow from $NEW"
log "subflow from $NEW established $(since "$t0") s after the address appeared"

wait_client c 20 || fail "the client failed: $(client_out c)"
check_sent_received c 5000 1
# 12 s at 20 KB/s: the writes went on, into the buffer, during the gap.
sent=$(sed -n 's/^conn=0 sent=\([0-9]*\).*/\1/p' "$TMP/c.out")
[ "$sent" -ge 220000 ] || fail "the client wrote only $sent bytes: writes stalled during the gap"
pass
