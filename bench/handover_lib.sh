# shellcheck shell=bash
# The handover measurement shared by bench/handover.sh and scripts/demo.sh;
# sourced after tests/netns/lib.sh (C, R, fail, nsx).  The stream itself
# is bench/tools/stream.c: the server stamps each 100-byte write's arrival.

# kernel_endpoints [subflow|backup]: the kernel PM set up as a user would
# for Wi-Fi with cellular as backup: eth0 subflow, eth1 subflow backup
# (with "subflow": eth1 a plain subflow too).
kernel_endpoints() {
	local flags="subflow backup"
	[ "${1:-backup}" = subflow ] && flags=subflow
	ip -n "$C" mptcp limits set subflows 8 add_addr_accepted 8 || fail "limits"
	ip -n "$C" mptcp endpoint add 192.0.2.2 dev eth0 subflow || fail "endpoint eth0"
	# shellcheck disable=SC2086
	ip -n "$C" mptcp endpoint add 198.51.100.2 dev eth1 $flags || fail "endpoint eth1"
}

# inject FAULT: Wi-Fi (eth0) dies.  linkdown: the link goes down, as when
# a laptop loses its access point; addrdel: its address is deleted;
# blackhole: R drops everything coming in on c0, the link stays up and the
# client gets no error at all.
inject() {
	case $1 in
	linkdown) ip -n "$C" link set eth0 down ;;
	addrdel) ip -n "$C" addr del 192.0.2.2/24 dev eth0 ;;
	blackhole)
		nsx "$R" nft -f - <<-'EOT'
		table inet bh {
			chain blackhole {
				type filter hook forward priority 0; policy accept;
				iifname "c0" counter drop
			}
		}
		EOT
		;;
	*) fail "inject: unknown fault $1" ;;
	esac
}

# arr_stats FILE: "pause_ms delay_ms received" over the whole stream of a
# server's arrivals file ("seq due_ns arrival_ns" per write).
arr_stats() {
	awk 'NR > 1 && $3 - prev > pause { pause = $3 - prev }
	     $3 - $2 > delay { delay = $3 - $2 }
	     { prev = $3; n++ }
	     END { if (n == 0) { print "- - 0"; exit }
		   printf "%.1f %.1f %d\n", pause / 1e6, delay / 1e6, n }' "$1"
}

# plot_points ARR FAULT_NS: "ms_since_fault writes_since_fault", from
# 300 ms before the fault to 1500 ms after, for a gnuplot "with steps".
plot_points() {
	awk -v t="$2" '$2 >= t && s0 == "" { s0 = $1 }
	     { x[NR] = ($3 - t) / 1e6; q[NR] = $1 }
	     END { if (s0 == "") s0 = q[NR] + 1
		   for (i = 1; i <= NR; i++)
			if (x[i] >= -300 && x[i] <= 1500) print x[i], q[i] - s0 }' "$1"
}
