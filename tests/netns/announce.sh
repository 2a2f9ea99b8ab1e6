#!/bin/bash
# The server (in-kernel PM) announces a second address with ADD_ADDR: the
# client, fullmesh, joins it from both local addresses: 4 subflows.  Then
# the server withdraws it (RM_ADDR): the two subflows toward it go, the
# connection goes on over the other two.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

lab_setup v4
ip -n "$S" addr add 203.0.113.3/24 dev eth0 || fail "server address"
ip -n "$S" mptcp endpoint add 203.0.113.3 dev eth0 signal || fail "server signal endpoint"
start_server 5000
start_daemon
start_client c -a "$SRV4" -p 5000 -n 1 -d 8 -w 4 -W 15

pair() { [ "$(nsx "$C" ss -tnH state established src "$(ss_addr "$1")" dst "$(ss_addr "$2")" | grep -c .)" = 1 ]; }
wait_until 15 conns_with_subflows 1 4 ||
	fail "expected 1 connection with 4 subflows, ss says: $(count_subflows | xargs)"
for src in 192.0.2.2 198.51.100.2; do
	for dst in 203.0.113.2 203.0.113.3; do
		wait_until 5 pair "$src" "$dst" || fail "no established subflow $src -> $dst"
	done
done
[ -z "$(dup_subflows)" ] || fail "duplicate subflows: $(dup_subflows)"

log "the server withdraws 203.0.113.3"
ip -n "$S" mptcp endpoint delete id "$(ip -n "$S" mptcp endpoint show |
	awk '$1 == "203.0.113.3" { for (i = 1; i < NF; i++) if ($i == "id") print $(i + 1) }')" ||
	fail "endpoint delete"
gone() { [ "$(nsx "$C" ss -tnH state established dst 203.0.113.3 | grep -c .)" = 0 ]; }
wait_until 10 gone || fail "subflows toward the withdrawn 203.0.113.3 remain"
wait_until 5 conns_with_subflows 1 2 ||
	fail "expected 1 connection with 2 subflows, ss says: $(count_subflows | xargs)"

wait_client c 20 || fail "the client failed: $(client_out c)"
grep -q "^conn=0 .* established=2$" "$TMP/c.out" ||
	fail "MPTCP_INFO did not report 2 subflows: $(client_out c)"
pass
