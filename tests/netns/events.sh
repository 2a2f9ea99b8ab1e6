#!/bin/bash
# What happened and why, after the fact: backup-cellular, two uplinks,
# Wi-Fi blackholed in the router (link up, every packet from it dropped).
# With a monitor started before the failure, the test checks that
#   - the monitor stream had the stall (subflow-stalled), the promotion as
#     an action with its reason and cause, the kernel's refusal of a
#     REMOVE (action-failed) and the retry of Wi-Fi (retry);
#   - while the blackhole lasts, `connection TOKEN` and `interfaces` say
#     "stalled since HH:MM:SS.mmm";
#   - `events --since 1m` replays the path-dead verdict, the promotion with
#     its reason text and cause, and the refused REMOVE with the kernel's
#     error (the history's outcome filled in from the kernel's answer);
#     `--token` keeps that connection's decisions only;
#   - the daemon's log has the one info line with the same reason;
#   - `stats -j` counts the one promotion and its latency, and
#     `stats --openmetrics` passes `promtool check metrics`.
# handover_blackhole.sh measures the handover itself; ctl_cli.sh the
# monitor's action-failed for a REMOVE; this one is about the story.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "reasons, the history and the monitor are the daemon's"

PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) || skip "python3 is not installed"
CTL=${MPTCPD_CTL:-$top_builddir/src/mptcpd-ctl}
[ -x "$CTL" ] || fail "$CTL is not built"

WIFI=192.0.2.2
CELL=198.51.100.2
# The stall names the subflow (address and port) that noticed.
STALL="subflow-stalled ${WIFI//./\\.}(:[0-9]+)?"
PROMOTE="promote eth1 subflow: no working non-cellular subflow \\($STALL\\)"
CAUSE="$STALL \\(backup-cellular\\)"

ctl() { timeout 20 ip netns exec "$C" "$CTL" "$@"; }
jq_py() { "$PYTHON" -c 'import json, sys; a = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

lab_setup v4
conf_wifi_cellular backup-cellular
start_server 5000
start_daemon
# A sender: only unacknowledged data tells a blackhole.
start_client c -a "$SRV4" -p 5000 -d 25 -i 10 -s 1000

wait_until 10 one_subflow_backup "$CELL" yes ||
	fail "expected one established backup subflow from $CELL, flags: $(subflow_flags "$CELL" | xargs)"
wait_until 5 established_from "$WIFI" 1 ||
	fail "expected one established subflow from $WIFI"
TOK=$(ctl -j connections | jq_py 'a["connections"][0]["token"]') ||
	fail "no connection in mptcpd-ctl -j connections"
log "connection $TOK"

timeout 60 ip netns exec "$C" "$CTL" -j monitor >"$TMP/monitor.out" 2>"$TMP/monitor.err" &
LAB_PIDS+=("$!")
monitor_connected() { nsx "$C" ss -xpH state connected | grep -q '"mptcpd-ctl"'; }
wait_until 5 monitor_connected || fail "the monitor did not connect: $(cat "$TMP/monitor.err")"
sleep 0.3

log "blackholing eth0's path in the router"
nsx "$R" nft -f - <<-'EOF2' || fail "nft blackhole"
table inet bh {
	chain blackhole {
		type filter hook forward priority 0; policy accept;
		iifname "c0" counter drop
	}
}
EOF2
wait_until 5 one_subflow_backup "$CELL" no ||
	fail "the cellular subflow was not promoted, flags: $(subflow_flags "$CELL" | xargs)"
log "cellular promoted"

# ---- while the path is dead: what the daemon waits for
stalled_conn() { ctl connection "$TOK" >"$TMP/conn.out" 2>&1 && grep -q "stalled since [0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9][0-9][0-9]" "$TMP/conn.out"; }
wait_until 3 stalled_conn || fail "connection $TOK does not say 'stalled since': $(cat "$TMP/conn.out")"
log "connection: $(grep 'stalled since' "$TMP/conn.out" | head -n 1 | xargs)"
w=$(ctl -j connection "$TOK" | jq_py '[w["text"] for w in a.get("waiting", []) if w["why"] == "stalled" and w["local"]["address"] == "'$WIFI'"][0]') ||
	fail "connection -j: no stalled wait from $WIFI: $(ctl -j connection "$TOK")"
[[ $w == "stalled since "* ]] || fail "connection -j: stalled text is '$w'"
ctl interfaces >"$TMP/ifaces.out" || fail "interfaces failed"
grep -A3 "^eth0 " "$TMP/ifaces.out" | grep -q "waiting.*$WIFI.*stalled since" ||
	fail "interfaces does not say eth0's path stalled: $(cat "$TMP/ifaces.out")"
w=$(ctl -j interfaces | jq_py '[x["waiting"][0]["text"] for x in a["interfaces"] if x["dev"] == "eth0" and "waiting" in x][0]') ||
	fail "interfaces -j: no waiting on eth0: $(ctl -j interfaces)"
[[ $w == "stalled since "* ]] || fail "interfaces -j: eth0 waits for '$w'"

# ---- a command the kernel refuses: an ID this connection never had
ctl remove token "$TOK" id 200 >"$TMP/rm.out" 2>&1 || fail "remove id 200: $(cat "$TMP/rm.out")"
saw() { grep "\"type\":\"$1\"" "$TMP/monitor.out" | grep -q "$2"; }
wait_until 5 saw action-failed '"action":"remove"' ||
	fail "monitor -j: no action-failed for the refused remove: $(cut -c1-160 "$TMP/monitor.out")"
# ---- the retry of Wi-Fi after its backoff (1 s after the stall)
wait_until 10 saw retry "\"token\":\"$TOK\"" ||
	fail "monitor -j: no retry event: $(cut -c1-160 "$TMP/monitor.out")"

dropped=$(nsx "$R" nft list table inet bh | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
[ "${dropped:-0}" -gt 0 ] || fail "the blackhole dropped nothing: the test did not test anything"
nsx "$R" nft delete table inet bh || fail "nft delete"
log "blackhole lifted ($dropped packets dropped)"

# ---- the monitor stream
saw subflow-stalled "\"address\":\"$WIFI\"" ||
	fail "monitor -j: no subflow-stalled from $WIFI: $(cut -c1-160 "$TMP/monitor.out")"
grep '"type":"action"' "$TMP/monitor.out" | grep '"action":"set-flags"' |
	grep -E "\"reason\":\"$PROMOTE\"" | grep -qE "\"cause\":\"$CAUSE\"" ||
	fail "monitor -j: no promotion with its reason and cause: $(grep '"set-flags"' "$TMP/monitor.out")"
grep '"type":"action"' "$TMP/monitor.out" | grep -v '"action":"remove","token":"'"$TOK"'","id":200' |
	grep -v '"reason"' | grep -q . &&
	fail "monitor -j: an action without a reason: $(grep '"type":"action"' "$TMP/monitor.out" | grep -v '"reason"' | head -n 2)"
log "monitor -j: subflow-stalled, the promotion with its reason, action-failed, retry"

# ---- the history, text
ctl events --since 1m >"$TMP/events.out" 2>&1 || fail "events --since 1m: $(cat "$TMP/events.out")"
grep -q "path-dead .*path from $WIFI dead" "$TMP/events.out" ||
	fail "events: no path-dead verdict: $(cat "$TMP/events.out")"
grep -E "token $TOK $PROMOTE" "$TMP/events.out" | grep -q -- "-> done" ||
	fail "events: no promotion with its reason, done: $(cat "$TMP/events.out")"
grep -A1 -E "$PROMOTE" "$TMP/events.out" | grep -qE "cause: $CAUSE" ||
	fail "events: the promotion's cause is missing: $(cat "$TMP/events.out")"
grep -F "token $TOK withdraw" "$TMP/events.out" | grep -q -- "-> refused E" ||
	fail "events: the refused REMOVE has no kernel error: $(cat "$TMP/events.out")"
log "events: $(grep -cF "token $TOK" "$TMP/events.out") decisions of $TOK, e.g. $(grep -E "$PROMOTE" "$TMP/events.out" | head -n 1)"

# ---- the history, JSON, one connection
ctl -j events --since 1m --token "$TOK" >"$TMP/events.json" || fail "events -j --token failed"
n=$(jq_py 'len([e for e in a["events"] if e.get("token") not in (None, "'$TOK'")])' <"$TMP/events.json")
[ "$n" = 0 ] || fail "events --token $TOK: $n entries of other connections"
r=$(jq_py '[" ".join((e["strategy"], e["outcome"], e["cause"])) for e in a["events"] if e.get("action") == "set-flags" and e.get("backup") is False][0]' <"$TMP/events.json") ||
	fail "events -j: no promotion: $(cat "$TMP/events.json")"
[[ $r =~ ^backup-cellular\ done\ $CAUSE$ ]] || fail "events -j: the promotion is $r"
r=$(jq_py '[(e["outcome"], e["error"]) for e in a["events"] if e.get("action") == "remove" and e.get("id") == 200][0]' <"$TMP/events.json") ||
	fail "events -j: no refused remove: $(cat "$TMP/events.json")"
[[ $r == "('refused', 'E"* ]] || fail "events -j: the refused remove is $r"
# --since in the future of the last decision: nothing
sleep 1.2
n=$(ctl -j events --since 1s --token "$TOK" | jq_py 'len(a["events"])')
log "events -j --since 1s: $n decisions"

# ---- the log's one line per decision, with the same reason
grep -E "token=$TOK: $PROMOTE" "$DAEMON_LOG" | grep -q "backup change" ||
	fail "the daemon's log has no info line with the promotion's reason"

# ---- the counters tell the same story: one stall verdict, one promotion
# (one connection), its latency in the histogram; the exposition passes
# promtool (stats.sh checks the counters in detail)
ctl -j stats >"$TMP/stats.json" || fail "stats -j failed: $(cat "$TMP/stats.json")"
r=$(jq_py '(a["handovers"]["promotions"], a["handovers"]["latency"]["count"], a["stalls"] >= 1)' <"$TMP/stats.json") ||
	fail "stats -j: not the expected JSON: $(cat "$TMP/stats.json")"
[ "$r" = "(1, 1, True)" ] || fail "stats -j: (promotions, latencies, stalls >= 1) = $r, expected (1, 1, True)"
ctl stats --openmetrics >"$TMP/metrics.txt" || fail "stats --openmetrics failed"
if command -v promtool >/dev/null; then
	promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1 ||
		fail "promtool check metrics: $(cat "$TMP/promtool.out")"
	log "stats: 1 promotion, its latency counted; promtool check metrics: clean"
elif [ "${CI:-}" = true ]; then
	fail "promtool is missing (install the prometheus package: scripts/deps.sh)"
else
	log "stats: 1 promotion, its latency counted (promtool missing: not checked)"
fi

wait_client c 40 || fail "the client failed: $(client_out c)"
pass
