#!/usr/bin/env bash
# What per-application policy costs a connection: the same sequence of
# real connections gets its extra subflow (eth1) under three daemons in
# one run: no [policy] rule; rules that match on ports only (no owner
# lookup); and rules naming a user and a cgroup, so that every connection
# costs a sock_diag lookup of its owner (the cgroup map walked once).  The
# kernel's own path manager (a subflow endpoint) does the same job first,
# for scale.
#
#   bash bench/policy_cost.sh [BUILD_DIR]   (root; BUILD_DIR: build/)
#
# Printed per setup: ESTABLISHED -> SUB_ESTABLISHED median and p99 over
# POLICY_CONNS (200) connections made one at a time (kernel events,
# recorded in C), and the ratio of the medians to "no rule".  Target
# (issue #10): rules configured, median within 10% of no rule.  The three
# daemons take turns in POLICY_ROUNDS (5) rounds of POLICY_CONNS / ROUNDS
# connections, the order rotating: on a shared machine the latency drifts
# by tens of percent within a minute, and one block per setup measured
# the drift as much as the rules.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
export top_builddir=$build top_srcdir=$here
POLICY_CONNS=${POLICY_CONNS:-200}
POLICY_ROUNDS=${POLICY_ROUNDS:-5}
PORT=8080
export CI=true	# a bench is not a test: a missing piece is an error
# shellcheck source=../tests/netns/lib.sh
. "$here/tests/netns/lib.sh"
# shellcheck source=lib.sh
. "$here/bench/lib.sh"
[ -x "$MPTCP_EVENTS" ] || fail "build the tools first: make -C $build check"

# The connections, one at a time, each waiting for its second subflow.
sequential() { # COUNT
	local i
	for i in $(seq "$1"); do
		ip netns exec "$C" "$MPTCP_CONN" client -a "$SRV4" -p "$PORT" -n 1 -d 0 \
			-w 2 -W 5 >/dev/null 2>&1
	done
}

# run NAME ROUND COUNT: that many connections with events recorded, in
# $TMP/ev-NAME-ROUND.txt.
run() {
	start_events "$1-$2"
	sequential "$3"
	stop_events
}

# result NAME: RESULT_NAME="median p99 n" over all its rounds.
result() {
	local f
	for f in "$TMP"/ev-"$1"-*.txt; do latencies "$f"; done | stats >"$TMP/res-$1"
	eval "RESULT_$1=\"$(cat "$TMP/res-$1")\""
}

SETUP_none=""
SETUP_ports=$(printf '[policy ssh]\nremote-port = 22\nstrategy = backup-cellular\n[policy web]\nremote-port = 80, 443\nmax-subflows = 2\n')
# Rules no connection matches, each needing the owner: the worst case,
# every connection pays the lookup and falls through to [core].
SETUP_owner=$(printf '[policy alice]\nuser = 1000\nstrategy = backup-cellular\n[policy apps]\ncgroup = user.slice/*/app-*.scope\nmetered = never\n[policy backups]\ncgroup = system.slice/backup.service\nmax-subflows = 1\n')

daemon_run() { # NAME ROUND COUNT
	local tail
	eval "tail=\$SETUP_$1"
	printf '[core]\nstrategy = fullmesh\nlog-level = info\n%s' "$tail" >"$CONF"
	# ip netns exec gives the daemon a /sys without cgroup2: mount it in
	# that private mount namespace, as a service sees it.
	ip netns exec "$C" sh -c 'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"' sh \
		"$MPTCPD" -f -c "$CONF" --log stderr >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	LAB_PIDS+=("$DAEMON_PID")
	wait_until 10 grep -qw ready "$DAEMON_LOG" || fail "mptcpd did not start: $(tail -n 5 "$DAEMON_LOG")"
	run "$1" "$2" "$3"
	stop_daemon
	: >"$DAEMON_LOG"
}

lab_setup v4
start_server "$PORT"

log "kernel PM: subflow endpoint on eth1"
set_pm "$C" kernel
ip -n "$C" mptcp limits set subflows 8 add_addr_accepted 8
ip -n "$C" mptcp endpoint add 198.51.100.2 dev eth1 subflow || fail "endpoint"
run kernel 1 "$POLICY_CONNS"
result kernel
ip -n "$C" mptcp endpoint flush
set_pm "$C" userspace

per_round=$(((POLICY_CONNS + POLICY_ROUNDS - 1) / POLICY_ROUNDS))
order=(none ports owner)
for r in $(seq "$POLICY_ROUNDS"); do
	log "round $r of $POLICY_ROUNDS: ${order[*]} (no rule; port rules, no owner lookup; user and cgroup rules, an owner lookup per connection), $per_round connections each"
	for name in "${order[@]}"; do
		daemon_run "$name" "$r" "$per_round"
	done
	order=("${order[@]:1}" "${order[0]}")
done
for name in none ports owner; do result "$name"; done

read -r k50 k99 kn <<<"$RESULT_kernel"
read -r n50 n99 nn <<<"$RESULT_none"
read -r p50 p99 pn <<<"$RESULT_ports"
read -r o50 o99 on <<<"$RESULT_owner"
echo "ESTABLISHED -> SUB_ESTABLISHED, connections one at a time (the kernel PM $POLICY_CONNS; each mptcpd setup $POLICY_ROUNDS interleaved rounds of $per_round) (ms):"
printf '  %-38s %9s %9s %6s %12s\n' "" median p99 conns "median/none"
printf '  %-38s %9s %9s %6s %12s\n' "kernel PM (subflow endpoint)" "$k50" "$k99" "$kn" "$(ratio "$k50" "$n50")"
printf '  %-38s %9s %9s %6s %12s\n' "mptcpd, no rule" "$n50" "$n99" "$nn" "1.00x"
printf '  %-38s %9s %9s %6s %12s\n' "mptcpd, port rules" "$p50" "$p99" "$pn" "$(ratio "$p50" "$n50")"
printf '  %-38s %9s %9s %6s %12s\n' "mptcpd, user+cgroup rules (lookup)" "$o50" "$o99" "$on" "$(ratio "$o50" "$n50")"
echo "  target: rules configured, median within 1.10x of no rule"
for r in "$(ratio "$p50" "$n50")" "$(ratio "$o50" "$n50")"; do
	awk -v r="${r%x}" 'BEGIN { exit !(r != "-" && r + 0 <= 1.10) }' ||
		echo "  MISSED: a median ratio of $r"
done
pass
