#!/bin/bash
# Three applications on one laptop at once, each managed as its [policy]
# rule says, on a Wi-Fi (eth0) and a metered cellular (eth1) uplink, with
# one default route per uplink, no per-source rules and a strict
# rp_filter at the access router (lib.sh's lab):
#   - an interactive ssh session (a real sshd on the server, ssh on the
#     client, both through mptcpize), told apart by the cgroup its client
#     runs in (one this test makes): backup-cellular.  The remote side
#     prints a line every 20 ms; Wi-Fi's link goes down under it and the
#     longest pause between two lines at the client stays <= 150 ms;
#   - a bulk upload run as uid 4242 (setpriv; no such user exists): the
#     rule "user = 4242" gives it metered-aware, and while Wi-Fi works not
#     one byte of it crosses the cellular link (nft counters there) and the
#     kernel lists no cellular subflow for it;
#   - a third application told apart by its remote port: APP3_STRATEGY
#     (interactive: its data moves to cellular within 1 s of Wi-Fi's RTT
#     rising past cellular's by the hysteresis when a competing download
#     fills a tbf queue on Wi-Fi, stays there while the queue lasts, and
#     comes back to Wi-Fi once it is gone, without flapping; cellular is
#     the slower path all along, its own queue kept full; fullmesh, the
#     other check kept: a subflow on each uplink);
#   - a connection that matches no rule gets [core] strategy.
# mptcpd-ctl connections -j names the policy and strategy of all four.
# Order: the policy check, the metered check, the third application's
# check, then Wi-Fi goes down for the ssh pause.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "per-application policy is the daemon's"

# The third application's strategy: switching it to interactive is this
# one line (check_app3_$APP3_STRATEGY is its check; its rule allows the
# metered link, which interactive needs to move there).
APP3_STRATEGY=interactive
CORE_STRATEGY=fullmesh

WIFI=192.0.2.2
CELL=198.51.100.2
SSH_PORT=2222
BULK_PORT=5000
APP3_PORT=5001
PLAIN_PORT=5002
BULK_UID=4242
# The applications run until the checks are done (the ssh printer stops
# at a file's creation, the others at SIGTERM); these bounds are only
# there if something hangs.
SSH_LINES=3000		# 20 ms apart: 60 s at most
CLIENT_S=60
AFTER_LOSS_S=3		# how long the session goes on after Wi-Fi is lost
SSH_PERIOD_MS=20
MAX_PAUSE_MS=150
DEADLINE_S=90
CTL=$top_builddir/src/mptcpd-ctl
ctl() { timeout 20 ip netns exec "$C" "$CTL" "$@"; }

# The whole test is bounded, whatever hangs: past the deadline it is
# stopped (TERM: lib.sh's trap cleans up) and fails.
# (Short sleeps: stopping the watchdog leaves no long sleep behind.)
(
	for _ in $(seq "$DEADLINE_S"); do sleep 1; done
	echo "FAIL: the test did not end within $DEADLINE_S s" >&2
	kill -TERM $$
) &
LAB_PIDS+=("$!")

for tool in sshd ssh ssh-keygen mptcpize setpriv python3 chrt; do
	command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
		skip "$tool is not installed (scripts/deps.sh installs it)"
done
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
# The remote printer runs under the server's login shell with sshd's
# default PATH: the system's python3, not a per-user one.
PY=/usr/bin/python3
[ -x "$PY" ] || skip "no $PY"

CG_ROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$CG_ROOT" ] && [ -w "$CG_ROOT" ] || skip "no writable cgroup2 mount"
CG_NAME=mptcpd-apps-$$
CG=$CG_ROOT/$CG_NAME/apps-test-ssh.scope
mkdir -p "$CG" || skip "cannot make a cgroup under $CG_ROOT"
# After the processes (lib.sh's trap stops them first): a cgroup with
# processes cannot be removed.
cg_cleanup() { rmdir "$CG" "$CG_ROOT/$CG_NAME" 2>/dev/null; }
CLEANUP_HOOKS+=(cg_cleanup)

# "ip netns exec" gives its command a fresh /sys without the cgroup
# mounts: the daemon mounts cgroup2 again in that private mount namespace,
# as policy.sh does, so that it can name the cgroups of sockets.
REAL_MPTCPD=$MPTCPD
MPTCPD=$TMP/mptcpd-wrap
printf '#!/bin/sh\nmount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 1\nexec "%s" "$@"\n' \
	"$REAL_MPTCPD" >"$MPTCPD"
chmod +x "$MPTCPD"

lab_setup v4
conf_wifi_cellular "$CORE_STRATEGY"
cat >>"$CONF" <<EOC
[policy ssh]
cgroup = $CG_NAME/apps-test-ssh.scope
strategy = backup-cellular
[policy bulk]
user = $BULK_UID
strategy = metered-aware
[policy app3]
remote-port = $APP3_PORT
strategy = $APP3_STRATEGY
metered = allow
EOC

# Counters on the client's cellular link: the bulk's and ssh's (both
# directions), the third application's data (out); and the bulk's on
# Wi-Fi, the proof that it did move data.
nsx "$C" nft -f - <<EOF || fail "nft counters in the client"
table inet apps {
	counter bulk_cell {}
	counter bulk_wifi {}
	counter ssh_cell {}
	counter app3_cell_out {}
	chain out {
		type filter hook output priority 0; policy accept;
		oifname "eth1" tcp dport $BULK_PORT counter name bulk_cell
		oifname "eth0" tcp dport $BULK_PORT counter name bulk_wifi
		oifname "eth1" tcp dport $SSH_PORT counter name ssh_cell
		oifname "eth1" tcp dport $APP3_PORT counter name app3_cell_out
	}
	chain in {
		type filter hook input priority 0; policy accept;
		iifname "eth1" tcp sport $BULK_PORT counter name bulk_cell
		iifname "eth1" tcp sport $SSH_PORT counter name ssh_cell
	}
}
EOF
# counter_bytes NAME: bytes counted so far.
counter_bytes() {
	nsx "$C" nft list counter inet apps "$1" | sed -n 's/.*bytes \([0-9]*\).*/\1/p'
}

# ---- the ssh server: our own keys and sshd_config, in the server's
# namespace; nothing of the host's ssh setup is read or written.
SSHDIR=$TMP/ssh
mkdir -m 700 "$SSHDIR"
ssh-keygen -q -t ed25519 -N '' -f "$SSHDIR/host" || fail "ssh-keygen (host)"
ssh-keygen -q -t ed25519 -N '' -f "$SSHDIR/client" || fail "ssh-keygen (client)"
cp "$SSHDIR/client.pub" "$SSHDIR/authorized_keys"
cat >"$SSHDIR/sshd_config" <<EOC
Port $SSH_PORT
ListenAddress $SRV4
HostKey $SSHDIR/host
AuthorizedKeysFile $SSHDIR/authorized_keys
PidFile none
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
X11Forwarding no
PrintMotd no
PrintLastLog no
LogLevel VERBOSE
EOC
# sshd wants its (empty, root-owned) privilege separation directory; a
# tmpfs over /run in the private mount namespace of "ip netns exec" gives
# it one without touching the host's /run.  Real-time priority (inherited
# by the session's processes), as scripts/demo.sh runs its stream: the
# pause measured is the network's, not a loaded scheduler's.
ip netns exec "$S" sh -c 'mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd &&
	exec chrt -f 20 mptcpize run "$1" -D -e -f "$2"' sh "$SSHD" "$SSHDIR/sshd_config" \
	>"$TMP/sshd.out" 2>&1 &
LAB_PIDS+=("$!")
wait_until 5 listening "$SSH_PORT" ||
	fail "sshd does not listen (MPTCP) on $SSH_PORT: $(cat "$TMP/sshd.out")"
log "sshd listening (MPTCP) on $SSH_PORT"

# The remote side of the session: line I at T0 + I * PERIOD, with its send
# time, until N lines or until the file STOP exists (the file system is
# shared by the namespaces), then it ends.
cat >"$TMP/printer.py" <<'EOP'
import os, sys, time
n, period, stop = int(sys.argv[1]), int(sys.argv[2]) / 1000, sys.argv[3]
t0 = time.monotonic()
for i in range(n):
    if os.path.exists(stop):
        break
    delay = t0 + i * period - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    os.write(1, b"%d %d\n" % (i, time.time_ns()))
EOP
# The client's side: stamps each line's arrival (wall clock, comparable
# with the printer's and with the test's own events).
cat >"$TMP/stamper.py" <<'EOP'
import os, sys, time
fd, out, buf = os.open(sys.argv[1], os.O_RDONLY), open(sys.argv[2], "w"), b""
while True:
    chunk = os.read(fd, 65536)
    if not chunk:
        break
    now = time.time_ns()
    buf += chunk
    *lines, buf = buf.split(b"\n")
    for line in lines:
        out.write("%d %s\n" % (now, line.decode()))
    out.flush()
EOP

# The kernel's MPTCP events on both ends, for the timeline of the loss
# (stamped with CLOCK_MONOTONIC; MONO_OFF turns that into wall clock).
for ns in "$C" "$S"; do
	nsx "$ns" "$MPTCP_EVENTS" -t 90 >"$TMP/events-${ns##*-}.out" 2>"$TMP/events-${ns##*-}.err" &
	LAB_PIDS+=("$!")
done
MONO_OFF=$(python3 -c 'import time; print(time.time_ns() - time.monotonic_ns())')
wait_until 5 eval 'grep -q ready "$TMP/events-c.err" && grep -q ready "$TMP/events-s.err"' ||
	fail "mptcp_events did not start"

start_server "$BULK_PORT"
start_server "$APP3_PORT"
start_server "$PLAIN_PORT"
start_daemon
log "mptcpd ready"

# start_download NAME DEV ADDR PORT SECONDS [MBIT/S]: a plain TCP download
# (python at both ends: no connection of the daemon's) from the server to
# a sink in the client on ADDR, bound to DEV as an application pinned to
# an uplink is (its replies leave by DEV: no per-source rule); at most
# MBIT/S if given.  CUBIC, not the host's default (BBR here, which keeps
# queues short by design): a loss-based sender fills the queue, as most
# of the internet's traffic does.  Both ends bounded in time; killing the
# sink (DL_SINK[NAME]) resets the connection with data unread, which
# stops the sender at once.
declare -A DL_SINK
start_download() {
	local port=$4
	ip netns exec "$C" "$PY" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[1].encode())
s.bind((sys.argv[2], int(sys.argv[3]))); s.listen(1); s.settimeout(10)
c, _ = s.accept(); c.settimeout(1); end = time.monotonic() + int(sys.argv[4])
while time.monotonic() < end:
    try:
        if not c.recv(65536): break
    except socket.timeout: pass' "$2" "$3" "$4" "$5" >"$TMP/dl-$1-sink.out" 2>&1 &
	DL_SINK[$1]=$!
	LAB_PIDS+=("$!")
	# (eval runs inside wait_until: its own $4 would be empty there)
	wait_until 5 eval 'nsx "$C" ss -tlnH "sport = :$port" | grep -q .' ||
		fail "the $1 download's sink does not listen: $(cat "$TMP/dl-$1-sink.out")"
	ip netns exec "$S" "$PY" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"cubic")
s.settimeout(5); s.connect((sys.argv[1], int(sys.argv[2])))
rate, end = int(sys.argv[4]) * 125000, time.monotonic() + int(sys.argv[3])
chunk = rate // 100 if rate else 65536
buf, t = bytes(chunk), time.monotonic()
try:
    while time.monotonic() < end:
        s.sendall(buf)
        if rate:
            t += 0.01
            time.sleep(max(0, t - time.monotonic()))
except OSError: pass' "$3" "$4" "$5" "${6:-0}" >"$TMP/dl-$1-send.out" 2>&1 &
	LAB_PIDS+=("$!")
}

# Cellular is the slower path, as it is in the field: its queue (a tbf on
# the router's port towards the client, 60 ms) is kept full by a download
# for as long as the third application is checked, from before its
# connection opens (its cellular subflow, a backup that sends nothing,
# keeps the RTT its handshake measured).  Not for ssh's loss: it ends
# before.
if [ "$APP3_STRATEGY" = interactive ]; then
	nsx "$R" tc qdisc add dev c1 root tbf rate 5mbit burst 16kb latency 60ms ||
		fail "tbf on the router's c1"
	start_download cell eth1 "$CELL" 6001 40
	sleep 1
fi

# ---- the four applications.
# ssh: real-time priority like sshd; into the cgroup first (outside the namespace, where /sys has it),
# then into the client's namespace; its output through a FIFO to the
# stamper, so that both have their own PID.
mkfifo "$TMP/ssh.fifo"
chrt -f 20 "$PY" "$TMP/stamper.py" "$TMP/ssh.fifo" "$TMP/ssh.lines" &
LAB_PIDS+=("$!")
STAMPER_PID=$!
sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
	ip netns exec "$C" chrt -f 20 mptcpize run ssh -F /dev/null -T \
	-i "$SSHDIR/client" -o IdentitiesOnly=yes -o BatchMode=yes \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile="$SSHDIR/known_hosts" \
	-o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -p "$SSH_PORT" \
	"root@$SRV4" "$PY" "$TMP/printer.py" "$SSH_LINES" "$SSH_PERIOD_MS" "$TMP/ssh.stop" \
	>"$TMP/ssh.fifo" 2>"$TMP/ssh.err" &
SSH_PID=$!
LAB_PIDS+=("$SSH_PID")
# The bulk upload, as a uid without a user: about 2 MB/s.
ip netns exec "$C" setpriv --reuid=$BULK_UID --regid=$BULK_UID --clear-groups \
	"$MPTCP_CONN" client -a "$SRV4" -p "$BULK_PORT" -d $CLIENT_S -i 2 -s 4000 \
	>"$TMP/bulk.out" 2>&1 &
CLIENT_PID_bulk=$!
LAB_PIDS+=("$!")
# The third application: small writes every 20 ms; the unmatched one: 10 KB/s.
start_client app3 -a "$SRV4" -p "$APP3_PORT" -d $CLIENT_S -i 20 -s 200
start_client plain -a "$SRV4" -p "$PLAIN_PORT" -d $CLIENT_S -i 100 -s 1000

# conns: the daemon's connections, one line each:
# "REMOTE_PORT POLICY STRATEGY LOCAL_PORT" (POLICY None: no rule).
conns() {
	ctl -j connections | python3 -c '
import json, sys
for c in json.load(sys.stdin)["connections"]:
    print(c["remote"]["port"], c["policy"], c["strategy"], c["local"]["port"])'
}
wait_until 15 eval '[ "$(conns | grep -c .)" = 4 ]' ||
	fail "expected 4 connections in the daemon, got: $(conns | xargs); ssh: $(cat "$TMP/ssh.err")"
conns >"$TMP/conns"
log "connections: $(tr '\n' ';' <"$TMP/conns")"
grep -q "^$SSH_PORT ssh backup-cellular " "$TMP/conns" || fail "ssh is not under [policy ssh]"
grep -q "^$BULK_PORT bulk metered-aware " "$TMP/conns" || fail "the bulk upload is not under [policy bulk]"
grep -q "^$APP3_PORT app3 $APP3_STRATEGY " "$TMP/conns" || fail "the third application is not under [policy app3]"
grep -q "^$PLAIN_PORT None $CORE_STRATEGY " "$TMP/conns" || fail "the unmatched connection did not get [core] strategy"

# What the kernel has, per connection: ss shows the connection's token
# on every subflow; the local port of its initial subflow finds it (once,
# while that subflow lives: the Wi-Fi loss closes it).
lport() { awk -v p="$1" '$1 == p { print $4 }' "$TMP/conns"; }
declare -A TOKEN
for port in $SSH_PORT $BULK_PORT $APP3_PORT $PLAIN_PORT; do
	TOKEN[$port]=$(nsx "$C" ss -tniH state established "sport = :$(lport "$port")" |
		sed -n 's/.*token:[0-9a-f]*(id:[0-9]*)\/\([0-9a-f]*\)(.*/\1/p' | head -n 1)
	[ -n "${TOKEN[$port]}" ] || fail "no token for the connection to port $port"
done
# subflows_from PORT ADDR: established subflows of that connection from ADDR.
subflows_from() {
	local token=${TOKEN[$1]}
	[ -n "$token" ] || { echo -1; return; }
	nsx "$C" ss -tniH state established src "$2" | grep -c "/$token(id"
}
# flags_from PORT ADDR: the MPTCP subflow flags of that connection's
# subflows from ADDR.
flags_from() {
	nsx "$C" ss -tniH state established src "$2" | grep "/${TOKEN[$1]}(id" |
		sed -n 's/.*tcp-ulp-mptcp flags:\([A-Za-z]*\).*/\1/p'
}
ssh_backup_ready() {
	[ "$(subflows_from "$SSH_PORT" "$CELL")" = 1 ] && [[ $(flags_from "$SSH_PORT" "$CELL") == *b* ]]
}
wait_until 5 ssh_backup_ready ||
	fail "ssh has no cellular backup subflow: flags '$(flags_from "$SSH_PORT" "$CELL" | xargs)'"
wait_until 5 eval '[ "$(subflows_from "$PLAIN_PORT" "$CELL")" = 1 ]' ||
	fail "the unmatched connection ($CORE_STRATEGY) has no cellular subflow"

# ---- 1. the bulk upload under metered-aware: nothing on cellular.
log "bulk upload: counting its bytes on both links for 3 s"
bulk_wifi0=$(counter_bytes bulk_wifi)
sleep 3
bulk_cell=$(counter_bytes bulk_cell)
bulk_wifi=$(($(counter_bytes bulk_wifi) - bulk_wifi0))
bulk_cell_subflows=$(subflows_from "$BULK_PORT" "$CELL")
log "bulk: $bulk_wifi bytes over Wi-Fi in 3 s, $bulk_cell bytes over cellular since it started," \
	"$bulk_cell_subflows cellular subflows, $(subflows_from "$BULK_PORT" "$WIFI") on Wi-Fi"
[ "$bulk_wifi" -gt 1000000 ] || fail "the bulk upload moved only $bulk_wifi bytes over Wi-Fi in 3 s"
[ "$bulk_cell" = 0 ] || fail "the bulk upload sent $bulk_cell bytes over the metered link"
[ "$bulk_cell_subflows" = 0 ] || fail "the bulk upload has a subflow on the metered link"
[ -z "$(nsx "$C" ss -tnH src "$CELL" "dport = :$BULK_PORT")" ] ||
	fail "a socket from $CELL to the bulk's port: $(nsx "$C" ss -tnH src "$CELL" "dport = :$BULK_PORT")"

# ---- 2. the third application.
check_app3_fullmesh() {
	wait_until 5 eval '[ "$(subflows_from "$APP3_PORT" "$CELL")" = 1 ]' ||
		fail "the third application (fullmesh) has no cellular subflow"
	[[ $(flags_from "$APP3_PORT" "$CELL") != *b* ]] ||
		fail "the third application's cellular subflow is a backup under fullmesh"
	log "app3 (fullmesh): one subflow per uplink, none a backup"
}
# interactive: a competing bulk flow fills a queue on the Wi-Fi link: a
# download to the client over Wi-Fi (plain TCP, python at both ends: no
# connection of the daemon's), through a tbf on the router's Wi-Fi port
# towards the client (5 Mbit/s, up to 400 ms; the download sends 6 Mbit/s,
# so the queue grows by 200 ms a second).  The third application's
# data goes the other way; its ACKs queue there, so its Wi-Fi subflow's
# smoothed RTT rises.  (A tbf on the client's own eth0 would not do: TCP
# small queues keep a local sender's share of its own qdisc to about a
# millisecond, and the queue never builds.)  Within 1 s of the rise being
# measurable (the kernel's srtt of that subflow above 100 ms, read with ss
# every 50 ms) its data must move to cellular (its bytes out on eth1
# rise) and stay there while the queue lasts (no flapping back); once the
# download ends it comes back to Wi-Fi (a probe of the left path finds it
# fast again: about 3 s, bench/interactive_switch.sh; given 15 s).
app3_rtts() {
	nsx "$C" ss -tniH state established dport = ":$APP3_PORT" |
		awk -v wifi="$WIFI" -v cell="$CELL" '
		/^[0-9]/ { src = $3; next }
		{ for (i = 1; i <= NF; i++) if ($i ~ /^rtt:/) {
			r = $i; sub("rtt:", "", r); sub("[./].*", "", r)
			if (index(src, wifi) == 1) w = r
			if (index(src, cell) == 1) c = r } }
		END { print w + 0, c + 0 }'
}
check_app3_interactive() {
	local t0 c0 i now rose= moved= rtt cell peak=0 back= why decided outcome switch
	nsx "$R" tc qdisc add dev c0 root tbf rate 5mbit burst 16kb latency 400ms ||
		fail "tbf on the router's c0"
	start_download wifi eth0 "$WIFI" 6000 30 6
	t0=$(date +%s%N)
	c0=$(counter_bytes app3_cell_out)
	for i in $(seq 100); do
		now=$(date +%s%N)
		read -r rtt cell < <(app3_rtts)
		[ "${rtt:-0}" -gt "$peak" ] && peak=$rtt
		[ -z "$rose" ] && [ "${rtt:-0}" -gt $((cell * 3 / 2)) ] &&
			[ "${rtt:-0}" -gt $((cell + 20)) ] && rose=$(((now - t0) / 1000000))
		# Two writes with their headers: the cellular subflow, a
		# backup, sent nothing before.
		if [ "$(counter_bytes app3_cell_out)" -gt $((c0 + 500)) ]; then
			moved=$((($(date +%s%N) - t0) / 1000000))
			break
		fi
		[ $((($(date +%s%N) - t0) / 1000000)) -lt 5000 ] || break
		sleep 0.05
	done
	log "app3 (interactive): Wi-Fi srtt past cellular's ($cell ms) by the hysteresis ${rose:-(not seen)} ms into the download (peak ${peak} ms), data on cellular after ${moved:-(never)} ms"
	[ -n "$moved" ] || fail "the third application's data did not move to cellular in 5 s (Wi-Fi RTT peak $peak ms)"
	# The daemon's promotion of cellular since the download began: when
	# (its history's wall clock, epoch ms) and why.  The data moves with
	# the MP_PRIO it sends; the byte counter above sees that only at its
	# next poll.
	ctl -j events --token "${TOKEN[$APP3_PORT]}" | python3 -c '
import json, sys, datetime
t0 = int(sys.argv[1])
for e in json.load(sys.stdin)["events"]:
    if e.get("action") != "set-flags" or e.get("backup"):
        continue
    t = datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    ms = int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
    if ms >= t0:
        print(ms, e.get("outcome", "?"), e.get("reason", "")); break' "$((t0 / 1000000))" >"$TMP/app3-promotion"
	read -r decided outcome why <"$TMP/app3-promotion"
	log "app3 (interactive): promotion ($outcome): $why"
	[ -n "$decided" ] || fail "no promotion of cellular in the third application's history since the download began"
	[ "$outcome" = done ] || fail "the third application's promotion was not accepted at once: $outcome"
	# The RTT rule moved it, not a stall: the queue grows by 200 ms a
	# second (6 Mbit/s into 5), so ACKs keep coming while the RTT rises.
	[[ $why == *"smoothed RTT exceeded"* ]] ||
		fail "the third application's data moved, but not for its RTT: $why"
	[ -n "$rose" ] || fail "the RTT rule moved the data, yet no ss reading saw Wi-Fi's RTT past cellular's"
	# From the rise (between two ss readings: at the latest the one that
	# saw it) to the decision, within 1 s; the data seen on cellular
	# within 1 s plus the counter's poll (one ss and one nft, 50 ms apart:
	# 200 ms allowed).
	switch=$((decided - t0 / 1000000 - rose))
	log "app3 (interactive): switch decided $switch ms after the rise (bound 1000 ms), data seen on cellular $((moved - rose)) ms after (bound 1200 ms)"
	[ "$switch" -le 1000 ] ||
		fail "the third application was moved to cellular $switch ms after Wi-Fi's RTT rose (> 1000)"
	[ $((moved - rose)) -le 1200 ] ||
		fail "the third application's data was seen on cellular $((moved - rose)) ms after Wi-Fi's RTT rose (> 1200)"
	# No flapping: it keeps going over cellular while the queue lasts, 5
	# writes (1 KB) or more in each of four 500 ms windows (of 25; a probe
	# of Wi-Fi, 300 ms, takes at most 15 of a window).
	for i in 1 2 3 4; do
		c0=$(counter_bytes app3_cell_out)
		sleep 0.5
		[ $(($(counter_bytes app3_cell_out) - c0)) -ge 1000 ] ||
			fail "the third application left cellular while Wi-Fi's queue lasted (window $i)"
	done
	kill "${DL_SINK[wifi]}" 2>/dev/null
	t0=$(date +%s%N)
	# Back on Wi-Fi: a 1 s window with (almost) nothing on cellular.
	for i in $(seq 15); do
		c0=$(counter_bytes app3_cell_out)
		sleep 1
		if [ $(($(counter_bytes app3_cell_out) - c0)) -lt 1000 ]; then
			back=$((($(date +%s%N) - t0) / 1000000))
			break
		fi
	done
	[ -n "$back" ] || fail "the third application did not come back to Wi-Fi within 15 s of the download's end"
	# and stays: no flap back to cellular.
	for i in 1 2; do
		c0=$(counter_bytes app3_cell_out)
		sleep 1
		[ $(($(counter_bytes app3_cell_out) - c0)) -lt 1000 ] ||
			fail "the third application went back to cellular after its return to Wi-Fi"
	done
	log "app3 (interactive): back on Wi-Fi after the download (a quiet second on cellular ended ${back} ms after)"
	kill "${DL_SINK[cell]}" 2>/dev/null
	nsx "$R" tc qdisc del dev c0 root || fail "tbf removal (c0)"
	nsx "$R" tc qdisc del dev c1 root || fail "tbf removal (c1)"
}
# While it runs, the Wi-Fi queue delays ssh's lines too, on purpose: the
# ssh checks below leave out that window (and 1 s after, for the queue to
# drain).
APP3_T0=$(date +%s%N)
"check_app3_$APP3_STRATEGY"
APP3_T1=$(($(date +%s%N) + 1000000000))

# ssh_timeline: where the time goes when Wi-Fi is lost, in ms after the
# "ip link set down" began: the command's return, the kernel's events
# for the ssh connection on both ends (the client's closing of its Wi-Fi
# subflow is mptcpd's action done; the server's subflow-priority is the
# MP_PRIO arriving; the server's subflow-closed, if any, its Wi-Fi
# subflow's end), and the first line at the client after the loss.
ssh_timeline() {
	local ssh_token srv_token
	ssh_token=$(awk -v p="$SSH_PORT" '$2 == "established" && /dport=/ {
		for (i = 3; i <= NF; i++) if ($i == "dport=" p) { sub("token=", "", $3); print $3; exit } }' \
		"$TMP/events-c.out")
	srv_token=$(awk -v p="$SSH_PORT" '$2 == "established" {
		for (i = 3; i <= NF; i++) if ($i == "sport=" p) { sub("token=", "", $3); print $3; exit } }' \
		"$TMP/events-s.out")
	{
		echo "link-down-returned $(((T_DOWN_DONE - T_DOWN) / 1000))"
		awk -v t="$ssh_token" -v off="$MONO_OFF" -v down="$T_DOWN" '$3 == "token=" t {
			ns = $1; sub("\\.", "", ns); d = (ns + off - down) / 1000
			if (d > -50000) print "client-" $2, int(d) }' "$TMP/events-c.out"
		awk -v t="$srv_token" -v off="$MONO_OFF" -v down="$T_DOWN" '$3 == "token=" t {
			ns = $1; sub("\\.", "", ns); d = (ns + off - down) / 1000
			if (d > -50000) print "server-" $2, int(d) }' "$TMP/events-s.out"
		awk -v down="$T_DOWN" '$1 >= down { print "first-line-after", int(($1 - down) / 1000); exit }' \
			"$TMP/ssh.lines"
	} | sort -k2 -n | awk '{ printf "%s %.1f ms; ", $1, $2 / 1000 }' >"$TMP/timeline"
	log "ssh timeline after link down: $(cat "$TMP/timeline")"
}

# ---- 3. Wi-Fi lost under the ssh session.
kill -0 "$SSH_PID" 2>/dev/null || fail "the ssh session ended early: $(cat "$TMP/ssh.err")"
ssh_cell0=$(counter_bytes ssh_cell)
log "eth0 down (carrier lost) under the ssh session"
T_DOWN=$(date +%s%N)
ip -n "$C" link set eth0 down || fail "link down"
T_DOWN_DONE=$(date +%s%N)
wait_until 3 eval '[[ $(flags_from "$SSH_PORT" "$CELL") != *b* ]]' ||
	fail "ssh's cellular subflow was not promoted"
log "ssh's cellular subflow promoted (seen $((($(date +%s%N) - T_DOWN) / 1000000)) ms after the link went down)"
# metered-aware: with no unmetered path left, the bulk upload goes on
# over the metered link.
wait_until 3 eval '[ "$(subflows_from "$BULK_PORT" "$CELL")" = 1 ]' ||
	fail "the bulk upload has no cellular subflow once Wi-Fi is gone"
for c in bulk app3 plain; do
	client_alive "$c" || fail "$c ended early: $(client_out "$c")"
done

# The session goes on over cellular for a while, then ends: ssh exits 0
# and every line arrived, in order.
sleep "$AFTER_LOSS_S"
touch "$TMP/ssh.stop"
wait_until 10 eval '! kill -0 "$SSH_PID" 2>/dev/null' || fail "the ssh session did not end"
wait "$SSH_PID" || fail "ssh failed: $(cat "$TMP/ssh.err")"
wait_until 3 eval '! kill -0 "$STAMPER_PID" 2>/dev/null' || fail "the stamper did not end"
log "ssh: $(($(counter_bytes ssh_cell) - ssh_cell0)) bytes over cellular since the link went down"
lines=$(grep -c . "$TMP/ssh.lines")
awk '$2 != NR - 1 { exit 1 }' "$TMP/ssh.lines" ||
	fail "the ssh session's lines are not 0..$((lines - 1)) in order"
[ "$lines" -lt "$SSH_LINES" ] || fail "the ssh session was not stopped (all $SSH_LINES lines)"
# The longest pause between consecutive lines at the client (and where it
# was), the longest delay of a line (printer to client), and how many
# lines came after the link went down; all but the third application's
# check (APP3_T0..APP3_T1), which queues Wi-Fi's traffic on purpose.
awk -v down="$T_DOWN" -v q0="$APP3_T0" -v q1="$APP3_T1" '
	function queued(t) { return t >= q0 && t <= q1 }
	NR > 1 && !queued(prev) && !queued($1) && $1 - prev > pause { pause = $1 - prev; at = prev; seq = $2 }
	!queued($1) && $1 - $3 > delay { delay = $1 - $3 }
	{ prev = $1 }
	$1 >= down { after++ }
	END { printf "%d %d %d %d %d\n", pause / 1e6, (at - down) / 1e6, delay / 1e6, seq, after }' \
	"$TMP/ssh.lines" >"$TMP/ssh.stats"
read -r pause pause_at delay pause_seq after <"$TMP/ssh.stats"
log "ssh: longest pause between lines ${pause} ms (from $pause_at ms after the link went down," \
	"before line $pause_seq); longest line delay ${delay} ms; $after lines after the link went down"
ssh_timeline
[ "$after" -ge 50 ] || fail "only $after ssh lines after the link went down: the loss was not under the session"
[ "$pause" -le "$MAX_PAUSE_MS" ] ||
	fail "the ssh session paused ${pause} ms (> $MAX_PAUSE_MS ms) when Wi-Fi went down"

# The others went on through the loss, and every byte they sent arrived.
for c in bulk app3 plain; do
	stop_client "$c"
done
wait_client bulk 15 || fail "the bulk upload failed: $(client_out bulk)"
wait_client app3 5 || fail "the third application failed: $(client_out app3)"
wait_client plain 5 || fail "the unmatched connection failed: $(client_out plain)"
check_sent_received bulk "$BULK_PORT" 1
check_sent_received app3 "$APP3_PORT" 1
check_sent_received plain "$PLAIN_PORT" 1
pass
