#!/bin/bash
# Connections with both ends on this host are not managed: an unprivileged
# user churning MPTCP connections over 127.0.0.1, and to the client's own
# address, makes the daemon keep no state and attempt no join for them
# (nft: no MP_JOIN SYN on lo; mptcpd-ctl: no connection listed, each one
# counted), while a real connection made meanwhile still gets its second
# subflow.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the kernel PM has no notion of a local connection to test"
CTL=${MPTCPD_CTL:-$top_builddir/src/mptcpd-ctl}
CHURN=$top_builddir/tests/tools/mptcp_churn
[ -x "$CHURN" ] || fail "$CHURN is not built"

ctlj() { timeout 10 ip netns exec "$C" "$CTL" -j "$@"; }
status_field() { ctlj status | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

lab_setup v4
nsx "$C" nft -f - <<'NFT' || fail "nft counter"
table inet local {
	chain out {
		type filter hook output priority 0; policy accept;
		oifname "lo" tcp flags & (syn | ack) == syn tcp option mptcp subtype 1 counter
	}
}
NFT
lo_joins() { nsx "$C" nft list table inet local | awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'; }

start_daemon
start_server 5000
# As a local user would: nobody, over loopback and to our own address.
for target in 127.0.0.1 192.0.2.2; do
	ip netns exec "$C" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$CHURN" -a "$target" -p 7000 -d 2 -r 1000 >"$TMP/churn-$target.out" 2>&1 &
	LAB_PIDS+=("$!")
done
start_client real -a "$SRV4" -p 5000 -n 1 -d 3 -w 2 -W 10
wait_client real 20 || fail "the real connection did not get its second subflow: $(client_out real)"
sleep 2.5	# the churn ends by itself after 2 s
churned=$(awk '{ n += $2 } END { print n + 0 }' "$TMP"/churn-*.out)
[ "$churned" -ge 1000 ] || fail "the churn made only $churned connections: $(cat "$TMP"/churn-*.out)"
log "churned $churned local connections"

joins=$(lo_joins)
[ "$joins" = 0 ] || fail "$joins MP_JOIN SYNs over lo: joins attempted for local connections"
local_conns=$(status_field local_connections) || fail "mptcpd-ctl status"
# Each churned connection shows up twice to the kernel (client and server
# socket); each side is one CREATED, both left alone.
[ "$local_conns" -ge "$churned" ] ||
	fail "the daemon counted $local_conns local connections for $churned made"
[ "$(status_field connections)" -le 1 ] ||
	fail "the daemon keeps state for local connections: $(ctlj status)"
log "local connections counted: $local_conns, joins over lo: $joins"
pass
