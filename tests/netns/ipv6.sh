#!/bin/bash
# two_paths.sh over IPv6: the second subflow comes from 2001:db8:2::2 (eth1).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

lab_setup v6
start_server 5000
start_daemon
start_client c -a "$SRV6" -p 5000 -n 1 -d 3 -w 2 -W 10

wait_until 10 conns_with_subflows 1 2 ||
	fail "expected 1 connection with 2 subflows, ss says: $(count_subflows | xargs)"
wait_until 5 eval '[ "$(tcp_count_from 2001:db8:2::2 established)" = 1 ]' ||
	fail "no established TCP subflow from 2001:db8:2::2"
[ "$(tcp_count_from 2001:db8:1::2 established)" = 1 ] || fail "expected one subflow from 2001:db8:1::2"
[ -z "$(dup_subflows)" ] || fail "duplicate subflows: $(dup_subflows)"

wait_client c 15 || fail "the client failed: $(client_out c)"
grep -qx "conn=0 sent=[0-9]* subflows=2 established=2" "$TMP/c.out" ||
	fail "MPTCP_INFO did not report 2 subflows: $(client_out c)"
pass
