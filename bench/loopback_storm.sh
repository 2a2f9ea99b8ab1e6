#!/usr/bin/env bash
# The loopback storm: an unprivileged local user opens and closes MPTCP
# connections over 127.0.0.1 as fast as one process can (tests/tools/
# mptcp_churn as "nobody"), while real connections to the server are made
# one at a time and should get their extra subflow (eth1) at once.
# The kernel's own path manager (a subflow endpoint on eth1) and mptcpd
# (fullmesh) do the same job in the same run.
#
#   bash bench/loopback_storm.sh [BUILD_DIR]   (root; BUILD_DIR: build/)
#
# Printed: the storm's rate; the daemon's CPU (% of one core) and the whole
# machine's busy CPU over the storm; MP_JOIN SYNs sent over lo (joins
# attempted for loopback connections: nft counter); for the real
# connections, ESTABLISHED -> SUB_ESTABLISHED median and p99 (kernel
# events, recorded in C).  Targets (issue #8): mptcpd <= 10% of a core, no
# loopback join, p99 <= 5 ms, at >= 5000 connections/s.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
export top_builddir=$build top_srcdir=$here
STORM_SECONDS=${STORM_SECONDS:-8}
STORM_RATE=${STORM_RATE:-6000}	# connections/s; 0 = as fast as it goes
SEQ_CONNS=${SEQ_CONNS:-100}
PORT=8080
export CI=true	# a bench is not a test: a missing piece is an error
# shellcheck source=../tests/netns/lib.sh
. "$here/tests/netns/lib.sh"
# shellcheck source=lib.sh
. "$here/bench/lib.sh"
CHURN=$build/tests/tools/mptcp_churn
[ -x "$CHURN" ] && [ -x "$MPTCP_EVENTS" ] ||
	fail "build the tools first: make -C $build tests/tools/mptcp_churn tests/tools/mptcp_events"

# Joins sent over lo: only connections with both ends on this host.
lo_join_counter() {
	nsx "$C" nft -f - <<-'EOF' || fail "nft counter"
	table inet storm {
		chain out {
			type filter hook output priority 0; policy accept;
			oifname "lo" tcp flags & (syn | ack) == syn tcp option mptcp subtype 1 counter
		}
	}
	EOF
}
lo_joins() { nsx "$C" nft list table inet storm | awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'; }

# Real connections, one at a time, until the storm is over (bounded).
real_sequential() {
	local i
	for i in $(seq "$SEQ_CONNS"); do
		ip netns exec "$C" "$MPTCP_CONN" client -a "$SRV4" -p "$PORT" -n 1 -d 0 \
			-w 2 -W 5 >/dev/null 2>&1
		kill -0 "$CHURN_PID" 2>/dev/null || break
	done
}

# MP_JOIN SYNs this namespace sent, all paths (the kernel's counter).
join_syns() { nsx "$C" nstat -az MPTcpExtMPJoinSynTx | awk '$1 == "MPTcpExtMPJoinSynTx" { print $2 }'; }

# storm NAME [DAEMON_PID]: sets STORM_<NAME>="rate machine% daemon% lo-joins
# joins-beyond-one-per-real-connection".
storm() {
	local name=$1 pid=${2:-} m0 t0 m1 t1 c0=0 c1=0 j0 s0 rate real
	start_events "$name"
	j0=$(lo_joins)
	s0=$(join_syns)
	read -r m0 t0 < <(machine_ticks)
	[ -z "$pid" ] || c0=$(cpu_ns "$pid")
	ip netns exec "$C" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$CHURN" -a 127.0.0.1 -p 7000 -d "$STORM_SECONDS" -r "$STORM_RATE" >"$TMP/churn-$name.out" 2>&1 &
	CHURN_PID=$!
	LAB_PIDS+=("$CHURN_PID")
	sleep 0.5	# the storm is on before the first real connection
	real_sequential
	wait "$CHURN_PID" || fail "mptcp_churn: $(cat "$TMP/churn-$name.out")"
	read -r m1 t1 < <(machine_ticks)
	[ -z "$pid" ] || c1=$(cpu_ns "$pid")
	stop_events
	real=$(awk '$2 == "established" && !/daddr=127\./ { n++ } END { print n + 0 }' "$TMP/ev-$name.txt")
	rate=$(awk '{ sub(/\(/, "", $7); sub(/\/s\),?/, "", $7); print $7 }' "$TMP/churn-$name.out")
	eval "STORM_$name=\"$rate \
$(awk -v a="$m0" -v b="$m1" -v t="$((t1 - t0))" 'BEGIN { printf "%.0f", (b - a) * 100 / t * '"$(nproc)"' }') \
$(awk -v a="$c0" -v b="$c1" -v s="$STORM_SECONDS" 'BEGIN { printf "%.1f", (b - a) / 1e7 / s }') \
$(($(lo_joins) - j0)) $(($(join_syns) - s0 - real))\""
}

bench_kernel() {
	log "kernel PM: subflow endpoint on eth1"
	set_pm "$C" kernel
	ip -n "$C" mptcp limits set subflows 8 add_addr_accepted 8
	ip -n "$C" mptcp endpoint add 198.51.100.2 dev eth1 subflow || fail "endpoint"
	storm kernel
	ip -n "$C" mptcp endpoint flush
}

bench_mptcpd() {
	log "mptcpd: fullmesh"
	set_pm "$C" userspace
	printf '[core]\nstrategy = fullmesh\nlog-level = notice\n' >"$CONF"
	ip netns exec "$C" "$MPTCPD" -f -c "$CONF" --log stderr >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	LAB_PIDS+=("$DAEMON_PID")
	sleep 1
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "mptcpd did not start"
	storm mptcpd "$DAEMON_PID"
	stop_daemon
}

report() {
	local kr km kd kj kx mr mm md mj mx k50 k99 kn m50 m99 mn
	read -r kr km kd kj kx <<<"$STORM_kernel"
	read -r mr mm md mj mx <<<"$STORM_mptcpd"
	read -r k50 k99 kn < <(latencies "$TMP/ev-kernel.txt" | stats)
	read -r m50 m99 mn < <(latencies "$TMP/ev-mptcpd.txt" | stats)
	echo
	echo "loopback storm ($STORM_SECONDS s as uid 65534) vs the in-kernel PM ($(uname -r), $(nproc) CPUs)"
	printf '%-48s %11s %11s %8s  %s\n' "measure" "kernel PM" "mptcpd" "ratio" "target"
	printf '%-48s %11s %11s %8s  %s\n' "storm: loopback connections per second" "$kr" "$mr" "" ">= 5000"
	printf '%-48s %11s %11s %8s  %s\n' "machine busy CPU during the storm, % of one CPU" "$km" "$mm" "$(ratio "$mm" "$km")" ""
	printf '%-48s %11s %11s %8s  %s\n' "mptcpd CPU during the storm, % of one core" "-" "$md" "" "<= 10"
	printf '%-48s %11s %11s %8s  %s\n' "MP_JOIN SYNs over lo (joins for local conns)" "$kj" "$mj" "" "0"
	printf '%-48s %11s %11s %8s  %s\n' "MP_JOIN SYNs beyond one per real connection" "$kx" "$mx" "" "0"
	printf '%-48s %11s %11s %8s  %s\n' "real conns: ESTABLISHED->SUB_EST median ms" "$k50" "$m50" "$(ratio "$m50" "$k50")" ""
	printf '%-48s %11s %11s %8s  %s\n' "real conns: ESTABLISHED->SUB_EST p99 ms" "$k99" "$m99" "$(ratio "$m99" "$k99")" "<= 5"
	printf '%-48s %11s %11s %8s\n' "real conns measured" "$kn" "$mn" ""
}

ulimit -n 8192
lab_setup v4
start_server "$PORT"
lo_join_counter
bench_kernel
bench_mptcpd
report
