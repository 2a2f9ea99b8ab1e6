#!/bin/bash
# mptcpd-ctl, the real command-line client, against the real daemon with
# two live connections: "connections" agrees with the kernel, "interfaces"
# shows the configured classes, "interface eth1 exclude/include" and
# "strategy metered-aware/fullmesh" take eth1's subflows away and give them
# back ("interface lo include" is refused: the configuration excludes
# lo), a broken file makes "reload" exit 1 and changes nothing,
# "monitor -j" shows a new connection's subflow and the kernel's refusal
# of a REMOVE (action-failed), a manual subflow or announce that is
# already there is refused with EEXIST, "subflow del" of a subflow that is
# not there is refused with ENOENT and leaves the daemon's view equal to
# the kernel's, "subflow del ... id N" closes that subflow, and the exit
# statuses say 3 when the daemon is gone and 2 for a usage error.  A
# refused reload gives its FILE:LINE reasons, and with -j every error is
# a JSON object.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the kernel PM has no control socket"
# The system's interpreter starts faster than a version shim.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) || skip "python3 is not installed"
CTL=${MPTCPD_CTL:-$top_builddir/src/mptcpd-ctl}
[ -x "$CTL" ] || fail "$CTL is not built"

ETH0=192.0.2.2
ETH1=198.51.100.2

# ctl ARGS...: mptcpd-ctl in the client's namespace, as a user there would
# run it, bounded; stdout, stderr and exit status as they are.
ctl() { timeout 20 ip netns exec "$C" "$CTL" "$@"; }
# ctl_rc ARGS...: runs ctl, output in $TMP/ctl.out and $TMP/ctl.err; RC.
ctl_rc() {
	ctl "$@" >"$TMP/ctl.out" 2>"$TMP/ctl.err"
	RC=$?
}
# jq_py EXPR: EXPR (python, on the JSON document "a" read from stdin).
jq_py() { "$PYTHON" -c 'import json, sys; a = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# ctlj EXPR ARGS...: "mptcpd-ctl -j ARGS", then EXPR on its result.
ctlj() {
	local expr=$1 out
	shift
	out=$(ctl -j "$@") || { echo "mptcpd-ctl -j $* exited $?: $out"; return 1; }
	jq_py "$expr" <<<"$out"
}

# ---- the two views of the connections, as "TOKEN N ADDR..." lines,
# sorted: N established subflows and their sorted source addresses.
VIEW_PY="$TMP/view.py"
cat >"$VIEW_PY" <<'EOF'
import json, re, sys

def kernel(ms_path, ts_path):
    # ss -Mi: one connection per "token:"; its subflows are
    # 1 + "subflows:" (ss leaves that out when there are no extra ones).
    conns = {}
    for line in open(ms_path):
        t = re.search(r"token:([0-9a-f]+)", line)
        if t:
            n = re.search(r"subflows:([0-9]+)", line)
            conns["%08x" % int(t.group(1), 16)] = 1 + (int(n.group(1)) if n else 0)
    # ss -tni: a socket line, then its info line whose tcp-ulp-mptcp
    # "token:X(id:N)/T(id:M)" names the connection T it belongs to.
    addrs, src = {}, None
    for line in open(ts_path):
        if line[:1].isdigit() or line[:1].isalpha():
            src = re.sub(r"(%[^:]*)?:[0-9]+$", "", line.split()[-2]).strip("[]")
            continue
        t = re.search(r"token:[0-9a-f]+\(id:[0-9]+\)/([0-9a-f]+)", line)
        if t and src:
            addrs.setdefault("%08x" % int(t.group(1), 16), []).append(src)
    return [(tok, n, sorted(addrs.get(tok, []))) for tok, n in conns.items()]

def daemon(doc):
    out = []
    for c in json.loads(doc)["connections"]:
        est = [s["local"]["address"] for s in c["subflows"] if s["state"] == "established"]
        out.append((c["token"], len(est), sorted(est)))
    return out

if sys.argv[1] == "kernel":
    v = kernel(sys.argv[2], sys.argv[3])
else:
    v = daemon(sys.stdin.read())
for tok, n, addrs in sorted(v):
    print(tok, n, " ".join(addrs))
EOF

kernel_view() {
	nsx "$C" ss -MiHn state established >"$TMP/ss-m"
	nsx "$C" ss -tniH state established >"$TMP/ss-t"
	"$PYTHON" "$VIEW_PY" kernel "$TMP/ss-m" "$TMP/ss-t"
}
daemon_view() {
	local out
	out=$(ctl -j connections) || { echo "mptcpd-ctl -j connections exited $?"; return; }
	"$PYTHON" "$VIEW_PY" daemon <<<"$out"
}
# views_agree CONNS: the kernel's picture, stable over the request, has
# CONNS connections and is what "mptcpd-ctl -j connections" says.
views_agree() {
	local i k d
	for i in 1 2 3 4 5 6; do
		k=$(kernel_view)
		d=$(daemon_view)
		[ "$k" = "$d" ] && [ "$k" = "$(kernel_view)" ] &&
			[ "$(grep -c . <<<"$k")" = "$1" ] && return 0
		sleep 0.5
	done
	echo "mptcpd-ctl says '$d', the kernel '$k'"
	return 1
}
eth1_gone() { no_tcp_from "$ETH1"; }

conf() { # STRATEGY
	printf '[core]\nstrategy = %s\n[interface eth0]\ntype = wifi\n' "$1" >"$CONF"
	printf '[interface eth1]\ntype = cellular\n' >>"$CONF"
}

lab_setup v4
conf fullmesh
start_server 5000
start_daemon
wait_until 5 test -S "$(ns_dir "$C")/control" || fail "no control socket"
start_client c -a "$SRV4" -p 5000 -n 2 -d 60 -i 20 -s 1000 -w 2 -W 10
wait_until 10 conns_with_subflows 2 2 || fail "expected 2 connections with 2 subflows: $(count_subflows | xargs)"
wait_until 5 established_from "$ETH1" 2 || fail "no subflow from eth1: $(tcp_from "$ETH1")"

# ---- connections: the tokens, established subflows and their sources.
v=$(views_agree 2) || fail "connections: $v"
grep -qvx "[0-9a-f]\{8\} 2 $ETH0 $ETH1" <<<"$(kernel_view)" &&
	fail "the kernel does not show 2 subflows from $ETH0 and $ETH1: $(kernel_view)"
log "connections agrees with the kernel: $(kernel_view | xargs)"
ctl_rc connections
[ "$RC" = 0 ] || fail "connections exited $RC: $(cat "$TMP/ctl.err")"
for tok in $(kernel_view | cut -d' ' -f1); do
	grep -q "^token $tok " "$TMP/ctl.out" || fail "connections text lacks $tok: $(cat "$TMP/ctl.out")"
done
[ "$(grep -c "^  subflow .* established" "$TMP/ctl.out")" = 4 ] ||
	fail "connections text: not 4 established subflows: $(cat "$TMP/ctl.out")"
TOK=$(kernel_view | head -n 1 | cut -d' ' -f1)
a=$(ctlj 'a["token"] + " " + str(len(a["subflows"]))' connection "$TOK")
[ "$a" = "$TOK 2" ] || fail "connection $TOK: $a"
# ... with the kernel's figures for each subflow (sock_diag): the client
# is sending, so both have an RTT and bytes sent, the way ss -ti says.
a=$(ctlj '" ".join(str(s["rtt_us"] > 0 and s["bytes_sent"] > 0) for s in a["subflows"])' connection "$TOK")
[ "$a" = "True True" ] || fail "connection $TOK: subflows without the kernel's figures: $a"
ctl connection "$TOK" | grep -q "^  subflow .* rtt [0-9.]*ms sent [0-9]* recv [0-9]* retrans [0-9]*" ||
	fail "connection text without the subflows' figures: $(ctl connection "$TOK")"
ctl_rc connection ffffffff
[ "$RC" = 1 ] && grep -q ENOENT "$TMP/ctl.err" || fail "connection ffffffff: $RC $(cat "$TMP/ctl.err")"

# ---- interfaces: the configured classes, and the addresses.
IFX='" ".join(i["type"] + "/" + i["type_source"] + "/" + ",".join(x for x in i["addresses"] if not x.startswith("fe80")) for i in a["interfaces"] if i["dev"] == DEV)'
a=$(ctlj "${IFX/DEV/\"eth0\"}" interfaces)
[ "$a" = "wifi/config/$ETH0" ] || fail "interfaces, eth0: $a"
a=$(ctlj "${IFX/DEV/\"eth1\"}" interfaces)
[ "$a" = "cellular/config/$ETH1" ] || fail "interfaces, eth1: $a"
ctl_rc interfaces
grep -q "^eth1 .* type cellular (config) .* $ETH1" "$TMP/ctl.out" ||
	fail "interfaces text: $RC $(cat "$TMP/ctl.out")"
log "interfaces: eth0 wifi, eth1 cellular, from the configuration"

# ---- a run-time type, and "auto" that drops it again.
ctl_rc interface eth1 type ethernet
a=$(ctlj "${IFX/DEV/\"eth1\"}" interfaces)
[ "$RC" = 0 ] && [ "$a" = "ethernet/runtime/$ETH1" ] || fail "interface eth1 type ethernet: $RC $a"
ctl_rc interface eth1 type auto
a=$(ctlj "${IFX/DEV/\"eth1\"}" interfaces)
[ "$RC" = 0 ] && [ "$a" = "cellular/config/$ETH1" ] ||
	fail "interface eth1 type auto: $RC $a $(cat "$TMP/ctl.err")"
log "interface eth1 type ethernet, then auto: back to the configuration's cellular"

# ---- interface exclude / include on the live connections.
ctl_rc interface eth1 exclude
[ "$RC" = 0 ] && grep -q "^eth1 .* excluded" "$TMP/ctl.out" ||
	fail "interface eth1 exclude: $RC $(cat "$TMP/ctl.out" "$TMP/ctl.err")"
wait_until 5 eth1_gone || fail "eth1's subflows are still there after exclude: $(tcp_from "$ETH1")"
wait_until 5 conns_with_subflows 2 1 || fail "expected 1 subflow each after exclude: $(count_subflows | xargs)"
v=$(views_agree 2) || fail "connections after exclude: $v"
a=$(ctlj '[i["excluded"] for i in a["interfaces"] if i["dev"] == "eth1"]' interfaces)
[ "$a" = "[True]" ] || fail "interfaces does not show eth1 excluded: $a"
# The server refuses joins from eth1 for a moment: the daemon backs off,
# and "connection" says what it waits for.
nsx "$S" nft -f - <<-EON || fail "nft"
table inet refuse {
	chain in {
		type filter hook input priority 0; policy accept;
		ip saddr $ETH1 tcp flags & (syn | ack) == syn reject with tcp reset
	}
}
EON
ctl_rc interface eth1 include
[ "$RC" = 0 ] || fail "interface eth1 include: $RC $(cat "$TMP/ctl.err")"
waiting_shown() { ctl connection "$TOK" 2>/dev/null | grep -q "^  waiting $ETH1 -> .* backing off after [0-9]* failure"; }
wait_until 5 waiting_shown || fail "connection $TOK does not show its join backing off: $(ctl connection "$TOK")"
log "connection shows: $(ctl connection "$TOK" | grep waiting | head -n 1 | xargs)"
nsx "$S" nft delete table inet refuse
wait_until 10 established_from "$ETH1" 2 || fail "eth1's subflows did not come back: $(tcp_from "$ETH1")"
wait_until 5 conns_with_subflows 2 2 || fail "expected 2 subflows each again: $(count_subflows | xargs)"
log "interface eth1 exclude closed its subflows, include brought them back"
# An include the configuration overrides (lo is excluded by default) is
# refused, not accepted silently.
ctl_rc interface lo include
[ "$RC" = 1 ] && grep -q "lo stays excluded.*(EINVAL)" "$TMP/ctl.err" ||
	fail "interface lo include: $RC $(cat "$TMP/ctl.out" "$TMP/ctl.err")"

# ---- strategy switch: metered-aware closes the metered (cellular) ones.
a=$(ctlj 'a["strategy"]' strategy metered-aware)
[ "$a" = metered-aware ] || fail "strategy metered-aware: $a"
a=$(ctlj 'a["strategy"] + " " + " ".join(sorted(a["available"]))' strategy)
[ "$a" = "metered-aware backup-cellular fullmesh interactive metered-aware" ] || fail "strategy: $a"
wait_until 5 eth1_gone || fail "metered-aware kept the metered subflows: $(tcp_from "$ETH1")"
wait_until 5 conns_with_subflows 2 1 || fail "expected 1 subflow each under metered-aware: $(count_subflows | xargs)"
ctl_rc strategy fullmesh
[ "$RC" = 0 ] && grep -qx "strategy fullmesh" "$TMP/ctl.out" ||
	fail "strategy fullmesh: $RC $(cat "$TMP/ctl.out" "$TMP/ctl.err")"
wait_until 10 established_from "$ETH1" 2 || fail "fullmesh did not reopen eth1's subflows: $(tcp_from "$ETH1")"
log "strategy metered-aware closed eth1's subflows, fullmesh reopened them"

# ---- reload: a broken file is refused and changes nothing.
cp "$CONF" "$TMP/good.conf"
printf '[core]\nstrategy = metered-awre\nmax-subflows = many\n' >"$CONF"
ctl_rc reload
[ "$RC" = 1 ] || fail "reload of a broken file exited $RC: $(cat "$TMP/ctl.out" "$TMP/ctl.err")"
grep -q "refused" "$TMP/ctl.err" || fail "reload of a broken file: $(cat "$TMP/ctl.err")"
# The reasons themselves, at their lines, all in one answer: the unknown
# strategy with the bad value.
grep -q "$CONF:2: strategy: unknown strategy 'metered-awre'" "$TMP/ctl.err" &&
	grep -q "$CONF:3: max-subflows" "$TMP/ctl.err" ||
	fail "reload of a broken file did not give its FILE:LINE reasons: $(cat "$TMP/ctl.err")"
REFUSED=$(head -n 1 "$TMP/ctl.err")
# -j: the error is one JSON object, with the reasons.
ctl -j reload >"$TMP/ctl.out" 2>"$TMP/ctl.err"
RC=$?
a=$(jq_py '" ".join([a["error"]["code"]] + sorted(r.split(": ")[0].rsplit(":", 1)[1] for r in a["error"]["reasons"]))' <"$TMP/ctl.err") ||
	fail "reload -j of a broken file: not a JSON error: $(cat "$TMP/ctl.err")"
[ "$RC" = 1 ] && [ "$a" = "EIO 2 3" ] && [ ! -s "$TMP/ctl.out" ] ||
	fail "reload -j of a broken file: $RC '$a' $(cat "$TMP/ctl.out" "$TMP/ctl.err")"
a=$(ctlj 'a["strategy"]' strategy)
[ "$a" = fullmesh ] || fail "after a refused reload the strategy is $a"
sleep 1
established_from "$ETH1" 2 && conns_with_subflows 2 2 ||
	fail "a refused reload changed the behaviour: $(count_subflows | xargs)"
cp "$TMP/good.conf" "$CONF"
ctl_rc reload
[ "$RC" = 0 ] && grep -qx "strategy fullmesh" "$TMP/ctl.out" ||
	fail "reload of a good file: $RC $(cat "$TMP/ctl.out" "$TMP/ctl.err")"
log "reload: a broken file exited 1 ($REFUSED), a good one 0"

# ---- status, text.
ctl_rc status
[ "$RC" = 0 ] && grep -qx "strategy *fullmesh" "$TMP/ctl.out" &&
	grep -qx "connections *2" "$TMP/ctl.out" || fail "status: $RC $(cat "$TMP/ctl.out")"

# ---- monitor -j: a new connection's extra subflow.  The subscription is
# not observable with -j (the empty first answer is not printed), so wait
# for the monitor's connected socket, then leave the daemon a moment to
# read its request.
timeout 60 ip netns exec "$C" "$CTL" -j monitor >"$TMP/monitor.out" 2>"$TMP/monitor.err" &
MON_PID=$!
LAB_PIDS+=("$MON_PID")
monitor_connected() { nsx "$C" ss -xpH state connected | grep -q '"mptcpd-ctl"'; }
wait_until 5 monitor_connected || fail "the monitor did not connect: $(cat "$TMP/monitor.err")"
sleep 0.5
monitor_saw() {
	grep -q "\"type\":\"subflow-established\".*\"token\":\"$NEW_TOKEN\"" "$TMP/monitor.out" ||
		grep -q "\"token\":\"$NEW_TOKEN\".*\"type\":\"subflow-established\"" "$TMP/monitor.out"
}
# A connection opened before the daemon read the subscription goes
# unseen: then (and at most twice) one more.
OLD_TOKENS=$(kernel_view | cut -d' ' -f1)
for i in 1 2 3; do
	start_client "m$i" -a "$SRV4" -p 5000 -n 1 -d 30 -w 2 -W 10
	wait_until 10 conns_with_subflows $((2 + i)) 2 ||
		fail "the new connection did not get 2 subflows: $(count_subflows | xargs)"
	NEW_TOKEN=$(kernel_view | cut -d' ' -f1 | grep -vxF -e "$OLD_TOKENS")
	[ "$(grep -c . <<<"$NEW_TOKEN")" = 1 ] || fail "not one new token: $(kernel_view | xargs)"
	OLD_TOKENS+=$'\n'"$NEW_TOKEN"
	wait_until 5 monitor_saw && break
	[ "$i" = 3 ] && fail "monitor -j: no subflow-established for $NEW_TOKEN: $(cat "$TMP/monitor.out" "$TMP/monitor.err")"
	log "monitor -j did not see $NEW_TOKEN (subscribed late?): one more connection"
done
# A REMOVE the kernel refuses (an ID this connection never had): the
# answer came before the kernel's, so it is the monitor stream that must
# tell (action-failed, with the refused action).
ctl_rc remove token "$NEW_TOKEN" id 200
[ "$RC" = 0 ] || fail "remove of id 200: $RC $(cat "$TMP/ctl.err")"
monitor_saw_failure() {
	grep '"type":"action-failed"' "$TMP/monitor.out" | grep "\"token\":\"$NEW_TOKEN\"" |
		grep -q '"action":"remove"'
}
wait_until 5 monitor_saw_failure ||
	fail "monitor -j: no action-failed for the refused remove: $(cat "$TMP/monitor.out")"
log "monitor -j showed the kernel's refusal: $(grep '"action-failed"' "$TMP/monitor.out" | head -n 1)"
kill -INT "$MON_PID"
wait "$MON_PID"
rc=$?
[ "$rc" = 0 ] || fail "monitor exited $rc on SIGINT: $(cat "$TMP/monitor.err")"
"$PYTHON" -c 'import json, sys
for line in open(sys.argv[1]):
    assert "type" in json.loads(line), line' "$TMP/monitor.out" ||
	fail "monitor -j printed something that is not one JSON event a line"
log "monitor -j saw: $("$PYTHON" -c 'import json, sys, collections
print(dict(collections.Counter(json.loads(l)["type"] for l in open(sys.argv[1]))))' "$TMP/monitor.out")"

# ---- manual changes the engine turns down: one exact reason, exit 1, and
# a line that says what to do.
TOK=$(kernel_view | head -n 1 | cut -d' ' -f1)
ctl_rc subflow add token "$TOK" address "$ETH1" remote "$SRV4" port 5000
[ "$RC" = 1 ] && grep -q "already has this subflow (EEXIST)" "$TMP/ctl.err" &&
	grep -q "already in place" "$TMP/ctl.err" ||
	fail "subflow add of an existing subflow: $RC $(cat "$TMP/ctl.err")"
ctl_rc announce token "$TOK" address "$ETH0"
[ "$RC" = 1 ] && grep -q "(EINVAL)" "$TMP/ctl.err" ||
	fail "announce of the initial address: $RC $(cat "$TMP/ctl.err")"
a=$(ctlj 'a["id"]' announce token "$TOK" address "$ETH1") || fail "announce $ETH1: $a"
ctl_rc announce token "$TOK" address "$ETH1"
[ "$RC" = 1 ] && grep -q "already announced on this connection, with id $a (EEXIST)" "$TMP/ctl.err" ||
	fail "announce twice: $RC $(cat "$TMP/ctl.err")"
log "subflow add and announce: EEXIST for what is there, EINVAL for ID 0"

# ---- subflow del of a subflow that is not there (right addresses, a
# local port no subflow has): ENOENT, and the daemon still agrees with the
# kernel (it used to forget the real subflow of that pair).  Then the real
# one, by its id: the kernel closes that very socket.
SF='[(s["id"], s["local"]["port"]) for s in a["subflows"] if s["local"]["address"] == "'$ETH1'" and s["state"] == "established"][0]'
a=$(ctlj "$SF" connection "$TOK") || fail "connection $TOK: $a"
SF_ID=$(tr -d '(),' <<<"$a" | cut -d' ' -f1)
SF_PORT=$(tr -d '(),' <<<"$a" | cut -d' ' -f2)
NCONNS=$(kernel_view | grep -c .)
ctl_rc subflow del token "$TOK" address "$ETH1" port $((SF_PORT == 65535 ? 1 : SF_PORT + 1)) \
	remote "$SRV4" port 5000
[ "$RC" = 1 ] && grep -q "(ENOENT)" "$TMP/ctl.err" ||
	fail "subflow del of a port no subflow has: $RC $(cat "$TMP/ctl.out" "$TMP/ctl.err")"
sleep 0.5
v=$(views_agree "$NCONNS") || fail "after subflow del of a wrong port: $v"
sf_there() { nsx "$C" ss -tnH state established src "$ETH1" sport = ":$SF_PORT" | grep -q .; }
sf_there || fail "the kernel lost the subflow from $ETH1:$SF_PORT"
ctl_rc subflow del token "$TOK" id "$SF_ID"
[ "$RC" = 0 ] || fail "subflow del token $TOK id $SF_ID: $RC $(cat "$TMP/ctl.err")"
sf_gone() { ! sf_there; }
wait_until 5 sf_gone || fail "subflow del id $SF_ID left $ETH1:$SF_PORT: $(tcp_from "$ETH1")"
ctl_rc subflow del token "$TOK" id 99
[ "$RC" = 1 ] && grep -q "(ENOENT)" "$TMP/ctl.err" ||
	fail "subflow del of an id no subflow has: $RC $(cat "$TMP/ctl.err")"
log "subflow del: ENOENT for a port or an id no subflow has, the model intact; by id closes it"

# ---- usage errors: exit status 2 and what is wrong.
ctl_rc strategy fullmesh extra
[ "$RC" = 2 ] && grep -q "too many arguments" "$TMP/ctl.err" || fail "strategy with 2 names: $RC $(cat "$TMP/ctl.err")"
ctl_rc no-such-command
[ "$RC" = 2 ] && grep -q "unknown command" "$TMP/ctl.err" || fail "an unknown command: $RC $(cat "$TMP/ctl.err")"
ctl_rc interface eth1 frobnicate
[ "$RC" = 2 ] || fail "interface eth1 frobnicate: $RC $(cat "$TMP/ctl.err")"
ctl_rc connection not-a-token
[ "$RC" = 2 ] || fail "connection not-a-token: $RC $(cat "$TMP/ctl.err")"

# ---- the daemon gone: 3 and a message that says so.
stop_daemon
ctl_rc status
[ "$RC" = 3 ] || fail "status without a daemon exited $RC: $(cat "$TMP/ctl.err")"
grep -q "mptcpd is not running" "$TMP/ctl.err" || fail "status without a daemon: $(cat "$TMP/ctl.err")"
ctl -j status >"$TMP/ctl.out" 2>"$TMP/ctl.err"
a=$(jq_py 'a["error"]["code"]' <"$TMP/ctl.err") && [ "$a" = ENOENT ] ||
	fail "status -j without a daemon: not a JSON error: $(cat "$TMP/ctl.err")"
log "exit statuses: 2 for usage errors, 3 without a daemon"
pass
