#!/usr/bin/env bash
# Handover, metered links and resume: mptcpd against the kernel's in-kernel
# path manager, side by side in one run, in throwaway namespace labs
# (tests/netns/lib.sh: client C with a "Wi-Fi" eth0 and a "cellular" eth1,
# router R with strict reverse-path filtering, server S).
#
#   bash bench/handover.sh [BUILD_DIR]   (root; BUILD_DIR defaults to build/)
#
# Prints one table and draws $OUT/handover.png (OUT defaults to
# BUILD_DIR/bench); the raw data and the daemon logs stay in $OUT/handover/.
#
#  1. Handover: bench/tools/stream.c writes 100 bytes every 10 ms (sequence
#     number and due time inside) over one MPTCP connection; the server
#     stamps every arrival (CLOCK_MONOTONIC, one clock for all namespaces).
#     ~3 s in, one fault: eth0 down, eth0's address deleted, or a blackhole
#     (R drops everything coming in on c0: the client gets no error at
#     all).  Longest pause between arrivals, worst one-way delay of a write.
#     mptcpd: backup-cellular; kernel PM: eth0 `subflow` + eth1 `subflow
#     backup` endpoints.  A fresh lab for each run.
#  2. Metered bytes: a 10 s upload as fast as possible while Wi-Fi works
#     (and again with Wi-Fi limited to 5 Mbit/s by tbf): TCP bytes R
#     forwarded from the cellular link (nft counter on c1) and C's eth1 TX
#     bytes (ARP included).  mptcpd metered-aware vs the kernel PM with a
#     backup endpoint and with a plain subflow endpoint on eth1.
#  3. Resume: streaming, both client addresses deleted, T s without any
#     path, then 198.51.100.7/24 on eth1 with its default route: did the
#     same connection go on (no error, no byte missing), and the time from
#     the address to the first new byte at the server.  The kernel PM is
#     given an endpoint for the new address in the same `ip -batch`.  The
#     T values run in parallel labs (staggered so no two resumes coincide).
#  4. ssh through mptcpize (Debian's mptcpd package): the longest gap
#     between lines of a remote `date` loop printing every 100 ms, eth0
#     taken down ~3 s in.
# Missing packages (openssh-server, gnuplot-nox, mptcpd for mptcpize) are
# installed with services kept from starting.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
[ -d "$build" ] || { echo "no build directory $build" >&2; exit 2; }
build=$(cd "$build" && pwd)
export top_builddir=$build top_srcdir=$here
OUT=${OUT:-$build/bench}
RESUME_TS=${RESUME_TS:-10 30 70}
RESUME_STRATEGIES=${RESUME_STRATEGIES:-fullmesh backup-cellular}
FAULTS=${FAULTS:-linkdown addrdel blackhole}
PARTS=${PARTS:-handover metered resume ssh}	# a subset, for a quicker look
PORT=5000
# The bench is not a test: a missing piece is an error, not a skip.
export CI=true
# shellcheck source=../tests/netns/lib.sh
. "$here/tests/netns/lib.sh"
# shellcheck source=handover_lib.sh
. "$here/bench/handover_lib.sh"

# lib.sh's cleanup trips on set -u when LAB_PIDS is empty.
trap 'set +u; cleanup' EXIT
BNS="mptcpd-hbench-$$"	# namespace prefix; lib.sh's cleanup deletes them
DATA=$OUT/handover
STREAM=$TMP/stream
NOTES=()
declare -A DPID DLOG RES

note() { NOTES+=("$*"); log "NOTE: $*"; }

# ---------------------------------------------------------------- setup

# install_missing: only what is missing; a policy-rc.d that forbids
# starting services keeps Debian's mptcpd and sshd from starting here.
install_missing() {
	local pkgs=() created=0
	command -v mptcpize >/dev/null || pkgs+=(mptcpd)
	[ -x /usr/sbin/sshd ] || pkgs+=(openssh-server)
	command -v ssh >/dev/null || pkgs+=(openssh-client)
	command -v ssh-keygen >/dev/null || pkgs+=(openssh-client)
	command -v gnuplot >/dev/null || pkgs+=(gnuplot-nox)
	[ ${#pkgs[@]} = 0 ] && return 0
	log "installing ${pkgs[*]}"
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		created=1
	fi
	apt-get update -q >"$TMP/apt.log" 2>&1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >>"$TMP/apt.log" 2>&1 ||
		note "apt-get install ${pkgs[*]} failed: $(tail -n 2 "$TMP/apt.log" | xargs)"
	[ "$created" = 1 ] && rm -f /usr/sbin/policy-rc.d
}

build_tools() {
	# Our own copy: others may rebuild BUILD_DIR while the bench runs, and
	# one table must come from one daemon.
	cp "$MPTCPD" "$TMP/mptcpd" || fail "cannot copy $MPTCPD"
	MPTCPD=$TMP/mptcpd
	log "mptcpd: $(md5sum <"$MPTCPD" | cut -c1-12), built $(date -r "$build/src/mptcpd" +%FT%T)"
	cc -std=gnu11 -O2 -Wall -Wextra -o "$STREAM" "$here/bench/tools/stream.c" ||
		fail "cannot build bench/tools/stream.c"
}

now_ns() { "$STREAM" now; }

# lab_use TAG: point lib.sh's C, R, S at lab TAG.
lab_use() { C="$BNS-$1-c"; R="$BNS-$1-r"; S="$BNS-$1-s"; }

# lab_new TAG kernel|mptcpd: a fresh lab with the client's path manager set.
lab_new() {
	lab_use "$1"
	if [ "$2" = kernel ]; then KERNEL_PM=1; else KERNEL_PM=0; fi
	lab_setup v4 >/dev/null
	KERNEL_PM=0
}

# forget PID: drop PID from LAB_PIDS once it has been reaped, so that the
# EXIT cleanup never signals a recycled PID.
forget() {
	local i
	for i in "${!LAB_PIDS[@]}"; do
		[ "${LAB_PIDS[$i]}" = "$1" ] && unset "LAB_PIDS[$i]"
	done
}

# wait_pid PID TIMEOUT_S: its exit status, 124 if still running (then
# killed).
wait_pid() {
	local i rc
	for i in $(seq $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		forget "$1"
		return 124
	fi
	wait "$1" 2>/dev/null
	rc=$?
	forget "$1"
	return $rc
}

# daemon_start TAG STRATEGY [LOGNAME]: mptcpd in lab TAG's client,
# Wi-Fi/cellular configuration, debug log in $DATA/daemon-LOGNAME.log.
daemon_start() {
	local log=$DATA/daemon-${3:-$1}.log i
	DLOG[$1]=$log
	: >"$log"	# the stamp process creates it a little later
	conf_wifi_cellular "$2"
	cp "$CONF" "$TMP/$1.conf"
	# Each log line is prefixed by its CLOCK_MONOTONIC ns, the clock of
	# the fault stamps and of the arrivals.
	ip netns exec "$C" "$MPTCPD" -f -c "$TMP/$1.conf" --log stderr -d \
		> >("$STREAM" stamp >"$log") 2>&1 &
	DPID[$1]=$!
	LAB_PIDS+=("$!")
	for i in $(seq 100); do
		grep -qsw ready "$log" && return 0
		kill -0 "${DPID[$1]}" 2>/dev/null || break
		sleep 0.1
	done
	fail "mptcpd ($1) did not start: $(tail -n 5 "$log")"
}

# daemon_stop TAG: SIGTERM; a daemon that died earlier, did not exit or
# exited non-zero is noted with the end of its log.
daemon_stop() {
	local pid=${DPID[$1]:-} rc
	[ -n "$pid" ] || return 0
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null
		note "mptcpd ($1) died during the run (status $?): $(tail -n 3 "${DLOG[$1]}" | xargs)"
		forget "$pid"
		DPID[$1]=
		return 0
	fi
	kill -TERM "$pid"
	wait_pid "$pid" 5
	rc=$?
	[ "$rc" = 0 ] || note "mptcpd ($1) exit status $rc on SIGTERM (124: did not exit in 5 s)"
	DPID[$1]=
}

# daemon_cpu_ms TAG: user + system CPU time of lab TAG's mptcpd so far.
daemon_cpu_ms() {
	local pid=${DPID[$1]:-}
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || { echo 0; return 0; }
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1000 / hz }' "/proc/$pid/stat"
}

# lab_down TAG: stop the daemon, kill what runs in the lab, delete it.
lab_down() {
	local ns pid
	daemon_stop "$1"
	lab_use "$1"
	for ns in "$C" "$R" "$S"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
}

# server_start NAME [ARGS]: stream server in S on $PORT, output in
# $DATA/NAME.srv, arrivals in $DATA/NAME.arr.
server_start() {
	local name=$1
	shift
	ip netns exec "$S" "$STREAM" server -p "$PORT" -o "$DATA/$name.arr" "$@" \
		>"$DATA/$name.srv" 2>&1 &
	SRV_PID=$!
	LAB_PIDS+=("$!")
	wait_until 5 listening "$PORT" || fail "the stream server did not listen"
}

client_start() { # NAME ARGS
	local name=$1
	shift
	ip netns exec "$C" "$STREAM" client -a "$SRV4" -p "$PORT" "$@" >"$DATA/$name.cli" 2>&1 &
	CLI_PID=$!
	LAB_PIDS+=("$!")
}

# snapshot NAME WHEN: the client's subflows, for the record.
snapshot() {
	{
		echo "## $2 $(date +%T.%N)"
		nsx "$C" ss -tniH state established state syn-sent 2>&1 | grep -v '^\s*$'
		ip -n "$C" mptcp endpoint show
	} >>"$DATA/$1.ss" 2>&1
}

# ----------------------------------------------------------- 1. handover

handover_run() { # kernel|mptcpd FAULT
	local pm=$1 fault=$2 name=ho-$1-$2 cpu0
	log "handover: $pm, $fault"
	lab_new ho "$pm"
	if [ "$pm" = kernel ]; then kernel_endpoints backup; else daemon_start ho backup-cellular "$name"; fi
	server_start "$name" -t 40
	cpu0=$(daemon_cpu_ms ho)
	client_start "$name" -d 8
	sleep 2.9
	snapshot "$name" "before the fault"
	sleep 0.1
	now_ns >"$DATA/$name.fault"
	inject "$fault" || note "$name: injecting the fault failed"
	sleep 1
	snapshot "$name" "1 s after the fault"
	wait_pid "$CLI_PID" 35 || note "$name: client: $(xargs <"$DATA/$name.cli")"
	[ "$pm" = mptcpd ] && RES[$name.cpu]=$(( $(daemon_cpu_ms ho) - cpu0 ))
	wait_pid "$SRV_PID" 10 || note "$name: server: $(xargs <"$DATA/$name.srv")"
	lab_down ho
}

sent_of() { sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$1" | tail -n 1; }

# reaction_ms NAME: ms from the fault to the first command the daemon sent
# (SUBFLOW_DESTROY or SET_FLAGS, logged by their protocol words), from its
# time-stamped log.
reaction_ms() {
	awk -v t="$(cat "$DATA/$1.fault")" '$1 > t && /send (subflow-destroy|set-flags)/ {
		printf "%.1f\n", ($1 - t) / 1e6; exit }' "$DATA/daemon-$1.log"
}

handover_collect() { # PM FAULT
	local name=ho-$1-$2 p d n s
	[ "$1" = mptcpd ] && RES[$name.react]=$(reaction_ms "$name")
	read -r p d n < <(arr_stats "$DATA/$name.arr" 2>/dev/null || echo "- - 0")
	s=$(sent_of "$DATA/$name.cli")
	RES[$name.pause]=$p
	RES[$name.delay]=$d
	RES[$name.lost]="$(( ${s:-0} - n ))/${s:--}"
	grep -q 'error=none' "$DATA/$name.cli" || RES[$name.lost]+=" (client: $(grep -o 'error=[^ ]*' "$DATA/$name.cli" | head -n 1))"
}

# plot_data PM FAULT: "ms_since_fault writes_since_fault" around the fault.
plot_data() {
	local name=ho-$1-$2 t
	t=$(cat "$DATA/$name.fault" 2>/dev/null) || return 0
	plot_points "$DATA/$name.arr" "$t" >"$DATA/$name.plot"
}

# -------------------------------------------------------- 2. metered bytes

# count_cellular: nft counter in R of the TCP bytes that came in on c1.
count_cellular() {
	nsx "$R" nft -f - <<-'EOF' || fail "nft counter"
	table inet cnt {
		chain count {
			type filter hook forward priority -10; policy accept;
			iifname "c1" meta l4proto tcp counter
		}
	}
	EOF
}

cellular_tcp_bytes() {
	nsx "$R" nft list table inet cnt | sed -n 's/.*counter packets [0-9]* bytes \([0-9]*\).*/\1/p'
}

metered_run() { # kernel-backup|kernel-subflow|mptcpd free|tbf
	local who=$1 wifi=$2 name=me-$1-$2 tx0 tx1 cpu0
	log "metered: $who, Wi-Fi $wifi"
	if [ "$who" = mptcpd ]; then
		lab_new me mptcpd
		daemon_start me metered-aware "$name"
	else
		lab_new me kernel
		kernel_endpoints "${who#kernel-}"
	fi
	[ "$wifi" = tbf ] && { nsx "$C" tc qdisc add dev eth0 root tbf rate 5mbit burst 32kbit latency 50ms ||
		fail "tc tbf"; }
	count_cellular
	server_start "$name" -t 60 -q
	tx0=$(link_tx_bytes eth1)
	cpu0=$(daemon_cpu_ms me)
	client_start "$name" -d 10 -b
	sleep 5
	snapshot "$name" "5 s into the upload"
	wait_pid "$CLI_PID" 40 || note "$name: client: $(xargs <"$DATA/$name.cli")"
	[ "$who" = mptcpd ] && RES[$name.cpu]=$(( $(daemon_cpu_ms me) - cpu0 ))
	wait_pid "$SRV_PID" 10 || note "$name: server: $(xargs <"$DATA/$name.srv")"
	tx1=$(link_tx_bytes eth1)
	RES[$name.tcp]=$(cellular_tcp_bytes)
	RES[$name.tx]=$((tx1 - tx0))
	RES[$name.rate]=$(sed -n 's/^bytes=\([0-9]*\).*/\1/p' "$DATA/$name.srv" |
		awk '{ printf "%.2f", $1 / 10 / 1e6 }')
	lab_down me
}

# ---------------------------------------------------------------- 3. resume

# resume_scenario TAG T KIND: runs in a background subshell in lab TAG
# (C, R, S already pointing at it): stream, delete both addresses, wait T,
# add the new one.
resume_scenario() {
	local tag=$1 t=$2 kind=$3 cli
	trap - EXIT INT TERM
	ip netns exec "$C" "$STREAM" client -a "$SRV4" -p "$PORT" -d $((t + 8)) \
		>"$DATA/re-$tag.cli" 2>&1 &
	cli=$!
	sleep 3
	snapshot "re-$tag" "before deleting the addresses"
	ip -n "$C" addr del 192.0.2.2/24 dev eth0
	ip -n "$C" addr del 198.51.100.2/24 dev eth1
	sleep 1
	snapshot "re-$tag" "1 s without addresses"
	sleep $((t - 1))
	snapshot "re-$tag" "$t s without addresses"
	{
		echo "addr add 198.51.100.7/24 dev eth1"
		echo "route add default via 198.51.100.1 dev eth1 metric 200"
		[ "$kind" = kernel ] && echo "mptcp endpoint add 198.51.100.7 dev eth1 subflow"
	} >"$TMP/re-$tag.batch"
	now_ns >"$DATA/re-$tag.add"
	ip -n "$C" -batch "$TMP/re-$tag.batch"
	sleep 1
	snapshot "re-$tag" "1 s after the new address"
	wait "$cli"
	echo "client_status=$?" >>"$DATA/re-$tag.cli"
}

resume_all() {
	local t kind k tag max=0 pids=() p
	for t in $RESUME_TS; do
		k=0
		for kind in kernel $RESUME_STRATEGIES; do
			tag=$kind-$t
			log "resume: lab $tag"
			if [ "$kind" = kernel ]; then
				lab_new "r$k$t" kernel
				kernel_endpoints backup
			else
				lab_new "r$k$t" mptcpd
				daemon_start "r$k$t" "$kind" "re-$tag"
			fi
			ip netns exec "$S" "$STREAM" server -p "$PORT" -o "$DATA/re-$tag.arr" \
				-t $((t + 60)) >"$DATA/re-$tag.srv" 2>&1 &
			LAB_PIDS+=("$!")
			wait_until 5 listening "$PORT" || fail "resume server $tag"
			[ "$t" -gt "$max" ] && max=$t
			k=$((k + 1))
		done
	done
	# Start the scenarios 0.7 s apart so that no two resumes coincide.
	for t in $RESUME_TS; do
		k=0
		for kind in kernel $RESUME_STRATEGIES; do
			lab_use "r$k$t"
			resume_scenario "$kind-$t" "$t" "$kind" &
			pids+=("$!")
			LAB_PIDS+=("$!")
			sleep 0.7
			k=$((k + 1))
		done
	done
	log "resume: waiting for the longest (T=$max s)"
	for p in "${pids[@]}"; do
		wait_pid "$p" $((max + 60)) || true
	done
	sleep 1	# servers see the EOF
	for t in $RESUME_TS; do
		k=0
		for kind in kernel $RESUME_STRATEGIES; do
			resume_collect "$kind-$t"
			lab_down "r$k$t"
			k=$((k + 1))
		done
	done
}

resume_collect() { # TAG
	local tag=$1 t0 first s n
	t0=$(cat "$DATA/re-$tag.add" 2>/dev/null)
	first=$(awk -v t="${t0:-0}" '$3 > t { printf "%.1f\n", ($3 - t) / 1e6; exit }' \
		"$DATA/re-$tag.arr" 2>/dev/null)
	s=$(sent_of "$DATA/re-$tag.cli")
	n=$(sed -n 's/.*records=\([0-9]*\).*/\1/p' "$DATA/re-$tag.srv")
	RES[re-$tag.first]=${first:--}
	if grep -q 'error=none' "$DATA/re-$tag.cli" && grep -q 'eof=1' "$DATA/re-$tag.srv" &&
		grep -q 'gaps=0 ' "$DATA/re-$tag.srv" && [ "${s:-x}" = "${n:-y}" ]; then
		RES[re-$tag.ok]=yes
	else
		RES[re-$tag.ok]="no"
		note "resume $tag: client: $(xargs <"$DATA/re-$tag.cli"); server: $(xargs <"$DATA/re-$tag.srv")"
	fi
}

# ------------------------------------------------------------------ 4. ssh

ssh_prepare() {
	local d=$TMP/ssh
	mkdir -p "$d" /run/sshd
	chmod 700 "$d"
	ssh-keygen -q -t ed25519 -N '' -f "$d/hostkey" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$d/userkey" || return 1
	cp "$d/userkey.pub" "$d/authorized_keys"
	cat >"$d/sshd_config" <<-EOF
	Port 2222
	ListenAddress $SRV4
	HostKey $d/hostkey
	PidFile none
	UsePAM no
	StrictModes no
	PermitRootLogin prohibit-password
	PubkeyAuthentication yes
	AuthorizedKeysFile $d/authorized_keys
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UseDNS no
	EOF
	/usr/sbin/sshd -t -f "$d/sshd_config" >"$TMP/sshd-t.log" 2>&1 || {
		note "sshd -t: $(xargs <"$TMP/sshd-t.log")"
		return 1
	}
}

ssh_run() { # kernel|mptcpd
	local pm=$1 name=ssh-$1 d=$TMP/ssh sshd mp
	log "ssh: $pm"
	lab_new ssh "$pm"
	if [ "$pm" = kernel ]; then kernel_endpoints backup; else daemon_start ssh backup-cellular "$name"; fi
	ip netns exec "$S" mptcpize run /usr/sbin/sshd -D -e -f "$d/sshd_config" \
		>"$DATA/$name.sshd" 2>&1 &
	sshd=$!
	LAB_PIDS+=("$sshd")
	wait_until 5 listening 2222 || {
		note "ssh $pm: sshd is not listening as MPTCP on 2222: $(xargs <"$DATA/$name.sshd")"
		lab_down ssh
		return 0
	}
	ip netns exec "$C" timeout 12 mptcpize run ssh -F /dev/null -i "$d/userkey" \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
		-o LogLevel=ERROR -p 2222 root@"$SRV4" \
		'while :; do date +%s.%N; sleep 0.1; done' 2>"$DATA/$name.err" |
		"$STREAM" stamp >"$DATA/$name.lines" &
	CLI_PID=$!
	LAB_PIDS+=("$!")
	wait_until 8 grep -q . "$DATA/$name.lines" || note "ssh $pm: no line within 8 s: $(xargs <"$DATA/$name.err")"
	mp=$(nsx "$C" ss -MnH dst "$SRV4" dport = :2222 | grep -c .)
	[ "$mp" -ge 1 ] || note "ssh $pm: the ssh connection is not MPTCP (ss -M shows none)"
	sleep 3
	snapshot "$name" "before the fault"
	now_ns >"$DATA/$name.fault"
	ip -n "$C" link set eth0 down
	wait_pid "$CLI_PID" 20
	RES[$name.mptcp]=$([ "$mp" -ge 1 ] && echo yes || echo no)
	RES[$name.lines]=$(grep -c . "$DATA/$name.lines")
	RES[$name.gap]=$(awk 'NR > 1 && $1 - p > g { g = $1 - p } { p = $1 }
		END { if (NR < 2) print "-"; else printf "%.1f\n", g / 1e6 }' "$DATA/$name.lines")
	RES[$name.after]=$(awk -v t="$(cat "$DATA/$name.fault")" '$1 > t { n++ } END { print n + 0 }' \
		"$DATA/$name.lines")
	kill -TERM "$sshd" 2>/dev/null
	wait_pid "$sshd" 5
	lab_down ssh
}

# ----------------------------------------------------------------- 5. plot

plot() {
	local f pm gp=$TMP/plot.gp title
	for f in $FAULTS; do for pm in kernel mptcpd; do plot_data "$pm" "$f"; done; done
	{
		echo "set terminal pngcairo size 1500,520 font ',10'"
		echo "set output '$OUT/handover.png'"
		echo "set multiplot layout 1,3 title 'writes (100 B every 10 ms) received by the server around the fault: mptcpd backup-cellular vs kernel PM (backup endpoint)'"
		echo "set xlabel 'ms since the fault'"
		echo "set ylabel 'writes received since the fault'"
		echo "set grid"
		echo "set key top left"
		echo "set xrange [-300:1500]"
		for f in $FAULTS; do
			case $f in
			linkdown) title="Wi-Fi link down" ;;
			addrdel) title="Wi-Fi address deleted" ;;
			blackhole) title="Wi-Fi blackholed in the router" ;;
			esac
			echo "set title '$title'"
			echo "plot x/10 with lines dt 3 lc rgb 'gray' title 'ideal', \\"
			echo "  '$DATA/ho-kernel-$f.plot' using 1:2 with steps lw 2 lc rgb '#d62728' title 'kernel PM', \\"
			echo "  '$DATA/ho-mptcpd-$f.plot' using 1:2 with steps lw 2 lc rgb '#1f77b4' title 'mptcpd'"
		done
		echo "unset multiplot"
	} >"$gp"
	gnuplot "$gp" >"$TMP/gnuplot.log" 2>&1 || note "gnuplot: $(xargs <"$TMP/gnuplot.log")"
}

# ---------------------------------------------------------------- report

# verdict VALUE LIMIT [KERNEL_VALUE]: yes if VALUE <= LIMIT (and < the
# kernel's value when given).
verdict() {
	awk -v v="$1" -v l="$2" -v k="${3:-}" 'BEGIN {
		if (v == "-" || v == "") { print "NO"; exit }
		ok = (v + 0 <= l + 0)
		if (k != "" && k != "-" && !(v + 0 < k + 0)) ok = 0
		print ok ? "yes" : "NO" }'
}

row() { printf '%-58s %14s %14s  %-26s %s\n' "$@"; }

report() {
	local f t s k m lim ldel kk
	echo
	echo "mptcpd vs the in-kernel path manager: handover, metered links, resume ($(uname -r), veth lab, no netem)"
	row "measure" "kernel PM" "mptcpd" "target" "met"
	for f in $FAULTS; do
		case $f in
		blackhole) lim=300; ldel= ;;
		*) lim=20; ldel=10 ;;
		esac
		k=${RES[ho-kernel-$f.pause]:--}; m=${RES[ho-mptcpd-$f.pause]:--}
		row "handover $f: longest pause between arrivals, ms" "$k" "$m" \
			"<= $lim and < kernel" "$(verdict "$m" "$lim" "$k")"
		k=${RES[ho-kernel-$f.delay]:--}; m=${RES[ho-mptcpd-$f.delay]:--}
		if [ -n "$ldel" ]; then
			row "handover $f: worst one-way delay of a write, ms" "$k" "$m" \
				"<= $ldel and < kernel" "$(verdict "$m" "$ldel" "$k")"
		else
			row "handover $f: worst one-way delay of a write, ms" "$k" "$m" "< kernel" \
				"$(verdict "$m" 1e12 "$k")"
		fi
		row "handover $f: writes not received / sent" "${RES[ho-kernel-$f.lost]:--}" \
			"${RES[ho-mptcpd-$f.lost]:--}" "0" ""
		row "handover $f: mptcpd's first destroy/promote after, ms" "-" \
			"${RES[ho-mptcpd-$f.react]:--}" "" ""
		row "handover $f: mptcpd CPU time during the 8 s stream, ms" "-" \
			"${RES[ho-mptcpd-$f.cpu]:--}" "" ""
	done
	for f in free tbf; do
		[ $f = free ] && s="Wi-Fi free" || s="Wi-Fi 5 Mbit/s"
		for kk in backup subflow; do
			row "metered, $s: TCP bytes via cellular (kernel $kk ep)" \
				"${RES[me-kernel-$kk-$f.tcp]:--}" "${RES[me-mptcpd-$f.tcp]:--}" "mptcpd: 0" \
				"$([ "${RES[me-mptcpd-$f.tcp]:-x}" = 0 ] && echo yes || echo NO)"
		done
		row "metered, $s: eth1 TX bytes, all (kernel backup/subflow)" \
			"${RES[me-kernel-backup-$f.tx]:--}/${RES[me-kernel-subflow-$f.tx]:--}" \
			"${RES[me-mptcpd-$f.tx]:--}" "a few hundred (ARP)" ""
		row "metered, $s: upload MB/s (kernel backup/subflow)" \
			"${RES[me-kernel-backup-$f.rate]:--}/${RES[me-kernel-subflow-$f.rate]:--}" \
			"${RES[me-mptcpd-$f.rate]:--}" "" ""
		row "metered, $s: mptcpd CPU time during the 10 s, ms" "-" \
			"${RES[me-mptcpd-$f.cpu]:--}" "" ""
	done
	for t in $RESUME_TS; do
		for s in $RESUME_STRATEGIES; do
			row "resume after $t s without path ($s): same conn goes on" \
				"${RES[re-kernel-$t.ok]:--}" "${RES[re-$s-$t.ok]:--}" "yes" \
				"$([ "${RES[re-$s-$t.ok]:-}" = yes ] && echo yes || echo NO)"
			row "resume after $t s ($s): address -> first new byte, ms" \
				"${RES[re-kernel-$t.first]:--}" "${RES[re-$s-$t.first]:--}" "<= 50" \
				"$(verdict "${RES[re-$s-$t.first]:--}" 50)"
		done
	done
	row "ssh (mptcpize), Wi-Fi down: longest gap between lines, ms" "${RES[ssh-kernel.gap]:--}" \
		"${RES[ssh-mptcpd.gap]:--}" "<= 150 and < kernel" \
		"$(verdict "${RES[ssh-mptcpd.gap]:--}" 150 "${RES[ssh-kernel.gap]:--}")"
	row "ssh: MPTCP used / lines received (of which after the fault)" \
		"${RES[ssh-kernel.mptcp]:--}/${RES[ssh-kernel.lines]:--} (${RES[ssh-kernel.after]:--})" \
		"${RES[ssh-mptcpd.mptcp]:--}/${RES[ssh-mptcpd.lines]:--} (${RES[ssh-mptcpd.after]:--})" "" ""
	echo
	echo "kernel PM: endpoints 192.0.2.2 dev eth0 subflow, 198.51.100.2 dev eth1 subflow backup" \
		"(metered: also plain subflow); resume: + endpoint 198.51.100.7 subflow with the address."
	echo "mptcpd: backup-cellular (handover, ssh), metered-aware (metered), as listed (resume);" \
		"eth0 type wifi, eth1 type cellular metered."
	echo "plot: $OUT/handover.png   raw data and daemon logs: $DATA/"
	if [ ${#NOTES[@]} -gt 0 ]; then
		echo "notes:"
		printf '  - %s\n' "${NOTES[@]}"
	fi
}

# ------------------------------------------------------------------ main

[ "$(id -u)" = 0 ] || { echo "handover.sh needs root" >&2; exit 2; }
[ -x "$MPTCPD" ] || fail "$MPTCPD is not built"
mkdir -p "$DATA" || fail "mkdir $DATA"
rm -f "$DATA"/*
install_missing
build_tools

part() { [[ " $PARTS " == *" $1 "* ]]; }
if part handover; then
	for f in $FAULTS; do
		handover_run kernel "$f"
		handover_run mptcpd "$f"
		handover_collect kernel "$f"
		handover_collect mptcpd "$f"
	done
	plot
fi
if part metered; then
	for w in free tbf; do
		for who in kernel-backup kernel-subflow mptcpd; do metered_run "$who" "$w"; done
	done
fi
part resume && resume_all
if part ssh; then
	if ssh_prepare; then
		ssh_run kernel
		ssh_run mptcpd
	else
		note "ssh: could not prepare sshd"
	fi
fi
report | tee "$DATA/table.txt"
