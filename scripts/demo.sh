#!/usr/bin/env bash
# The README's first command: install what is needed, build, and show
# mptcpd at work in a throwaway namespace lab (your own network is not
# touched; everything is deleted at the end, also on Ctrl-C).
#
#   client ns: eth0 192.0.2.2 ---\                 /--- server ns 203.0.113.2
#              eth1 198.51.100.2 -- router ns ------
#
# An MPTCP transfer starts over eth0; mptcpd adds a subflow over eth1; the
# eth1 address is then removed (its subflow goes, the transfer goes on)
# and added back (a new subflow appears).  Kernel events are printed live
# from `ip mptcp monitor`, lines prefixed "kernel:"; mptcpd's own log
# lines start with "mptcpd[".
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates network namespaces)" >&2; exit 1; }

bash scripts/build.sh

export top_builddir=$here/build top_srcdir=$here
TEST_NAME=demo
set +e
# shellcheck source=../tests/netns/lib.sh
. tests/netns/lib.sh

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show_subflows() {
	echo "kernel view (ss -Mi: 'subflows:N' counts the extra subflows):"
	nsx "$C" ss -MiHn state established | sed 's/^/    /'
	echo "TCP subflows of the client:"
	nsx "$C" ss -tnH state established | awk '{ print "    " $3 " -> " $4 }'
}

say "building the lab"
lab_setup v4
start_server 8080

say "starting mptcpd in the client namespace (strategy fullmesh)"
printf '[core]\nstrategy = fullmesh\nlog-level = info\n' >"$CONF"
ip netns exec "$C" ip mptcp monitor 2>&1 | sed -u 's/^/kernel: /' &
LAB_PIDS+=("$!")
ip netns exec "$C" "$MPTCPD" -f -c "$CONF" --log stderr &
DAEMON_PID=$!
LAB_PIDS+=("$DAEMON_PID")
sleep 1

say "an MPTCP transfer from 192.0.2.2 (eth0) to 203.0.113.2:8080, 12 s"
start_client demo -a "$SRV4" -p 8080 -n 1 -d 12 -i 50 -s 4000
sleep 2
show_subflows

say "removing 198.51.100.2 from eth1: its subflow must go, the transfer goes on"
ip -n "$C" addr del 198.51.100.2/24 dev eth1
sleep 2
show_subflows

say "adding 198.51.100.2 back: mptcpd creates a new subflow on the live connection"
client_addr_add 198.51.100.2 eth1
sleep 2
show_subflows

say "waiting for the transfer to finish"
if wait_client demo 20; then
	client_out demo | sed 's/^/    /'
	say "done: one connection, no reconnect; the lab is deleted now"
else
	client_out demo | sed 's/^/    /'
	echo "the transfer failed" >&2
	exit 1
fi
