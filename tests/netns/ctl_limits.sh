#!/bin/bash
# The control socket under a local user who holds it open: 300 idle and
# slowloris clients of a control-group member (nobody with the group as a
# supplementary one) take every slot the member may have, and still root's
# `mptcpd-ctl status` answers within 100 ms, the member's own is refused
# with EBUSY (exit status 1, not a hang), and the daemon's RSS grows by less
# than 8 MB.  Once the clients go, the member is served again.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the kernel PM has no control socket"
for tool in setpriv groupadd groupdel getent; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) || skip "python3 is not installed"

CTL=$top_builddir/src/mptcpd-ctl
[ -x "$CTL" ] || fail "$CTL is not built"
RUN=	# the daemon's socket directory, RUNDIR/NETNS: known once the lab is up
GROUP=mptcpdlim$$
NOBODY=65534
CLIENTS=300
HOLD_S=10
# ctl_server.h: 256 slots, the last 4 for root alone.
MEMBER_SLOTS=252
PY="$TMP/hold.py"

GROUP_ADDED=0
# shellcheck disable=SC2317 # called from the EXIT trap
group_cleanup() {
	[ "$GROUP_ADDED" = 1 ] && groupdel "$GROUP" 2>/dev/null
	GROUP_ADDED=0
}
trap 'group_cleanup; cleanup' EXIT
groupadd -r "$GROUP" || fail "groupadd -r $GROUP"
GROUP_ADDED=1
GID=$(getent group "$GROUP" | cut -d: -f3)
[ -n "$GID" ] || fail "no gid for $GROUP"

# Opens N clients, notes how many the daemon kept and how many it refused
# (one EBUSY line, then closed) on stdout, then holds the kept ones for HOLD seconds:
# every other one sends a request a byte at a time without ever ending it
# (slowloris), the rest send nothing.
cat >"$PY" <<'PYEOF'
import socket, sys, time

def hold(path, n, seconds):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)	# blocking: waits while the listen backlog is full
        socks.append(s)
    time.sleep(1)
    kept, refused = [], 0
    for s in socks:
        s.setblocking(False)
        try:
            data = s.recv(4096)
        except BlockingIOError:
            kept.append(s)
            continue
        refused += b'"EBUSY"' in data
        s.close()
    print(len(kept), refused, flush=True)
    req = b'{"version":1,"id":1,"command":"status"}'
    end, k = time.time() + seconds, 0
    while time.time() < end:
        for s in kept[::2]:
            try:
                s.send(req[k % len(req):k % len(req) + 1])
            except OSError:
                pass
        k += 1
        time.sleep(0.5)

# Milliseconds from connect() to the whole "status" answer.
def ask(path):
    t0 = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(b'{"version":1,"id":1,"command":"status"}\n')
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("closed: %r" % buf)
        buf += chunk
    ms = (time.monotonic() - t0) * 1000
    if b'"ok":true' not in buf:
        sys.exit("refused: %r" % buf)
    print("%.1f" % ms)

if sys.argv[1] == "hold":
    hold(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
else:
    ask(sys.argv[2])
PYEOF

member() { timeout 20 setpriv --reuid=$NOBODY --regid=$NOBODY --groups="$GID" "$@"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

lab_setup v4
chmod 0711 "$TMP"	# nobody must get through to $RUN
printf '[core]\nstrategy = fullmesh\ncontrol-group = %s\n' "$GROUP" >"$CONF"
start_daemon
RUN=$(ns_dir "$C")
wait_until 5 test -S "$RUN/control" || fail "no control socket in $RUN"
member "$CTL" -s "$RUN/control" status >/dev/null || fail "the member's status before the flood"
t0=$(now_ms)
"$CTL" -s "$RUN/control" status >/dev/null || fail "root's status before the flood"
cli_before=$(($(now_ms) - t0))
rss_before=$(rss_kb)

# Its output goes through root's redirection: nobody cannot write to $TMP.
member "$PYTHON" "$PY" hold "$RUN/control" "$CLIENTS" "$HOLD_S" >"$TMP/held" &
HOLDER=$!
LAB_PIDS+=("$HOLDER")
wait_until 10 test -s "$TMP/held" || fail "the member's clients did not connect"
read -r kept refused <"$TMP/held"
# Proves the test tested something: the member's slots are all taken.
[ "$kept" = "$MEMBER_SLOTS" ] && [ "$refused" = $((CLIENTS - MEMBER_SLOTS)) ] ||
	fail "the daemon kept $kept and refused $refused of $CLIENTS, expected $MEMBER_SLOTS and $((CLIENTS - MEMBER_SLOTS))"
log "member: $kept clients kept, $refused refused with EBUSY"

# The daemon's answer, timed from a running client (starting mptcpd-ctl
# itself costs tens of ms on a loaded machine), and mptcpd-ctl end to end.
worst=0
for i in 1 2 3; do
	ms=$("$PYTHON" "$PY" ask "$RUN/control") || fail "root's request was not answered"
	awk -v a="$ms" -v b="$worst" 'BEGIN { exit !(a > b) }' && worst=$ms
done
awk -v a="$worst" 'BEGIN { exit !(a < 100) }' ||
	fail "root's status took $worst ms with $kept clients held"
t0=$(now_ms)
"$CTL" -s "$RUN/control" status >"$TMP/status.out" 2>&1 || fail "root's mptcpd-ctl status: $(cat "$TMP/status.out")"
cli_ms=$(($(now_ms) - t0))
rc=0
member "$CTL" -s "$RUN/control" status >"$TMP/member.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q EBUSY "$TMP/member.out" ||
	fail "the member's own status: exit $rc: $(cat "$TMP/member.out")"
rss_after=$(rss_kb)
grow=$((rss_after - rss_before))
log "root's status: answered in ${worst} ms (worst of 3); mptcpd-ctl status ${cli_ms} ms (${cli_before} ms before the flood)"
log "member refused: $(cat "$TMP/member.out")"
log "daemon VmRSS ${rss_before} kB -> ${rss_after} kB (+${grow} kB)"
[ "$grow" -lt 8192 ] || fail "the daemon's RSS grew by $grow kB"

wait "$HOLDER" || fail "the holder failed"
wait_until 5 member "$CTL" -s "$RUN/control" status >/dev/null || fail "the member is not served after the flood"
log "clients gone: the member is served again"
pass
