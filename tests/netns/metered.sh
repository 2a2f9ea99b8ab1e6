#!/bin/bash
# metered-aware: the metered link (eth1, cellular) carries no subflow at
# all while the unmetered one (eth0, Wi-Fi) works: no TCP socket from
# 198.51.100.2 and next to no bytes sent on eth1.  Wi-Fi lost: a subflow
# opens on eth1 and the transfer goes on.  Wi-Fi back: once its subflow is
# established, the metered subflow is closed.  In the end no write failed
# and every byte sent arrived.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the metered-aware strategy is the daemon's"

WIFI=192.0.2.2
CELL=198.51.100.2
TINY=20000

no_socket_from() { [ "$(tcp_count_from "$1" all)" = 0 ]; }

lab_setup v4
conf_wifi_cellular metered-aware
start_server 5000
start_daemon
start_client c -a "$SRV4" -p 5000 -d 16 -i 10 -s 1000

wait_until 10 established_from "$WIFI" 1 || fail "expected one established subflow from $WIFI"
log "measuring traffic on both links for 3 s"
cell0=$(link_tx_bytes eth1); wifi0=$(link_tx_bytes eth0)
for _ in $(seq 6); do
	no_socket_from "$CELL" || fail "a socket from the metered $CELL: $(tcp_from "$CELL" all)"
	sleep 0.5
done
cell=$(($(link_tx_bytes eth1) - cell0)); wifi=$(($(link_tx_bytes eth0) - wifi0))
log "eth0 sent $wifi bytes, eth1 sent $cell bytes"
[ "$cell" -lt "$TINY" ] || fail "the metered link sent $cell bytes in 3 s"
[ "$wifi" -gt 200000 ] || fail "Wi-Fi sent only $wifi bytes in 3 s"
conns_with_subflows 1 1 || fail "expected 1 connection with 1 subflow, ss says: $(count_subflows | xargs)"

log "eth0 down"
ip -n "$C" link set eth0 down || fail "link down"
t0=$(elapsed)
# Usually ~1 s, sometimes ~4 s: the destroyed Wi-Fi subflow's last packets
# leave by eth1 with source 192.0.2.2 (its route via eth0 is gone), so the
# client's first ARP requests on eth1 carry 192.0.2.2, which the router's
# strict rp_filter ignores; the join's SYN waits for a later ARP, or fails
# with the neighbour and is retried after the daemon's backoff.
wait_until 10 established_from "$CELL" 1 || fail "no subflow opened on the metered link"
log "metered subflow established $(since "$t0") s after the link went down"
wait_until 3 no_tcp_from "$WIFI" || fail "live subflows from $WIFI remain: $(tcp_from "$WIFI")"
cell0=$(link_tx_bytes eth1)
sleep 2
cell=$(($(link_tx_bytes eth1) - cell0))
log "eth1 sent $cell bytes in 2 s"
[ "$cell" -gt 100000 ] || fail "the transfer did not move to the metered link: eth1 sent $cell bytes in 2 s"
client_alive c || fail "the client ended early: $(client_out c)"

log "eth0 up"
ip -n "$C" link set eth0 up || fail "link up"
# IPv4 flushes the routes of a downed link; the address stays.
ip -n "$C" route replace default via 192.0.2.1 dev eth0 metric 100 || fail "route via eth0"
t0=$(elapsed)
wait_until 10 established_from "$WIFI" 1 || fail "no Wi-Fi subflow came back from $WIFI"
log "Wi-Fi subflow back $(since "$t0") s after the link came up"
wait_until 3 established_from "$CELL" 0 ||
	fail "the metered subflow was not closed: $(tcp_from "$CELL" established)"
log "metered subflow closed $(since "$t0") s after the link came up"
sleep 1
cell0=$(link_tx_bytes eth1)
sleep 2
cell=$(($(link_tx_bytes eth1) - cell0))
log "eth1 sent $cell bytes in 2 s with Wi-Fi back"
[ "$cell" -lt "$TINY" ] || fail "the metered link still sent $cell bytes in 2 s"

wait_client c 15 || fail "the client failed: $(client_out c)"
check_sent_received c 5000 1
pass
