#!/bin/bash
# The systemd contract, with a stand-in for systemd's notification socket:
# READY=1 once, after start-up (by then the daemon already serves: a
# connection opened right after READY=1 gets its extra subflow), STATUS=
# lines naming the strategy, WATCHDOG=1 pings at half WatchdogSec, and
# STOPPING=1 on SIGTERM.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the systemd notifications come from the daemon"
command -v python3 >/dev/null || fail "python3 is needed (scripts/deps.sh installs it)"

lab_setup v4
start_server 5000
SOCK="$TMP/notify.sock"
python3 - "$SOCK" >"$TMP/notify.txt" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
end = time.time() + 20
while time.time() < end:
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        continue
    for line in msg.splitlines():
        print("%.3f %s" % (time.monotonic(), line), flush=True)
PY
LAB_PIDS+=("$!")
wait_until 5 [ -S "$SOCK" ] || fail "the notification socket stand-in did not start"

printf '[core]\nstrategy = fullmesh\n' >"$CONF"
NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=400000 \
	ip netns exec "$C" "$MPTCPD" -f -c "$CONF" --log stderr >"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
LAB_PIDS+=("$DAEMON_PID")
wait_until 5 grep -q ' READY=1$' "$TMP/notify.txt" || fail "no READY=1: $(cat "$TMP/notify.txt")"
start_client c -a "$SRV4" -p 5000 -n 1 -d 2 -w 2 -W 5
wait_until 5 conns_with_subflows 1 2 ||
	fail "a connection opened after READY=1 got no subflow: $(count_subflows | xargs)"
sleep 1
grep -q ' STATUS=fullmesh: ' "$TMP/notify.txt" || fail "no STATUS= line: $(cat "$TMP/notify.txt")"
pings=$(grep -c ' WATCHDOG=1$' "$TMP/notify.txt")
[ "$pings" -ge 3 ] || fail "$pings WATCHDOG=1 pings in about 1.5 s with WatchdogSec=0.4s"
[ "$(grep -c ' READY=1$' "$TMP/notify.txt")" = 1 ] || fail "READY=1 sent more than once"
stop_daemon
wait_until 2 grep -q ' STOPPING=1$' "$TMP/notify.txt" || fail "no STOPPING=1 on SIGTERM"
wait_client c 10 || fail "the client failed: $(client_out c)"
pass
