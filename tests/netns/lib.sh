# shellcheck shell=bash
# Shared helpers for the real-kernel tests.  Sourced by every
# tests/netns/*.sh; also reused by bench/.
#
# Topology built by lab_setup (like a laptop with two uplinks):
#
#   C (client)            R (router, strict rp_filter)       S (server)
#   eth0 192.0.2.2/24   --- c0 192.0.2.1/24
#        2001:db8:1::2/64      2001:db8:1::1/64
#   eth1 198.51.100.2/24 --- c1 198.51.100.1/24
#        2001:db8:2::2/64      2001:db8:2::1/64
#                              s0 203.0.113.1/24 ---  eth0 203.0.113.2/24
#                                 2001:db8:3::1/64        2001:db8:3::2/64
#
# C has one default route per uplink (metric 100 via eth0, 200 via eth1)
# and no policy rules, so a subflow from eth1's address only gets through
# R if it is bound to eth1; R drops packets whose source does not belong to
# the network of the interface they came in on.
#
# Tests assert on what the kernel reports (ss, MPTCP_INFO), never on the
# daemon's logs.  MPTCPD_TEST_KERNEL_PM=1 replaces the daemon by the
# kernel's in-kernel path manager with subflow+fullmesh endpoints, which
# proves the lab, the tools and the assertions without the daemon; tests
# of the daemon's own features skip then (needs_daemon).

[ -n "$BASH_VERSION" ] || { echo "lib.sh needs bash" >&2; exit 99; }

TEST_NAME=$(basename "$0" .sh)
: "${top_builddir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
MPTCPD=${MPTCPD:-$top_builddir/src/mptcpd}
MPTCP_CONN=${MPTCP_CONN:-$top_builddir/tests/tools/mptcp_conn}
MPTCP_EVENTS=${MPTCP_EVENTS:-$top_builddir/tests/tools/mptcp_events}
KERNEL_PM=${MPTCPD_TEST_KERNEL_PM:-0}

NS_PREFIX="mptcpd-t-$TEST_NAME-$$"
C="$NS_PREFIX-c"
R="$NS_PREFIX-r"
S="$NS_PREFIX-s"
LAB_NS=()
LAB_PIDS=()
DAEMON_PID=
LAB_FAMILY=v4
T_START=$(date +%s.%N)
TMP=$(mktemp -d "/tmp/$NS_PREFIX.XXXXXX")
CONF="$TMP/mptcpd.conf"
# Each test's daemons get their own runtime directory.  Within it each
# network namespace has its own subdirectory (ns_dir), as under /run/mptcpd.
export MPTCPD_RUNTIME_DIRECTORY="$TMP/run"
DAEMON_LOG="$TMP/daemon.log"

SRV4=203.0.113.2
SRV6=2001:db8:3::2

log() { echo "[$TEST_NAME $(elapsed)s] $*"; }

elapsed() {
	local now
	now=$(date +%s.%N)
	awk -v a="$T_START" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
}

CLEANUP_HOOKS=()
cleanup() {
	local pid ns i hook
	trap - EXIT INT TERM
	for pid in "${LAB_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for i in $(seq 20); do
		for pid in "${LAB_PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null && break
			pid=
		done
		[ -z "$pid" ] && break
		sleep 0.1
	done
	for pid in "${LAB_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${LAB_NS[@]}"; do
		# Anything still running in our own namespaces was started by us.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	# A test's own cleanups (commands), after its processes are gone.
	for hook in "${CLEANUP_HOOKS[@]}"; do
		"$hook"
	done
	[ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Skip (77), except under CI where a skipped test hides a regression.
skip() {
	if [ "${CI:-}" = true ]; then
		echo "SKIP not allowed in CI: $*" >&2
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

# needs_daemon WHY: for a test of the daemon's own behaviour, which has
# nothing to look at when MPTCPD_TEST_KERNEL_PM=1 puts the kernel's path
# manager in its place.  Always 77, CI or not: the mode rules the test out,
# not a missing tool, so nothing is hidden.
needs_daemon() {
	[ "$KERNEL_PM" = 1 ] || return 0
	echo "SKIP (kernel PM mode): $*"
	exit 77
}

dump_state() {
	local ns
	echo "---- kernel state ----"
	for ns in "$C" "$S"; do
		echo "## $ns: ss -Mi"
		ip netns exec "$ns" ss -MiHn 2>&1 | head -20
		echo "## $ns: ss -tni"
		ip netns exec "$ns" ss -tniH 2>&1 | grep -v '^\s*$' | head -40
		echo "## $ns: ip mptcp endpoint"
		ip -n "$ns" mptcp endpoint show 2>&1
	done
	ls "$TMP"/*.out >/dev/null 2>&1 && tail -n 5 "$TMP"/*.out
}

fail() {
	echo "FAIL: $*" >&2
	dump_state >&2
	if [ -s "$DAEMON_LOG" ]; then
		echo "---- daemon log (tail) ----" >&2
		tail -n 40 "$DAEMON_LOG" >&2
	fi
	exit 1
}

pass() {
	if [ "$KERNEL_PM" != 1 ] && [ -n "$DAEMON_PID" ] && ! kill -0 "$DAEMON_PID" 2>/dev/null; then
		fail "the daemon died during the test"
	fi
	stop_daemon
	if [ "$KERNEL_PM" = 1 ]; then log "PASS (kernel PM mode)"; else log PASS; fi
	exit 0
}

# wait_until TIMEOUT_S CMD...: polls CMD every 100 ms; returns 1 on timeout.
# The arguments are expanded once, by the caller: a condition built from
# "$(...)" must be a function, or go through eval in single quotes
# (wait_until 5 eval '[ "$(count)" = 2 ]'), or it is never looked at again.
wait_until() {
	local timeout=$1 i
	shift
	for i in $(seq $((timeout * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

require_env() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	ip netns list >/dev/null 2>&1 || skip "ip netns does not work here"
	[ -e /proc/sys/net/mptcp/enabled ] || skip "the kernel has no MPTCP"
	if [ -e /proc/sys/net/mptcp/available_path_managers ]; then
		grep -qw userspace /proc/sys/net/mptcp/available_path_managers ||
			skip "the kernel has no userspace path manager"
	else
		[ -e /proc/sys/net/mptcp/pm_type ] || skip "the kernel has no userspace path manager (pm_type)"
	fi
	command -v nft >/dev/null || skip "nft (nftables) is not installed"
	[ -x "$MPTCP_CONN" ] || fail "$MPTCP_CONN is not built (make check builds it)"
}

ns_add() {
	ip netns add "$1" || fail "ip netns add $1"
	LAB_NS+=("$1")
	ip -n "$1" link set lo up
	# No DAD anywhere: addresses must be usable at once.
	nsx "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.accept_ra=0
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ns_dir NS: where the daemon of NS keeps its control socket and lock,
# $MPTCPD_RUNTIME_DIRECTORY/NETNS, NETNS the namespace's inode number (the
# file ip netns mounts at /run/netns/NS is the namespace itself).
ns_dir() { echo "$MPTCPD_RUNTIME_DIRECTORY/$(stat -L -c %i "/run/netns/$1")"; }

# set_pm NS kernel|userspace: path_manager, or pm_type on kernels < 6.15.
set_pm() {
	local num=0
	[ "$2" = userspace ] && num=1
	nsx "$1" sysctl -qw "net.mptcp.path_manager=$2" 2>/dev/null ||
		nsx "$1" sysctl -qw "net.mptcp.pm_type=$num" ||
		fail "cannot set the path manager of $1 to $2"
}

lab_link() { # NS_A IF_A NS_B IF_B
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" || fail "veth $2/$4"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

lab_router() {
	nsx "$R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1
	for i in c0 c1 s0; do nsx "$R" sysctl -qw "net.ipv4.conf.$i.rp_filter=1"; done
	nsx "$R" nft -f - <<-'EOF' || fail "nft rules in the router"
	table inet rpf {
		chain prerouting {
			type filter hook prerouting priority -150; policy accept;
			fib saddr . iif oif missing counter drop
		}
	}
	EOF
}

lab_addr4() {
	ip -n "$R" addr add 192.0.2.1/24 dev c0
	ip -n "$R" addr add 198.51.100.1/24 dev c1
	ip -n "$R" addr add 203.0.113.1/24 dev s0
	ip -n "$S" addr add "$SRV4/24" dev eth0
	ip -n "$S" route add default via 203.0.113.1 dev eth0
	[ "${LAB_NO_ETH1:-0}" = 1 ] || client_addr_add 198.51.100.2 eth1
	client_addr_add 192.0.2.2 eth0
}

lab_addr6() {
	ip -n "$R" addr add 2001:db8:1::1/64 dev c0 nodad
	ip -n "$R" addr add 2001:db8:2::1/64 dev c1 nodad
	ip -n "$R" addr add 2001:db8:3::1/64 dev s0 nodad
	ip -n "$S" addr add "$SRV6/64" dev eth0 nodad
	ip -n "$S" route add default via 2001:db8:3::1 dev eth0
	[ "${LAB_NO_ETH1:-0}" = 1 ] || client_addr_add 2001:db8:2::2 eth1
	client_addr_add 2001:db8:1::2 eth0
}

# client_addr_add ADDR DEV: address plus that uplink's default route.
client_addr_add() {
	local addr=$1 dev=$2 gw metric=100
	[ "$dev" = eth1 ] && metric=200
	case $addr in
	192.0.2.*) gw=192.0.2.1 ;;
	198.51.100.*) gw=198.51.100.1 ;;
	2001:db8:1::*) gw=2001:db8:1::1 ;;
	2001:db8:2::*) gw=2001:db8:2::1 ;;
	*) fail "client_addr_add: unknown network for $addr" ;;
	esac
	if [ "${addr#*:}" != "$addr" ]; then
		ip -n "$C" addr add "$addr/64" dev "$dev" nodad || fail "add $addr"
	else
		ip -n "$C" addr add "$addr/24" dev "$dev" || fail "add $addr"
	fi
	ip -n "$C" route add default via "$gw" dev "$dev" metric "$metric" || fail "route via $gw"
}

# lab_setup [v4|v6|both]
lab_setup() {
	LAB_FAMILY=${1:-v4}
	require_env
	ns_add "$C"; ns_add "$R"; ns_add "$S"
	lab_link "$C" eth0 "$R" c0
	lab_link "$C" eth1 "$R" c1
	lab_link "$S" eth0 "$R" s0
	lab_router
	nsx "$C" sysctl -qw net.ipv4.conf.eth0.rp_filter=2 net.ipv4.conf.eth1.rp_filter=2
	nsx "$S" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
	ip -n "$S" mptcp limits set subflows 8 add_addr_accepted 8 || fail "server limits"
	case $LAB_FAMILY in
	v4) lab_addr4 ;;
	v6) lab_addr6 ;;
	both) lab_addr4; lab_addr6 ;;
	*) fail "lab_setup: unknown family $LAB_FAMILY" ;;
	esac
	if [ "$KERNEL_PM" = 1 ]; then
		set_pm "$C" kernel
		ip -n "$C" mptcp limits set subflows 8 add_addr_accepted 8 || fail "client limits"
	else
		set_pm "$C" userspace
	fi
	log "lab ready ($LAB_FAMILY, $([ "$KERNEL_PM" = 1 ] && echo "kernel PM" || echo daemon))"
}

# kpm_sync: kernel-PM mode only: one subflow+fullmesh endpoint per global
# client address, none for vanished ones; this is what the daemon does.
kpm_sync() {
	[ "$KERNEL_PM" = 1 ] || return 0
	local dev addr id eps
	eps=$(ip -n "$C" mptcp endpoint show)
	for dev in eth0 eth1; do
		for addr in $(ip -n "$C" -o addr show dev "$dev" scope global |
				awk '{ sub("/.*", "", $4); print $4 }'); do
			grep -q "^$addr " <<<"$eps" && continue
			ip -n "$C" mptcp endpoint add "$addr" dev "$dev" subflow fullmesh ||
				fail "endpoint add $addr"
		done
	done
	while read -r addr _ id _; do
		[ -n "$addr" ] || continue
		ip -n "$C" -o addr show to "$addr" | grep -q . ||
			ip -n "$C" mptcp endpoint delete id "$id"
	done <<<"$eps"
}

start_daemon() {
	if [ "$KERNEL_PM" = 1 ]; then
		kpm_sync
		return 0
	fi
	[ -x "$MPTCPD" ] || fail "$MPTCPD is not built"
	[ -e "$CONF" ] || printf '[core]\nstrategy = fullmesh\n' >"$CONF"
	echo "==== start $(date +%T.%N)" >>"$DAEMON_LOG"
	ip netns exec "$C" "$MPTCPD" -f -c "$CONF" --log stderr -d "$@" >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	LAB_PIDS+=("$DAEMON_PID")
	local i
	for i in $(seq 100); do
		sed -n '/^==== start/h; /^==== start/!H; ${x;p}' "$DAEMON_LOG" | grep -qw ready &&
			return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited during start-up"
		sleep 0.1
	done
	fail "the daemon did not log 'ready' within 10 s"
}

# stop_daemon [SIGNAL]: TERM by default; waits (bounded) for the exit.
stop_daemon() {
	local sig=${1:-TERM} i rc
	[ "$KERNEL_PM" = 1 ] && return 0
	[ -n "$DAEMON_PID" ] || return 0
	kill "-$sig" "$DAEMON_PID" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$DAEMON_PID" 2>/dev/null && fail "the daemon did not exit on SIG$sig"
	wait "$DAEMON_PID" 2>/dev/null
	rc=$?
	DAEMON_PID=
	# A clean shutdown exits 0; anything else (a sanitizer report, a
	# crash on the way out) is a failure.
	[ "$sig" != TERM ] || [ "$rc" = 0 ] || fail "the daemon exited with status $rc on SIGTERM"
}

# start_server PORT [ADDR]: wildcard by default so joins to announced
# addresses reach it too.
start_server() {
	local port=$1 addr=${2:-}
	[ -n "$addr" ] || { [ "$LAB_FAMILY" = v4 ] && addr=0.0.0.0 || addr=::; }
	ip netns exec "$S" "$MPTCP_CONN" server -a "$addr" -p "$port" -t 300 \
		>"$TMP/server-$port.out" 2>&1 &
	LAB_PIDS+=("$!")
	wait_until 5 listening "$port" || fail "the server did not listen on $port"
}

listening() { nsx "$S" ss -MlnH "sport = :$1" | grep -q .; }

# start_client NAME ARGS...: mptcp_conn client in C, output in $TMP/NAME.out.
start_client() {
	local name=$1
	shift
	ip netns exec "$C" "$MPTCP_CONN" client "$@" >"$TMP/$name.out" 2>&1 &
	eval "CLIENT_PID_$name=$!"
	LAB_PIDS+=("$!")
}

# wait_client NAME TIMEOUT_S: the client's exit status (124 on timeout).
wait_client() {
	local pid i
	eval "pid=\$CLIENT_PID_$1"
	for i in $(seq $(($2 * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && return 124
	wait "$pid"
}

client_out() { cat "$TMP/$1.out"; }

# count_subflows: one line per MPTCP connection of C: its total subflows.
# ss prints mptcpi_subflows, i.e. the EXTRA subflows, and omits it when 0.
count_subflows() {
	nsx "$C" ss -MiHOn state established | awk '{
		n = 0
		for (i = 1; i <= NF; i++)
			if ($i ~ /^subflows:/) { sub("subflows:", "", $i); n = $i }
		print n + 1
	}'
}

# conns_with_subflows CONNS TOTAL: exactly CONNS connections, each with
# exactly TOTAL subflows.
conns_with_subflows() {
	local out
	out=$(count_subflows)
	[ "$(grep -c . <<<"$out")" = "$1" ] && ! grep -qvx "$2" <<<"$out"
}

# tcp_from ADDR [STATE]: TCP sockets (MPTCP subflows included) from ADDR.
tcp_from() {
	nsx "$C" ss -tnH state "${2:-connected}" src "$(ss_addr "$1")"
}
# ss filters want IPv6 addresses in brackets.
ss_addr() { case $1 in *:*) echo "[$1]" ;; *) echo "$1" ;; esac; }
tcp_count_from() { tcp_from "$@" | grep -c .; }
# no_tcp_from ADDR: no live subflow from ADDR.  A subflow the kernel
# removed from its connection (RM_ADDR, SUBFLOW_DESTROY) is closed with a
# FIN; when its address is gone the FIN can never be acked, so the orphan
# lingers in FIN-WAIT-1 for minutes although it no longer belongs to the
# connection (mptcpi_subflows already dropped).  Closing states don't count.
no_tcp_from() {
	[ "$(nsx "$C" ss -tnH state established state syn-sent state syn-recv \
		state close-wait src "$(ss_addr "$1")" | grep -c .)" = 0 ]
}

# dup_subflows: "token saddr daddr" lines seen more than once among C's
# established TCP subflows: the same address pair used twice for one
# connection.
dup_subflows() {
	nsx "$C" ss -tniH state established | awk '
		/^[0-9]/ { src = $3; dst = $4
			sub(":[0-9]+$", "", src); sub("%.*", "", src); gsub(/[][]/, "", src)
			sub(":[0-9]+$", "", dst); gsub(/[][]/, "", dst); next }
		{ if (match($0, /token:[0-9a-f]+\(id:[0-9]+\)\/[0-9a-f]+/)) {
			t = substr($0, RSTART, RLENGTH); sub(/.*\//, "", t)
			print t, src, dst } }' | sort | uniq -d
}

# stop_client NAME: SIGTERM ends the transfer early; the client still
# prints its report and exits 0 if every connection was fine.
stop_client() {
	local pid
	eval "pid=\$CLIENT_PID_$1"
	kill -TERM "$pid" 2>/dev/null
}

# link_tx_bytes DEV: bytes C has sent on DEV, from the kernel's own
# per-device counter (/proc/net/dev of C's namespace).
link_tx_bytes() {
	nsx "$C" sed 's/:/ /' /proc/net/dev | awk -v dev="$1" '$1 == dev { print $10 }'
}

# subflow_flags ADDR: the MPTCP subflow flags ss shows ("flags:" of
# tcp-ulp-mptcp) of each established TCP subflow from ADDR, one a line.
# b: backup set locally (MP_JOIN backup bit or MP_PRIO we sent), B: set by
# the peer, M/m: MP_CAPABLE, J/j: MP_JOIN, e: fully established.
subflow_flags() {
	nsx "$C" ss -tniH state established src "$(ss_addr "$1")" |
		sed -n 's/.*tcp-ulp-mptcp flags:\([A-Za-z]*\).*/\1/p'
}

# one_subflow_backup ADDR yes|no: exactly one established subflow from
# ADDR, whose local backup flag is set (yes) or clear (no).
one_subflow_backup() {
	local flags
	flags=$(subflow_flags "$1")
	[ "$(grep -c . <<<"$flags")" = 1 ] || return 1
	case $2 in
	yes) [[ $flags == *b* ]] ;;
	no) [[ $flags != *b* ]] ;;
	*) fail "one_subflow_backup: yes or no, not $2" ;;
	esac
}

# server_saw_end PORT N: the server on PORT reported the end of N
# connections.
server_saw_end() { [ "$(grep -c received= "$TMP/server-$1.out")" = "$2" ]; }

# check_sent_received CLIENT PORT CONNS: the client exited 0 with CONNS
# good connections and the server received every byte each one sent.
check_sent_received() {
	local sent received
	[ "$(grep -c "^ok conns=$3 errors=0\$" "$TMP/$1.out")" = 1 ] ||
		fail "client: $(client_out "$1")"
	wait_until 10 server_saw_end "$2" "$3" ||
		fail "the server did not see all $3 connections end: $(cat "$TMP/server-$2.out")"
	sent=$(sed -n 's/^conn=[0-9]* sent=\([0-9]*\).*/\1/p' "$TMP/$1.out" | sort | xargs)
	received=$(sed -n 's/^conn=[0-9]* received=\([0-9]*\)$/\1/p' "$TMP/server-$2.out" |
		sort | xargs)
	[ "$sent" = "$received" ] || fail "sent ($sent) != received ($received)"
	log "sent=received: $sent"
}

# conf_wifi_cellular STRATEGY: a configuration where eth0 is Wi-Fi and
# eth1 a metered cellular link, as on a phone.
conf_wifi_cellular() {
	cat >"$CONF" <<-EOC
	[core]
	strategy = $1
	[interface eth0]
	type = wifi
	[interface eth1]
	type = cellular
	metered = yes
	EOC
}

# established_from ADDR N: exactly N established TCP subflows from ADDR.
# A function, so that wait_until re-counts on every try (a "$(...)" in
# wait_until's arguments is expanded only once, before the first try).
established_from() { [ "$(tcp_count_from "$1" established)" = "$2" ]; }

# since T0: seconds elapsed since T0 (an earlier $(elapsed)), one decimal.
since() { awk -v a="$1" -v b="$(elapsed)" 'BEGIN { printf "%.1f", b - a }'; }

# client_alive NAME: the client started as NAME is still running.
client_alive() {
	local pid
	eval "pid=\$CLIENT_PID_$1"
	kill -0 "$pid" 2>/dev/null
}
