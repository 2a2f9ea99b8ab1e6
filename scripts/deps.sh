#!/bin/bash
# Installs what building and testing mptcpd needs on Debian 12 (or a
# derivative).  apt is skipped when everything is already installed, so
# reruns cost a dpkg-query.
set -eu

PACKAGES=(
	build-essential autoconf automake libtool pkg-config
	libnl-3-dev libnl-genl-3-dev libev-dev libsystemd-dev
	check libinih-dev libjson-c-dev
	iproute2 nftables procps kmod python3 systemd util-linux
	systemd-container # systemd-nspawn: tests/netns/systemd.sh boots the unit
	gnuplot-nox # scripts/demo.sh plots the handover to a PNG
	# The Debian package (dpkg-buildpackage -us -uc -b) and its test in a
	# debootstrapped Debian 12 (tests/netns/deb.sh).
	dpkg-dev debhelper lintian debootstrap
	clang libclang-rt-14-dev # the libFuzzer targets (tests/fuzz)
	# tests/netns/apps.sh: a real ssh session (its own sshd in a test
	# namespace, run through mptcpize).
	openssh-client openssh-server mptcpize
	prometheus # promtool: tests/netns/stats.sh checks stats --openmetrics
)

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}"
command -v apt-get >/dev/null || { echo "deps.sh: no apt-get; install: ${missing[*]}" >&2; exit 1; }
SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "deps.sh: run as root to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The sshd of openssh-server is for a test's own namespace, and prometheus
# only for its promtool, not to serve this host: while installing, a
# policy-rc.d (only when none exists; as bench/handover.sh does) keeps
# services from starting, and the services the packages enabled are
# disabled again.
rc_created=0
if [[ " ${missing[*]} " == *" openssh-server "* || " ${missing[*]} " == *" prometheus "* ]] &&
	[ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
	rc_created=1
fi
rc=0
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
[ "$rc_created" = 0 ] || $SUDO rm -f /usr/sbin/policy-rc.d
if [[ " ${missing[*]} " == *" openssh-server "* ]] && [ -d /run/systemd/system ]; then
	$SUDO systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
	echo "deps.sh: openssh-server is for tests/netns/apps.sh; its host service stays disabled"
fi
if [[ " ${missing[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
	$SUDO systemctl disable --now prometheus.service >/dev/null 2>&1 || true
	echo "deps.sh: prometheus is for its promtool (tests/netns/stats.sh); its host service stays disabled"
fi
exit "$rc"
