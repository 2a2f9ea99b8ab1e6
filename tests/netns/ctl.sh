#!/bin/bash
# The control socket, driven directly (JSON lines over AF_UNIX from
# python3, independent of mptcpd-ctl): "connections" agrees with what the
# kernel reports, "interface DEV exclude" takes a path away and gives it
# back on a live connection, mutating requests need root, the event
# stream shows a new subflow, and neither 50 clients at once, nor garbage,
# nor a subscriber that never reads keeps the daemon from its work.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the kernel PM has no control socket"
# The system's interpreter: an unprivileged user can run it (a per-user
# one under /root cannot), and it starts faster than a version shim.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) || skip "python3 is not installed"
command -v setpriv >/dev/null || skip "setpriv is not installed"

RUN="$TMP/run"
SOCK=	# $(ns_dir "$C")/control, once the lab is up
PY="$TMP/ctl.py"

# The client side of the protocol, in python3 so the test does not depend
# on mptcpd-ctl.  Every wait is bounded.
cat >"$PY" <<'EOF'
import json, os, selectors, socket, sys, time

def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s

def readline(s, buf=b""):
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    line, _, rest = buf.partition(b"\n")
    return line.decode(), rest

def request(path, command, args=None, rid=1):
    s = connect(path)
    msg = {"version": 1, "id": rid, "command": command}
    if args is not None:
        msg["args"] = args
    s.sendall(json.dumps(msg).encode() + b"\n")
    line, _ = readline(s)
    s.close()
    return line

def monitor(path, out, seconds):
    s = connect(path)
    s.sendall(b'{"version":1,"id":1,"command":"monitor"}\n')
    buf = b""
    end = time.time() + seconds
    with open(out, "a") as f:
        while time.time() < end:
            s.settimeout(max(0.1, end - time.time()))
            try:
                line, buf = readline(s, buf)
            except (socket.timeout, EOFError):
                break
            f.write(line + "\n")
            f.flush()

def stall(path, seconds):
    s = connect(path)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b'{"version":1,"id":1,"command":"monitor"}\n')
    time.sleep(seconds)

def many(path, n, rounds):
    socks = [connect(path) for _ in range(n)]
    sel = selectors.DefaultSelector()
    good = 0
    for r in range(rounds):
        for i, s in enumerate(socks):
            cmd = ("status", "connections", "interfaces")[(i + r) % 3]
            s.sendall(json.dumps({"version": 1, "id": r * n + i,
                                  "command": cmd}).encode() + b"\n")
        for i, s in enumerate(socks):
            line, _ = readline(s)
            a = json.loads(line)
            if a.get("ok") is True and a.get("id") == r * n + i:
                good += 1
    print("answers %d/%d" % (good, n * rounds))

def garbage(path):
    s = connect(path)
    codes = []
    buf = b""
    for line in (b"not json", b"{\"version\": 1, \"id\": 2",
                 b'{"version": 2, "id": 3, "command": "status"}',
                 b'{"version": 1, "id": 4, "command": "rm -rf"}',
                 b'{"version": 1, "id": 5, "command": "connection", "args": {"token": 5}}',
                 bytes(range(1, 10)) + b"\xff\xfe", b"[]"):
        s.sendall(line + b"\n")
        answer, buf = readline(s, buf)
        codes.append(json.loads(answer)["error"]["code"])
    s.sendall(b"x" * (70 * 1024))
    answer, buf = readline(s, buf)
    codes.append(json.loads(answer)["error"]["code"])
    try:
        readline(s, buf)
        codes.append("still-open")
    except (EOFError, ConnectionResetError):
        codes.append("closed")
    print(" ".join(codes))

cmd = sys.argv[1]
if cmd == "q":
    # q SOCK EXPR COMMAND [ARGS]: EXPR on the answer "a" ("a" prints it).
    args = json.loads(sys.argv[5]) if len(sys.argv) > 5 else None
    a = json.loads(request(sys.argv[2], sys.argv[4], args))
    print(eval(sys.argv[3]) if sys.argv[3] != "a" else json.dumps(a))
elif cmd == "monitor":
    monitor(sys.argv[2], sys.argv[3], float(sys.argv[4]))
elif cmd == "stall":
    stall(sys.argv[2], float(sys.argv[3]))
elif cmd == "many":
    many(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
elif cmd == "garbage":
    garbage(sys.argv[2])
EOF

# ctlq EXPR COMMAND [ARGS_JSON]: one request as root; EXPR (python, on
# the answer "a") is printed.  python3 starts slowly on a loaded machine,
# so each check is one request and one expression.
ctlq() { timeout 20 "$PYTHON" "$PY" q "$SOCK" "$@"; }

lab_setup v4
# The unprivileged client must reach the socket: the directories are made
# before the daemon (which then leaves them as they are) and opened to
# others.
chmod 0711 "$TMP"
SOCK="$(ns_dir "$C")/control"
mkdir -m 0755 "$RUN" "$(dirname "$SOCK")"
chmod 0644 "$PY"
export MPTCPD_RUNTIME_DIRECTORY="$RUN"
start_server 5000
start_daemon
wait_until 5 test -S "$SOCK" || fail "no control socket at $SOCK"

# ---- monitor: a new connection's extra subflow shows up as an event.
timeout 20 "$PYTHON" "$PY" monitor "$SOCK" "$TMP/monitor.out" 15 &
MON_PID=$!
LAB_PIDS+=("$MON_PID")
subscribed() { grep -q '"ok":true' "$TMP/monitor.out" 2>/dev/null; }
wait_until 5 subscribed || fail "the monitor subscription was not answered"
start_client c -a "$SRV4" -p 5000 -n 1 -d 60 -w 2 -W 10
wait_until 10 conns_with_subflows 1 2 || fail "expected 1 connection with 2 subflows: $(count_subflows | xargs)"
monitor_saw() { grep -q "\"type\":\"$1\"" "$TMP/monitor.out"; }
wait_until 5 monitor_saw subflow-established ||
	fail "monitor: no subflow-established event: $(cat "$TMP/monitor.out")"
head -n 1 "$TMP/monitor.out" | grep -qx '{"version":1,"id":1,"ok":true,"result":{}}' ||
	fail "monitor: bad first line: $(head -n 1 "$TMP/monitor.out")"
grep -q '"event":{"type":"action","action":"subflow-create"' "$TMP/monitor.out" ||
	fail "monitor: no subflow-create action: $(cat "$TMP/monitor.out")"
# ... with its cause: the event that triggered it and who decided.
grep '"action":"subflow-create"' "$TMP/monitor.out" | grep -q '"cause":"established (fullmesh)"' ||
	fail "monitor: the join carries no cause: $(grep subflow-create "$TMP/monitor.out")"
log "monitor saw: $(sed -n 's/.*"type":"\([a-z-]*\)".*/\1/p' "$TMP/monitor.out" | sort | uniq -c | xargs)"
# Every event is stamped: the wall clock (UTC, ms) and the monotonic one.
n_ev=$(grep -c '"event":' "$TMP/monitor.out")
n_st=$(grep -Ec '"time":"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z","mono_ms":[0-9]+' "$TMP/monitor.out")
[ "$n_ev" -gt 0 ] && [ "$n_st" = "$n_ev" ] ||
	fail "monitor: $n_st of $n_ev events stamped: $(cat "$TMP/monitor.out")"

# ---- connections vs the kernel: token, subflow count, source addresses.
# ss -tni prints each subflow's tokens as "token:LOCAL(id:N)/REMOTE(id:M)";
# the connection's own token (ss -Mi "token:") is the local one.
kernel_view() {
	local tok
	tok=$(nsx "$C" ss -MiHn state established | sed -n 's/.*token:\([0-9a-f]*\).*/\1/p')
	printf '%08x' "0x$tok"
	echo -n " $(count_subflows)"
	echo " $(nsx "$C" ss -tnH state established dst "$SRV4" |
		awk '{ sub(":[0-9]+$", "", $3); sub("%.*", "", $3); print $3 }' | sort | xargs)"
}
# The same from the daemon's answer: established subflows only, as ss.
DAEMON_VIEW='" ".join([c["token"], str(len([s for s in c["subflows"] if s["state"] == "established"])), " ".join(sorted(s["local"]["address"] for s in c["subflows"] if s["state"] == "established"))]) if a["ok"] and len(a["result"]["connections"]) == 1 and [c := a["result"]["connections"][0]] else "bad " + json.dumps(a)'
# views_agree: the kernel's picture, stable, is the daemon's (a few tries:
# the two are read at slightly different times).
views_agree() {
	local i k d
	for i in 1 2 3 4 5; do
		k=$(kernel_view)
		d=$(ctlq "$DAEMON_VIEW" connections)
		[ "$k" = "$d" ] && [ "$k" = "$(kernel_view)" ] && return 0
		sleep 0.5
	done
	echo "daemon says '$d', kernel '$k'"
	return 1
}
wait_until 5 established_from 198.51.100.2 1 || fail "no subflow from eth1"
v=$(views_agree) || fail "connections: $v"
TOKEN=$(kernel_view | cut -d' ' -f1)
log "connections agrees with the kernel: $(kernel_view)"
a=$(ctlq 'a["result"]["token"]' connection "{\"token\": \"$TOKEN\"}")
[ "$a" = "$TOKEN" ] || fail "connection $TOKEN: $a"
a=$(ctlq 'a["error"]["code"]' connection '{"token": "ffffffff"}')
[ "$a" = ENOENT ] || fail "connection ffffffff: $a"
a=$(ctlq '(a["result"]["connections"], a["result"]["path_manager"], a["result"]["pid"])' status)
[ "$a" = "(1, 'userspace', $DAEMON_PID)" ] || fail "status: $a"

# ---- interface exclude: eth1's subflow goes, and comes back.
a=$(ctlq 'a["result"]["excluded"]' interface '{"dev": "eth1", "exclude": true}')
[ "$a" = True ] || fail "exclude eth1: $a"
wait_until 5 no_tcp_from 198.51.100.2 || fail "eth1's subflow is still there after exclude"
wait_until 5 conns_with_subflows 1 1 || fail "expected 1 subflow after exclude: $(count_subflows | xargs)"
v=$(views_agree) || fail "after exclude: $v"
a=$(ctlq '[i["excluded"] for i in a["result"]["interfaces"] if i["dev"] == "eth1"]' interfaces)
[ "$a" = "[True]" ] || fail "interfaces does not show eth1 excluded: $a"
a=$(ctlq 'a["ok"]' interface '{"dev": "eth1", "exclude": false}')
[ "$a" = True ] || fail "include eth1: $a"
wait_until 10 established_from 198.51.100.2 1 || fail "eth1's subflow did not come back"
wait_until 5 conns_with_subflows 1 2 || fail "expected 2 subflows again: $(count_subflows | xargs)"
log "exclude eth1 removed its subflow, include brought it back"

# ---- credentials: nobody may read, not change.
nobody() { timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups "$PYTHON" "$PY" q "$SOCK" "$@"; }
a=$(nobody 'a["ok"]' status)
[ "$a" = True ] || fail "a non-root read was refused: $a"
a=$(nobody 'a["error"]["code"]' interface '{"dev": "eth1", "exclude": true}')
[ "$a" = EPERM ] || fail "a non-root change was not refused: $a"
a=$(nobody 'a["error"]["code"]' strategy '{"name": "fullmesh"}')
[ "$a" = EPERM ] || fail "a non-root strategy switch was not refused: $a"
established_from 198.51.100.2 1 || fail "the refused request changed something"
log "non-root: read answered, changes refused with EPERM"

# ---- load: 50 clients at once, one sending garbage, one subscriber that
# never reads, and a burst of events (exclude/include with 100 connections).
timeout 60 "$PYTHON" "$PY" stall "$SOCK" 40 &
LAB_PIDS+=("$!")
start_client burst -a "$SRV4" -p 5000 -n 100 -d 30 -i 20 -w 2 -W 20
wait_until 25 grep -q '^subflows_ready=' "$TMP/burst.out" || fail "the burst client never finished waiting"
timeout 60 "$PYTHON" "$PY" many "$SOCK" 50 20 >"$TMP/many.out" 2>&1 &
MANY_PID=$!
LAB_PIDS+=("$MANY_PID")
g=$(timeout 20 "$PYTHON" "$PY" garbage "$SOCK" 2>&1) || fail "garbage client: $g"
[ "$g" = "EINVAL EINVAL EPROTO EINVAL EINVAL EINVAL EINVAL EMSGSIZE closed" ] ||
	fail "garbage answers: $g"
# Each exclude/include pair streams about 400 events (~90 KB) with 100
# connections: 40 rounds overflow the silent subscriber's 1 MiB queue.
for i in $(seq 40); do
	a=$(ctlq 'a["ok"]' interface "{\"dev\": \"eth1\", \"exclude\": $([ $((i % 2)) = 1 ] && echo true || echo false)}")
	[ "$a" = True ] || fail "exclude toggle $i: $a"
	sleep 0.1
done
wait "$MANY_PID" || fail "the 50 clients failed: $(cat "$TMP/many.out")"
grep -qx "answers 1000/1000" "$TMP/many.out" || fail "50 clients: $(cat "$TMP/many.out")"
# Still managing: a new connection gets its extra subflow.
start_client late -a "$SRV4" -p 5000 -n 1 -d 1 -w 2 -W 10
wait_client late 15 || fail "a connection made after the load did not get its subflows: $(client_out late)"
grep -qx "conn=0 sent=[0-9]* subflows=2 established=2" "$TMP/late.out" ||
	fail "the late connection: $(client_out late)"
a=$(ctlq 'a["ok"]' status)
[ "$a" = True ] || fail "the daemon does not answer after the load: $a"
grep -q "dropping client .*does not read its event stream" "$DAEMON_LOG" ||
	fail "the subscriber that never reads was not dropped"
log "50 clients: $(cat "$TMP/many.out"); garbage: $g; the silent subscriber was dropped"
pass
