#!/bin/bash
# [core] control-group, through mptcpd-ctl as unprivileged users: the
# daemon gives the socket's directories (the runtime directory and the
# namespace's in it) to the group; a member (the group as
# a supplementary one, as "usermod -aG" makes it, or as its primary group)
# may change the daemon's state; anyone else is kept out by the directory,
# and once let in may read but not change anything (exit status 4).  A
# group that does not exist stops the start (78) and is refused on reload,
# which keeps the running group; a reload without the key takes the
# directory back.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the kernel PM has no control socket"
for tool in setpriv groupadd groupdel getent stat; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) || skip "python3 is not installed"

CTL=$top_builddir/src/mptcpd-ctl
[ -x "$CTL" ] || fail "$CTL is not built"
RUN=$MPTCPD_RUNTIME_DIRECTORY
GROUP=mptcpdtest$$
MISSING=mptcpdnone$$
NOBODY=65534

# A throwaway group: removed before lib.sh's cleanup, which still runs.
GROUP_ADDED=0
# shellcheck disable=SC2317 # called from the EXIT trap
group_cleanup() {
	[ "$GROUP_ADDED" = 1 ] && groupdel "$GROUP" 2>/dev/null
	GROUP_ADDED=0
}
trap 'group_cleanup; cleanup' EXIT
getent group "$MISSING" >/dev/null && skip "a group $MISSING exists already"
groupadd -r "$GROUP" || fail "groupadd -r $GROUP"
GROUP_ADDED=1
GID=$(getent group "$GROUP" | cut -d: -f3)
[ -n "$GID" ] || fail "no gid for $GROUP"

# ctl_as WHO ARGS...: mptcpd-ctl's exit status, in the daemon's namespace
# (where its default socket path leads to the daemon), as WHO: root, member
# (nobody with the group as a supplementary one), many (the same, among
# 40 groups), primary (nobody with it as its primary group) or outsider
# (nobody, no groups).
ctl_as() {
	local who=$1
	shift
	case $who in
	root) timeout 20 ip netns exec "$C" "$CTL" "$@" ;;
	member) timeout 20 ip netns exec "$C" setpriv --reuid=$NOBODY --regid=$NOBODY --groups="$GID" "$CTL" "$@" ;;
	# More groups than the daemon's first SO_PEERGROUPS buffer holds (16).
	many) timeout 20 ip netns exec "$C" setpriv --reuid=$NOBODY --regid=$NOBODY \
		--groups="$(seq -s, 60001 60039),$GID" "$CTL" "$@" ;;
	primary) timeout 20 ip netns exec "$C" setpriv --reuid=$NOBODY --regid="$GID" --clear-groups "$CTL" "$@" ;;
	outsider) timeout 20 ip netns exec "$C" setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$CTL" "$@" ;;
	*) fail "ctl_as: unknown user $who" ;;
	esac
}

# expect_rc RC WHO ARGS...: mptcpd-ctl ends with status RC.
expect_rc() {
	local want=$1 rc
	shift
	ctl_as "$@" >"$TMP/ctl.out" 2>&1
	rc=$?
	[ "$rc" = "$want" ] || fail "mptcpd-ctl as $1 (${*:2}): exit $rc, expected $want: $(cat "$TMP/ctl.out")"
}

# eth1_metered: what the daemon says eth1's metered state is.
eth1_metered() {
	ctl_as root -j interfaces | "$PYTHON" -c '
import json, sys
a = json.load(sys.stdin)
r = a.get("result", a)
print(" ".join(i["metered"] for i in r["interfaces"] if i["dev"] == "eth1"))'
}

# dirs_are MODE GID: both directories on the way to the socket.
dirs_are() {
	local d
	for d in "$RUN" "$NSD"; do
		[ "$(stat -c '%a %g' "$d")" = "$1 $2" ] || return 1
	done
}
dirs_chmod() { chmod "$1" "$RUN" "$NSD"; }

write_conf() { # [GROUP]
	printf '[core]\nstrategy = fullmesh\n' >"$CONF"
	[ -z "${1:-}" ] || printf 'control-group = %s\n' "$1" >>"$CONF"
}

lab_setup v4
NSD=$(ns_dir "$C")
# nobody must get through the test's own directory to reach $RUN.
chmod 0711 "$TMP"

# ---- a group that does not exist: no start, exit status 78.
write_conf "$MISSING"
rc=0
ip netns exec "$C" timeout 20 "$MPTCPD" -f -c "$CONF" --log stderr \
	>"$TMP/missing.log" 2>&1 || rc=$?
[ "$rc" = 78 ] || fail "a missing control group: exit $rc, expected 78: $(cat "$TMP/missing.log")"
grep -q "no group '$MISSING'.*groupadd" "$TMP/missing.log" ||
	fail "the error does not name the group and groupadd: $(cat "$TMP/missing.log")"
log "missing group: exit 78, $(grep -o "there is no group '$MISSING'" "$TMP/missing.log")"

# ---- the group: the directory is the group's, members may change things.
write_conf "$GROUP"
start_daemon
wait_until 5 test -S "$NSD/control" || fail "no control socket in $NSD"
dirs_are 750 "$GID" ||
	fail "$RUN and $NSD are $(stat -c '%a %g' "$RUN" "$NSD" | xargs), expected 750 $GID"
expect_rc 0 member interface eth1 metered yes
[ "$(eth1_metered)" = yes ] || fail "eth1 metered after the member's change: $(eth1_metered)"
expect_rc 0 member status
expect_rc 0 many interface eth1 metered unknown
[ "$(eth1_metered)" = unknown ] || fail "eth1 metered after the change by a member of 40 groups: $(eth1_metered)"
expect_rc 0 primary interface eth1 metered no
[ "$(eth1_metered)" = no ] || fail "eth1 metered after the primary member's change: $(eth1_metered)"
expect_rc 0 primary interfaces
log "members (supplementary among 1 or 40 groups, primary) changed eth1 and read"

# ---- outsiders: the directory keeps them out...
expect_rc 4 outsider status
expect_rc 4 outsider interface eth1 metered yes
# ...and once it is opened (as an admin might), they read but change nothing.
dirs_chmod 0755
expect_rc 0 outsider status
expect_rc 0 outsider interfaces
expect_rc 4 outsider interface eth1 metered yes
grep -q "needs root or membership" "$TMP/ctl.out" || fail "refusal text: $(cat "$TMP/ctl.out")"
[ "$(eth1_metered)" = no ] || fail "the refused change went through: $(eth1_metered)"
dirs_chmod 0750
log "outsider: kept out by the directory; let in, read answered, change refused (4)"

# ---- reload with a missing group: refused, the running group stays.
write_conf "$MISSING"
expect_rc 1 root reload
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died on a refused reload"
expect_rc 0 member interface eth1 metered yes
dirs_are 750 "$GID" || fail "$RUN or $NSD lost its group on a refused reload"
log "reload with a missing group refused; members still allowed"

# ---- reload without the key: root only, the directory is taken back.
write_conf
expect_rc 0 root reload
dirs_are 750 0 ||
	fail "$RUN and $NSD are $(stat -c '%a %g' "$RUN" "$NSD" | xargs) after the group was removed"
dirs_chmod 0755
expect_rc 4 member interface eth1 metered no
expect_rc 0 member status
[ "$(eth1_metered)" = yes ] || fail "the refused change went through: $(eth1_metered)"
log "reload without control-group: root only again"
pass
