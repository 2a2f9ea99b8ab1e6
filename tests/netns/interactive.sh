#!/bin/bash
# interactive, on a Wi-Fi (eth0) and a cellular (eth1) uplink, for the
# connections a [policy] rule gives it (port 5000, metered = allow; the
# default strategy is backup-cellular): a paced request stream (200 bytes
# every 10 ms) goes on the path with the lowest smoothed RTT, the other
# subflow warm and flagged backup.
#
# No netem on this kernel, so RTTs come from queues: a tbf on each of the
# router's links towards the client, filled by a bulk download (the
# client's data crosses no queue; the server's ACKs of it do, so its
# subflows' srtt rise and nothing of the stream is dropped).  Cellular's
# queue (60 ms) is full all along: cellular is the slower path.  Then a
# second download fills Wi-Fi's deeper queue (400 ms) for 6 s.
#
# Asserted, from the kernel's figures (ss: each subflow's rtt and its
# backup flag), sampled every 100 ms:
#   - the data moves to cellular (cellular's subflow not backup, Wi-Fi's
#     backup) within 1 s of Wi-Fi's srtt exceeding cellular's by the
#     hysteresis (1.5x and +20 ms), the rise being measurable;
#   - it comes back to Wi-Fi once the download stops (a probe finds Wi-Fi
#     fast again: a backup subflow sends nothing, so its srtt stays stale);
#   - no flapping: the path that carries the data for longer than a probe
#     changes exactly twice, and the probes are few;
#   - every byte the client sent arrived.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the interactive strategy is the daemon's"

WIFI=192.0.2.2
CELL=198.51.100.2
PORT=5000
SWITCH_S=1.0		# the issue's bound, from the measurable rise
BACK_S=20		# download stopped -> Wi-Fi carries again
SAMPLES="$TMP/samples"

# flags_rtt ADDR: "FLAGS RTT_MS" of the stream's established subflow from
# ADDR (the downloads' sockets use other ports), or nothing.
flags_rtt() {
	nsx "$C" ss -tniH state established src "$1" dport = ":$PORT" | awk '
		{ for (i = 1; i <= NF; i++) {
			if ($i ~ /^rtt:/) { r = $i; sub("rtt:", "", r); sub("/.*", "", r) }
			if ($i ~ /^flags:/) f = $i } }
		END { if (f != "") { sub("flags:", "", f); print f, r } }'
}
# The samples' parser: ss -tniH blocks, each after a "T <time>" line, to
# "T CARRIER WIFI_RTT CELL_RTT" lines (CARRIER: the path whose subflow is
# not backup while the other's is; both, or none without two subflows).
PARSE='
	function flush() {
		if (t == "") return
		c = "none"
		if (wf != "" && cf != "") {
			c = "both"
			if (wf !~ /b/ && cf ~ /b/) c = "wifi"
			if (wf ~ /b/ && cf !~ /b/) c = "cell"
		}
		print t, c, wr + 0, cr + 0
	}
	$1 == "T" { flush(); t = $2; wf = cf = ""; wr = cr = 0; src = ""; next }
	/^[0-9]/ { src = $3; next }
	{ f = ""; r = ""
	  for (i = 1; i <= NF; i++) {
		if ($i ~ /^rtt:/) { r = $i; sub("rtt:", "", r); sub("/.*", "", r) }
		if ($i ~ /^flags:/) { f = $i; sub("flags:", "", f) } }
	  if (index(src, wifi) == 1) { wf = f; wr = r }
	  if (index(src, cell) == 1) { cf = f; cr = r } }
	END { flush() }'
# carrier: the carrier now, one ss.
carrier() {
	{ echo "T 0"; nsx "$C" ss -tniH state established dport = ":$PORT"; } |
		awk -v wifi="$WIFI" -v cell="$CELL" "$PARSE" | awk '{ print $2 }'
}
carries() { [ "$(carrier)" = "$1" ]; }

# sampler SECONDS: every 100 ms (one shell inside C, one ss a sample:
# "ip netns exec" per sample is too slow on a loaded host), the stream's
# subflows as ss shows them, each block headed by "T <time>".  Bounded.
sampler() {
	ip netns exec "$C" bash -c 'for i in $(seq $(($1 * 10))); do
		echo "T $(date +%s.%N)"
		ss -tniH state established dport = :$2
		sleep 0.1
	done' sampler "$1" "$PORT" >"$TMP/raw" 2>/dev/null &
	SAMPLER=$!		# ip execs bash: this is the loop itself
	LAB_PIDS+=("$SAMPLER")
}

# The samples, one a line: "T CARRIER WIFI_RTT CELL_RTT".
samples() {
	awk -v wifi="$WIFI" -v cell="$CELL" "$PARSE" "$TMP/raw" >"$SAMPLES"
}

# within SECONDS CMD...: CMD true within SECONDS of wall time (polled every
# 100 ms; wait_until counts tries, which a loaded host makes slow).
within() {
	local end
	end=$(($(date +%s%N) + $1 * 1000000000))
	shift
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

lab_setup v4
# The queues: towards the client, on the router.
nsx "$R" tc qdisc add dev c0 root tbf rate 5mbit burst 16kb latency 400ms ||
	skip "no tbf qdisc"
nsx "$R" tc qdisc add dev c1 root tbf rate 5mbit burst 16kb latency 60ms ||
	fail "tbf on c1"
# The downloads' sockets in C are not bound to a device: their replies
# leave by the uplink of their source address.
ip -n "$C" rule add from "$CELL" table 200 priority 100 || fail "ip rule"
ip -n "$C" route add default via 198.51.100.1 dev eth1 table 200 || fail "route table 200"

cat >"$CONF" <<EOC
[core]
strategy = backup-cellular
announce = none
[interface eth0]
type = wifi
[interface eth1]
type = cellular
metered = yes
[policy browser]
remote-port = $PORT
strategy = interactive
metered = allow
EOC
start_server "$PORT"
start_daemon
# Download sinks in C (MPTCP sockets with one subflow each: no
# announcement, and the server's kernel PM has no endpoint).
ip netns exec "$C" "$MPTCP_CONN" server -a "$CELL" -p 6001 -t 120 >"$TMP/sink-cell.out" 2>&1 &
LAB_PIDS+=("$!")
ip netns exec "$C" "$MPTCP_CONN" server -a "$WIFI" -p 6000 -t 120 >"$TMP/sink-wifi.out" 2>&1 &
SINK_WIFI=$!
LAB_PIDS+=("$SINK_WIFI")
sleep 0.5
ip netns exec "$S" "$MPTCP_CONN" client -a "$CELL" -p 6001 -d 50 -i 1 -s 65536 \
	>"$TMP/bulk-cell.out" 2>&1 &
LAB_PIDS+=("$!")
sleep 2

start_client c -a "$SRV4" -p "$PORT" -d 35 -i 10 -s 200
has_subflow() { [ -n "$(flags_rtt "$1")" ]; }
within 10 has_subflow "$CELL" || fail "no cellular subflow for the stream"
within 5 carries wifi || fail "Wi-Fi does not carry the stream: wifi $(flags_rtt "$WIFI"), cell $(flags_rtt "$CELL")"
log "stream on Wi-Fi: wifi $(flags_rtt "$WIFI"), cell $(flags_rtt "$CELL") (flags, rtt ms)"
sampler 45
sleep 3
carries wifi || fail "the stream left Wi-Fi with no cause: $(carrier)"

log "download on Wi-Fi for 6 s"
t_bulk=$(date +%s.%N)
ip netns exec "$S" "$MPTCP_CONN" client -a "$WIFI" -p 6000 -d 30 -i 1 -s 65536 \
	>"$TMP/bulk-wifi.out" 2>&1 &
LAB_PIDS+=("$!")
within 6 carries cell || fail "the stream did not move to cellular: wifi $(flags_rtt "$WIFI"), cell $(flags_rtt "$CELL")"
log "on cellular: wifi $(flags_rtt "$WIFI"), cell $(flags_rtt "$CELL")"
sleep 6
# The receiver goes: its socket is reset with data unread, so the
# download stops at once (the sender's buffered megabytes would otherwise
# keep Wi-Fi's queue full for seconds after its last write).
kill "$SINK_WIFI" 2>/dev/null
log "download over; waiting for Wi-Fi"
t_stop=$(date +%s.%N)
within "$BACK_S" carries wifi || fail "the stream did not come back to Wi-Fi within $BACK_S s: wifi $(flags_rtt "$WIFI"), cell $(flags_rtt "$CELL")"
t_back=$(date +%s.%N)
log "back on Wi-Fi $(awk -v a="$t_stop" -v b="$t_back" 'BEGIN { printf "%.1f", b - a }') s after the download ended"
sleep 2
kill "$SAMPLER" 2>/dev/null
wait "$SAMPLER" 2>/dev/null
samples
log "$(grep -c . "$SAMPLES") samples over $(awk 'NR == 1 { a = $1 } END { printf "%.1f", $1 - a }' "$SAMPLES") s"

# The rise: the first sample, after the download started, where Wi-Fi's
# srtt exceeds cellular's by the hysteresis; the switch: the first where
# cellular carries.
read -r t_rise t_switch < <(awk -v t0="$t_bulk" '
	$1 >= t0 && !rise && $3 + 0 > 1.5 * $4 && $3 + 0 > $4 + 20 { rise = $1 }
	$1 >= t0 && !sw && $2 == "cell" { sw = $1 }
	END { printf "%.3f %.3f\n", rise, sw }' "$SAMPLES")
[ "${t_rise%.*}" != 0 ] || fail "Wi-Fi's RTT never rose by the margin: the download did not fill the queue? $(tail -n 3 "$SAMPLES")"
[ "${t_switch%.*}" != 0 ] || fail "the samples never saw cellular carry"
switch=$(awk -v a="$t_rise" -v b="$t_switch" 'BEGIN { printf "%.2f", b - a }')
log "Wi-Fi's RTT rose by the margin $(awk -v a="$t_bulk" -v b="$t_rise" 'BEGIN { printf "%.2f", b - a }') s into the download; switch $switch s later"
back=$(awk -v a="$t_stop" -v b="$t_back" 'BEGIN { printf "%.2f", b - a }')
# For bench/interactive_switch.sh.
log "figures: switch_ms=$(awk -v s="$switch" 'BEGIN { printf "%d", s * 1000 }') back_ms=$(awk -v s="$back" 'BEGIN { printf "%d", s * 1000 }')"
awk -v s="$switch" -v m="$SWITCH_S" 'BEGIN { exit !(s <= m) }' ||
	fail "the switch took $switch s after the rise (bound $SWITCH_S s)"

# Runs of the same carrier, and what each phase allows: before the
# download, Wi-Fi only; from the switch to the end of the download,
# cellular, save probes of Wi-Fi (300 ms, up to the 500 ms hold time more
# when a probe shows Wi-Fi better by the margin, plus a reading: under
# 1.2 s); from 1.2 s after Wi-Fi came back, Wi-Fi, save such probes of
# cellular.  A longer run of the other path in a phase is a flap.
read -r flaps probes changes < <(awk -v t0="$t_bulk" -v sw="$t_switch" \
	-v stop="$t_stop" -v back="$t_back" '
	function judge(path, a, b,   want) {
		if (path == "") return
		want = a < t0 ? "wifi" : a >= sw - 0.05 && b <= stop + 0.5 ? "cell" : \
			a >= back - 0.05 ? "wifi" : ""
		if (want == "" || path == want) return
		if (b - a < 1.2) probes++
		else { flaps++; printf "%s %.1f s at +%.1f; ", path, b - a, a - t0 > "/dev/stderr" }
	}
	$2 == "wifi" || $2 == "cell" {
		if ($2 != cur) { judge(cur, start, $1); cur = $2; start = $1; changes++ }
		last = $1
	}
	END { judge(cur, start, last); print flaps + 0, probes + 0, changes - 1 }' "$SAMPLES" \
	2>"$TMP/flaps")
log "probes seen: $probes; carrier changes sampled: $changes"
[ "$flaps" = 0 ] || fail "$flaps flaps: $(cat "$TMP/flaps")"
[ "$probes" -le 8 ] || fail "$probes probes in about 12 s"

stop_client c		# SIGTERM: it reports and exits 0 if all went well
wait_client c 10 || fail "the client failed: $(client_out c)"
check_sent_received c "$PORT" 1
pass
