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

# jq is not a dependency: python3 reads the JSON, once per answer (it is
# slow to start on a loaded machine).  jvars FILE: the figures the test
# checks, as shell assignments (an interface not listed reads as 0).
jvars() {
	python3 - "$1" <<'EOP'
import json, sys
s = json.load(open(sys.argv[1]))
i = {x['dev']: x for x in s['interfaces']}
h = s['handovers']
print(f"conns={s['connections']} prom={h['promotions']} "
      f"hist={h['latency']['count']} inf={h['latency']['buckets'][-1]['count']} "
      f"sum_ms={h['latency']['sum_ms']} closed={s['subflows']['closed']} "
      f"fresh={int(s['bytes_fresh'])} metered_tx={s['metered']['bytes_sent']}")
for d in ('eth0', 'eth1'):
    x = i.get(d, {})
    print(f"{d}_sub={x.get('subflows', 0)} {d}_tx={x.get('bytes_sent', 0)} "
          f"{d}_active={int(bool(x.get('active')))} {d}_active_ms={x.get('active_ms', 0)}")
EOP
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
vars=$(jvars "$TMP/before.json") || fail "stats -j: not the expected JSON: $(cat "$TMP/before.json")"
eval "$vars"
log "before: $(xargs <<<"$vars")"
[ "$conns" = "$N" ] || fail "stats: $conns connections managed, not $N"
[ "$prom" = 0 ] || fail "stats: $prom promotions before any loss"
[ "$fresh" = 1 ] || fail "stats: the per-interface bytes were not read"
[ "$eth0_sub" -ge "$N" ] || fail "stats: eth0 counts $eth0_sub subflows, not $N"
[ "$eth1_sub" -ge "$N" ] || fail "stats: eth1 counts $eth1_sub subflows, not $N"
wifi_tx0=$eth0_tx
[ "$wifi_tx0" -gt 10000 ] || fail "stats: eth0 sent only $wifi_tx0 bytes"
[ "$eth0_active" = 1 ] || fail "stats: eth0 is not the active path"
[ "$eth1_active" = 0 ] || fail "stats: eth1 (backup) counted as active"

log "eth0 down"
ip -n "$C" link set eth0 down || fail "link down"
wait_until 5 eval '[ "$(backup_from "$CELL")" = 0 ]' ||
	fail "the cellular subflows were not all promoted: $(subflow_flags "$CELL" | xargs)"
wait_until 5 no_tcp_from "$WIFI" || fail "live subflows from $WIFI remain: $(tcp_from "$WIFI")"
sleep 2

ctl -j stats >"$TMP/after.json" || fail "stats -j failed: $(cat "$TMP/after.json")"
vars=$(jvars "$TMP/after.json") || fail "stats -j: not the expected JSON: $(cat "$TMP/after.json")"
eval "$vars"
log "after: $(xargs <<<"$vars")"
log "promotions $prom, latencies $hist (+Inf bucket $inf), sum $sum_ms ms"
[ "$prom" = "$N" ] || fail "stats: $prom promotions, expected one per connection ($N)"
[ "$hist" = "$N" ] && [ "$inf" = "$N" ] || fail "stats: $hist latencies in the histogram, expected $N"
[ "$closed" -ge "$N" ] || fail "stats: $closed subflows closed, expected at least $N (the Wi-Fi ones)"
[ "$eth0_active" = 0 ] || fail "stats: eth0 still active"
[ "$eth1_active" = 1 ] || fail "stats: eth1 not active after the promotion"
[ "$eth0_active_ms" -gt 2000 ] || fail "stats: eth0 active for $eth0_active_ms ms only"
# Bytes never go back, also for the subflows closed since.
[ "$eth0_tx" -ge "$wifi_tx0" ] || fail "stats: eth0's bytes went back ($wifi_tx0 -> $eth0_tx)"
log "eth0 sent $eth0_tx, eth1 sent $eth1_tx, metered sent $metered_tx"
[ "$eth1_tx" -gt 10000 ] || fail "stats: eth1 sent only $eth1_tx bytes after the promotion"
[ "$metered_tx" = "$eth1_tx" ] || fail "stats: metered bytes $metered_tx, eth1 (the metered one) $eth1_tx"

ctl stats >"$TMP/text.out" || fail "stats (text) failed"
grep -q "^promotions  *$N\$" "$TMP/text.out" || fail "stats text: $(cat "$TMP/text.out")"
log "stats (text):"
sed 's/^/    /' "$TMP/text.out"
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
