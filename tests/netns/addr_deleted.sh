#!/bin/bash
# Addresses disappear under a running transfer.  First the second path's
# address (198.51.100.2): its subflows go, the connections go on over
# eth0.  Then, with 198.51.100.2 back, the INITIAL subflow's address
# (192.0.2.2): the connections go on over eth1 alone.  In the end every
# byte sent arrived, and no write failed.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

lab_setup v4
start_server 5000
start_daemon
start_client c -a "$SRV4" -p 5000 -n 2 -d 40 -i 50 -s 4000

wait_until 10 conns_with_subflows 2 2 ||
	fail "expected 2 connections with 2 subflows, ss says: $(count_subflows | xargs)"
wait_until 5 eval '[ "$(tcp_count_from 198.51.100.2 established)" = 2 ]' ||
	fail "expected 2 established subflows from 198.51.100.2"

log "deleting 198.51.100.2 (second path)"
ip -n "$C" addr del 198.51.100.2/24 dev eth1 || fail "addr del"
kpm_sync
wait_until 10 no_tcp_from 198.51.100.2 ||
	fail "subflows from the deleted 198.51.100.2 remain: $(tcp_from 198.51.100.2)"
wait_until 5 conns_with_subflows 2 1 ||
	fail "expected 2 connections with 1 subflow, ss says: $(count_subflows | xargs)"
sleep 1

log "re-adding 198.51.100.2"
client_addr_add 198.51.100.2 eth1
kpm_sync
wait_until 10 eval '[ "$(tcp_count_from 198.51.100.2 established)" = 2 ]' ||
	fail "the re-added 198.51.100.2 got no subflows back"

log "deleting 192.0.2.2 (initial subflow's address)"
ip -n "$C" addr del 192.0.2.2/24 dev eth0 || fail "addr del"
kpm_sync
wait_until 10 no_tcp_from 192.0.2.2 ||
	fail "subflows from the deleted 192.0.2.2 remain: $(tcp_from 192.0.2.2)"
[ "$(tcp_count_from 198.51.100.2 established)" = 2 ] ||
	fail "the eth1 subflows did not survive the deletion of 192.0.2.2"
sleep 2

stop_client c
wait_client c 15 || fail "the client failed: $(client_out c)"
[ "$(grep -c '^ok conns=2 errors=0$' "$TMP/c.out")" = 1 ] || fail "client: $(client_out c)"
wait_until 10 eval '[ "$(grep -c received= "$TMP/server-5000.out")" = 2 ]' ||
	fail "the server did not see both connections end: $(cat "$TMP/server-5000.out")"
sent=$(sed -n 's/^conn=[0-9]* sent=\([0-9]*\).*/\1/p' "$TMP/c.out" | sort | xargs)
received=$(sed -n 's/^conn=[0-9]* received=\([0-9]*\)$/\1/p' "$TMP/server-5000.out" | sort | xargs)
[ "$sent" = "$received" ] || fail "sent ($sent) != received ($received)"
log "sent=received: $sent"
pass
