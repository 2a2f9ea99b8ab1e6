#!/usr/bin/env bash
# mptcpd against the kernel's in-kernel path manager doing the same job
# (a `subflow` endpoint on the second path), side by side in one run, in a
# throwaway namespace lab (tests/netns/lib.sh: two client uplinks, a router
# with strict reverse-path filtering, one server).
#
#   bash bench/bench.sh [BUILD_DIR]     (root; BUILD_DIR defaults to build/)
#
# Timestamps come from the kernel's own events, read by tests/tools/
# mptcp_events in the client namespace, never from the daemon's logs.
#   - 200 sequential connections: ESTABLISHED -> the extra subflow's
#     SUB_ESTABLISHED, median and p99.
#   - a burst of 1000 connections: how many got their extra subflow, and the
#     time from the first CREATED until the last of them had it; mptcpd's
#     CPU time for the burst and its peak RSS.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
export top_builddir=$build top_srcdir=$here
SEQ_CONNS=${SEQ_CONNS:-200}
BURST_CONNS=${BURST_CONNS:-1000}
PORT=8080	# kernel PM phase; the mptcpd phase uses PORT+1 on a fresh server
# The bench is not a test: a missing piece is an error, not a skip.
export CI=true
# shellcheck source=../tests/netns/lib.sh
. "$here/tests/netns/lib.sh"
# shellcheck source=lib.sh
. "$here/bench/lib.sh"
ulimit -n 8192

[ -x "$MPTCP_EVENTS" ] || fail "$MPTCP_EVENTS is not built: run 'make check' (or make tests/tools/mptcp_events) in $build"

# One connection at a time, each held until its extra subflow is up.
run_sequential() {
	local i
	for i in $(seq "$SEQ_CONNS"); do
		ip netns exec "$C" "$MPTCP_CONN" client -a "$SRV4" -p "$PORT" -n 1 -d 0 \
			-w 2 -W 5 >/dev/null 2>&1
	done
}

run_burst() {
	ip netns exec "$C" "$MPTCP_CONN" client -a "$SRV4" -p "$PORT" -n "$BURST_CONNS" \
		-d 1 -i 500 -w 2 -W 60 >"$TMP/burst.out" 2>&1
}

# burst_stats FILE: "joined seconds" (connections whose extra subflow came
# up; first CREATED to the last such SUB_ESTABLISHED).
burst_stats() {
	awk '$2 == "created" && first == "" { first = $1 }
	     $2 == "subflow-established" && /saddr=198\.51\.100\.2/ && !($3 in seen) {
		seen[$3] = 1; n++; last = $1 }
	     END { if (n == 0) { print "0 -"; exit }
		   printf "%d %.3f\n", n, last - first }' "$1"
}

bench_kernel() {
	log "kernel PM: subflow endpoint on eth1"
	set_pm "$C" kernel
	ip -n "$C" mptcp limits set subflows 8 add_addr_accepted 8
	ip -n "$C" mptcp endpoint add 198.51.100.2 dev eth1 subflow || fail "endpoint"
	start_events kernel-seq
	run_sequential
	stop_events
	start_events kernel-burst
	run_burst || log "kernel burst client: $(tail -n 1 "$TMP/burst.out")"
	stop_events
	ip -n "$C" mptcp endpoint flush
}

bench_mptcpd() {
	local pid cpu0 cpu1 ut0 st0 ut1 st1
	log "mptcpd: fullmesh"
	PORT=$((PORT + 1))
	start_server "$PORT"
	set_pm "$C" userspace
	printf '[core]\nstrategy = fullmesh\nlog-level = notice\n' >"$CONF"
	ip netns exec "$C" "$MPTCPD" -f -c "$CONF" --log stderr >>"$DAEMON_LOG" 2>&1 &
	pid=$!
	DAEMON_PID=$pid
	LAB_PIDS+=("$pid")
	# log-level notice hides the "ready" line: wait for the events socket.
	sleep 1
	kill -0 "$pid" 2>/dev/null || fail "mptcpd did not start"
	start_events mptcpd-seq
	run_sequential
	stop_events
	RSS_AFTER_SEQ=$(kb "$pid" VmRSS)
	start_events mptcpd-burst
	cpu0=$(cpu_ns "$pid")
	read -r ut0 st0 < <(cpu_ticks "$pid")
	run_burst || log "mptcpd burst client: $(tail -n 1 "$TMP/burst.out")"
	sleep 0.5
	cpu1=$(cpu_ns "$pid")
	read -r ut1 st1 < <(cpu_ticks "$pid")
	# System time includes the kernel's own work for each SUBFLOW_CREATE
	# (the join's SYN is built and sent in our sendmsg), which the kernel
	# PM does in a kworker; user time is the daemon's own overhead.
	CPU_SPLIT=$(awk -v u="$((ut1 - ut0))" -v s="$((st1 - st0))" -v hz="$(getconf CLK_TCK)" \
		-v n="$BURST_CONNS" 'BEGIN { printf "%.0f/%.0f", u * 1e6 / hz / n, s * 1e6 / hz / n }')
	stop_events
	CPU_US_PER_CONN=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$BURST_CONNS" \
		'BEGIN { printf "%.1f", (b - a) / 1000 / n }')
	PEAK_RSS=$(kb "$pid" VmHWM)
	stop_daemon
}

report() {
	local km kp kn mm mp mn kj ks mj ms
	read -r km kp kn < <(latencies "$TMP/ev-kernel-seq.txt" | stats)
	read -r mm mp mn < <(latencies "$TMP/ev-mptcpd-seq.txt" | stats)
	read -r kj ks < <(burst_stats "$TMP/ev-kernel-burst.txt")
	read -r mj ms < <(burst_stats "$TMP/ev-mptcpd-burst.txt")
	echo
	echo "mptcpd vs the in-kernel path manager ($(uname -r), two veth paths, no netem)"
	printf '%-46s %12s %12s %8s  %s\n' "measure" "kernel PM" "mptcpd" "ratio" "target"
	printf '%-46s %12s %12s %8s  %s\n' "seq $SEQ_CONNS: ESTABLISHED->SUB_ESTABLISHED median ms" \
		"$km" "$mm" "$(ratio "$mm" "$km")" "<= 2x"
	printf '%-46s %12s %12s %8s  %s\n' "seq $SEQ_CONNS: ESTABLISHED->SUB_ESTABLISHED p99 ms" \
		"$kp" "$mp" "$(ratio "$mp" "$kp")" "mptcpd < 1 ms"
	printf '%-46s %12s %12s %8s\n' "seq $SEQ_CONNS: connections measured" "$kn" "$mn" ""
	printf '%-46s %12s %12s %8s  %s\n' "burst $BURST_CONNS: got the extra subflow" \
		"$kj/$BURST_CONNS" "$mj/$BURST_CONNS" "" "all"
	printf '%-46s %12s %12s %8s  %s\n' "burst $BURST_CONNS: first connect -> all joined, s" \
		"$ks" "$ms" "$(ratio "$ms" "$ks")" "<= 1.3x"
	printf '%-46s %12s %12s %8s  %s\n' "burst $BURST_CONNS: mptcpd CPU per connection, us" \
		"-" "$CPU_US_PER_CONN" "" "< 50"
	printf '%-46s %12s %12s %8s  %s\n' "burst $BURST_CONNS: of which user/system, us" \
		"-" "$CPU_SPLIT" "" "(tick resolution)"
	printf '%-46s %12s %12s %8s  %s\n' "mptcpd RSS after the $SEQ_CONNS sequential, KiB" \
		"-" "$RSS_AFTER_SEQ" "" ""
	printf '%-46s %12s %12s %8s  %s\n' "mptcpd peak RSS (VmHWM), KiB" "-" "$PEAK_RSS" "" "< 4096"
}

lab_setup v4
start_server "$PORT"
bench_kernel
bench_mptcpd
report
