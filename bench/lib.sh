# shellcheck shell=bash
# Helpers shared by the benchmarks; sourced after tests/netns/lib.sh.
# Timestamps come from the kernel's own events, read by the C recorder
# tests/tools/mptcp_events in the client namespace.

start_events() { # NAME
	ip netns exec "$C" "$MPTCP_EVENTS" -t 600 >"$TMP/ev-$1.txt" 2>"$TMP/ev-$1.err" &
	EVENTS_PID=$!
	LAB_PIDS+=("$EVENTS_PID")
	wait_until 5 grep -q ready "$TMP/ev-$1.err" || fail "mptcp_events did not start"
}

stop_events() {
	sleep 0.5	# let the last events arrive
	kill -TERM "$EVENTS_PID" 2>/dev/null
	wait "$EVENTS_PID" 2>/dev/null
}

# latencies FILE: ms from ESTABLISHED to the first SUB_ESTABLISHED from
# the second path, one line per connection that got one (mptcp_events
# prints the events by their protocol words: established,
# subflow-established, created).
latencies() {
	awk '$2 == "established" { tok = $3; if (!(tok in est)) est[tok] = $1 }
	     $2 == "subflow-established" && /saddr=198\.51\.100\.2/ {
		tok = $3; if ((tok in est) && !(tok in done)) {
			done[tok] = 1; printf "%.3f\n", ($1 - est[tok]) * 1000 } }' "$1"
}

# stats: "median p99 count" of the numbers on stdin.
stats() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - 0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		p = int(NR * 0.99 + 0.999); if (p > NR) p = NR
		printf "%.3f %.3f %d\n", m, v[p], NR }'
}

cpu_ns() { # PID: CPU time used so far, ns
	if [ -r "/proc/$1/schedstat" ]; then
		awk '{ print $1 }' "/proc/$1/schedstat"
	else
		awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1e9 / hz }' "/proc/$1/stat"
	fi
}

# user and system CPU ticks of PID ("utime stime").
cpu_ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; }

kb() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }

# Busy and total CPU ticks of the whole machine ("busy total"): the kernel
# PM's work runs in kworkers, so its cost only shows machine-wide.
machine_ticks() {
	awk '$1 == "cpu" { busy = $2 + $3 + $4 + $7 + $8; print busy, busy + $5 + $6; exit }' /proc/stat
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "-") printf "%.2fx", a / b; else print "-" }'; }

