#!/bin/bash
# With net.mptcp.path_manager=kernel the daemon cannot work: it must exit
# non-zero within a few seconds and tell the user which sysctl to change.
# (The one test that asserts on the daemon's output: it is its user-facing
# error message.)
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

lab_setup v4
set_pm "$C" kernel
[ -x "$MPTCPD" ] || { [ "$KERNEL_PM" = 1 ] && skip "kernel-PM mode and no daemon built"; }
[ -x "$MPTCPD" ] || fail "$MPTCPD is not built"
printf '[core]\nstrategy = fullmesh\n' >"$CONF"

ip netns exec "$C" "$MPTCPD" -f -c "$CONF" --log stderr >"$TMP/stdout" 2>"$TMP/stderr" &
pid=$!
LAB_PIDS+=("$pid")
for _ in $(seq 50); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "the daemon still runs after 5 s with path_manager=kernel"
wait "$pid"
rc=$?
log "exit status $rc; stderr: $(tail -n 3 "$TMP/stderr")"
[ "$rc" != 0 ] || fail "the daemon exited 0"
grep -q 'net\.mptcp\.path_manager' "$TMP/stderr" ||
	fail "stderr does not name net.mptcp.path_manager: $(cat "$TMP/stderr")"
pass
