#!/bin/bash
# Connections opened before the daemon starts are adopted (they get their
# second subflow; one not fully established yet only once it is, and
# "connections" shows it pending, with no age: adopted ones have none), and a daemon killed with SIGKILL and restarted adopts
# them again without opening duplicate subflows; the transfer completes.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

N=5
lab_setup v4
start_server 5000
start_client c -a "$SRV4" -p 5000 -n "$N" -d 40 -i 50 -s 2000
# One more that has sent nothing yet: its peer never acknowledged its key,
# so it is not fully established and the kernel refuses joins (ENOTCONN)
# until it sends; it goes on once $TMP/go appears.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) || skip "python3 is not installed"
ip netns exec "$C" timeout 60 "$PYTHON" -c '
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
s.connect((sys.argv[1], 5000))
print(s.getsockname()[1], flush=True)
for i in range(600):
    if os.path.exists(sys.argv[2]):
        break
    time.sleep(0.1)
s.sendall(b"x" * 1000)
time.sleep(30)' "$SRV4" "$TMP/go" >"$TMP/quiet.out" 2>&1 &
LAB_PIDS+=("$!")
wait_until 10 conns_with_subflows $((N + 1)) 1 ||
	fail "expected $((N + 1)) connections with 1 subflow, ss says: $(count_subflows | xargs)"
QPORT=$(head -n 1 "$TMP/quiet.out")
# quiet_subflows: the quiet connection's total subflows, as the kernel says.
quiet_subflows() {
	nsx "$C" ss -MiHOn state established sport = ":$QPORT" | awk '{
		n = 0
		for (i = 1; i <= NF; i++)
			if ($i ~ /^subflows:/) { sub("subflows:", "", $i); n = $i }
		print n + 1 }'
}
sleep 1
conns_with_subflows $((N + 1)) 1 || fail "subflows appeared without a path manager: $(count_subflows | xargs)"

log "starting the daemon"
start_daemon
wait_until 10 eval '[ "$(count_subflows | grep -cx 2)" = "$N" ]' ||
	fail "connections were not adopted, ss says: $(count_subflows | xargs)"
sleep 1
[ "$(quiet_subflows)" = 1 ] ||
	fail "the connection that is not fully established got a join: $(quiet_subflows) subflows"
a=$(timeout 10 ip netns exec "$C" "$top_builddir/src/mptcpd-ctl" -j connections |
	"$PYTHON" -c 'import json, sys
print(" ".join(sorted(c["state"] + "/" + str(c["age_s"]) + "/" + str("adopted_s" in c)
	for c in json.load(sys.stdin)["connections"])))')
[ "$a" = "$(printf 'established/None/True %.0s' $(seq "$N"))pending/None/True" ] ||
	fail "connections: not $N established and 1 pending, all adopted with no age: $a"
grep -q "not connected" "$DAEMON_LOG" &&
	fail "the daemon asked for a join the kernel refused: $(grep "not connected" "$DAEMON_LOG" | head -n 1)"
touch "$TMP/go"
wait_until 5 eval '[ "$(quiet_subflows)" = 2 ]' ||
	fail "the quiet connection got no join once established: $(quiet_subflows) subflows"
log "a connection not fully established was left alone (state pending) until it was"
wait_until 5 eval '[ "$(tcp_count_from 198.51.100.2 established)" = $((N + 1)) ]' ||
	fail "expected $((N + 1)) established subflows from 198.51.100.2"

log "SIGKILL and restart"
stop_daemon KILL
start_daemon
sleep 2
conns_with_subflows $((N + 1)) 2 || fail "after the restart, ss says: $(count_subflows | xargs)"
[ "$(tcp_count_from 198.51.100.2 established)" = $((N + 1)) ] ||
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
