#!/bin/bash
# backup-cellular with 1,000 connections, each with its Wi-Fi (eth0) and
# its backup cellular (eth1) subflow.  The Wi-Fi link goes down: every
# connection ends with its cellular subflow promoted and no live subflow
# left on Wi-Fi, the commands of that sweep are paced by the kernel's ACKs
# (none lost: no resync for them), and the daemon tells the sweep in one
# line with counts, not a line per connection; mptcpd-ctl stats counts a
# promotion per connection.  Prints the time from link down to the last
# Wi-Fi subflow closed, and the handover latency percentiles of stats'
# histogram.  For a benchmark: MASS_CLIENTS=K
# clients of MASS_CONNS=N connections each (N up to 1000), and
# MASS_RCVBUF=BYTES for the command socket's buffer (default: 64 KiB, far
# too small for the sweep's answers, so that the window has to pace it).
# With several clients (a benchmark, on a machine that may be loaded) up to
# 1% of the connections may come without their cellular subflow (a SYN
# lost, a fallback to TCP); they are left out of the counts.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the backup-cellular strategy and its log are the daemon's"

PER=${MASS_CONNS:-1000}
K=${MASS_CLIENTS:-1}
N=$((PER * K))
WIFI=192.0.2.2
CELL=198.51.100.2

ms_now() { echo $(($(date +%s%N) / 1000000)); }
# Live subflows from ADDR (closing states left out, as in no_tcp_from).
live_from() {
	nsx "$C" ss -tnH state established state syn-sent state syn-recv \
		state close-wait src "$1" | grep -c .
}
# The daemon's CPU time so far, in ms (user + system; a machine loaded by
# others stretches the wall-clock figures, not this one).
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' \
		"/proc/$DAEMON_PID/stat"
}
# The daemon's time waiting for a CPU while runnable, in ms (schedstat).
wait_ms() { awk '{ print int($2 / 1000000) }' "/proc/$DAEMON_PID/schedstat"; }
# Established subflows from ADDR whose local backup flag is still set.
backup_from() { subflow_flags "$1" | grep -c b; }

lab_setup v4
conf_wifi_cellular backup-cellular
# A server serves up to 1,000 connections: one per client.
for k in $(seq "$K"); do
	start_server $((5000 + k))
done
# A buffer far too small for the sweep's 3,000 answers: the window paces it.
# Debug lines for core only: a line per event and command would cost more
# than the handover itself.
MPTCPD_CMD_RCVBUF=${MASS_RCVBUF:-65536} start_daemon --debug=core
# Mostly idle connections: 100 bytes every 2 s, for long enough.
# Clients one after the other: a burst of 10,000 joins overflows the
# server's SYN queue, which is not what this test is about.
for k in $(seq "$K"); do
	start_client "c$k" -a "$SRV4" -p $((5000 + k)) -n "$PER" \
		-d $((20 + 10 * K)) -i 2000 -s 100 -w 2 -W 15
	wait_until 20 grep -q '^subflows_ready=' "$TMP/c$k.out" ||
		fail "client $k never finished waiting"
	[ "$K" -gt 1 ] || grep -q "^subflows_ready=$PER/$PER " "$TMP/c$k.out" ||
		fail "client $k: not every connection got its cellular subflow: $(grep subflows_ready "$TMP/c$k.out")"
done
log "client 1: $(grep '^subflows_ready=' "$TMP/c1.out")"
READY=$(cat "$TMP"/c*.out | sed -n 's/^subflows_ready=\([0-9]*\)\/.*/\1/p' | awk '{ n += $1 } END { print n }')
SLACK=$((N - READY))
[ "$SLACK" -le $((N / 100)) ] || fail "only $READY of $N connections got their cellular subflow"
[ "$K" -gt 1 ] || wait_until 5 conns_with_subflows "$N" 2 ||
	fail "ss: not $N connections with 2 subflows each"
wait_until 5 eval '[ "$(backup_from "$CELL")" = "$READY" ]' ||
	fail "not $READY backup cellular subflows: $(backup_from "$CELL")"
[ "$(live_from "$WIFI")" = "$N" ] || fail "not $N Wi-Fi subflows: $(live_from "$WIFI")"
log_lines=$(wc -l <"$DAEMON_LOG")

log "eth0 down under $N connections"
# The kernel's own word on each subflow's end, with its time (monotonic).
nsx "$C" "$MPTCP_EVENTS" -t 60 >"$TMP/events.out" 2>"$TMP/events.err" &
EVENTS_PID=$!
LAB_PIDS+=("$EVENTS_PID")
wait_until 5 grep -q ready "$TMP/events.err" || fail "mptcp_events did not start"
cpu0=$(cpu_ms)
wait0=$(wait_ms)
t0=$(ms_now)
mono0=$(awk '{ print $1 }' /proc/uptime)
ip -n "$C" link set eth0 down || fail "link down"
closed=
for _ in $(seq 600); do		# 30 s at most
	if [ "$(live_from "$WIFI")" -le "$SLACK" ]; then
		closed=$(($(ms_now) - t0))
		break
	fi
	sleep 0.05
done
[ -n "$closed" ] || fail "live Wi-Fi subflows remain 30 s after link down: $(live_from "$WIFI")"
wait_until $((5 + K)) eval '[ "$(backup_from "$CELL")" = 0 ]' ||
	fail "$(backup_from "$CELL") cellular subflows still backup"
promoted=$(($(ms_now) - t0))
n=$(tcp_count_from "$CELL" established)
[ "$n" -ge "$READY" ] || fail "expected $READY established cellular subflows, ss shows $n"
log "link down -> all $READY Wi-Fi subflows closed: $closed ms (all promoted by $promoted ms, polled)"
kill -TERM "$EVENTS_PID" 2>/dev/null
wait "$EVENTS_PID" 2>/dev/null
# Median and last of the Wi-Fi subflows' SUB_CLOSED events (uptime has a
# 10 ms resolution; the events are CLOCK_MONOTONIC, the same clock here).
closes=$(awk -v t0="$mono0" -v ip="$WIFI" '$2 == "subflow-closed" &&
	index($0, " saddr=" ip " ") { printf "%d\n", ($1 - t0) * 1000 }' \
	"$TMP/events.out" | sort -n)
n=$(grep -c . <<<"$closes")
log "kernel: $n SUB_CLOSED from $WIFI after link down, median $(sed -n "$(((n + 1) / 2))p" <<<"$closes") ms, last $(tail -n 1 <<<"$closes") ms"

# The daemon's side: one line for the sweep, nothing per connection.
wait_until 5 eval 'tail -n +$((log_lines + 1)) "$DAEMON_LOG" | grep -q "eth0 $WIFI gone: "' ||
	fail "no sweep line for eth0 $WIFI"
after=$(tail -n +$((log_lines + 1)) "$DAEMON_LOG")
sweep=$(grep "eth0 $WIFI gone: " <<<"$after")
log "daemon: $sweep"
log "daemon in the $(($(ms_now) - t0)) ms since link down: $(($(cpu_ms) - cpu0)) ms on a CPU (stall polling included), $(($(wait_ms) - wait0)) ms waiting for one"
[ "$(grep -c . <<<"$sweep")" = 1 ] || fail "not one sweep line: $sweep"
[ "$K" -gt 1 ] || grep -q "gone: $N connections, $N promoted," <<<"$sweep" ||
	fail "sweep line: $sweep"
grep -q ", 0 failed" <<<"$sweep" || fail "sweep line: $sweep"
grep -q "answers lost\|outcome unknown\|ACKs were lost" <<<"$after" &&
	fail "command answers were lost: $(grep -m 3 "answers lost\|outcome unknown\|ACKs were lost" <<<"$after")"
# Stall verdicts are still per subflow (their lines are the stall
# detector's, not the sweep's): on a loaded machine the sweep outlasts the
# stall timeout and some Wi-Fi subflows are judged stalled first.
per_conn=$(grep -v "\] debug:" <<<"$after" | grep "token=" | grep -vc " stalled ")
[ "$per_conn" -lt 10 ] ||
	fail "$per_conn log lines about single connections: $(grep -v "\] debug:" <<<"$after" | grep "token=" | grep -v " stalled " | head -3)"

# The counters (mptcpd-ctl stats): one handover per connection, each with
# its latency from the link event to the kernel's yes; the answer's time
# under $N connections (one sock_diag dump, in slices).
CTL=${MPTCPD_CTL:-$top_builddir/src/mptcpd-ctl}
t1=$(ms_now)
timeout 20 ip netns exec "$C" "$CTL" -j stats >"$TMP/stats.json" ||
	fail "stats -j failed: $(cat "$TMP/stats.json")"
t1=$(($(ms_now) - t1))
read -r prom hist p50 p99 < <(python3 - "$TMP/stats.json" <<'EOP'
import json, sys
h = json.load(open(sys.argv[1]))['handovers']
lat = h['latency']
def q(f):
    for b in lat['buckets']:
        if b['count'] >= f * lat['count']:
            return b['le_ms'] if b['le_ms'] is not None else 'inf'
    return 'none'
print(h['promotions'], lat['count'], q(0.5), q(0.99))
EOP
)
log "stats: $prom promotions, handover latency p50 <= $p50 ms, p99 <= $p99 ms (buckets); answered in $t1 ms"
[ "$prom" = "$hist" ] || fail "stats: $prom promotions but $hist latencies"
[ "$prom" -ge "$READY" ] && [ "$prom" -le "$N" ] ||
	fail "stats: $prom promotions for $READY connections with a backup subflow"

for k in $(seq "$K"); do
	client_alive "c$k" || fail "client $k ended early: $(tail -n 3 "$TMP/c$k.out")"
	stop_client "c$k"
done
pass
