#!/bin/bash
# backup-cellular, Wi-Fi link lost and back.  While Wi-Fi (eth0) works the
# connection has exactly one cellular (eth1) subflow, flagged backup, which
# carries next to nothing.  eth0 goes down under a running transfer: the
# cellular subflow is promoted (backup flag off), no live subflow is left
# on 192.0.2.2, and the transfer goes on.  eth0 comes back: a new Wi-Fi
# subflow is established and cellular is backup again.  In the end no
# write failed and every byte sent arrived.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the backup-cellular strategy is the daemon's"

WIFI=192.0.2.2
CELL=198.51.100.2
# A few KB of ACKs and keepalives at most, against ~300 KB of transfer.
TINY=20000

lab_setup v4
conf_wifi_cellular backup-cellular
start_server 5000
start_daemon
# 100 KB/s for 16 s.
start_client c -a "$SRV4" -p 5000 -d 16 -i 10 -s 1000

wait_until 10 one_subflow_backup "$CELL" yes ||
	fail "expected one established backup subflow from $CELL, flags: $(subflow_flags "$CELL" | xargs)"
wait_until 5 established_from "$WIFI" 1 ||
	fail "expected one established subflow from $WIFI"
conns_with_subflows 1 2 || fail "expected 1 connection with 2 subflows, ss says: $(count_subflows | xargs)"

log "measuring traffic on both links for 3 s"
cell0=$(link_tx_bytes eth1); wifi0=$(link_tx_bytes eth0)
sleep 3
cell=$(($(link_tx_bytes eth1) - cell0)); wifi=$(($(link_tx_bytes eth0) - wifi0))
log "eth0 sent $wifi bytes, eth1 sent $cell bytes"
[ "$cell" -lt "$TINY" ] || fail "the backup cellular link sent $cell bytes in 3 s"
[ "$wifi" -gt 200000 ] || fail "Wi-Fi sent only $wifi bytes in 3 s"

log "eth0 down"
ip -n "$C" link set eth0 down || fail "link down"
t0=$(elapsed)
wait_until 3 one_subflow_backup "$CELL" no ||
	fail "the cellular subflow was not promoted, flags: $(subflow_flags "$CELL" | xargs)"
log "cellular promoted $(since "$t0") s after the link went down"
wait_until 3 no_tcp_from "$WIFI" || fail "live subflows from $WIFI remain: $(tcp_from "$WIFI")"
cell0=$(link_tx_bytes eth1)
sleep 2
cell=$(($(link_tx_bytes eth1) - cell0))
log "eth1 sent $cell bytes in 2 s after the promotion"
[ "$cell" -gt 100000 ] || fail "the transfer did not move to cellular: eth1 sent $cell bytes in 2 s"
client_alive c || fail "the client ended early: $(client_out c)"

log "eth0 up"
ip -n "$C" link set eth0 up || fail "link up"
# IPv4 flushes the routes of a downed link; the address stays.
ip -n "$C" route replace default via 192.0.2.1 dev eth0 metric 100 || fail "route via eth0"
t0=$(elapsed)
wait_until 10 established_from "$WIFI" 1 ||
	fail "no Wi-Fi subflow came back from $WIFI"
log "Wi-Fi subflow back $(since "$t0") s after the link came up"
wait_until 3 one_subflow_backup "$CELL" yes ||
	fail "cellular is not backup again, flags: $(subflow_flags "$CELL" | xargs)"
# Give data already queued on cellular time to drain.
sleep 1
cell0=$(link_tx_bytes eth1)
sleep 2
cell=$(($(link_tx_bytes eth1) - cell0))
log "eth1 sent $cell bytes in 2 s once back to backup"
[ "$cell" -lt "$TINY" ] || fail "the backup cellular link still sent $cell bytes in 2 s"

wait_client c 15 || fail "the client failed: $(client_out c)"
check_sent_received c 5000 1
pass
