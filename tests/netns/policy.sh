#!/bin/bash
# Per-application policy: four programs on one host at once, told apart by
# remote port, by user (setpriv) and by cgroup (a cgroup v2 this test
# makes), each managed as its [policy] rule says, on a Wi-Fi (eth0) and a
# metered cellular (eth1) uplink:
#   - port 5022 (an ssh-like session): backup-cellular, so its cellular
#     subflow exists and is a backup;
#   - user nobody: metered-aware, so no socket at all from the cellular
#     address;
#   - the test's cgroup: fullmesh but metered = never: no cellular subflow
#     although fullmesh would open one;
#   - root, port 5000, no cgroup rule: [core] strategy (fullmesh), a
#     cellular subflow that is not a backup.
# mptcpd-ctl connections -j names each connection's policy and strategy,
# and a reload with a rule removed hands its connection to [core].
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "per-connection policy is the daemon's"

WIFI=192.0.2.2
CELL=198.51.100.2
CTL=$top_builddir/src/mptcpd-ctl
ctl() { timeout 20 ip netns exec "$C" "$CTL" "$@"; }

CG_ROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$CG_ROOT" ] && [ -w "$CG_ROOT" ] || skip "no writable cgroup2 mount"
CG_NAME=mptcpd-test-$$
CG=$CG_ROOT/$CG_NAME/app
mkdir -p "$CG" || skip "cannot make a cgroup under $CG_ROOT"
# Our cgroups go with the test (after the clients: lib.sh's trap stops
# them first; a cgroup with processes cannot be removed).
cg_cleanup() { rmdir "$CG" "$CG_ROOT/$CG_NAME" 2>/dev/null; }
CLEANUP_HOOKS+=(cg_cleanup)

id nobody >/dev/null 2>&1 || skip "no user nobody"

# "ip netns exec" gives its command a fresh /sys without the cgroup
# mounts: the daemon mounts cgroup2 again in that private mount namespace
# (as a service in the host's mount namespace sees it), so that it can
# name the cgroups of sockets.
REAL_MPTCPD=$MPTCPD
MPTCPD=$TMP/mptcpd-wrap
printf '#!/bin/sh
mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 1
exec "%s" "$@"
' \
	"$REAL_MPTCPD" >"$MPTCPD"
chmod +x "$MPTCPD"

lab_setup v4
conf_wifi_cellular fullmesh
cat >>"$CONF" <<EOC
[policy ssh]
remote-port = 5022
strategy = backup-cellular
[policy bulk]
user = nobody
strategy = metered-aware
[policy app]
cgroup = $CG_NAME/*
metered = never
EOC
start_server 5000
start_server 5022
start_daemon

# conns: the daemon's connections, one line each:
# "REMOTE_PORT POLICY STRATEGY LOCAL_PORT" (POLICY None: no rule).
conns() {
	ctl -j connections | python3 -c '
import json, sys
for c in json.load(sys.stdin)["connections"]:
    print(c["remote"]["port"], c["policy"], c["strategy"], c["local"]["port"])'
}

start_client ssh -a "$SRV4" -p 5022 -d 20 -i 100
ip netns exec "$C" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$MPTCP_CONN" client -a "$SRV4" -p 5000 -d 20 -i 100 >"$TMP/bulk.out" 2>&1 &
LAB_PIDS+=("$!")
# Into the cgroup first (outside the namespace, where /sys has it), then
# into the namespace.
sh -c 'echo $$ >"$1/cgroup.procs" && exec ip netns exec "$2" "$3" client -a "$4" -p 5000 -d 20 -i 100' \
	sh "$CG" "$C" "$MPTCP_CONN" "$SRV4" >"$TMP/app.out" 2>&1 &
LAB_PIDS+=("$!")
start_client plain -a "$SRV4" -p 5000 -d 20 -i 100

wait_until 10 eval '[ "$(conns | grep -c .)" = 4 ]' ||
	fail "expected 4 connections in the daemon, got: $(conns)"
sleep 1	# the joins of the strategies that want them
conns >"$TMP/conns"
log "connections: $(tr '\n' ';' <"$TMP/conns")"
grep -q '^5022 ssh backup-cellular ' "$TMP/conns" || fail "port 5022 is not under [policy ssh]: $(cat "$TMP/conns")"
[ "$(grep -c '^5000 bulk metered-aware ' "$TMP/conns")" = 1 ] || fail "nobody's connection is not under [policy bulk]"
[ "$(grep -c '^5000 app fullmesh ' "$TMP/conns")" = 1 ] || fail "the cgroup's connection is not under [policy app]"
[ "$(grep -c '^5000 None fullmesh ' "$TMP/conns")" = 1 ] || fail "the plain connection is not under [core]"

# What the kernel has, per local port of each connection's initial
# subflow: the cellular subflows belong to which connection?  ss -M gives
# the tokens; the per-connection subflow count tells enough here.
lport() { awk -v p="$1" -v pol="$2" '$1 == p && $2 == pol { print $4 }' "$TMP/conns"; }
# token_of LPORT: the local MPTCP token of the connection whose initial
# subflow has local port LPORT, as ss shows it on every subflow
# ("token:REMOTE(id:N)/LOCAL(id:N)").
token_of() {
	nsx "$C" ss -tniH state established "sport = :$1" |
		sed -n 's/.*token:[0-9a-f]*(id:[0-9]*)\/\([0-9a-f]*\)(.*/\1/p' | head -n 1
}
# subflows_of LPORT: its established TCP subflows.
subflows_of() {
	local token
	token=$(token_of "$1")
	[ -n "$token" ] || return 1
	nsx "$C" ss -tniH state established | grep -c "/$token(id"
}
# cell_flags_of LPORT: the flags of its subflow from the cellular address.
cell_flags_of() {
	local token
	token=$(token_of "$1")
	nsx "$C" ss -tniH state established src "$CELL" | grep "/$token(id" |
		sed -n 's/.*tcp-ulp-mptcp flags:\([A-Za-z]*\).*/\1/p'
}
wait_until 5 eval '[ "$(subflows_of "$(lport 5022 ssh)")" = 2 ]' ||
	fail "the ssh connection has $(subflows_of "$(lport 5022 ssh)") subflows, expected 2"
[[ $(cell_flags_of "$(lport 5022 ssh)") == *b* ]] || fail "the ssh connection's cellular subflow is not a backup"
wait_until 5 eval '[ "$(subflows_of "$(lport 5000 None)")" = 2 ]' ||
	fail "the plain connection has $(subflows_of "$(lport 5000 None)") subflows, expected 2 (fullmesh)"
[[ $(cell_flags_of "$(lport 5000 None)") != *b* ]] || fail "the plain connection's cellular subflow is a backup"
[ "$(subflows_of "$(lport 5000 bulk)")" = 1 ] || fail "nobody's connection has a second subflow (metered-aware)"
[ "$(subflows_of "$(lport 5000 app)")" = 1 ] || fail "the cgroup's connection has a subflow over the metered link"

# The rules with their live connections, as an operator sees them.
ctl policy >"$TMP/policy.out" || fail "mptcpd-ctl policy failed"
log "mptcpd-ctl policy: $(tr '\n' ';' <"$TMP/policy.out")"
grep -Eq '^policy ssh +line [0-9]+ +remote-port 5022 +-> backup-cellular +1 connection$' "$TMP/policy.out" ||
	fail "mptcpd-ctl policy: $(cat "$TMP/policy.out")"
grep -Eq '^policy app .*cgroup mptcpd-test-[0-9]+/\* +-> fullmesh metered never +1 connection$' "$TMP/policy.out" ||
	fail "mptcpd-ctl policy: $(cat "$TMP/policy.out")"
grep -q '^otherwise fullmesh$' "$TMP/policy.out" || fail "mptcpd-ctl policy: no default"

log "reload without [policy ssh]: its connection goes to [core] (fullmesh)"
sed -i '/^\[policy ssh\]/,/^strategy = backup-cellular/d' "$CONF"
ctl reload >/dev/null || fail "reload failed"
wait_until 5 eval 'conns | grep -q "^5022 None fullmesh "' || fail "after reload: $(conns)"
wait_until 5 eval '[[ $(cell_flags_of "$(lport 5022 None)") != *b* ]]' ||
	fail "the former ssh connection's cellular subflow is still a backup under fullmesh"
log "a bad rule is refused with FILE:LINE, the running rules stay"
printf '[policy broken]\nremote-prefix = 192.0.2.1/24\n' >>"$CONF"
ctl reload >"$TMP/reload.out" 2>&1 && fail "a reload with a bad rule succeeded"
grep -q "$(basename "$CONF"):[0-9]*: remote-prefix" "$DAEMON_LOG" || fail "no FILE:LINE error in the log"
[ "$(conns | grep -c '^5000 bulk metered-aware ')" = 1 ] || fail "the running rules changed"
pass
