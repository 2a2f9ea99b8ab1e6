#!/usr/bin/env bash
# Idle cost of path health: N idle client connections (each with its
# Wi-Fi subflow and its backup cellular subflow, backup-cellular), then
# the daemon's CPU time (/proc/PID/stat utime + stime) over two 10 s
# windows, and its VmRSS.  What the daemon pays per tick should not grow
# with N (health.h: at most HEALTH_IDLE_BUDGET lookups a tick while idle).
#
#   bash bench/idle_cpu.sh [N] [BUILD_DIR]   (root; N: 1000; about 40 s)
#   MPTCPD=/path/to/other/mptcpd bash bench/idle_cpu.sh 10000
#
# The connections live 60 s (mptcp_conn's longest interval), long enough
# for the set-up and both windows.  The daemon runs without -d: debug
# logging would be what is measured.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000}
build=${2:-$here/build}
export top_builddir=$build top_srcdir=$here
export CI=true	# a bench is not a test: a missing piece is an error
PER=1000	# connections per mptcp_conn client and server, at most
CELL=198.51.100.2
# shellcheck source=../tests/netns/lib.sh
. "$here/tests/netns/lib.sh"
ulimit -n 8192

lab_setup v4
conf_wifi_cellular backup-cellular
for k in $(seq 0 $(((N - 1) / PER))); do start_server $((6000 + k)); done
echo "==== start $(date +%T.%N)" >>"$DAEMON_LOG"
ip netns exec "$C" "$MPTCPD" -f -c "$CONF" --log stderr >>"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
LAB_PIDS+=("$DAEMON_PID")
wait_until 10 grep -qw ready "$DAEMON_LOG" || fail "the daemon did not start"
for k in $(seq 0 $(((N - 1) / PER))); do
	n=$((N - k * PER))
	[ "$n" -le "$PER" ] || n=$PER
	# Write once (MPTCP needs data to be fully established), then idle.
	start_client "idle$k" -a "$SRV4" -p $((6000 + k)) -n "$n" -d 1 -i 60000 -s 10
	sleep 0.5
done
cells() { nsx "$C" ss -tnH state established src "$CELL" | grep -c .; }
for i in $(seq 40); do
	[ "$(cells)" -ge "$N" ] && break
	sleep 0.5
done
log "established cellular subflows: $(cells) of $N; Wi-Fi: $(tcp_count_from 192.0.2.2 established)"
sleep 8	# the writers' hot spell (HEALTH_HOT_HOLD_MS) is over
hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }
for run in 1 2; do
	a=$(ticks)
	sleep 10
	b=$(ticks)
	log "window $run: daemon CPU $(awk -v a="$a" -v b="$b" -v hz="$hz" \
		'BEGIN { printf "%.2f%% of a core", (b - a) * 100 / hz / 10 }')"
done
log "VmRSS: $(awk '/VmRSS/ { print $2, $3 }' "/proc/$DAEMON_PID/status")"
pass
