#!/bin/bash
# SIGHUP re-reads the configuration and applies it to live connections
# without dropping any: metered-aware -> fullmesh gives the live
# connection its metered subflow; a broken file is refused and the running
# configuration kept; fullmesh -> metered-aware closes the metered subflow
# again.  The connection carries data throughout and loses no byte.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "configuration reload is the daemon's"

conf() { # STRATEGY
	printf '[core]\nstrategy = %s\n[interface eth0]\ntype = wifi\n' "$1" >"$CONF"
	printf '[interface eth1]\ntype = cellular\nmetered = yes\n' >>"$CONF"
}
from_eth1() { tcp_count_from 198.51.100.2 established; }

lab_setup v4
start_server 5000
conf metered-aware
start_daemon
start_client c -a "$SRV4" -p 5000 -n 1 -d 14 -i 20 -s 1000
wait_until 5 conns_with_subflows 1 1 || fail "expected 1 connection with 1 subflow: $(count_subflows | xargs)"
sleep 1
[ "$(from_eth1)" = 0 ] || fail "metered-aware opened a metered subflow"

log "reload: fullmesh"
conf fullmesh
kill -HUP "$DAEMON_PID"
wait_until 5 eval '[ "$(from_eth1)" = 1 ]' || fail "after the switch to fullmesh the live connection has no eth1 subflow"

log "reload: a broken file"
printf '[core]\nstrategy = metered-aware\nmax-subflows = many\n' >"$CONF"
kill -HUP "$DAEMON_PID"
sleep 1
kill -0 "$DAEMON_PID" || fail "the daemon died on a broken file"
[ "$(from_eth1)" = 1 ] || fail "a refused reload changed the behaviour"
grep -q "mptcpd.conf:3:" "$DAEMON_LOG" || fail "the refusal does not name the bad line"

log "reload: metered-aware again"
conf metered-aware
kill -HUP "$DAEMON_PID"
wait_until 5 no_tcp_from 198.51.100.2 || fail "metered-aware kept the metered subflow: $(tcp_from 198.51.100.2)"
wait_client c 20 || fail "the client failed: $(client_out c)"
wait_until 10 eval '[ "$(grep -c received= "$TMP/server-5000.out")" = 1 ]' || fail "the server did not see the end"
sent=$(sed -n 's/^conn=[0-9]* sent=\([0-9]*\).*/\1/p' "$TMP/c.out")
received=$(sed -n 's/^conn=[0-9]* received=\([0-9]*\)$/\1/p' "$TMP/server-5000.out")
[ "$sent" = "$received" ] || fail "sent $sent, received $received"

# What the unit's ExecReload= runs first: the file checked, nothing else.
"$MPTCPD" --check-config -c "$CONF" --log stderr >"$TMP/check.out" 2>&1 ||
	fail "--check-config refused a good file: $(cat "$TMP/check.out")"
grep -q ": ok$" "$TMP/check.out" || fail "--check-config: $(cat "$TMP/check.out")"
printf '[core]\nstrategy = fullmesh\nstrategy = x\n' >"$TMP/bad.conf"
"$MPTCPD" --check-config -c "$TMP/bad.conf" --log stderr >"$TMP/check.out" 2>&1
rc=$?
[ "$rc" = 78 ] || fail "--check-config of a bad file exited $rc: $(cat "$TMP/check.out")"
grep -q "bad.conf:3:" "$TMP/check.out" || fail "--check-config did not name the line: $(cat "$TMP/check.out")"
kill -0 "$DAEMON_PID" || fail "--check-config disturbed the running daemon"
log "--check-config: a good file ok, a bad one 78 with its line"
pass
