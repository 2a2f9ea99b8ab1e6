#!/bin/bash
# One path manager per network namespace, and each namespace's mptcpd-ctl
# talks to its own daemon:
#  1. A second mptcpd in the same namespace (same runtime directory) exits
#     non-zero before touching the kernel, naming the running daemon's PID;
#     the first one keeps running and answering.
#  2. A daemon in another namespace, with the same MPTCPD_RUNTIME_DIRECTORY
#     and no other configuration, runs with a socket of its own; plain
#     "mptcpd-ctl status" (no -s) in each namespace reaches the daemon of
#     that namespace (told apart by PID), and in a third namespace with no
#     daemon it reaches none.
#  3. After a SIGTERM the lock is free again: a new daemon starts, though
#     the old lock file is still there.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the kernel PM is no daemon"
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) || skip "python3 is not installed"
CTL=$top_builddir/src/mptcpd-ctl
[ -x "$CTL" ] || fail "$CTL is not built"
[ -x "$MPTCPD" ] || fail "$MPTCPD is not built"
require_env

# status_pid NS: the "pid" that mptcpd-ctl, run in NS with its default
# socket path, gets from "status".
status_pid() {
	local out
	out=$(timeout 20 ip netns exec "$1" "$CTL" -j status 2>&1) ||
		{ echo "exit $?: $out"; return 1; }
	"$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["pid"])' <<<"$out"
}

ns_add "$C"; ns_add "$S"; ns_add "$R"
set_pm "$C" userspace
set_pm "$S" userspace
printf '[core]\nstrategy = fullmesh\n' >"$CONF"

# ---- 1. the same namespace twice.
start_daemon
FIRST=$DAEMON_PID
rc=0
timeout 20 ip netns exec "$C" "$MPTCPD" -f -c "$CONF" --log stderr \
	>"$TMP/second.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a second daemon in the same namespace exited 0: $(cat "$TMP/second.log")"
[ "$rc" != 124 ] || fail "a second daemon in the same namespace kept running"
grep -q "another mptcpd (pid $FIRST) manages this network namespace" "$TMP/second.log" ||
	fail "the refusal does not name pid $FIRST: $(cat "$TMP/second.log")"
! grep -qw ready "$TMP/second.log" || fail "the second daemon got ready: $(cat "$TMP/second.log")"
kill -0 "$FIRST" 2>/dev/null || fail "the first daemon died when the second one started"
[ "$(status_pid "$C")" = "$FIRST" ] || fail "status in $C: $(status_pid "$C"), expected pid $FIRST"
log "second daemon in $C: exit $rc, $(grep -o 'another mptcpd.*namespace' "$TMP/second.log")"

# ---- 2. another namespace, the same runtime directory, no configuration.
echo "==== start $(date +%T.%N)" >>"$TMP/s.log"
ip netns exec "$S" "$MPTCPD" -f -c "$CONF" --log stderr >>"$TMP/s.log" 2>&1 &
OTHER=$!
LAB_PIDS+=("$OTHER")
wait_until 10 grep -qw ready "$TMP/s.log" || fail "the daemon in $S did not start: $(cat "$TMP/s.log")"
wait_until 5 test -S "$(ns_dir "$S")/control" || fail "no control socket for $S: $(cat "$TMP/s.log")"
[ "$(status_pid "$S")" = "$OTHER" ] || fail "status in $S: $(status_pid "$S"), expected pid $OTHER"
[ "$(status_pid "$C")" = "$FIRST" ] || fail "status in $C: $(status_pid "$C"), expected pid $FIRST"
rc=0
timeout 20 ip netns exec "$R" "$CTL" status >"$TMP/r.out" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "mptcpd-ctl in $R (no daemon) exited $rc: $(cat "$TMP/r.out")"
log "$C answers as pid $FIRST, $S as pid $OTHER, $R: exit 3 ($(cut -c1-60 "$TMP/r.out"))"

# ---- 3. stopped, the namespace is free again.
stop_daemon TERM
[ -e "$(ns_dir "$C")/mptcpd.pid" ] || fail "the lock file is gone (it must stay)"
start_daemon
[ "$(status_pid "$C")" = "$DAEMON_PID" ] || fail "status in $C after a restart: $(status_pid "$C")"
log "restarted in $C as pid $DAEMON_PID"
pass
