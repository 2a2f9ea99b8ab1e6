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
#  4. The unit itself under a real systemd: the host's /usr booted in a
#     systemd-nspawn container (volatile root, in the client namespace),
#     the sysusers.d entry making the mptcpd user, a member "alice" of its
#     group and an outsider "bob"; control-group = mptcpd.  The daemon runs
#     with the unit's seccomp filter (no chown), logs no failed chown, and
#     alice's "mptcpd-ctl status" (default socket path) reaches it and her
#     "strategy" change is accepted; bob is kept out (exit 4); a second
#     mptcpd started by root in the container refuses, naming the PID.
#  5. --set-path-manager as that same user: CAP_NET_ADMIN is enough to
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

# ---- 4. the unit under systemd, in systemd-nspawn.
NSP=$TMP/nspawn		# what the container gets: bin/, etc/, units/, out/

# nspawn_tree: the files bound into the container.  The unit is the
# template with the copied binaries as @sbindir@; its only change, a
# drop-in, is the configuration path (the daemon's compiled-in one is
# under the build's prefix).
nspawn_tree() {
	mkdir -p "$NSP/bin" "$NSP/etc" "$NSP/units/mptcpd.service.d" "$NSP/sysusers" "$NSP/out"
	cp "$MPTCPD" "$top_builddir/src/mptcpd-ctl" "$NSP/bin/"
	printf '[core]\nstrategy = fullmesh\ncontrol-group = mptcpd\n' >"$NSP/etc/mptcpd.conf"
	sed -e "s|@sbindir@|/mptcpd-test/bin|g" -e "s|@sysconfdir@|/etc|g" "$UNIT_IN" \
		>"$NSP/units/mptcpd.service"
	printf '[Service]\nExecStart=\nExecStart=/mptcpd-test/bin/mptcpd -f -c /etc/mptcpd/mptcpd.conf\n' \
		>"$NSP/units/mptcpd.service.d/config.conf"
	cp "$top_srcdir/contrib/systemd/sysusers.d/mptcpd.conf" "$NSP/sysusers/mptcpd.conf"
	printf 'u alice - "member"\nm alice mptcpd\nu bob - "outsider"\n' >"$NSP/sysusers/test.conf"
	# Runs once mptcpd is ready (Type=notify), writes what it saw to
	# /out, then powers the container off (no D-Bus in this boot: no
	# systemctl).
	cat >"$NSP/units/mptcpd-check.service" <<-'EOF'
	[Unit]
	Requires=mptcpd.service
	After=mptcpd.service
	AllowIsolate=yes
	SuccessAction=poweroff
	FailureAction=poweroff
	[Service]
	Type=oneshot
	StandardOutput=append:/out/check.log
	StandardError=inherit
	ExecStart=/bin/sh /mptcpd-test/check.sh
	EOF
	cat >"$NSP/check.sh" <<-'EOF'
	ctl() { # USER ARGS...
		u=$1; shift
		setpriv --reuid="$u" --regid="$u" --init-groups /mptcpd-test/bin/mptcpd-ctl "$@"
	}
	# The daemon's PID file, as the layout in mptcpd(8) says.
	pid=$(cat /run/mptcpd/*/mptcpd.pid)
	echo "pid $pid"
	grep -E '^(Uid|Seccomp|NoNewPrivs):' "/proc/$pid/status"
	ctl alice -j status >/out/alice-status.json 2>/out/alice.err; echo "alice-status $?"
	ctl alice strategy backup-cellular >/dev/null 2>>/out/alice.err; echo "alice-strategy $?"
	ctl bob status >/dev/null 2>/out/bob.err; echo "bob-status $?"
	/mptcpd-test/bin/mptcpd -f -c /etc/mptcpd/mptcpd.conf --log stderr >/out/second.log 2>&1
	echo "second $?"
	ls -ln /run/mptcpd /run/mptcpd/* >/out/ls.out 2>&1
	journalctl -b -u mptcpd --no-pager -o cat >/out/journal.out 2>&1
	EOF
}

# nspawn_field NAME: a "NAME value" line of the check's log.
nspawn_field() { awk -v f="$1" '$1 == f { print $2 }' "$NSP/out/check.log"; }

nspawn_check() {
	local rc=0 pid
	if ! command -v systemd-nspawn >/dev/null; then
		[ "${CI:-}" = true ] && fail "systemd-nspawn (systemd-container) is not installed"
		log "systemd-nspawn not installed: the unit is not booted"
		return 0
	fi
	log "the unit in a systemd-nspawn container, control-group = mptcpd"
	nspawn_tree
	# The host's /usr on an empty root; the network namespace is the
	# client's, never the host's.
	timeout 180 systemd-nspawn -q -D / --volatile=yes --register=no --keep-unit \
		--network-namespace-path="/run/netns/$C" --capability=CAP_NET_ADMIN \
		--console=pipe --bind-ro="$NSP/bin:/mptcpd-test/bin" \
		--bind-ro="$NSP/check.sh:/mptcpd-test/check.sh" \
		--bind-ro="$NSP/etc:/etc/mptcpd" --bind-ro="$NSP/sysusers:/etc/sysusers.d" \
		--bind-ro="$NSP/units:/etc/systemd/system" --bind="$NSP/out:/out" \
		-b systemd.firstboot=off systemd.unit=mptcpd-check.service \
		</dev/null >"$TMP/nspawn.log" 2>&1 || rc=$?
	[ "$rc" = 0 ] || fail "systemd-nspawn exited $rc: $(tail -n 20 "$TMP/nspawn.log")"
	[ -s "$NSP/out/check.log" ] || fail "the check did not run in the container: $(tail -n 20 "$TMP/nspawn.log")"
	pid=$(nspawn_field pid)
	grep -q '^Started mptcpd.service' "$NSP/out/journal.out" ||
		fail "mptcpd.service did not start: $(cat "$NSP/out/check.log" "$NSP/out/journal.out")"
	[ -n "$pid" ] || fail "no PID in /run/mptcpd/*/mptcpd.pid: $(cat "$NSP/out/ls.out")"
	[ "$(nspawn_field Seccomp:)" = 2 ] || fail "the daemon runs without the unit's seccomp filter"
	[ "$(nspawn_field alice-status)" = 0 ] ||
		fail "alice (group mptcpd): mptcpd-ctl status failed: $(cat "$NSP/out/alice.err" "$NSP/out/ls.out")"
	"$PYTHON" -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["pid"] != int(sys.argv[2]))' \
		"$NSP/out/alice-status.json" "$pid" || fail "alice reached another daemon than pid $pid"
	[ "$(nspawn_field alice-strategy)" = 0 ] ||
		fail "alice (control group) may not change the strategy: $(cat "$NSP/out/alice.err")"
	[ "$(nspawn_field bob-status)" = 4 ] || fail "bob (no group) got $(nspawn_field bob-status), expected 4"
	[ "$(nspawn_field second)" = 1 ] || fail "a second mptcpd in the container: $(cat "$NSP/out/second.log")"
	grep -q "another mptcpd (pid $pid)" "$NSP/out/second.log" ||
		fail "the second mptcpd does not name pid $pid: $(cat "$NSP/out/second.log")"
	! grep -i -e 'cannot give' -e 'not permitted' -e EPERM "$NSP/out/journal.out" ||
		fail "the daemon met a permission error under the unit"
	log "mptcpd.service pid $pid (seccomp on): alice status/strategy 0, bob 4, second daemon refused"
}

command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) || skip "python3 is not installed"
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
wait_until 5 test -S "$(ns_dir "$C")/control" || fail "no control socket in $(ns_dir "$C")"
CTL=$top_builddir/src/mptcpd-ctl
nsx "$C" "$CTL" status >"$TMP/status.out" 2>&1 || fail "mptcpd-ctl status: $(cat "$TMP/status.out")"
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

nspawn_check

log "--set-path-manager as nobody with CAP_NET_ADMIN"
set_pm "$C" kernel
start_unprivileged +net_admin --set-path-manager
wait_ready
pm=$(nsx "$C" sysctl -n net.mptcp.path_manager 2>/dev/null || nsx "$C" sysctl -n net.mptcp.pm_type)
[ "$pm" = userspace ] || [ "$pm" = 1 ] || fail "the path manager is still '$pm'"
check_no_eperm
pass
