#!/bin/bash
# 200 concurrent connections: every one of them gets its extra subflow.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

N=200
lab_setup v4
start_server 5000
start_daemon
start_client c -a "$SRV4" -p 5000 -n "$N" -d 5 -i 200 -w 2 -W 20

wait_until 25 grep -q '^subflows_ready=' "$TMP/c.out" || fail "the client never finished waiting"
log "$(grep '^subflows_ready=' "$TMP/c.out")"
grep -q "^subflows_ready=$N/$N " "$TMP/c.out" ||
	fail "not every connection got its second subflow: $(grep subflows_ready "$TMP/c.out")"
n=$(tcp_count_from 198.51.100.2 established)
[ "$n" = "$N" ] || fail "expected $N established subflows from 198.51.100.2, ss shows $n"
wait_until 5 conns_with_subflows "$N" 2 || fail "ss: not $N connections with 2 subflows each"
[ -z "$(dup_subflows)" ] || fail "duplicate subflows: $(dup_subflows | head)"

wait_client c 20 || fail "the client failed: $(tail -n 3 "$TMP/c.out")"
[ "$(grep -c ' subflows=2 established=2$' "$TMP/c.out")" = "$N" ] ||
	fail "MPTCP_INFO: not $N connections with 2 subflows"
pass
