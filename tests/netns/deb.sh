#!/bin/bash
# The Debian package on a real Debian 12 under its own systemd.
#  1. dpkg-buildpackage -us -uc -b builds mptcpd-userspace and -dev from
#     a copy of the source (nocheck: the unit tests ran already), and
#     lintian finds no error in them.  The .debs are kept per source
#     content, so an unchanged tree is not built twice.
#  2. A Debian 12 root (debootstrap --variant=minbase, systemd and the
#     package's run-time libraries) is made once and cached in
#     $MPTCPD_TEST_CACHE (/var/cache/mptcpd-tests), keyed by the suite and
#     package list; each run boots an overlay of it, so the cache stays
#     clean.
#  3. Two boots of that overlay with systemd-nspawn --private-network (the
#     container has its own network namespace; the host's is never
#     touched), each running tests/netns/deb_guest.sh once the system is
#     up: first dpkg -i under the running systemd, then the unit's
#     promises (userspace path manager selected on start and the kernel's
#     on stop, active with READY=1 as the mptcpd user, mptcpd-ctl status
#     for root and a member of group mptcpd, reload applies a good file
#     and refuses a bad one, the watchdog restarts a SIGSTOPped daemon,
#     one Wi-Fi -> cellular handover in a lab of veths inside the
#     container); then after a reboot the userspace path manager is
#     selected and the daemon active; the packaged dispatcher hook under
#     Debian's real NetworkManager (keyfile profiles for veths wlan0 and
#     wwan0 with interface-name=, metered=, static addresses): mptcpd sees
#     each uplink's type and metered state as NetworkManager has them,
#     metered-aware keeps off the metered one, a changed
#     connection.metered reapplied reaches mptcpd and metered-aware uses
#     that uplink, and "connection down" forgets the metered value; last,
#     dpkg --purge leaves nothing.
# Needs debootstrap, systemd-nspawn, dpkg-buildpackage, debhelper and
# lintian (scripts/deps.sh installs them) and a Debian mirror the first
# time; skips without them (fails under CI).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"
needs_daemon "the package's unit runs the daemon"

SUITE=bookworm
MIRROR=${MPTCPD_TEST_MIRROR:-http://deb.debian.org/debian}
CACHE=${MPTCPD_TEST_CACHE:-/var/cache/mptcpd-tests}
# The root's packages: systemd as init, what mptcpd links, the tools the
# checks use; network-manager (left disabled) for the dispatcher hook.
# debootstrap does not resolve virtual packages: libpam-systemd is the
# logind that polkitd (network-manager) needs.
ROOT_PACKAGES=systemd,systemd-sysv,dbus,libpam-systemd,iproute2,procps,libnl-3-200,libnl-genl-3-200,libev4,libinih1,libjson-c5,network-manager
PKG=mptcpd-userspace

[ "$(id -u)" = 0 ] || skip "needs root"
[ -e /proc/sys/net/mptcp/enabled ] || skip "the kernel has no MPTCP"
for tool in debootstrap systemd-nspawn dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/deps.sh installs it)"
done
command -v "${CC:-cc}" >/dev/null || skip "no C compiler for the traffic tool"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || skip "no overlay file system"

MERGED=$TMP/merged
deb_cleanup() {
	mountpoint -q "$MERGED" && umount "$MERGED"
	cleanup
}
trap deb_cleanup EXIT

# ---- 1. the packages.
# source_tar: the tracked and new (not ignored) files of the tree, in a
# tar that depends only on their names and contents.
source_tar() {
	if git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$top_srcdir" ls-files -co --exclude-standard -z
	else
		(cd "$top_srcdir" && find . \( -name 'build*' -o -name autom4te.cache \) -prune -o ! -type d -print0)
	fi | (cd "$top_srcdir" && tar -c --null -T - --sort=name --mtime=@0 --owner=0 --group=0 \
		--numeric-owner --mode=u+rw,go+r -f -)
}

build_debs() {
	local key dir
	source_tar >"$TMP/src.tar" || fail "could not archive $top_srcdir"
	# The key leaves out tests/ and bench/: a nocheck build uses none of
	# them, and changing a test must not cost a rebuild.
	key=$(tar -t -v --full-time -f "$TMP/src.tar" | grep -v -E ' (\./)?(tests|bench)/' | sha256sum | cut -c1-8)
	key=$key$(tar -x -O -f "$TMP/src.tar" --exclude='tests/*' --exclude='bench/*' --exclude='./tests/*' \
		--exclude='./bench/*' | sha256sum | cut -c1-8)
	dir=$CACHE/built-$key
	DEBS=$dir
	if [ -s "$dir/ok" ]; then
		log "packages from this same source already built and checked: $dir"
		return 0
	fi
	log "dpkg-buildpackage -us -uc -b (nocheck)"
	rm -rf "$TMP/build"
	mkdir -p "$TMP/build/src" && tar -x -m -C "$TMP/build/src" -f "$TMP/src.tar" || fail "untar"
	(cd "$TMP/build/src" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" dpkg-buildpackage -us -uc -b) \
		>"$TMP/build.log" 2>&1 || fail "dpkg-buildpackage failed: $(tail -n 30 "$TMP/build.log")"
	ls "$TMP/build/${PKG}_"*.deb "$TMP/build/${PKG}-dev_"*.deb >/dev/null 2>&1 ||
		fail "dpkg-buildpackage made no $PKG .debs: $(ls "$TMP/build")"
	log "built: $(cd "$TMP/build" && ls ./*.deb | xargs -n1 basename | xargs)"
	lintian --fail-on error "$TMP/build/"*.changes >"$TMP/lintian.out" 2>&1 ||
		fail "lintian: $(cat "$TMP/lintian.out")"
	log "lintian: $(grep -c '^E:' "$TMP/lintian.out") errors, $(grep -c '^W:' "$TMP/lintian.out") warnings"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp" && cp "$TMP/build/"*.deb "$TMP/lintian.out" "$dir.tmp/" || fail "cache $dir"
	echo "$(date -u +%FT%TZ)" >"$dir.tmp/ok"
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
	# Keep the last few builds only.
	ls -dt "$CACHE"/built-* 2>/dev/null | grep -v '\.tmp$' | tail -n +4 | xargs -r rm -rf
}

# ---- 2. the cached root.
ROOT=$CACHE/root-$(echo "$SUITE $MIRROR minbase $ROOT_PACKAGES v1" | sha256sum | cut -c1-16)
make_root() {
	[ -e "$ROOT/.mptcpd-ready" ] && return 0
	mkdir -p "$CACHE"
	exec 9>"$CACHE/lock"
	flock -w 600 9 || fail "the cache lock $CACHE/lock is held"
	if [ ! -e "$ROOT/.mptcpd-ready" ]; then
		log "debootstrap $SUITE into $ROOT (once; 2 to 3 minutes, beside the build)"
		rm -rf "$ROOT.tmp"
		mkdir -p "$CACHE/debs"
		debootstrap --variant=minbase --cache-dir="$CACHE/debs" --include="$ROOT_PACKAGES" \
			"$SUITE" "$ROOT.tmp" "$MIRROR" >"$TMP/debootstrap.log" 2>&1 ||
			fail "debootstrap failed: $(tail -n 20 "$TMP/debootstrap.log")"
		# NetworkManager runs only when a check starts it.
		chroot "$ROOT.tmp" systemctl disable NetworkManager.service NetworkManager-wait-online.service \
			NetworkManager-dispatcher.service >/dev/null 2>&1
		chroot "$ROOT.tmp" systemctl mask systemd-networkd.service >/dev/null 2>&1
		echo mptcpd-deb-test >"$ROOT.tmp/etc/hostname"
		touch "$ROOT.tmp/.mptcpd-ready"
		rm -rf "$ROOT" && mv "$ROOT.tmp" "$ROOT"
		log "root made in $(since "$t0") s"
	fi
	exec 9>&-
}

# ---- 3. the boots.
setup_overlay() {
	mkdir -p "$TMP/upper" "$TMP/work" "$MERGED"
	mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$TMP/upper,workdir=$TMP/work" "$MERGED" ||
		fail "overlay mount on $MERGED"
	mkdir -p "$MERGED/deb-in" "$MERGED/out"
	cp "$DEBS/${PKG}_"*.deb "$DEBS/${PKG}-dev_"*.deb "$MERGED/deb-in/" || fail "copy the packages in"
	# The traffic tool, built plain: the suite's own may be a sanitizer
	# build, whose run-time library the container does not have.
	"${CC:-cc}" -O2 -D_GNU_SOURCE -o "$MERGED/deb-in/mptcp_conn" "$top_srcdir/tests/tools/mptcp_conn.c" ||
		fail "could not build mptcp_conn for the container"
	cp "$top_srcdir/tests/netns/deb_guest.sh" "$MERGED/deb-in/guest.sh"
	# Runs once the boot is done, then powers the container off.
	cat >"$MERGED/etc/systemd/system/deb-check.service" <<-'EOF'
	[Unit]
	Description=mptcpd package checks
	Wants=multi-user.target
	After=multi-user.target
	AllowIsolate=yes
	SuccessAction=poweroff
	FailureAction=poweroff
	[Service]
	Type=oneshot
	TimeoutStartSec=150
	StandardOutput=append:/out/guest.log
	StandardError=append:/out/guest.log
	ExecStart=/bin/bash /deb-in/guest.sh
	EOF
}

# boot PHASE: one boot of the overlay; deb-check.service runs PHASE.
boot() {
	local rc=0 t0
	echo "$1" >"$MERGED/deb-in/phase"
	t0=$(elapsed)
	timeout 240 systemd-nspawn -q -D "$MERGED" --register=no --keep-unit --private-network \
		--console=pipe -b systemd.unit=deb-check.service systemd.firstboot=off \
		</dev/null >"$TMP/nspawn-$1.log" 2>&1 || rc=$?
	[ "$rc" = 0 ] || fail "systemd-nspawn ($1) exited $rc: $(tail -n 20 "$TMP/nspawn-$1.log"; cat "$MERGED/out/guest.log" 2>/dev/null)"
	grep -qx "done $1" "$MERGED/out/result" 2>/dev/null ||
		fail "the $1 checks did not finish: $(cat "$MERGED/out/result" "$MERGED/out/guest.log" 2>/dev/null | tail -n 30)"
	cp "$MERGED/out/result" "$TMP/result-$1"
	while read -r status name what; do
		[ "$status" = ok ] && log "  ok $name: $what"
		[ "$status" = FAIL ] && log "  FAIL $name: $what"
	done <"$TMP/result-$1"
	log "boot '$1' done in $(since "$t0") s"
}

# failed_report: the guest's files that tell what went wrong.  fail()
# shows it instead of the lab's state (there is no lab on the host).
dump_state() { [ -d "$MERGED/out" ] && failed_report; }
failed_report() {
	local f
	for f in dpkg-install.log dpkg-purge.log journal-install.txt journal-reboot.txt left.diff \
		client.out server.out ctl-root.out ctl-alice.out journal-nm-hook.txt journal-nm.txt \
		nm-client.out guest.log; do
		[ -s "$MERGED/out/$f" ] || continue
		echo "---- $f (tail)"
		tail -n 25 "$MERGED/out/$f"
	done
}

# The root is made (when not cached) while the packages build.
t0=$(elapsed)
make_root &
root_pid=$!
LAB_PIDS+=("$root_pid")
build_debs
log "packages ready in $(since "$t0") s"
wait "$root_pid" || exit 1
log "root: $ROOT"
setup_overlay
boot install
boot reboot
if grep -h '^FAIL' "$TMP/result-install" "$TMP/result-reboot"; then
	failed_report >&2
	fail "$(cat "$TMP/result-install" "$TMP/result-reboot" | grep -c '^FAIL') checks failed in the container"
fi
n=$(cat "$TMP/result-install" "$TMP/result-reboot" | grep -c '^ok')
[ "$n" -ge 49 ] || fail "only $n of 49 checks ran in the container"
log "$n checks passed in the container"
pass
