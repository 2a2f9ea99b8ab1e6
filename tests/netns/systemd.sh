#!/bin/bash
# The systemd unit, and what it promises: mptcpd works without root with
# CAP_NET_ADMIN alone.
#  1. contrib/systemd/mptcpd.service.in, made into a unit whose ExecStart
#     is the built daemon, passes "systemd-analyze verify" and keeps its
#     hardening ("systemd-analyze security" exposure at most 2.0).
#  2. In the client namespace, mptcpd runs as nobody (65534) with only
#     CAP_NET_ADMIN (effective, permitted, ambient and bounding set), as
#     User= and AmbientCapabilities= would start it: a connection opened
#     before it (adopted through sock_diag) and one opened after it both
#     get their second subflow, and SIGTERM ends the daemon with 0.
#  3. With no capability at all it refuses to start: CAP_NET_ADMIN is
#     really used, not just tolerated.
#  4. --set-path-manager as that same user: CAP_NET_ADMIN is enough to
#     write net.mptcp.path_manager of its own namespace (the default unit
#     does not do this: ProtectKernelTunables= makes /proc/sys read-only).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the systemd unit runs the daemon"

NOBODY=65534
CAP_NET_ADMIN_MASK=0000000000001000	# 1 << 12
UNIT_IN=$top_srcdir/contrib/systemd/mptcpd.service.in

# unit_check: the template, with the built daemon as ExecStart (verify
# wants an executable there), verified offline.
unit_check() {
	local unit=$TMP/mptcpd.service built=$top_builddir/contrib/systemd/mptcpd.service
	[ -r "$UNIT_IN" ] || fail "$UNIT_IN is missing"
	sed -e "s|@sbindir@|$(dirname "$MPTCPD")|g" -e "s|@sysconfdir@|/etc|g" "$UNIT_IN" >"$unit"
	! grep -n '@[a-z_]*@' "$unit" || fail "unsubstituted variables left in the unit"
	if [ -e "$built" ]; then
		! grep -n '@[a-z_]*@' "$built" || fail "unsubstituted variables in $built"
		grep -q '^ExecStart=/.*/mptcpd -f$' "$built" || fail "bad ExecStart in $built"
	fi
	if ! command -v systemd-analyze >/dev/null; then
		[ "${CI:-}" = true ] && fail "systemd-analyze is not installed"
		log "systemd-analyze not installed: the unit is not verified"
		return 0
	fi
	# --man=no: the man pages named in Documentation= are not installed.
	systemd-analyze verify --man=no "$unit" >"$TMP/verify.out" 2>&1 ||
		fail "systemd-analyze verify: $(cat "$TMP/verify.out")"
	[ ! -s "$TMP/verify.out" ] || fail "systemd-analyze verify warns: $(cat "$TMP/verify.out")"
	systemd-analyze security --offline=yes --threshold=20 "$unit" >"$TMP/security.out" 2>&1 ||
		fail "exposure above 2.0: $(grep -e '✗' -e Overall "$TMP/security.out")"
	log "unit verified; $(grep -o 'Overall exposure level.*' "$TMP/security.out")"
}

# start_unprivileged CAPS ARGS...: mptcpd in C as nobody, with CAPS (a
# setpriv list such as "+net_admin", or "" for none) in every set.
start_unprivileged() {
	local caps=-all${1:+,$1}
	shift
	echo "==== start $(date +%T.%N)" >>"$DAEMON_LOG"
	ip netns exec "$C" setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
		--nnp --inh-caps="$caps" --ambient-caps="$caps" --bounding-set="$caps" \
		"$MPTCPD" -f -c "$CONF" --log stderr -d "$@" >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	LAB_PIDS+=("$DAEMON_PID")
}

# last_start_log: the daemon's log since its last start.
# shellcheck disable=SC2016
last_start_log() { sed -n '/^==== start/h; /^==== start/!H; ${x;p}' "$DAEMON_LOG"; }

wait_ready() {
	local _
	for _ in $(seq 100); do
		last_start_log | grep -qw ready && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited during start-up"
		sleep 0.1
	done
	fail "the daemon did not log 'ready' within 10 s"
}

# status_field NAME: a line of /proc/DAEMON_PID/status, value only, its
# fields separated by single spaces.
status_field() { awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$DAEMON_PID/status"; }

check_credentials() {
	local set
	[ "$(status_field Uid)" = "$NOBODY $NOBODY $NOBODY $NOBODY" ] ||
		fail "the daemon runs with uids '$(status_field Uid)'"
	[ "$(status_field Gid | awk '{ print $1, $2 }')" = "$NOBODY $NOBODY" ] ||
		fail "the daemon runs with gids '$(status_field Gid)'"
	[ -z "$(status_field Groups)" ] || fail "supplementary groups: $(status_field Groups)"
	for set in CapEff CapPrm CapBnd CapAmb; do
		[ "$(status_field $set)" = $CAP_NET_ADMIN_MASK ] ||
			fail "$set is $(status_field $set), expected CAP_NET_ADMIN only"
	done
	[ "$(status_field NoNewPrivs)" = 1 ] || fail "NoNewPrivs is not set"
	log "daemon pid $DAEMON_PID: uid $NOBODY, CapEff=CapBnd=CapAmb=$CAP_NET_ADMIN_MASK"
}

# A refused privileged operation would show up as EPERM in the log, even
# where the daemon falls back (SO_RCVBUFFORCE -> SO_RCVBUF).
check_no_eperm() {
	! last_start_log | grep -i -e 'not permitted' -e EPERM -e 'permission denied' ||
		fail "the daemon met a permission error with CAP_NET_ADMIN"
}

command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
unit_check

lab_setup v4
# mktemp made $TMP 0700: nobody must read the configuration.
chmod 0755 "$TMP"
printf '[core]\nstrategy = fullmesh\n' >"$CONF"
chmod 0644 "$CONF"
# What RuntimeDirectory=mptcpd + RuntimeDirectoryMode=0750 provide.
mkdir -m 0750 "$TMP/run" || fail "mkdir $TMP/run"
chown $NOBODY:$NOBODY "$TMP/run" || fail "chown $TMP/run"
export MPTCPD_RUNTIME_DIRECTORY=$TMP/run

log "no capability: must refuse to start"
start_unprivileged ""
for _ in $(seq 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DAEMON_PID" 2>/dev/null && fail "the daemon runs without CAP_NET_ADMIN"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
[ "$rc" != 0 ] || fail "the daemon exited 0 without CAP_NET_ADMIN"
log "refused with status $rc: $(last_start_log | grep -m1 -i -e err -e fail | cut -c1-120)"

log "CAP_NET_ADMIN only"
start_server 5000
# Opened before the daemon: adopted through sock_diag, as nobody.
start_client a -a "$SRV4" -p 5000 -n 1 -d 20 -i 50 -s 2000
wait_until 10 conns_with_subflows 1 1 || fail "the first connection did not open"
start_unprivileged +net_admin
wait_ready
check_credentials
# The control socket, made by nobody, answers root.
wait_until 5 test -S "$TMP/run/control" || fail "no control socket in $TMP/run"
CTL=$top_builddir/src/mptcpd-ctl
"$CTL" status >"$TMP/status.out" 2>&1 || fail "mptcpd-ctl status: $(cat "$TMP/status.out")"
wait_until 10 conns_with_subflows 1 2 ||
	fail "the connection was not adopted, ss says: $(count_subflows | xargs)"
start_client c -a "$SRV4" -p 5000 -n 1 -d 3 -w 2 -W 10
wait_until 10 conns_with_subflows 2 2 ||
	fail "expected 2 connections with 2 subflows each, ss says: $(count_subflows | xargs)"
wait_until 5 established_from 198.51.100.2 2 || fail "expected 2 established subflows from 198.51.100.2"
[ -z "$(dup_subflows)" ] || fail "duplicate subflows: $(dup_subflows)"
wait_client c 15 || fail "the client failed: $(client_out c)"
grep -qx "conn=0 sent=[0-9]* subflows=2 established=2" "$TMP/c.out" ||
	fail "MPTCP_INFO did not report 2 subflows: $(client_out c)"
stop_client a
wait_client a 15 || fail "the first client failed: $(client_out a)"
grep -qx "conn=0 sent=[0-9]* subflows=2 established=2" "$TMP/a.out" ||
	fail "MPTCP_INFO did not report 2 subflows for the adopted connection: $(client_out a)"
check_no_eperm
stop_daemon TERM
log "exited 0 on SIGTERM"

log "--set-path-manager as nobody with CAP_NET_ADMIN"
set_pm "$C" kernel
start_unprivileged +net_admin --set-path-manager
wait_ready
pm=$(nsx "$C" sysctl -n net.mptcp.path_manager 2>/dev/null || nsx "$C" sysctl -n net.mptcp.pm_type)
[ "$pm" = userspace ] || [ "$pm" = 1 ] || fail "the path manager is still '$pm'"
check_no_eperm
pass
