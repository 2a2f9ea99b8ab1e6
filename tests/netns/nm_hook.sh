#!/bin/bash
# The NetworkManager dispatcher hook (contrib/networkmanager/90-mptcpd),
# run as NetworkManager runs it (arguments "IFACE ACTION", DEVICE_IFACE,
# DEVICE_IP_IFACE, NM_DISPATCHER_ACTION, CONNECTION_UUID in a clean
# environment) in the client namespace, with a stub nmcli first on PATH.
#  1. What it sends (to a recording stand-in for mptcpd-ctl): NM types and
#     metered values mapped ("yes (guessed)" is yes), the device's current
#     state rather than a stale action, modems (DEVICE_IFACE cdc-wdm0,
#     DEVICE_IP_IFACE wwan0), connectivity-change without an interface,
#     nothing for other actions or odd interface names.
#  2. It never blocks and always exits 0: nmcli or mptcpd-ctl hanging,
#     mptcpd-ctl missing, the real mptcpd-ctl with no daemon (< 3 s).
#  3. With the real daemon (metered-aware) and the real mptcpd-ctl: once
#     the hook has classified eth1 as cellular and metered, the kernel shows
#     the live connection's eth1 subflow closed, and a new connection gets
#     no eth1 subflow.  Needs src/mptcpd-ctl and the daemon's control
#     socket (MPTCPD_RUNTIME_DIRECTORY=$TMP/run for both).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the NetworkManager hook drives the daemon"

HOOK=$top_srcdir/contrib/networkmanager/90-mptcpd
CTL=$top_builddir/src/mptcpd-ctl
NM=$TMP/nm		# the stub's answers: $NM/DEV/GENERAL.TYPE ...
BIN=$TMP/bin		# stub nmcli, recording mptcpd-ctl, hanging commands
RUN=$TMP/run
WIFI=192.0.2.2
CELL=198.51.100.2
UUID=5b2c1f0e-9a41-4c1e-8d3e-0f6a2b7c9d10

stubs_write() {
	mkdir -p "$BIN" "$NM" "$RUN"
	cat >"$BIN/nmcli" <<-EOF
	#!/bin/sh
	# nmcli stand-in: "-g FIELD device show DEV" from $NM/DEV/FIELD,
	# "-g DEVICE,STATE device" from $NM/devices.
	echo "\$*" >>"$NM/calls"
	[ -e "$NM/hang" ] && exec sleep 60
	[ "\$1" = -g ] || exit 2
	if [ "\$2 \$3" = "DEVICE,STATE device" ]; then cat "$NM/devices"; exit 0; fi
	[ "\$3 \$4" = "device show" ] || exit 2
	[ -f "$NM/\$5/\$2" ] || { echo "Error: Device '\$5' not found." >&2; exit 10; }
	cat "$NM/\$5/\$2"
	EOF
	cat >"$BIN/ctl-record" <<-EOF
	#!/bin/sh
	echo "\$*" >>"$TMP/ctl.calls"
	exit 0
	EOF
	printf '#!/bin/sh\nexec sleep 60\n' >"$BIN/ctl-hang"
	chmod 0755 "$BIN/nmcli" "$BIN/ctl-record" "$BIN/ctl-hang"
}

# nm_dev DEV TYPE METERED STATE: what the stub says of DEV.
nm_dev() {
	mkdir -p "$NM/$1"
	echo "$2" >"$NM/$1/GENERAL.TYPE"
	echo "$3" >"$NM/$1/GENERAL.METERED"
	echo "$4" >"$NM/$1/GENERAL.STATE"
	echo "$1" >"$NM/$1/GENERAL.IP-IFACE"
}

# hook IFACE ACTION [VAR=VALUE...]: the hook as NetworkManager starts it;
# IFACE empty: no DEVICE_* variables (connectivity-change).  Sets
# HOOK_RC and HOOK_MS; its stderr is in $TMP/hook.err.
hook() {
	local iface=$1 action=$2 t0 t1 devenv=()
	shift 2
	[ -n "$iface" ] && devenv=(DEVICE_IFACE="$iface" DEVICE_IP_IFACE="$iface")
	: >"$TMP/ctl.calls"
	: >"$NM/calls"
	t0=$(date +%s%N)
	ip netns exec "$C" env -i PATH="$BIN:/usr/sbin:/usr/bin:/sbin:/bin" \
		NM_DISPATCHER_ACTION="$action" CONNECTION_UUID=$UUID CONNECTION_ID=test \
		"${devenv[@]}" MPTCPD_NM_LOG=stderr MPTCPD_CTL="$BIN/ctl-record" \
		MPTCPD_RUNTIME_DIRECTORY="$RUN" "$@" \
		"$HOOK" "$iface" "$action" >"$TMP/hook.out" 2>"$TMP/hook.err"
	HOOK_RC=$?
	t1=$(date +%s%N)
	HOOK_MS=$(((t1 - t0) / 1000000))
	[ "$HOOK_RC" = 0 ] || fail "the hook exited $HOOK_RC for '$iface $action': $(cat "$TMP/hook.err")"
}

# sent EXPECTED: the mptcpd-ctl calls of the last hook run, ';'-joined.
sent() {
	local got
	got=$(paste -sd';' "$TMP/ctl.calls")
	[ "$got" = "$1" ] || fail "expected mptcpd-ctl calls '$1', got '$got' (log: $(cat "$TMP/hook.err"))"
}

# within MS: the last hook run took at most MS milliseconds.
within() { [ "$HOOK_MS" -le "$1" ] || fail "the hook took $HOOK_MS ms (limit $1 ms): $(cat "$TMP/hook.err")"; }

part_mapping() {
	log "1. what the hook sends"
	nm_dev eth1 gsm 'yes (guessed)' '100 (connected)'
	hook eth1 up
	sent "interface eth1 type cellular;interface eth1 metered yes"
	grep -qx -- '-g GENERAL.STATE device show eth1' "$NM/calls" ||
		fail "the hook did not re-check the device state: $(paste -sd';' "$NM/calls")"
	nm_dev eth1 wifi 'no (guessed)' '100 (connected)'
	hook eth1 dhcp4-change
	sent "interface eth1 type wifi;interface eth1 metered no"
	nm_dev eth1 ethernet unknown '100 (connected)'
	hook eth1 dhcp6-change
	sent "interface eth1 type ethernet;interface eth1 metered unknown"
	nm_dev eth1 bluetooth yes '100 (connected)'
	hook eth1 up
	sent "interface eth1 type other;interface eth1 metered yes"
	# A stale "down": the device is activated again by now.
	nm_dev eth1 cdma no '100 (connected)'
	hook eth1 down
	sent "interface eth1 type cellular;interface eth1 metered no"
	# A real one: the connection's metered value goes, the type stays.
	nm_dev eth1 cdma no '30 (disconnected)'
	hook eth1 pre-down
	sent "interface eth1 metered auto"
	# A stale "up": the device is already gone again.
	hook eth1 up
	sent "interface eth1 metered auto"
	# NetworkManager's name for a modem is not the IP interface.
	nm_dev cdc-wdm0 gsm yes '100 (connected)'
	hook wwan0 up DEVICE_IFACE=cdc-wdm0
	sent "interface wwan0 type cellular;interface wwan0 metered yes"
	grep -qx -- '-g GENERAL.TYPE device show cdc-wdm0' "$NM/calls" ||
		fail "the modem was not looked up by its NetworkManager name"
	# connectivity-change names no interface: every connected device.
	nm_dev eth1 gsm 'yes (guessed)' '100 (connected)'
	nm_dev eth0 wifi no '100 (connected)'
	printf 'eth0:connected\neth1:connected (externally)\nwlan9:disconnected\nlo:unmanaged\n' >"$NM/devices"
	hook "" connectivity-change CONNECTIVITY_STATE=FULL
	sent "interface eth0 type wifi;interface eth0 metered no;interface eth1 type cellular;interface eth1 metered yes"
	hook eth1 hostname
	sent ""
	hook eth1 vpn-up
	sent ""
	hook "../x" up
	sent ""
	# NetworkManager does not know the device: nothing is made up.
	hook eth9 up
	sent "interface eth9 metered auto"
	log "mappings, stale actions, modems, connectivity-change: ok"
}

part_bounded() {
	log "2. bounded time, exit 0"
	nm_dev eth1 gsm 'yes (guessed)' '100 (connected)'
	touch "$NM/hang"
	hook eth1 up MPTCPD_NM_TIMEOUT=1
	rm -f "$NM/hang"
	within 2500
	sent ""
	log "nmcli hanging: $HOOK_MS ms, nothing sent"
	hook eth1 up MPTCPD_NM_TIMEOUT=1 MPTCPD_CTL="$BIN/ctl-hang"
	within 2500
	log "mptcpd-ctl hanging: $HOOK_MS ms"
	hook eth1 up MPTCPD_CTL=/nonexistent/mptcpd-ctl
	within 3000
	grep -q 'not found' "$TMP/hook.err" || fail "no log line for the missing mptcpd-ctl"
	log "mptcpd-ctl missing: $HOOK_MS ms: $(head -n 1 "$TMP/hook.err")"
	[ -x "$CTL" ] || fail "$CTL is not built"
	hook eth1 up MPTCPD_CTL="$CTL"
	within 3000
	log "no daemon: $HOOK_MS ms: $(head -n 1 "$TMP/hook.err")"
	[ -z "$(ip netns pids "$C")" ] || fail "the hook left processes behind: $(ip netns pids "$C" | xargs)"
}

part_kernel() {
	log "3. the real daemon and mptcpd-ctl"
	cat >"$CONF" <<-EOC
	[core]
	strategy = metered-aware
	[interface eth0]
	type = wifi
	metered = no
	EOC
	export MPTCPD_RUNTIME_DIRECTORY=$RUN
	start_server 5000
	start_daemon
	wait_until 5 test -S "$(ns_dir "$C")/control" || fail "no control socket in $(ns_dir "$C")"
	start_client c -a "$SRV4" -p 5000 -d 20 -i 10 -s 1000
	# eth1 is Ethernet, metered unknown (counts as unmetered): used.
	wait_until 10 established_from "$CELL" 1 || fail "no subflow on eth1 before the hook"
	wait_until 5 established_from "$WIFI" 1 || fail "no subflow on eth0"
	nm_dev eth1 gsm 'yes (guessed)' '100 (connected)'
	hook eth1 up MPTCPD_CTL="$CTL"
	within 3000
	grep -q 'eth1: type cellular' "$TMP/hook.err" ||
		fail "mptcpd-ctl did not take the type: $(cat "$TMP/hook.err")"
	grep -q 'eth1: metered yes' "$TMP/hook.err" ||
		fail "mptcpd-ctl did not take metered: $(cat "$TMP/hook.err")"
	t0=$(elapsed)
	wait_until 5 established_from "$CELL" 0 ||
		fail "the eth1 subflow was not closed: $(tcp_from "$CELL" established)"
	log "eth1 subflow closed $(since "$t0") s after the hook"
	established_from "$WIFI" 1 || fail "the Wi-Fi subflow went too"
	client_alive c || fail "the client ended: $(client_out c)"
	start_client n -a "$SRV4" -p 5000 -n 1 -d 3 -i 10 -s 1000
	wait_until 5 conns_with_subflows 2 1 ||
		fail "expected 2 connections with 1 subflow each, ss says: $(count_subflows | xargs)"
	sleep 1
	no_tcp_from "$CELL" || fail "a subflow on the metered eth1: $(tcp_from "$CELL")"
	wait_client n 10 || fail "the new client failed: $(client_out n)"
	stop_client c
	wait_client c 15 || fail "the client failed: $(client_out c)"
}

[ -x "$HOOK" ] || fail "$HOOK is missing or not executable"
lab_setup v4
chmod 0755 "$TMP"
stubs_write
part_mapping
part_bounded
part_kernel
pass
