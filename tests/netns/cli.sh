#!/bin/bash
# The daemon's user-facing contract outside the happy path: exit statuses
# (64 bad option, 78 bad configuration with FILE:LINE messages, 0 for
# --help/--version), --version listing the compiled-in features, and
# --set-path-manager doing what it says.  Runs in the lab's client
# namespace so nothing outside it is touched.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "tests the daemon's own options and exit statuses"

lab_setup v4
[ -x "$MPTCPD" ] || fail "$MPTCPD is not built"

# run_daemon ARGS...: runs it in C, bounded to 5 s; sets RC, output in files.
run_daemon() {
	timeout 5 ip netns exec "$C" "$MPTCPD" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}

run_daemon --no-such-option
[ "$RC" = 64 ] || fail "a bad option exited $RC, not 64"
grep -q -- "--help" "$TMP/err" || fail "a bad option does not point to --help: $(cat "$TMP/err")"
run_daemon --max-subflows 0
[ "$RC" = 64 ] || fail "--max-subflows 0 exited $RC, not 64"
run_daemon --strategy nope
[ "$RC" = 64 ] || fail "--strategy nope exited $RC, not 64"

run_daemon --help
[ "$RC" = 0 ] && grep -q -- "--set-path-manager" "$TMP/out" || fail "--help: $RC $(cat "$TMP/out")"
run_daemon --version
[ "$RC" = 0 ] || fail "--version exited $RC"
grep -q '^mptcpd [0-9]' "$TMP/out" && grep -q '^features: ' "$TMP/out" &&
	grep -q '^strategies: .*fullmesh' "$TMP/out" || fail "--version: $(cat "$TMP/out")"

printf '[core]\nstrategy = fullmesh\nmax-subflows = 300\n[bogus]\nkey = 1\n' >"$TMP/bad.conf"
run_daemon -f -c "$TMP/bad.conf" --log stderr
[ "$RC" = 78 ] || fail "a bad configuration file exited $RC, not 78"
grep -q "bad.conf:3:" "$TMP/err" && grep -q "bad.conf:5:" "$TMP/err" ||
	fail "not every bad line is reported with FILE:LINE: $(cat "$TMP/err")"
run_daemon -f -c "$TMP/missing.conf" --log stderr
[ "$RC" = 78 ] && grep -q "missing.conf" "$TMP/err" ||
	fail "a missing configuration file: $RC $(cat "$TMP/err")"

# --set-path-manager: the daemon selects the userspace PM itself.
set_pm "$C" kernel
printf '[core]\nstrategy = fullmesh\n' >"$CONF"
start_daemon --set-path-manager
pm=$(nsx "$C" sysctl -n net.mptcp.path_manager 2>/dev/null || nsx "$C" sysctl -n net.mptcp.pm_type)
[ "$pm" = userspace ] || [ "$pm" = 1 ] || fail "--set-path-manager left the path manager at $pm"
pass
