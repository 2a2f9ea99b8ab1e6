#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# "make install" stays under the prefix.  Installs the configured build
# into a scratch DESTDIR and checks that
#   - every file lies under the prefix, or under a directory that was
#     given to configure explicitly (config.status --config: a package
#     passes /etc, /lib/systemd/system...); a default build writes
#     nothing outside the prefix, unit and sysusers.d entry included;
#   - what a user needs is there: daemon, CLI, man pages, configuration
#     file, header, pkg-config file (whose plugindir is the daemon's),
#     bash completion, the unit (ExecStart the installed daemon), the
#     sysusers.d entry, the hook when configured, and the plugin
#     directory, empty;
#   - "make uninstall" removes every file again.
# Needs only the build tree; a few seconds.
set -u
build=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)/build}
[ -f "$build/Makefile" ] || { echo "install_check: no configured build in $build" >&2; exit 99; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
bad=0
fail() { echo "install_check: $*" >&2; bad=1; }

# dir VAR: a directory as make expands it ("no" for a file left out).
printf 'print-one:\n\t@echo $($(VAR))\n' >"$tmp/print.mk"
# The make that runs this test (make check) must not pass its flags on
# (-w would print "Entering directory" into the answer).
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@"; }
dir() { mk -s -C "$build" -f Makefile -f "$tmp/print.mk" print-one VAR="$1"; }
prefix=$(dir prefix)
[ -n "$prefix" ] || { echo "install_check: no prefix in $build/Makefile" >&2; exit 99; }

# Roots allowed besides the prefix: directories given to configure.
given=$("$build/config.status" --config 2>/dev/null)
allowed=("$prefix")
for v in sysconfdir systemdsystemunitdir sysusersdir dispatcherdir localstatedir; do
	case $given in
	*"--$v="* | *"--with-$v="*) allowed+=("$(dir "$v")") ;;
	esac
done

if ! mk -C "$build" install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
	tail -n 20 "$tmp/install.log" >&2
	echo "install_check: make install failed" >&2
	exit 1
fi

n=0
while IFS= read -r f; do
	n=$((n + 1))
	path=${f#"$dest"}
	ok=0
	for root in "${allowed[@]}"; do
		case $path in "${root%/}"/*) ok=1 ;; esac
	done
	[ "$ok" = 1 ] || fail "$path is outside ${allowed[*]}"
done < <(find "$dest" ! -type d)
[ "$n" -gt 0 ] || fail "make install installed nothing"

# need KIND PATH: an installed file (or directory, KIND -d).
need() { [ "$1" "$dest$2" ] || fail "missing after install: $2"; }
need -x "$(dir sbindir)/mptcpd"
need -x "$(dir bindir)/mptcpd-ctl"
need -f "$(dir sysconfdir)/mptcpd/mptcpd.conf"
need -f "$(dir includedir)/mptcpd/strategy.h"
need -f "$(dir bashcompletiondir)/mptcpd-ctl"
for m in man8/mptcpd.8 man5/mptcpd.conf.5 man8/mptcpd-ctl.8; do need -f "$(dir mandir)/$m"; done
plugindir=$(dir plugindir)
need -d "$plugindir"
[ -z "$(ls -A "$dest$plugindir" 2>/dev/null)" ] || fail "$plugindir is not empty"
pc=$dest$(dir pkgconfigdir)/mptcpd-strategy.pc
need -f "${pc#"$dest"}"
if [ -f "$pc" ] && command -v pkg-config >/dev/null; then
	got=$(PKG_CONFIG_PATH=${pc%/*} pkg-config --variable=plugindir mptcpd-strategy)
	[ "$got" = "$plugindir" ] || fail "mptcpd-strategy.pc: plugindir '$got', mptcpd uses '$plugindir'"
	got=$(PKG_CONFIG_PATH=${pc%/*} pkg-config --cflags mptcpd-strategy | xargs)
	[ "$got" = "-I$(dir includedir)" ] || [ -z "$got" ] ||
		fail "mptcpd-strategy.pc: cflags '$got'"
fi
unitdir=$(dir systemdsystemunitdir)
if [ "$unitdir" != no ]; then
	need -f "$unitdir/mptcpd.service"
	grep -qx "ExecStart=$(dir sbindir)/mptcpd -f" "$dest$unitdir/mptcpd.service" 2>/dev/null ||
		fail "$unitdir/mptcpd.service does not start $(dir sbindir)/mptcpd"
	need -f "$unitdir/mptcpd-metrics.service"
	need -f "$unitdir/mptcpd-metrics.timer"
	grep -q "$(dir bindir)/mptcpd-ctl stats --openmetrics" \
		"$dest$unitdir/mptcpd-metrics.service" 2>/dev/null ||
		fail "$unitdir/mptcpd-metrics.service does not run $(dir bindir)/mptcpd-ctl"
fi
[ "$(dir sysusersdir)" = no ] || need -f "$(dir sysusersdir)/mptcpd.conf"
[ "$(dir dispatcherdir)" = no ] || need -x "$(dir dispatcherdir)/90-mptcpd"

if ! mk -C "$build" uninstall DESTDIR="$dest" >"$tmp/uninstall.log" 2>&1; then
	fail "make uninstall failed: $(tail -n 5 "$tmp/uninstall.log")"
else
	left=$(find "$dest" ! -type d)
	[ -z "$left" ] || fail "left after make uninstall: $(echo $left)"
fi

[ "$bad" = 0 ] || exit 1
echo "install_check: $n files, all under ${allowed[*]}"
