#!/bin/bash
# eth1 gets its address while 3 connections are live: each of them gets a
# subflow from the new address.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

LAB_NO_ETH1=1 lab_setup v4
start_server 5000
start_daemon
start_client c -a "$SRV4" -p 5000 -n 3 -d 30
wait_until 10 conns_with_subflows 3 1 ||
	fail "expected 3 connections with 1 subflow, ss says: $(count_subflows | xargs)"

log "adding 198.51.100.2 to eth1"
client_addr_add 198.51.100.2 eth1
kpm_sync
wait_until 10 conns_with_subflows 3 2 ||
	fail "expected 3 connections with 2 subflows, ss says: $(count_subflows | xargs)"
wait_until 5 eval '[ "$(tcp_count_from 198.51.100.2 established)" = 3 ]' ||
	fail "expected 3 established subflows from 198.51.100.2"
[ -z "$(dup_subflows)" ] || fail "duplicate subflows: $(dup_subflows)"

stop_client c
wait_client c 10 || fail "the client failed: $(client_out c)"
[ "$(grep -c 'subflows=2 established=2$' "$TMP/c.out")" = 3 ] ||
	fail "MPTCP_INFO does not show 2 subflows on each connection: $(client_out c)"
pass
