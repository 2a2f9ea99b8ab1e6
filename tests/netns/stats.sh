#!/bin/bash
# mptcpd-ctl stats: backup-cellular with three connections, each with its
# Wi-Fi (eth0) and its backup cellular (eth1) subflow, under traffic.  The
# Wi-Fi link goes down: stats -j counts one handover (promotion) per
# connection, with as many handover latencies in its histogram, the Wi-Fi
# subflows closed, both interfaces with their subflows, bytes and active
# time, the cellular bytes as metered; and stats --openmetrics passes
# `promtool check metrics` (without promtool: skipped, a failure under
# CI=true).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the counters are the daemon's"

CTL=${MPTCPD_CTL:-$top_builddir/src/mptcpd-ctl}
[ -x "$CTL" ] || fail "$CTL is not built"
ctl() { timeout 20 ip netns exec "$C" "$CTL" "$@"; }
N=3
WIFI=192.0.2.2
CELL=198.51.100.2

# jq is not a dependency: python3 reads the JSON.
# jget FILE EXPR: EXPR evaluated with s = the stats object.
jget() {
	python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}
# iface FILE DEV KEY: one interface's figure (0 when the interface is
# not listed).
iface() {
	jget "$1" "next((i['$3'] for i in s['interfaces'] if i['dev'] == '$2'), 0)"
}
backup_from() { subflow_flags "$1" | grep -c b; }

lab_setup v4
conf_wifi_cellular backup-cellular
start_server 5000
start_daemon
# 20 KB/s per connection: bytes on both links to count.
start_client c -a "$SRV4" -p 5000 -n "$N" -d 30 -i 50 -s 1000 -w 2 -W 15
wait_until 20 grep -q '^subflows_ready=' "$TMP/c.out" ||
	fail "the client never finished waiting for its subflows"
grep -q "^subflows_ready=$N/$N " "$TMP/c.out" ||
	fail "not every connection got its cellular subflow: $(grep subflows_ready "$TMP/c.out")"
wait_until 5 eval '[ "$(backup_from "$CELL")" = "$N" ]' ||
	fail "not $N backup cellular subflows: $(backup_from "$CELL")"
sleep 2

ctl -j stats >"$TMP/before.json" || fail "stats -j failed: $(cat "$TMP/before.json")"
log "before: $(head -c 600 "$TMP/before.json")"
[ "$(jget "$TMP/before.json" "s['connections']")" = "$N" ] ||
	fail "stats: not $N connections managed"
[ "$(jget "$TMP/before.json" "s['handovers']['promotions']")" = 0 ] ||
	fail "stats: promotions before any loss"
[ "$(jget "$TMP/before.json" "s['bytes_fresh']")" = True ] ||
	fail "stats: the per-interface bytes were not read"
[ "$(iface "$TMP/before.json" eth0 subflows)" -ge "$N" ] ||
	fail "stats: eth0 does not count its $N subflows"
[ "$(iface "$TMP/before.json" eth1 subflows)" -ge "$N" ] ||
	fail "stats: eth1 does not count its $N subflows"
wifi_tx0=$(iface "$TMP/before.json" eth0 bytes_sent)
[ "$wifi_tx0" -gt 10000 ] || fail "stats: eth0 sent only $wifi_tx0 bytes"
[ "$(iface "$TMP/before.json" eth0 active)" = True ] || fail "stats: eth0 is not the active path"
[ "$(iface "$TMP/before.json" eth1 active)" = False ] || fail "stats: eth1 (backup) counted as active"

log "eth0 down"
ip -n "$C" link set eth0 down || fail "link down"
wait_until 5 eval '[ "$(backup_from "$CELL")" = 0 ]' ||
	fail "the cellular subflows were not all promoted: $(subflow_flags "$CELL" | xargs)"
wait_until 5 no_tcp_from "$WIFI" || fail "live subflows from $WIFI remain: $(tcp_from "$WIFI")"
sleep 2

ctl -j stats >"$TMP/after.json" || fail "stats -j failed: $(cat "$TMP/after.json")"
log "after: $(head -c 900 "$TMP/after.json")"
prom=$(jget "$TMP/after.json" "s['handovers']['promotions']")
hist=$(jget "$TMP/after.json" "s['handovers']['latency']['count']")
inf=$(jget "$TMP/after.json" "s['handovers']['latency']['buckets'][-1]['count']")
log "promotions $prom, latencies $hist (+Inf bucket $inf), sum $(jget "$TMP/after.json" "s['handovers']['latency']['sum_ms']") ms"
[ "$prom" = "$N" ] || fail "stats: $prom promotions, expected one per connection ($N)"
[ "$hist" = "$N" ] && [ "$inf" = "$N" ] || fail "stats: $hist latencies in the histogram, expected $N"
closed=$(jget "$TMP/after.json" "s['subflows']['closed']")
[ "$closed" -ge "$N" ] || fail "stats: $closed subflows closed, expected at least $N (the Wi-Fi ones)"
[ "$(iface "$TMP/after.json" eth0 active)" = False ] || fail "stats: eth0 still active"
[ "$(iface "$TMP/after.json" eth1 active)" = True ] || fail "stats: eth1 not active after the promotion"
# Bytes never go back, also for the subflows closed since.
wifi_tx1=$(iface "$TMP/after.json" eth0 bytes_sent)
[ "$wifi_tx1" -ge "$wifi_tx0" ] || fail "stats: eth0's bytes went back ($wifi_tx0 -> $wifi_tx1)"
cell_tx=$(iface "$TMP/after.json" eth1 bytes_sent)
metered=$(jget "$TMP/after.json" "s['metered']['bytes_sent']")
log "eth0 sent $wifi_tx1, eth1 sent $cell_tx, metered sent $metered"
[ "$cell_tx" -gt 10000 ] || fail "stats: eth1 sent only $cell_tx bytes after the promotion"
[ "$metered" = "$cell_tx" ] || fail "stats: metered bytes $metered, eth1 (the metered one) $cell_tx"

ctl stats >"$TMP/text.out" || fail "stats (text) failed"
grep -q '^promotions  *3$' "$TMP/text.out" || fail "stats text: $(cat "$TMP/text.out")"
ctl stats --openmetrics >"$TMP/metrics.txt" || fail "stats --openmetrics failed"
[ "$(tail -n1 "$TMP/metrics.txt")" = "# EOF" ] || fail "the exposition does not end with # EOF"
grep -q "^mptcpd_promotions_total $N\$" "$TMP/metrics.txt" ||
	fail "mptcpd_promotions_total is not $N: $(grep promotions "$TMP/metrics.txt")"
grep -q "^mptcpd_handover_latency_seconds_count $N\$" "$TMP/metrics.txt" ||
	fail "the histogram's count is not $N"
if command -v promtool >/dev/null; then
	promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1 ||
		fail "promtool check metrics: $(cat "$TMP/promtool.out")"
	log "promtool check metrics: no error, no warning ($(grep -c '^# TYPE' "$TMP/metrics.txt") families)"
elif [ "${CI:-}" = true ]; then
	fail "promtool is missing (install the prometheus package: scripts/deps.sh)"
else
	skip "promtool is missing (Debian package prometheus)"
fi
stop_client c
pass
