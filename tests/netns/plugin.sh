#!/bin/bash
# Out-of-tree strategies.  The shipped example plugin, built here against
# this tree's header and loaded from [core] plugin-dir, gives a connection
# exactly its second subflow, over the second uplink.  A plugin built for
# another strategy ABI is refused, and selecting it stops the daemon at
# start with a message that names the file.  A [policy] rule may name the
# plugin for some connections only.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "strategy plugins are loaded by the daemon"

EXAMPLE_C=$top_srcdir/contrib/plugin-example/example.c

# build_plugin OUT SRC [CFLAGS...]: as a user would, with the system cc.
build_plugin() {
	local out=$1 src=$2
	shift 2
	command -v cc >/dev/null || fail "cc is needed to build the test plugins"
	mkdir -p "$(dirname "$out")"
	cc -shared -fPIC -Wall -Wextra -Werror -O2 -I"$top_srcdir/include" "$@" \
		-o "$out" "$src" || fail "cannot build $out from $src"
	# mptcpd refuses a plugin any user may rewrite, whatever our umask.
	chmod 0755 "$out"
}

# run_daemon ARGS...: runs it in C, bounded to 5 s; sets RC, output in files.
run_daemon() {
	timeout 5 ip netns exec "$C" "$MPTCPD" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}

lab_setup v4
[ -x "$MPTCPD" ] || fail "$MPTCPD is not built"

# Part 1: a plugin for another ABI is refused; naming it is fatal.
cat >"$TMP/bad.c" <<'EOF'
#include <mptcpd/strategy.h>
static void bad_decide(const struct mptcpd_event *e,
		       const struct mptcpd_conn *c,
		       const struct mptcpd_host *h, struct mptcpd_actions *out)
{
	(void)e; (void)c; (void)h; (void)out;
}
const struct mptcpd_strategy mptcpd_strategy = {
	.abi_version = MPTCPD_STRATEGY_ABI_VERSION + 1,
	.name = "bad-one",
	.decide = bad_decide,
};
EOF
build_plugin "$TMP/bad/bad.so" "$TMP/bad.c"
printf '[core]\nstrategy = bad-one\nplugin-dir = %s\n' "$TMP/bad" >"$TMP/bad.conf"
run_daemon -f -c "$TMP/bad.conf" --log stderr
[ "$RC" = 124 ] && fail "the daemon started with a refused plugin as its strategy"
[ "$RC" != 0 ] || fail "a refused plugin as the strategy exited 0"
grep -qF "$TMP/bad/bad.so" "$TMP/err" && grep -q "ABI" "$TMP/err" ||
	fail "exit $RC, but no message names $TMP/bad/bad.so and its ABI: $(cat "$TMP/err")"
log "refused plugin: exit $RC, $(grep -m1 -F "bad.so" "$TMP/err")"

# Part 2: the example plugin runs the connection.
build_plugin "$TMP/plugins/example.so" "$EXAMPLE_C"
printf '[core]\nstrategy = example-first-path\nplugin-dir = %s\n' "$TMP/plugins" >"$CONF"
start_server 5000
start_daemon
start_client c -a "$SRV4" -p 5000 -n 1 -d 3 -w 2 -W 10

wait_until 10 conns_with_subflows 1 2 ||
	fail "expected 1 connection with 2 subflows, ss says: $(count_subflows | xargs)"
wait_until 5 eval '[ "$(tcp_count_from 198.51.100.2 established)" = 1 ]' ||
	fail "no established TCP subflow from 198.51.100.2"
[ "$(tcp_count_from 192.0.2.2 established)" = 1 ] || fail "expected one subflow from 192.0.2.2"
[ -z "$(dup_subflows)" ] || fail "duplicate subflows: $(dup_subflows)"

wait_client c 15 || fail "the client failed: $(client_out c)"
grep -qx "conn=0 sent=[0-9]* subflows=2 established=2" "$TMP/c.out" ||
	fail "MPTCP_INFO did not report 2 subflows: $(client_out c)"

# Part 3: a [policy] rule names the plugin for one port; the rest stays
# under [core] (one subflow each: the rule also raises max-subflows).
stop_daemon
printf '[core]\nstrategy = fullmesh\nmax-subflows = 1\nplugin-dir = %s\n[policy plug]\nremote-port = 5001\nstrategy = example-first-path\nmax-subflows = 2\n' \
	"$TMP/plugins" >"$CONF"
start_server 5001
start_daemon
start_client p -a "$SRV4" -p 5001 -n 1 -d 3 -w 2 -W 10
start_client q -a "$SRV4" -p 5000 -n 1 -d 3
wait_client p 15 || fail "the client of port 5001 failed: $(client_out p)"
wait_client q 15 || fail "the client of port 5000 failed: $(client_out q)"
grep -qx "conn=0 sent=[0-9]* subflows=2 established=2" "$TMP/p.out" ||
	fail "the plugin's rule: MPTCP_INFO did not report 2 subflows: $(client_out p)"
grep -qx "conn=0 sent=[0-9]* subflows=1 established=1" "$TMP/q.out" ||
	fail "[core] with max-subflows 1: $(client_out q)"
grep -q "policy plug, strategy example-first-path" "$DAEMON_LOG" ||
	fail "the daemon did not name the plugin for the rule"
log "[policy plug] ran its connection with the plugin; [core] the other"
pass
