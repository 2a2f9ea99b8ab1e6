#!/usr/bin/env bash
# Join churn: mptcpd runs on the SERVER (userspace PM there), and the
# client opens and closes subflows on ONE connection again and again:
# tests/tools/mptcp_joiner, a userspace PM on the client, keeps
# CHURN_WINDOW joins from eth1's address in flight and closes each one
# 20 ms after it is established, for CHURN_SECONDS or CHURN_MAX joins.  (Driving the
# client's kernel PM with "ip mptcp endpoint add/delete" instead is held to
# tens of joins a second on some hosts: each delete waits for an RCU grace
# period.)  Every join comes from a new source port, so a daemon that
# keeps per-pair history for subflows the peer opened grows with each one.
#
#   bash bench/join_churn.sh [BUILD_DIR]   (root; BUILD_DIR: build/)
#
# Printed: joins the server saw (SUB_ESTABLISHED, kernel events recorded
# in C in the server's namespace), the daemon's VmRSS before and after,
# and the daemon's CPU time per event (SUB_ESTABLISHED + SUB_CLOSED) in the
# first and the last of CHURN_ROUNDS rounds.  Target (issue #8): RSS grows
# by less than 1 MB, the last round costs no more per event than the first.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
export top_builddir=$build top_srcdir=$here
CHURN_SECONDS=${CHURN_SECONDS:-60}
CHURN_ROUNDS=${CHURN_ROUNDS:-10}
CHURN_WINDOW=${CHURN_WINDOW:-32}	# joins in flight
CHURN_MAX=${CHURN_MAX:-100000}	# joins asked for, at most
PORT=5000
export CI=true	# a bench is not a test: a missing piece is an error
# shellcheck source=../tests/netns/lib.sh
. "$here/tests/netns/lib.sh"
# shellcheck source=lib.sh
. "$here/bench/lib.sh"
[ -x "$MPTCP_EVENTS" ] && [ -x "$MPTCPD" ] ||
	fail "build the daemon and tools first: make -C $build"

# Server-side events (the recorder in bench/lib.sh listens in C).
start_server_events() {
	ip netns exec "$S" "$MPTCP_EVENTS" -t $((CHURN_SECONDS + 120)) \
		>"$TMP/ev-s.txt" 2>"$TMP/ev-s.err" &
	EVENTS_PID=$!
	LAB_PIDS+=("$EVENTS_PID")
	wait_until 5 grep -q ready "$TMP/ev-s.err" || fail "mptcp_events did not start"
}
sub_events() { awk '$2 == "subflow-established" || $2 == "subflow-closed" { n++ } END { print n + 0 }' "$TMP/ev-s.txt"; }
joins() { awk '$2 == "subflow-established" { n++ } END { print n + 0 }' "$TMP/ev-s.txt"; }

# rounds: CHURN_ROUNDS rounds of CHURN_SECONDS / CHURN_ROUNDS s each, while
# the joiner runs; one line per round: "joins events daemon_cpu_ns".
rounds() {
	local _ e0 c0 j0 len
	len=$(awk -v d="$CHURN_SECONDS" -v n="$CHURN_ROUNDS" 'BEGIN { print d / n }')
	for _ in $(seq "$CHURN_ROUNDS"); do
		e0=$(sub_events)
		j0=$(joins)
		c0=$(cpu_ns "$DAEMON_PID")
		sleep "$len"
		echo "$(($(joins) - j0)) $(($(sub_events) - e0)) $(($(cpu_ns "$DAEMON_PID") - c0))"
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died"
		kill -0 "$JOINER_PID" 2>/dev/null || break
	done
}

conn_up() { nsx "$C" ss -tnH state established "dport = :$PORT" | grep -q .; }
per_event_us() { awk -v c="$2" -v n="$1" 'BEGIN { if (n > 0) printf "%.2f", c / n / 1000; else print "-" }'; }

lab_setup v4
# Each join leaves its client-side socket in TIME_WAIT for 60 s, and each
# takes a new source port: with the default 28,232 ephemeral ports the
# churn is held to ~470 joins/s, and as TIME_WAIT fills the range the
# kernel's search for a free port slows until joins nearly stop (seen once
# at 96,111 joins).  In the client's own namespace: the widest range, and
# few TIME_WAIT sockets kept (the rest are closed at once), so that the
# churn measures the server, not the client's port search.
nsx "$C" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_max_tw_buckets=256 ||
	fail "client port range"
set_pm "$C" userspace
set_pm "$S" userspace
printf '[core]\nstrategy = fullmesh\n' >"$CONF"
ip netns exec "$S" "$MPTCPD" -f -c "$CONF" --log stderr >"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
LAB_PIDS+=("$DAEMON_PID")
wait_until 10 grep -qw ready "$DAEMON_LOG" || fail "the daemon did not start"
start_server "$PORT"
start_server_events
JOINER=$build/tests/tools/mptcp_joiner
[ -x "$JOINER" ] || fail "build the tools first: make -C $build check"
ETH1=$(ip -n "$C" -o link show eth1 | cut -d: -f1)
ip netns exec "$C" "$JOINER" -a 198.51.100.2 -i "$ETH1" -n "$CHURN_MAX" \
	-t "$CHURN_SECONDS" -w "$CHURN_WINDOW" >"$TMP/joiner.out" 2>"$TMP/joiner.err" &
JOINER_PID=$!
LAB_PIDS+=("$JOINER_PID")
wait_until 5 grep -q ready "$TMP/joiner.err" || fail "mptcp_joiner did not start: $(cat "$TMP/joiner.err")"
start_client c -a "$SRV4" -p "$PORT" -n 1 -d $((CHURN_SECONDS + 30)) -i 100
wait_until 5 conn_up || fail "no connection"
rss0=$(kb "$DAEMON_PID" VmRSS)
log "churning for ${CHURN_SECONDS} s in $CHURN_ROUNDS rounds"
rounds >"$TMP/rounds"
rss1=$(kb "$DAEMON_PID" VmRSS)
alive=$(client_alive c && echo yes || echo no)
read -r j_first e_first c_first < <(head -n 1 "$TMP/rounds")
read -r j_last e_last c_last < <(tail -n 1 "$TMP/rounds")
total=$(awk '{ n += $1 } END { print n + 0 }' "$TMP/rounds")
echo "join churn on one server-side connection (${CHURN_SECONDS} s):"
wait "$JOINER_PID" 2>/dev/null
echo "  joins seen by the server:   $total ($(awk '{ printf "%s ", $1 }' "$TMP/rounds")per round)"
echo "  the joiner (client):        $(cat "$TMP/joiner.out")"
echo "  connection still up:        $alive"
echo "  daemon VmRSS:               ${rss0} kB -> ${rss1} kB ($((rss1 - rss0)) kB)"
echo "  daemon CPU per event:       first round $(per_event_us "$e_first" "$c_first") us" \
	"($j_first joins), last round $(per_event_us "$e_last" "$c_last") us ($j_last joins)"
grep -E "warning|table full" "$DAEMON_LOG" | sort | uniq -c | head -5
if [ "$j_last" = 0 ]; then
	# The joins stopped: say what the client's kernel believes.
	echo "  the last round saw no join; the client's view:"
	nsx "$C" ss -MiH | sed 's/^/    /'
	echo "    time-wait sockets: $(nsx "$C" ss -tanH state time-wait | wc -l)"
	ip -n "$C" mptcp limits | sed 's/^/    /'
	ip -n "$C" mptcp endpoint | sed 's/^/    /'
fi
pass
