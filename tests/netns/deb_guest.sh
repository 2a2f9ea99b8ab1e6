#!/bin/bash
# The checks of tests/netns/deb.sh, run inside the Debian 12 container by
# deb-check.service once the boot is done.  One phase per boot, named by
# /deb-in/phase: "install" (the package installed under the running
# systemd, then its service, control socket, reload, watchdog and a
# handover), "reboot" (what the next boot does with it, the hook under
# NetworkManager, then purge).
# Each check appends "ok NAME what" or "FAIL NAME what" to /out/result;
# the host reads it after the container has powered off.  Every wait is
# bounded.  Only the container's own network namespace and the ones this
# script creates in it are touched (the container has a private network).
set -u
PHASE=$(cat /deb-in/phase)
OUT=/out
RESULT=$OUT/result
PKG=mptcpd-userspace
CONF=/etc/mptcpd/mptcpd.conf
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

ok() { echo "ok $*" >>"$RESULT"; }
bad() { echo "FAIL $*" >>"$RESULT"; }
# check NAME WHAT CMD...: ok or FAIL, by CMD's status.
check() {
	local name=$1 what=$2
	shift 2
	if "$@"; then ok "$name $what"; else bad "$name $what"; fi
}
# wait_for SECONDS CMD...: polls CMD every 100 ms, at most SECONDS.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}

pm() {
	if [ -r /proc/sys/net/mptcp/path_manager ]; then
		cat /proc/sys/net/mptcp/path_manager
	elif [ "$(cat /proc/sys/net/mptcp/pm_type)" = 1 ]; then
		echo userspace
	else
		echo kernel
	fi
}
pm_is() { [ "$(pm)" = "$1" ]; }
active() { [ "$(systemctl is-active mptcpd.service)" = active ]; }
prop() { systemctl show -P "$1" mptcpd.service; }
main_pid() { prop MainPID; }
ctl_as() { # USER ARGS...
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups mptcpd-ctl "$@"
}
strategy() { mptcpd-ctl -j status 2>/dev/null | sed -n 's/.*"strategy": *"\([^"]*\)".*/\1/p'; }
strategy_is() { [ "$(strategy)" = "$1" ]; }

# What the package may leave: nothing.  The snapshot covers the
# directories a package writes to, less those that change by themselves.
snapshot() {
	find /etc /usr /opt /srv /var/lib -xdev \
		\( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/lib/systemd/timers \
		-o -path /var/lib/systemd/catalog -o -path /var/lib/systemd/random-seed \
		-o -path /var/lib/systemd/credential.secret -o -path /etc/ld.so.cache \
		-o -path /var/lib/NetworkManager \) -prune -o -print |
		sort
}

phase_install() {
	# The test's users first: useradd leaves backup files in /etc that are
	# not the package's.
	useradd -M alice && useradd -M bob
	snapshot >"$OUT/before.list"
	check pm-default "the kernel's path manager before install" pm_is kernel
	check dpkg-install "dpkg -i of both packages" \
		dpkg -i /deb-in/"$PKG"_*.deb /deb-in/"$PKG"-dev_*.deb >"$OUT/dpkg-install.log" 2>&1
	check started "postinst started mptcpd.service" wait_for 5 active
	check pm-selected "the unit selected the userspace path manager" pm_is userspace
	check sysuser "systemd-sysusers made the mptcpd user" getent passwd mptcpd >/dev/null

	systemctl stop mptcpd.service
	check pm-stop "stop selects the kernel's path manager again" pm_is kernel
	if systemctl start mptcpd.service; then ok "start systemctl start returned (READY=1)"; else bad "start systemctl start failed"; fi
	check start-active "active after start" active
	check pm-start "start selected the userspace path manager" pm_is userspace
	local pid uid
	pid=$(main_pid)
	uid=$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status" 2>/dev/null)
	check unprivileged "MainPID $pid runs as mptcpd (uid $uid)" [ "$uid" = "$(id -u mptcpd)" ]
	check caps "CAP_NET_ADMIN only" grep -q '^CapEff:[[:space:]]*0000000000001000$' "/proc/$pid/status"
	check status-text "STATUS= from the daemon: $(prop StatusText)" [ -n "$(prop StatusText)" ]

	usermod -a -G mptcpd alice
	check ctl-root "mptcpd-ctl status as root" mptcpd-ctl status >"$OUT/ctl-root.out" 2>&1
	check ctl-member "mptcpd-ctl status as alice (group mptcpd)" ctl_as alice status >"$OUT/ctl-alice.out" 2>&1
	local rc
	ctl_as bob status >/dev/null 2>&1
	rc=$?
	check ctl-outsider "bob (no group) is refused with 4 (got $rc)" [ "$rc" = 4 ]

	# Reload: a changed file is applied, a bad one refused.
	printf '[core]\nstrategy = backup-cellular\n' >"$CONF"
	check reload "systemctl reload" systemctl reload mptcpd.service
	check reload-applied "the reloaded strategy is backup-cellular" wait_for 5 strategy_is backup-cellular
	check reload-same-pid "same daemon after reload" [ "$(main_pid)" = "$pid" ]
	printf '[core]\nstrategy = fullmesh\nno-such-key = 1\n' >"$CONF"
	check bad-file-refused "systemctl reload of a bad file fails (mptcpd --check-config)" \
		sh -c '! systemctl reload mptcpd.service'
	sleep 1
	check bad-file-active "a bad file leaves the unit active" active
	check bad-file-same-pid "and the same daemon" [ "$(main_pid)" = "$pid" ]
	check bad-file-kept "and the running strategy" strategy_is backup-cellular
	check bad-file-logged "the journal names the bad line" \
		sh -c "journalctl -b -u mptcpd.service -o cat | grep -q 'mptcpd.conf:3'"

	# Watchdog: a stopped daemon is killed and restarted.  WatchdogSec=30
	# in the unit; 2 s here so the test takes seconds.  The unit's own
	# TimeoutAbortSec=5s kills the stopped daemon.
	mkdir -p /etc/systemd/system/mptcpd.service.d
	printf '[Service]\nWatchdogSec=2\n' >/etc/systemd/system/mptcpd.service.d/test.conf
	printf '[core]\nstrategy = backup-cellular\n' >"$CONF"
	systemctl daemon-reload
	systemctl reset-failed mptcpd.service
	systemctl restart mptcpd.service
	pid=$(main_pid)
	local n0
	n0=$(prop NRestarts)
	kill -STOP "$pid"
	restarted() { [ "$(prop NRestarts)" -gt "$n0" ] && active && [ "$(main_pid)" != "$pid" ]; }
	check watchdog "SIGSTOPped pid $pid: killed by the watchdog and restarted" wait_for 20 restarted
	check watchdog-pm "userspace path manager after the restart" pm_is userspace
	rm -r /etc/systemd/system/mptcpd.service.d
	systemctl daemon-reload

	handover
	journalctl -b -u mptcpd.service -o short-monotonic --no-pager >"$OUT/journal-install.txt" 2>&1
}

# ---- one handover under the real unit, in the container's namespace.
# wlan0 (192.0.2.2, Wi-Fi) and wwan0 (198.51.100.2, cellular), veths to
# a router namespace, a server behind it (203.0.113.2).  backup-cellular
# keeps a backup subflow on wwan0; wlan0 goes down under the transfer,
# which goes on over wwan0.
R=deb-r
S=deb-s
rx() { ip netns exec "$1" "${@:2}"; }
tx_bytes() { cat "/sys/class/net/$1/statistics/tx_bytes"; }
# est_from ADDR: an established TCP subflow from ADDR.
est_from() { [ "$(ss -Hnt state established src "$1" 2>/dev/null | grep -c .)" -ge 1 ]; }

# lab_far_side: the router (c0, c1, s0) and the server behind it; the
# client's ends wlan0 and wwan0 exist already.
lab_far_side() {
	rx $S ip link add eth0 type veth peer name s0 netns $R
	for i in c0 c1 s0 lo; do rx $R ip link set $i up; done
	rx $S ip link set eth0 up
	rx $S ip link set lo up
	rx $R ip addr add 192.0.2.1/24 dev c0
	rx $R ip addr add 198.51.100.1/24 dev c1
	rx $R ip addr add 203.0.113.1/24 dev s0
	rx $R sysctl -qw net.ipv4.ip_forward=1
	rx $S ip addr add 203.0.113.2/24 dev eth0
	rx $S ip route add default via 203.0.113.1
	rx $S ip mptcp limits set subflows 8 add_addr_accepted 8
	rx $S sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
}

handover() {
	local c s cell0 cell
	ip netns add $R && ip netns add $S || { bad "lab could not make namespaces"; return; }
	ip link add wlan0 type veth peer name c0 netns $R
	ip link add wwan0 type veth peer name c1 netns $R
	lab_far_side
	ip link set wlan0 up
	ip link set wwan0 up
	ip addr add 192.0.2.2/24 dev wlan0
	ip addr add 198.51.100.2/24 dev wwan0
	ip route add default via 192.0.2.1 dev wlan0 metric 100
	ip route add default via 198.51.100.1 dev wwan0 metric 200
	sysctl -qw net.ipv4.conf.wlan0.rp_filter=2 net.ipv4.conf.wwan0.rp_filter=2
	printf '[core]\nstrategy = backup-cellular\n[interface wlan0]\ntype = wifi\n[interface wwan0]\ntype = cellular\nmetered = yes\n' >"$CONF"
	systemctl reload mptcpd.service
	wait_for 5 strategy_is backup-cellular

	rx $S /deb-in/mptcp_conn server -a 0.0.0.0 -p 5000 -t 60 >"$OUT/server.out" 2>&1 &
	s=$!
	wait_for 5 sh -c "ip netns exec $S ss -MlnH 'sport = :5000' | grep -q ."
	# 100 KB/s for 8 s.
	/deb-in/mptcp_conn client -a 203.0.113.2 -p 5000 -d 8 -i 10 -s 1000 >"$OUT/client.out" 2>&1 &
	c=$!
	check handover-backup "a subflow from wwan0 (198.51.100.2) beside wlan0's" wait_for 10 est_from 198.51.100.2
	ss -Hntie state established >"$OUT/ss-before.txt" 2>&1
	ip link set wlan0 down
	cell0=$(tx_bytes wwan0)
	sleep 2
	cell=$(($(tx_bytes wwan0) - cell0))
	check handover-moved "wlan0 down: wwan0 sent $cell bytes in 2 s" [ "$cell" -gt 100000 ]
	check handover-client "the client's transfer ended without error" wait $c
	kill "$s" 2>/dev/null
	wait "$s" 2>/dev/null
	check handover-result "$(tail -n 1 "$OUT/client.out")" grep -q '^ok conns=1 errors=0' "$OUT/client.out"
	mptcpd-ctl status >"$OUT/ctl-after-handover.out" 2>&1
	ip link del wwan0 2>/dev/null
	ip link del wlan0 2>/dev/null
	ip netns del $S
	ip netns del $R
}

# ---- the dispatcher hook under the real NetworkManager.  Keyfile
# profiles for the veths wlan0 and wwan0 (interface-name=, metered=,
# static addresses); NetworkManager runs the packaged hook, which tells
# mptcpd what it knows.  A veth is "veth" to NetworkManager, so both
# uplinks are type "other" (runtime), whatever mptcpd guessed from their
# names; metered is what the profiles say.
NMDIR=/etc/NetworkManager
nm_profile() { # NAME IFACE ADDR GW METRIC METERED(1 yes, 2 no)
	cat >"$NMDIR/system-connections/$1.nmconnection" <<-EOF
	[connection]
	id=$1
	type=ethernet
	interface-name=$2
	metered=$6
	[ethernet]
	[ipv4]
	method=manual
	address1=$3/24,$4
	route-metric=$5
	[ipv6]
	method=disabled
	EOF
	chmod 0600 "$NMDIR/system-connections/$1.nmconnection"
}
# iface_view IFACE: mptcpd's line for IFACE, blanks squeezed.
iface_view() { mptcpd-ctl interfaces 2>/dev/null | tr -s ' ' | grep "^$1 "; }
view_has() { iface_view "$1" | grep -q -- "$2"; }
# check_view NAME IFACE TEXT: within 15 s, mptcpd's line for IFACE has TEXT.
check_view() {
	if wait_for 15 view_has "$2" "$3"; then ok "$1 $(iface_view "$2")"; else bad "$1 wanted '$3': $(iface_view "$2")"; fi
}
# mptcpd_type NM_TYPE: what the hook makes of NetworkManager's type.
mptcpd_type() {
	case $1 in
	wifi) echo wifi ;; gsm | cdma | wwan | modem) echo cellular ;; ethernet) echo ethernet ;; *) echo other ;;
	esac
}
nm_state() { nmcli -g GENERAL.STATE device show "$1" 2>/dev/null; }
nm_connected() { case $(nm_state "$1") in 100*) return 0 ;; esac; return 1; }

nm_checks() {
	local c s n
	printf '[main]\nno-auto-default=*\n[connection]\nconnection.mptcp-flags=0x1\n' \
		>"$NMDIR/conf.d/90-mptcpd-test.conf"
	nm_profile uplink-wifi wlan0 192.0.2.2 192.0.2.1 100 2
	nm_profile uplink-cell wwan0 198.51.100.2 198.51.100.1 200 1
	ip netns add $R && ip netns add $S || { bad "nm-lab could not make namespaces"; return; }
	ip link add wlan0 type veth peer name c0 netns $R
	ip link add wwan0 type veth peer name c1 netns $R
	lab_far_side
	printf '[core]\nstrategy = metered-aware\n' >"$CONF"
	systemctl reload mptcpd.service
	wait_for 5 strategy_is metered-aware
	systemctl enable --quiet NetworkManager-dispatcher.service
	check nm-start "NetworkManager started" systemctl start NetworkManager.service
	check nm-up "NetworkManager activated both profiles" \
		wait_for 20 sh -c 'nmcli -g GENERAL.STATE device show wlan0 | grep -q ^100 &&
			nmcli -g GENERAL.STATE device show wwan0 | grep -q ^100'
	local t
	t=$(mptcpd_type "$(nmcli -g GENERAL.TYPE device show wlan0)")
	check_view nm-wifi-view wlan0 "type $t (runtime) metered no (runtime)"
	check_view nm-cell-view wwan0 "type $t (runtime) metered yes (runtime)"
	check nm-hook-env "the hook ran for both (journal, tag mptcpd-nm)" \
		sh -c 'journalctl -b -t mptcpd-nm -o cat | grep -q "wwan0: metered yes"'

	# metered-aware: no subflow on the metered wwan0 while wlan0 works.
	rx $S /deb-in/mptcp_conn server -a 0.0.0.0 -p 5001 -t 60 >"$OUT/nm-server.out" 2>&1 &
	s=$!
	wait_for 5 sh -c "ip netns exec $S ss -MlnH 'sport = :5001' | grep -q ."
	/deb-in/mptcp_conn client -a 203.0.113.2 -p 5001 -d 15 -i 20 -s 1000 >"$OUT/nm-client.out" 2>&1 &
	c=$!
	wait_for 5 est_from 192.0.2.2
	sleep 2
	n=$(ss -Hnt state established src 198.51.100.2 | grep -c .)
	check nm-metered-none "metered-aware: $n subflows from metered wwan0" [ "$n" = 0 ]

	# The profile says unmetered now; reapplied, mptcpd sees it and
	# metered-aware opens a subflow there.
	nmcli connection modify uplink-cell connection.metered no
	check nm-reapply "nmcli device reapply wwan0" nmcli device reapply wwan0
	check_view nm-reapply-view wwan0 'metered no (runtime)'
	check nm-metered-subflow "metered-aware now uses wwan0" wait_for 10 est_from 198.51.100.2

	# Down: the connection's metered value is dropped: what mptcpd
	# detects applies again (a veth: unknown).
	check nm-down "nmcli connection down uplink-cell" nmcli connection down uplink-cell
	check_view nm-down-view wwan0 'metered unknown (auto)'
	wait "$c"
	check nm-client "the transfer ended without error: $(tail -n 1 "$OUT/nm-client.out")" \
		grep -q '^ok conns=1 errors=0' "$OUT/nm-client.out"
	kill "$s" 2>/dev/null
	wait "$s" 2>/dev/null
	journalctl -b -t mptcpd-nm -o short-monotonic --no-pager >"$OUT/journal-nm-hook.txt" 2>&1
	journalctl -b -u NetworkManager.service -o short-monotonic --no-pager >"$OUT/journal-nm.txt" 2>&1

	# Back as it was, so that purge is judged on the package alone.
	systemctl stop NetworkManager.service
	systemctl disable --quiet NetworkManager-dispatcher.service
	rm -f "$NMDIR/conf.d/90-mptcpd-test.conf" "$NMDIR/system-connections/uplink-"*.nmconnection
	ip link del wwan0 2>/dev/null
	ip link del wlan0 2>/dev/null
	ip netns del $S
	ip netns del $R
}

phase_reboot() {
	check boot-active "mptcpd.service active after boot" wait_for 10 active
	check boot-pm "the userspace path manager is selected after boot" pm_is userspace
	check boot-no-cycle "no ordering cycle at boot" \
		sh -c "! journalctl -b -o cat | grep -i 'ordering cycle'"
	nm_checks
	journalctl -b -u mptcpd.service -o short-monotonic --no-pager >"$OUT/journal-reboot.txt" 2>&1
	check purge "dpkg --purge of both packages" \
		dpkg --purge "$PKG" "$PKG-dev" >"$OUT/dpkg-purge.log" 2>&1
	check purge-pm "the kernel's path manager after purge" pm_is kernel
	snapshot >"$OUT/after.list"
	diff "$OUT/before.list" "$OUT/after.list" >"$OUT/left.diff"
	check purge-files "no file left or changed: $(grep -c '^[<>]' "$OUT/left.diff") lines differ" \
		[ ! -s "$OUT/left.diff" ]
	check purge-user "no mptcpd user or group" sh -c '! getent passwd mptcpd && ! getent group mptcpd'
	check purge-run "nothing in /run" sh -c '! ls -d /run/mptcpd* 2>/dev/null'
}

: >"$RESULT"
case $PHASE in
install) phase_install ;;
reboot) phase_reboot ;;
*) bad "phase unknown phase '$PHASE'" ;;
esac
echo "done $PHASE" >>"$RESULT"
