#!/bin/bash
# Install the build dependencies (scripts/deps.sh), then build mptcpd, its
# test programs and tools in build/ (a VPATH build; the source tree stays
# clean).  Shared by scripts/demo.sh and scripts/test.sh.
#   BUILD_DIR              where to build (default build/)
#   BUILD_CONFIGURE_FLAGS  extra ./configure arguments
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
bash scripts/deps.sh
autoreconf -fi
build=${BUILD_DIR:-$top/build}
mkdir -p "$build"
cd "$build"
# CI builds warning-free or not at all.
cflags=${CFLAGS:--g -O2}
[ "${CI:-}" != true ] || cflags="$cflags -Werror"
# shellcheck disable=SC2086
"$top/configure" CFLAGS="$cflags" ${BUILD_CONFIGURE_FLAGS:-}
make -j2
make -j2 check TESTS= >/dev/null
