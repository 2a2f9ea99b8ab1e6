#!/bin/bash
# backup-cellular, Wi-Fi blackholed under many connections: IDLE idle
# connections and one streaming connection share the Wi-Fi path when the
# router starts dropping everything the client sends on it.  Only the
# streaming connection can see its data go unacknowledged; the daemon
# must judge the PATH dead from it and move every connection using it
# (cellular promoted, Wi-Fi subflow closed) in one sweep, and the
# streaming connection must be moved as fast as with one connection.
# Meanwhile one connection probes the dead path, not all of them; when
# the blackhole is lifted every connection gets its Wi-Fi back.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "path health and backup-cellular are the daemon's"

WIFI=192.0.2.2
CELL=198.51.100.2
IDLE=${IDLE:-500}
ALL=$((IDLE + 1))
# The stall rule needs 150 ms without progress and the daemon looks every
# 100 ms: the verdict is due 150-300 ms after the blackhole, the stream's
# commands lead the sweep, and its unacked data is reinjected on cellular
# at once (one connection alone: ~250 ms).  The bound leaves room for a
# loaded machine.
STREAM_BOUND_MS=700
# Every connection moved within this.
ALL_BOUND_S=${ALL_BOUND_S:-5}

# cell_promoted: how many established subflows from CELL have no backup
# flag (promoted).
cell_promoted() { subflow_flags "$CELL" | grep -vc b; }
cell_promoted_at_least() { [ "$(cell_promoted)" -ge "$1" ]; }
cell_backup_count() { subflow_flags "$CELL" | grep -c b; }
cell_all_backup() { [ "$(cell_backup_count)" = "$ALL" ]; }

lab_setup v4
conf_wifi_cellular backup-cellular
start_server 5000
# The idle ones write once (MPTCP needs data to be fully established),
# then sleep for a minute: SIGTERM ends them.  At most 1,000 per client
# and per server (IDLE=10000 measures at scale; not in the suite).
N_IDLE=$(((IDLE + 999) / 1000))
for k in $(seq "$N_IDLE"); do start_server $((5000 + k)); done
start_daemon
ulimit -n 4096
for k in $(seq "$N_IDLE"); do
	n=$((IDLE - (k - 1) * 1000))
	[ "$n" -le 1000 ] || n=1000
	start_client "idle$k" -a "$SRV4" -p $((5000 + k)) -n "$n" -d 1 -i 60000 -s 10
done
wait_until $((20 * N_IDLE)) established_from "$WIFI" "$IDLE" ||
	fail "expected $IDLE established subflows from $WIFI, got $(tcp_count_from "$WIFI" established)"
start_client c -a "$SRV4" -p 5000 -d 12 -i 10 -s 1000
wait_until $((20 * N_IDLE)) cell_all_backup ||
	fail "expected $ALL backup subflows from $CELL, got $(cell_backup_count)"
wait_until 5 established_from "$WIFI" "$ALL" ||
	fail "expected $ALL established subflows from $WIFI, got $(tcp_count_from "$WIFI" established)"
[ "$(cell_promoted)" = 0 ] || fail "a cellular subflow is promoted before the blackhole"
log "$ALL connections on Wi-Fi, each with its backup cellular subflow"
sleep 1	# the stream's subflow is hot, the idle ones' round-robin goes on

# The streaming connection's data on cellular, counted in the router (it
# alone goes to port 5000): the moment it flows there is its handover as
# its application sees it.  Cheap to poll, unlike ss over 1,000 sockets.
nsx "$R" nft -f - <<-'EOF2' || fail "nft probe"
table inet probe {
	chain forward {
		type filter hook forward priority -10; policy accept;
		iifname "c1" tcp dport 5000 meta length > 400 counter
	}
}
EOF2
stream_on_cell() {
	nsx "$R" nft list table inet probe | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
base=$(stream_on_cell)
log "blackholing eth0's path in the router"
nsx "$R" nft -f - <<-'EOF2' || fail "nft blackhole"
table inet bh {
	chain blackhole {
		type filter hook forward priority 0; policy accept;
		iifname "c0" counter drop
	}
}
EOF2
t0=$(date +%s%N)
ms_since_t0() { echo $((($(date +%s%N) - t0) / 1000000)); }
for i in $(seq 300); do
	[ "$(stream_on_cell)" -ge $((base + 3)) ] && break
	sleep 0.01
done
ts=$(ms_since_t0)
[ "$(stream_on_cell)" -ge $((base + 3)) ] ||
	fail "the streaming connection's data did not move to cellular within 3 s"
log "the streaming connection's data flows on cellular $ts ms after the blackhole"
[ "$ts" -le "$STREAM_BOUND_MS" ] ||
	fail "the streaming connection's handover took $ts ms (bound $STREAM_BOUND_MS ms)"
for i in $(seq 150); do
	grep -q "path from $WIFI dead" "$DAEMON_LOG" && break
	sleep 0.02
done
grep -q "path from $WIFI dead" "$DAEMON_LOG" || fail "no path verdict within 3 s"
log "path verdict and sweep logged $(ms_since_t0) ms after the blackhole"
wait_until "$ALL_BOUND_S" cell_promoted_at_least "$ALL" ||
	fail "only $(cell_promoted) of $ALL cellular subflows promoted within $ALL_BOUND_S s"
log "all $ALL cellular subflows promoted $(ms_since_t0) ms after the blackhole"
wait_until "$ALL_BOUND_S" established_from "$WIFI" 0 ||
	fail "$(tcp_count_from "$WIFI" established) blackholed subflows from $WIFI still established"
log "no Wi-Fi subflow left $(ms_since_t0) ms after the blackhole"

dropped=$(nsx "$R" nft list table inet bh | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
[ "${dropped:-0}" -gt 0 ] || fail "the blackhole dropped nothing: the test did not test anything"
# One verdict for the path (the sweep's count leaves out the connections
# the health tick found on the dead path before the sweep reached them).
[ "$(grep -c "path from $WIFI dead" "$DAEMON_LOG")" = 1 ] ||
	fail "the path was not judged dead exactly once: $(grep "path from $WIFI dead" "$DAEMON_LOG" | head -n 3)"
log "$(grep -o "path from $WIFI dead.*" "$DAEMON_LOG")"

cell0=$(link_tx_bytes eth1)
sleep 2
cell=$(($(link_tx_bytes eth1) - cell0))
log "eth1 sent $cell bytes in 2 s after the promotion"
[ "$cell" -gt 100000 ] || fail "the transfer did not move to cellular: eth1 sent $cell bytes in 2 s"

# While the path is dead, one connection probes it with a join; the
# others do not send theirs into the blackhole (the daemon retries 1 s
# after a stall, so theirs would be out by now).
syn=$(nsx "$C" ss -tnH state syn-sent src "$WIFI" | grep -c .)
log "joins from the dead Wi-Fi in flight: $syn"
[ "$syn" -le 2 ] || fail "$syn joins sent into the dead Wi-Fi (one probe expected)"

# The probe's SYNs get through once the blackhole is lifted: the path is
# alive again and every connection gets its Wi-Fi subflow back, cellular
# back to backup.
nsx "$R" nft delete table inet bh || fail "nft delete"
t0=$(date +%s%N)
wifi_at_least() { [ "$(tcp_count_from "$WIFI" established)" -ge "$1" ]; }
cell_backup_at_least() { [ "$(cell_backup_count)" -ge "$1" ]; }
wait_until 30 wifi_at_least "$IDLE" ||
	fail "only $(tcp_count_from "$WIFI" established) Wi-Fi subflows back within 30 s of the lift"
log "$IDLE Wi-Fi subflows back $(ms_since_t0) ms after the blackhole was lifted"
wait_until 10 cell_backup_at_least "$IDLE" ||
	fail "only $(cell_backup_count) cellular subflows back to backup"
log "cellular back to backup $(ms_since_t0) ms after the lift"
grep -q "path from $WIFI works again" "$DAEMON_LOG" ||
	fail "the daemon did not say the path works again"

wait_client c 25 || fail "the streaming client failed: $(client_out c)"
check_sent_received c 5000 1
for k in $(seq "$N_IDLE"); do
	stop_client "idle$k"
	wait_client "idle$k" 10 || fail "idle client $k failed: $(tail -n 3 "$TMP/idle$k.out")"
done
pass
