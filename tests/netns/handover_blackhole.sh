#!/bin/bash
# backup-cellular, Wi-Fi blackholed: the link stays up but the router
# silently drops everything the client sends on it, so no event comes from
# the kernel; only the daemon's polling of TCP state (unacked data, no ACK
# progress) can notice.  The cellular subflow must be promoted within ~2 s
# and the transfer must go on with no write failing and every byte
# arriving.  When the blackhole is lifted, Wi-Fi is used again (after the
# daemon's retry backoff) and cellular goes back to backup.  The monitor
# stream shows the stall and the retry.
#
# The drop is in the ROUTER: a drop in the client's own output hook
# returns an error to TCP, which then does not count the segment as in
# flight, and that is no blackhole.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "stall detection and backup-cellular are the daemon's"

WIFI=192.0.2.2
CELL=198.51.100.2
TINY=20000

lab_setup v4
conf_wifi_cellular backup-cellular
start_server 5000
start_daemon
# The client must send: only a sender can see its data go unacknowledged.
start_client c -a "$SRV4" -p 5000 -d 20 -i 10 -s 1000

wait_until 10 one_subflow_backup "$CELL" yes ||
	fail "expected one established backup subflow from $CELL, flags: $(subflow_flags "$CELL" | xargs)"
wait_until 5 established_from "$WIFI" 1 ||
	fail "expected one established subflow from $WIFI"
cell0=$(link_tx_bytes eth1)
sleep 2
cell=$(($(link_tx_bytes eth1) - cell0))
[ "$cell" -lt "$TINY" ] || fail "the backup cellular link sent $cell bytes in 2 s"

# The monitor stream must tell what happened: the stall, and the retry
# of Wi-Fi after it (bounded: it ends with the test at the latest).
CTL=${MPTCPD_CTL:-$top_builddir/src/mptcpd-ctl}
timeout 40 ip netns exec "$C" "$CTL" -j monitor >"$TMP/monitor.out" 2>"$TMP/monitor.err" &
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
t0=$(elapsed)
wait_until 2 one_subflow_backup "$CELL" no ||
	fail "the cellular subflow was not promoted within 2 s, flags: $(subflow_flags "$CELL" | xargs)"
log "cellular promoted $(since "$t0") s after the blackhole"
wait_until 3 established_from "$WIFI" 0 ||
	fail "the blackholed subflow from $WIFI is still established: $(tcp_from "$WIFI")"
cell0=$(link_tx_bytes eth1)
sleep 2
cell=$(($(link_tx_bytes eth1) - cell0))
log "eth1 sent $cell bytes in 2 s after the promotion"
[ "$cell" -gt 100000 ] || fail "the transfer did not move to cellular: eth1 sent $cell bytes in 2 s"
client_alive c || fail "the client ended early: $(client_out c)"

# The daemon retries Wi-Fi 1 s after the stall; that join's SYN is
# blackholed too, and it is the kernel's SYN retransmission (1, 3, 7, 15 s
# after) that gets through once the path is back.  Measured: lifted ~2.5 s
# after the stall, Wi-Fi is back 0.5-0.9 s later; lifted 12 s after it,
# 8.3 s later.
dropped=$(nsx "$R" nft list table inet bh | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
[ "${dropped:-0}" -gt 0 ] || fail "the blackhole dropped nothing: the test did not test anything"
log "lifting the blackhole ($dropped packets dropped)"
nsx "$R" nft delete table inet bh || fail "nft delete"
t0=$(elapsed)
wait_until 30 established_from "$WIFI" 1 ||
	fail "no Wi-Fi subflow came back from $WIFI within 30 s"
log "Wi-Fi subflow back $(since "$t0") s after the blackhole was lifted"
wait_until 3 one_subflow_backup "$CELL" yes ||
	fail "cellular is not backup again, flags: $(subflow_flags "$CELL" | xargs)"
sleep 1
cell0=$(link_tx_bytes eth1)
sleep 2
cell=$(($(link_tx_bytes eth1) - cell0))
log "eth1 sent $cell bytes in 2 s once back to backup"
[ "$cell" -lt "$TINY" ] || fail "the backup cellular link still sent $cell bytes in 2 s"

for type in subflow-stalled retry; do
	grep -q "\"type\":\"$type\"" "$TMP/monitor.out" ||
		fail "monitor -j showed no $type event: $(cut -c1-120 "$TMP/monitor.out")"
done
grep '"type":"subflow-stalled"' "$TMP/monitor.out" | grep -q "\"address\":\"$WIFI\"" ||
	fail "the stall shown is not Wi-Fi's: $(grep subflow-stalled "$TMP/monitor.out")"
log "monitor -j showed the stall and the retry"

# The counters: the stall, and the one handover it caused, timed from the
# stall verdict (not from the blackhole: detecting it is not the daemon's
# reaction time).
timeout 20 ip netns exec "$C" "$CTL" -j stats >"$TMP/stats.json" ||
	fail "stats -j failed: $(cat "$TMP/stats.json")"
read -r stalls prom hist sum < <(python3 -c 'import json, sys
s = json.load(open(sys.argv[1])); h = s["handovers"]
print(s["stalls"], h["promotions"], h["latency"]["count"], h["latency"]["sum_ms"])' "$TMP/stats.json")
log "stats: $stalls stalled subflows, $prom promotions ($hist timed, $sum ms in all)"
[ "$stalls" -ge 1 ] || fail "stats: no stall counted"
[ "$prom" -ge 1 ] && [ "$prom" = "$hist" ] || fail "stats: $prom promotions, $hist timed"

wait_client c 25 || fail "the client failed: $(client_out c)"
check_sent_received c 5000 1
pass
