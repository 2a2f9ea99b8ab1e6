#!/usr/bin/env bash
# How fast interactive moves a connection's data off a path whose RTT
# rose: tests/netns/interactive.sh, run N times (each in its own
# namespaces, each bounded by 180 s), a paced stream (200 bytes every
# 10 ms) on Wi-Fi while a download fills Wi-Fi's 400 ms tbf queue.
#
#   bash bench/interactive_switch.sh [BUILD_DIR]   (root; BUILD_DIR: build/)
#   INTERACTIVE_RUNS=N (5)
#
# Printed: per run and as median / max over the runs,
#   - switch: from the first ss sample (every 100 ms) where Wi-Fi's srtt
#     exceeds cellular's by the hysteresis (1.5x and +20 ms) to the first
#     where cellular's subflow is no longer backup and Wi-Fi's is.  The
#     design's budget: one RTT reading (every 200 ms) + the 500 ms hold +
#     one command; the 100 ms sampling blurs each figure by about that.
#   - back: from the end of the download to the first sample where Wi-Fi
#     carries again (a probe finds it fast, then the hold time).
# The kernel's path manager has no equivalent to compare with: it never
# moves data between subflows by RTT (its scheduler picks among the
# non-backup subflows per packet; the backup flags are the endpoints' and
# stay as configured).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
runs=${INTERACTIVE_RUNS:-5}
case $runs in ''|*[!0-9]*|0) echo "INTERACTIVE_RUNS: a number > 0" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 2; }
[ -x "$build/tests/tools/mptcp_conn" ] || { echo "build the tools first: make -C $build check TESTS=" >&2; exit 2; }

tmp=$(mktemp -d /tmp/interactive_switch.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

summary() { # FILE: "median max" of the numbers in it
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- -"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%d %d\n", m, v[NR] }'
}

for i in $(seq "$runs"); do
	if ! top_builddir=$build top_srcdir=$here CI=true timeout 180 \
		bash "$here/tests/netns/interactive.sh" >"$tmp/run$i.log" 2>&1; then
		grep -E '^\[interactive|FAIL' "$tmp/run$i.log"
		echo "run $i failed" >&2
		exit 1
	fi
	sw=$(sed -n 's/.*figures: switch_ms=\([0-9]*\).*/\1/p' "$tmp/run$i.log")
	back=$(sed -n 's/.*figures: .*back_ms=\([0-9]*\).*/\1/p' "$tmp/run$i.log")
	probes=$(sed -n 's/.*probes seen: \([0-9]*\).*/\1/p' "$tmp/run$i.log")
	echo "run $i: switch ${sw} ms after the rise, back on Wi-Fi ${back} ms after the download, ${probes} probes"
	echo "$sw" >>"$tmp/switch"
	echo "$back" >>"$tmp/back"
done
read -r sw_med sw_max < <(summary "$tmp/switch")
read -r back_med back_max < <(summary "$tmp/back")
echo "interactive over $runs runs: switch median ${sw_med} ms, max ${sw_max} ms; back median ${back_med} ms, max ${back_max} ms"
echo "kernel path manager: no equivalent (it never moves data by RTT)"
