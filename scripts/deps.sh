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
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
