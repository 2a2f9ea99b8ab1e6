#!/bin/bash
# two_paths.sh over IPv6: the second subflow comes from 2001:db8:2::2 (eth1);
# a daemon killed and restarted adopts the connection and both subflows.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

lab_setup v6
start_server 5000
start_daemon
start_client c -a "$SRV6" -p 5000 -n 1 -d 8 -w 2 -W 10

wait_until 10 conns_with_subflows 1 2 ||
	fail "expected 1 connection with 2 subflows, ss says: $(count_subflows | xargs)"
wait_until 5 eval '[ "$(tcp_count_from 2001:db8:2::2 established)" = 1 ]' ||
	fail "no established TCP subflow from 2001:db8:2::2"
[ "$(tcp_count_from 2001:db8:1::2 established)" = 1 ] || fail "expected one subflow from 2001:db8:1::2"
[ -z "$(dup_subflows)" ] || fail "duplicate subflows: $(dup_subflows)"

# Adoption over IPv6: a daemon killed and restarted finds the connection
# and both IPv6 subflows in sock_diag (the IPv6 subflow dump is skipped
# only when there is no IPv6 MPTCP socket at all), and opens no duplicate.
stop_daemon KILL
start_daemon
v6_subflows_held() {
	timeout 10 ip netns exec "$C" "$top_builddir/src/mptcpd-ctl" -j connections |
		python3 -c 'import json, sys
c = json.load(sys.stdin)["connections"]
print(len(c), sum(len(x["subflows"]) for x in c))'
}
wait_until 5 eval '[ "$(v6_subflows_held)" = "1 2" ]' ||
	fail "after a restart the daemon holds (connections subflows): $(v6_subflows_held), not 1 2"
sleep 1
[ -z "$(dup_subflows)" ] || fail "duplicate subflows after the restart: $(dup_subflows)"

wait_client c 15 || fail "the client failed: $(client_out c)"
grep -qx "conn=0 sent=[0-9]* subflows=2 established=2" "$TMP/c.out" ||
	fail "MPTCP_INFO did not report 2 subflows: $(client_out c)"
pass
