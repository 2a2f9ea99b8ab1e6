#!/bin/bash
# A hostile server: its kernel PM announces (ADD_ADDR) one address of each
# kind a peer must never make us join, plus one good address of its own.
# Under every built-in strategy, nft counters in the client namespace show
# no SYN toward any forbidden address, and each connection joins the good
# one.  IPv4 first, then IPv6.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the kernel PM has no announcement filter to test"

GOOD4=203.0.113.3
GOOD6=2001:db8:3::3
# loopback, link-local, multicast, limited broadcast, the client's own
# address, a neighbour on the client's LAN, that LAN's broadcast
BAD4="127.0.0.1 169.254.1.1 224.0.0.1 255.255.255.255 192.0.2.2 192.0.2.77 192.0.2.255"
# loopback, link-local, multicast, unspecified, own, a LAN neighbour
BAD6="::1 fe80::1 ff02::1 :: 2001:db8:1::2 2001:db8:1::77"

# One counter per forbidden address: SYNs the client sends toward it.
nft_count_bad() {
	local fam=$1 a rules=
	shift
	for a in "$@"; do
		rules+="		$fam daddr $a tcp flags & (syn | ack) == syn counter
"
	done
	nsx "$C" nft -f - <<-EOF || fail "nft counters"
	table inet hostile {
		chain out {
			type filter hook output priority 0; policy accept;
	$rules	}
	}
	EOF
}

# syns_to_bad: "ADDR PACKETS" for every forbidden address with a SYN sent.
syns_to_bad() {
	nsx "$C" nft list table inet hostile |
		awk '/daddr/ { for (i = 1; i <= NF; i++) if ($i == "packets" && $(i + 1) > 0) print $3, $(i + 1) }'
}

to_good() { nsx "$C" ss -tnH state established dst "$(ss_addr "$1")" | grep -c .; }

# run_case FAMILY: one lab, the three strategies in turn.
run_case() {
	local fam=$1 strategy srv good bad a id=1
	if [ "$fam" = v4 ]; then srv=$SRV4 good=$GOOD4 bad=$BAD4
	else srv=$SRV6 good=$GOOD6 bad=$BAD6; fi
	lab_setup "$fam"
	if [ "$fam" = v4 ]; then
		ip -n "$S" addr add "$good/24" dev eth0 || fail "server address $good"
	else
		ip -n "$S" addr add "$good/64" dev eth0 nodad || fail "server address $good"
	fi
	# The hostile announcements go first, the good one last: the kernel
	# announces endpoints in id order, one at a time.
	for a in $bad $good; do
		ip -n "$S" mptcp endpoint add "$a" id "$id" signal || fail "signal endpoint $a"
		id=$((id + 1))
	done
	ip -n "$S" mptcp limits set subflows 8 add_addr_accepted 8 || fail "server limits"
	nft_count_bad "$([ "$fam" = v4 ] && echo ip || echo ip6)" $bad
	start_server 5000
	for strategy in fullmesh backup-cellular metered-aware; do
		run_strategy "$fam" "$strategy" "$srv" "$good" "$bad"
	done
	lab_teardown
}

# run_strategy FAMILY STRATEGY SERVER GOOD "BAD..."
run_strategy() {
	local fam=$1 strategy=$2 srv=$3 good=$4 bad=$5
	nsx "$C" nft reset counters table inet hostile >/dev/null || fail "nft reset"
	printf '[core]\nstrategy = %s\n[interface eth1]\ntype = cellular\n' "$strategy" >"$CONF"
	start_daemon
	start_client c -a "$srv" -p 5000 -n 2 -d 6 -i 50
	wait_until 10 eval '[ "$(to_good "$good")" -ge 2 ]' ||
		fail "$fam/$strategy: no join to the good address $good ($(to_good "$good") subflows)"
	sleep 1	# late SYNs toward a bad address would show now
	[ -z "$(syns_to_bad)" ] || fail "$fam/$strategy: SYNs toward forbidden addresses: $(syns_to_bad | tr '\n' ' ')"
	wait_client c 20 || fail "$fam/$strategy: the client failed: $(client_out c)"
	stop_daemon
	log "$fam/$strategy: joined $good, no SYN toward: $bad"
}

# The kernel signals at most 8 endpoints, so each family gets a lab of its
# own: the first one's namespaces and processes go before the second's.
lab_teardown() {
	local pid ns
	for pid in "${LAB_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${LAB_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	for ns in "${LAB_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	LAB_PIDS=() LAB_NS=()
}

run_case v4
run_case v6
pass
