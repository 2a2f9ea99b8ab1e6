#!/bin/bash
# Connections opened before the daemon starts are adopted (they get their
# second subflow), and a daemon killed with SIGKILL and restarted adopts
# them again without opening duplicate subflows; the transfer completes.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

N=5
lab_setup v4
start_server 5000
start_client c -a "$SRV4" -p 5000 -n "$N" -d 40 -i 50 -s 2000
wait_until 10 conns_with_subflows "$N" 1 ||
	fail "expected $N connections with 1 subflow, ss says: $(count_subflows | xargs)"
sleep 1
conns_with_subflows "$N" 1 || fail "subflows appeared without a path manager: $(count_subflows | xargs)"

log "starting the daemon"
start_daemon
wait_until 10 conns_with_subflows "$N" 2 ||
	fail "connections were not adopted, ss says: $(count_subflows | xargs)"
wait_until 5 eval '[ "$(tcp_count_from 198.51.100.2 established)" = "$N" ]' ||
	fail "expected $N established subflows from 198.51.100.2"

log "SIGKILL and restart"
stop_daemon KILL
start_daemon
sleep 2
conns_with_subflows "$N" 2 || fail "after the restart, ss says: $(count_subflows | xargs)"
[ "$(tcp_count_from 198.51.100.2 established)" = "$N" ] ||
	fail "after the restart: $(tcp_count_from 198.51.100.2 established) subflows from 198.51.100.2"
[ -z "$(dup_subflows)" ] || fail "duplicate subflows: $(dup_subflows)"

stop_client c
wait_client c 15 || fail "the client failed: $(client_out c)"
[ "$(grep -c ' subflows=2 established=2$' "$TMP/c.out")" = "$N" ] ||
	fail "MPTCP_INFO: not $N connections with 2 subflows: $(client_out c)"
wait_until 10 eval '[ "$(grep -c received= "$TMP/server-5000.out")" = "$N" ]' ||
	fail "the server did not see every connection end"
sent=$(sed -n 's/^conn=[0-9]* sent=\([0-9]*\).*/\1/p' "$TMP/c.out" | sort | xargs)
received=$(sed -n 's/^conn=[0-9]* received=\([0-9]*\)$/\1/p' "$TMP/server-5000.out" | sort | xargs)
[ "$sent" = "$received" ] || fail "sent ($sent) != received ($received)"
pass
