#!/usr/bin/env bash
# The README's first command: install what is needed, build, and show what
# mptcpd is for, in throwaway network namespaces (your own network is not
# touched; everything is deleted at the end, also on Ctrl-C).
#
#   client ns: eth0 192.0.2.2 "Wi-Fi" ----------\                /--- server ns
#              eth1 198.51.100.2 "cellular" ----- router ns ------    203.0.113.2
#
# Act 1, the headline: a live stream (one 100-byte write every 10 ms) runs
# over Wi-Fi with cellular as backup; Wi-Fi dies (its link goes down, then
# in a second round the access point "blackholes": the link stays up and
# nothing gets through); the stream goes on over cellular.  First with the
# kernel's own path manager set up as a user would (ip mptcp endpoints,
# cellular as "subflow backup"), then with mptcpd's backup-cellular
# strategy.  The server draws each stream live (one character per 50 ms:
# '#' writes arrived, '.' none did, '|' the moment Wi-Fi died) and stamps
# every arrival; the longest pause of each stream is printed as a table
# and plotted to a PNG (its path is printed).  The stream's sender and
# receiver are bench/tools/stream.c, run at real-time priority (chrt -f)
# so that the pause is the network's and not the scheduler's.
#
# Act 2: fullmesh adds a subflow over the second uplink to a live
# connection, drops it when that uplink's address is removed and adds it
# back when the address returns (kernel events printed live).
#
#   bash scripts/demo.sh               act 1, then act 2 (about a minute
#                                      once built)
#   bash scripts/demo.sh --handover    act 1 only
#   bash scripts/demo.sh --fullmesh    act 2 only
#   --quick      act 1 with the link-down round only and shorter streams
#                (tests/netns/demo_quick.sh runs this)
#   --no-build   use the build in BUILD_DIR as it is (the test's setting)
#   BUILD_DIR    the build (default build/); DEMO_OUT where the table, the
#                plot and the raw data go (default BUILD_DIR/demo)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
acts="handover fullmesh" quick=0 build_it=1
for arg in "$@"; do
	case $arg in
	--handover) acts=handover ;;
	--fullmesh) acts=fullmesh ;;
	--quick) quick=1 ;;
	--no-build) build_it=0 ;;
	*) echo "usage: demo.sh [--handover|--fullmesh] [--quick] [--no-build]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates network namespaces)" >&2; exit 1; }

build=${BUILD_DIR:-$here/build}
if [ "$build_it" = 1 ] && [ -f "$build/Makefile" ]; then
	# Already configured: bring it up to date, without configuring again.
	bash scripts/deps.sh
	make -C "$build" -j2 >/dev/null
	make -C "$build" -j2 check TESTS= >/dev/null
elif [ "$build_it" = 1 ]; then
	BUILD_DIR=$build bash scripts/build.sh
fi
build=$(cd "$build" && pwd)
OUT=${DEMO_OUT:-$build/demo}

export top_builddir=$build top_srcdir=$here
set +e
# shellcheck source=../tests/netns/lib.sh
. tests/netns/lib.sh
# shellcheck source=../bench/handover_lib.sh
. bench/handover_lib.sh
trap 'set +u; cleanup' EXIT

PORT=5000
STREAM=$TMP/stream
FAULTS="linkdown blackhole"
[ "$quick" = 1 ] && FAULTS=linkdown
STREAM_S=3	# each stream's length: the live strip fits a terminal line
FAULT_AT=1	# s after the stream starts
# A stream that stalls is given up STALL_S s after its end: the demo
# stays short whatever a path manager does.
STALL_S=5
declare -A RES

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

fault_text() {
	case $1 in
	linkdown) echo "Wi-Fi link down" ;;
	blackhole) echo "Wi-Fi blackholed (link up)" ;;
	addrdel) echo "Wi-Fi address deleted" ;;
	esac
}

pm_text() { [ "$1" = kernel ] && echo "kernel PM" || echo "mptcpd"; }

# lab_use TAG: lib.sh's C, R, S for the lab TAG (a fresh one per run).
lab_use() { C="$NS_PREFIX-$1-c"; R="$NS_PREFIX-$1-r"; S="$NS_PREFIX-$1-s"; }

# reap PID TIMEOUT_S: its exit status (124: killed after TIMEOUT_S), and
# out of LAB_PIDS, so that the cleanup never signals a recycled PID.
reap() {
	local i rc
	for i in $(seq $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	rc=$?
	for i in "${!LAB_PIDS[@]}"; do
		[ "${LAB_PIDS[$i]}" = "$1" ] && unset "LAB_PIDS[$i]"
	done
	return $rc
}

lab_down() {
	local ns pid
	stop_daemon
	# The lab's processes are killed here: bash's "Killed" notice for
	# them goes where this loop's errors go.
	for ns in "$C" "$R" "$S"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done 2>/dev/null
}

# The stream must measure the network, not the scheduler of a busy
# machine: sender and receiver run at real-time priority.
RT=(chrt -f 50)
chrt -f 50 true 2>/dev/null || {
	RT=()
	echo "demo: no real-time priority here (chrt -f 50 failed); pauses include scheduling delays" >&2
}

# ------------------------------------------------------------ act 1

# handover_run kernel|mptcpd FAULT: one stream in a fresh lab, Wi-Fi dies
# FAULT_AT s in; the live strip goes to the terminal.
handover_run() {
	local pm=$1 fault=$2 name=$1-$2 srv cli
	lab_use "$name"
	if [ "$pm" = kernel ]; then
		KERNEL_PM=1
		lab_setup v4 >/dev/null
		KERNEL_PM=0
		kernel_endpoints backup
	else
		lab_setup v4 >/dev/null
		conf_wifi_cellular backup-cellular
		DAEMON_LOG=$OUT/daemon-$name.log
		start_daemon
	fi
	ip netns exec "$S" "${RT[@]}" "$STREAM" server -p "$PORT" -o "$OUT/$name.arr" \
		-t $((STREAM_S + STALL_S)) -l 50 \
		>"$OUT/$name.srv" &
	srv=$!
	LAB_PIDS+=("$srv")
	wait_until 5 listening "$PORT" || fail "the stream server did not listen"
	printf '  %-10s ' "$(pm_text "$pm")"
	ip netns exec "$C" "${RT[@]}" "$STREAM" client -a "$SRV4" -p "$PORT" -d "$STREAM_S" \
		>"$OUT/$name.cli" 2>&1 &
	cli=$!
	LAB_PIDS+=("$cli")
	sleep "$FAULT_AT"
	# Both set-ups keep a warm backup subflow on cellular before the fault.
	established_from 198.51.100.2 1 && RES[$name.warm]=yes || RES[$name.warm]=no
	"$STREAM" now >"$OUT/$name.fault"
	inject "$fault"
	kill -USR1 "$srv"
	reap "$srv" $((STREAM_S + STALL_S + 2))
	"$STREAM" now >"$OUT/$name.end"
	# A client whose connection stalled still waits for the server's EOF.
	reap "$cli" 2
	lab_down
}

# collect kernel|mptcpd FAULT: the longest pause, the latest write and
# whether every write arrived, in order, on the one connection.  A stream
# that never finished paused at least from its last arrival to the
# server's end, and its missing writes are later than any number.
collect() {
	local name=$1-$2 pause late sent n tail
	read -r pause late n < <(arr_stats "$OUT/$name.arr" 2>/dev/null || echo "- - 0")
	sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$OUT/$name.cli")
	RES[$name.pause]=$pause
	RES[$name.late]=$late
	RES[$name.got]="$n/${sent:-?}"
	RES[$name.ok]=no
	if grep -q 'error=none' "$OUT/$name.cli" && grep -q 'gaps=0 .*eof=1' "$OUT/$name.srv" &&
		[ "$n" = "${sent:-x}" ]; then
		RES[$name.ok]=yes
	elif ! grep -q 'eof=1' "$OUT/$name.srv"; then
		RES[$name.ok]=stalled
		tail=$(awk -v end="$(cat "$OUT/$name.end")" '{ t = $3 } END { printf "%.0f", (end - t) / 1e6 }' \
			"$OUT/$name.arr")
		RES[$name.pause]=">$tail"
		RES[$name.late]=">$tail"
		RES[$name.got]="$n"
	fi
	# pm fault pause_ms late_ms ok warm: for tests/netns/demo_quick.sh
	echo "$1 $2 $pause $late ${RES[$name.ok]} ${RES[$name.warm]}" >>"$OUT/results.txt"
}

table() {
	local f pm bad=
	echo "Wi-Fi dies under a stream of one 100-byte write every 10 ms (${STREAM_S} s):"
	echo "pause = the longest time the server received nothing; late = how long"
	echo "after it was written the latest write arrived (the outage as felt)."
	echo
	printf '  %-27s %-22s %s\n' "" "kernel PM" "mptcpd"
	printf '  %-27s %-22s %s\n' "" "(backup endpoint)" "(backup-cellular)"
	printf '  %-27s %8s %10s   %8s %10s\n' "" "pause" "late" "pause" "late"
	for f in $FAULTS; do
		printf '  %-27s %8s %10s   %8s %10s\n' "$(fault_text "$f")" \
			"${RES[kernel-$f.pause]} ms" "${RES[kernel-$f.late]} ms" \
			"${RES[mptcpd-$f.pause]} ms" "${RES[mptcpd-$f.late]} ms"
		for pm in kernel mptcpd; do
			case ${RES[$pm-$f.ok]} in
			stalled) bad+="  $(pm_text "$pm"), $(fault_text "$f"): the stream stalled; ${RES[$pm-$f.got]} writes had arrived when the demo gave up on it, ${STALL_S} s after its end"$'\n' ;;
			no) bad+="  $(pm_text "$pm"), $(fault_text "$f"): BROKEN, ${RES[$pm-$f.got]} writes received/sent"$'\n' ;;
			esac
			[ "${RES[$pm-$f.warm]}" = yes ] ||
				bad+="  $(pm_text "$pm"), $(fault_text "$f"): no backup subflow on cellular before the fault"$'\n'
		done
	done
	echo
	if [ -z "$bad" ]; then
		echo "Every stream went on: every write arrived, in order, on the one connection."
	else
		printf '%s' "$bad"
	fi
}

plot() {
	local f gp=$TMP/plot.gp n
	n=$(wc -w <<<"$FAULTS")
	command -v gnuplot >/dev/null || {
		echo "no plot: gnuplot is not installed (scripts/deps.sh installs gnuplot-nox)"
		return 0
	}
	for f in $FAULTS; do
		plot_points "$OUT/kernel-$f.arr" "$(cat "$OUT/kernel-$f.fault")" >"$OUT/kernel-$f.plot"
		plot_points "$OUT/mptcpd-$f.arr" "$(cat "$OUT/mptcpd-$f.fault")" >"$OUT/mptcpd-$f.plot"
	done
	{
		echo "set terminal pngcairo size $((500 * n + 100)),480 font ',10'"
		echo "set output '$OUT/handover.png'"
		echo "set multiplot layout 1,$n title 'Wi-Fi dies under a stream (100 B every 10 ms); cellular is the backup: writes received by the server'"
		echo "set xlabel 'ms since Wi-Fi died'"
		echo "set ylabel 'writes received since then'"
		echo "set grid"
		echo "set key top left"
		echo "set xrange [-300:1500]"
		for f in $FAULTS; do
			echo "set title \"$(fault_text "$f")\\nlongest pause: kernel PM ${RES[kernel-$f.pause]} ms, mptcpd ${RES[mptcpd-$f.pause]} ms\""
			echo "plot x/10 with lines dt 3 lc rgb 'gray' title 'no pause', \\"
			echo "  '$OUT/kernel-$f.plot' using 1:2 with steps lw 2 lc rgb '#d62728' title 'kernel PM (backup endpoint)', \\"
			echo "  '$OUT/mptcpd-$f.plot' using 1:2 with steps lw 2 lc rgb '#1f77b4' title 'mptcpd (backup-cellular)'"
		done
		echo "unset multiplot"
	} >"$gp"
	if gnuplot "$gp" >"$TMP/gnuplot.log" 2>&1; then
		echo "plot: $OUT/handover.png"
	else
		echo "no plot: gnuplot failed: $(xargs <"$TMP/gnuplot.log")"
	fi
}

act_handover() {
	local f pm
	say "Act 1: a live stream over Wi-Fi, cellular as backup; Wi-Fi dies"
	cat <<-EOF
	The client's eth0 is its Wi-Fi, eth1 its cellular link.  Each stream
	runs in a fresh lab, once with each path manager:
	  kernel PM:  ip mptcp endpoint add 192.0.2.2 dev eth0 subflow
	              ip mptcp endpoint add 198.51.100.2 dev eth1 subflow backup
	  mptcpd:     strategy = backup-cellular, eth0 type wifi, eth1 type cellular
	Live, as the server receives it, 50 ms a character: '#' writes arrived,
	'.' nothing arrived, '|' Wi-Fi dies (${FAULT_AT} s in).
	EOF
	mkdir -p "$OUT" || fail "mkdir $OUT"
	# Only what an earlier run wrote: DEMO_OUT may be any directory.
	rm -f "$OUT"/*.arr "$OUT"/*.srv "$OUT"/*.cli "$OUT"/*.fault "$OUT"/*.end "$OUT"/*.plot \
		"$OUT"/daemon-*.log "$OUT"/results.txt "$OUT"/table.txt "$OUT"/handover.png
	cc -std=gnu11 -O2 -Wall -Wextra -o "$STREAM" bench/tools/stream.c ||
		fail "cannot build bench/tools/stream.c"
	for f in $FAULTS; do
		echo
		echo "$(fault_text "$f"):"
		for pm in kernel mptcpd; do
			handover_run "$pm" "$f"
			collect "$pm" "$f"
		done
	done
	echo
	table | tee "$OUT/table.txt"
	echo
	plot
	echo "raw data (arrivals per write, mptcpd's debug logs): $OUT/"
	for f in $FAULTS; do
		[ "${RES[mptcpd-$f.ok]}" = yes ] || { echo "demo: mptcpd's stream broke ($f)" >&2; return 1; }
	done
}

# ------------------------------------------------------------ act 2

show_subflows() {
	echo "kernel view (ss -Mi: 'subflows:N' counts the extra subflows):"
	nsx "$C" ss -MiHn state established | sed 's/^/    /'
	echo "TCP subflows of the client:"
	nsx "$C" ss -tnH state established | awk '{ print "    " $3 " -> " $4 }'
}

act_fullmesh() {
	local mon
	say "Act 2: fullmesh, a subflow per uplink on a live connection"
	lab_use fullmesh
	lab_setup v4
	start_server 8080
	printf '[core]\nstrategy = fullmesh\nlog-level = info\n' >"$CONF"
	ip netns exec "$C" ip mptcp monitor 2>&1 | sed -u 's/^/kernel: /' &
	mon=$!
	LAB_PIDS+=("$mon")
	DAEMON_LOG=$TMP/fullmesh.log	# mptcpd logs to the terminal here
	say "starting mptcpd in the client namespace (strategy fullmesh)"
	ip netns exec "$C" "$MPTCPD" -f -c "$CONF" --log stderr &
	DAEMON_PID=$!
	LAB_PIDS+=("$DAEMON_PID")
	sleep 1

	say "an MPTCP transfer from 192.0.2.2 (eth0) to 203.0.113.2:8080, 8 s"
	start_client demo -a "$SRV4" -p 8080 -n 1 -d 8 -i 50 -s 4000
	sleep 1.5
	show_subflows

	say "removing 198.51.100.2 from eth1: its subflow must go, the transfer goes on"
	ip -n "$C" addr del 198.51.100.2/24 dev eth1
	sleep 1.5
	show_subflows

	say "adding 198.51.100.2 back: mptcpd creates a new subflow on the live connection"
	client_addr_add 198.51.100.2 eth1
	sleep 1.5
	show_subflows

	say "waiting for the transfer to finish"
	if wait_client demo 20; then
		client_out demo | sed 's/^/    /'
		echo "one connection, no reconnect"
	else
		client_out demo | sed 's/^/    /'
		echo "demo: the transfer failed" >&2
		return 1
	fi
	lab_down
	reap "$mon" 2
}

rc=0
for act in $acts; do
	"act_$act" || rc=1
done
say "done in $(elapsed) s (after the build); the labs are deleted now"
exit $rc
