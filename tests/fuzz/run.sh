#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Builds the libFuzzer targets (a VPATH build configured with CC=clang
# --enable-fuzzer) and runs each for SECONDS (default 30), one after the
# other, on a copy of its seed corpus in tests/fuzz/corpus/<target>/: the
# repository is never written to.  Prints one line per target:
#   fuzz <target>: PASS (N runs)
#   fuzz <target>: FAIL (crashing input: PATH)
# (and "fuzz build: FAIL" when the targets cannot be built), then exits 0
# when every target passed, 1 otherwise.
#   FUZZ_BUILD_DIR  the build directory [TOP/build-fuzz]
#   FUZZ_CC         the compiler [clang]
# Crashing inputs are kept in FUZZ_BUILD_DIR/fuzz-artifacts/; reproduce
# one with FUZZ_BUILD_DIR/tests/fuzz/<target> PATH.
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$(pwd)
seconds=${1:-30}
build=${FUZZ_BUILD_DIR:-$top/build-fuzz}
cc=${FUZZ_CC:-clang}
targets="fuzz_genl_event fuzz_config fuzz_ctl_request fuzz_rtnl fuzz_diag
	fuzz_genl_dump fuzz_nl_ack"
status=0

case $seconds in
''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

build_fail() {
	echo "run.sh: $1" >&2
	echo "fuzz build: FAIL"
	exit 1
}

# Configures once; afterwards make alone notices changed sources and
# re-runs automake or config.status when Makefile.am or configure.ac
# changed.
fuzz_build() {
	local t progs=
	command -v "$cc" >/dev/null ||
		build_fail "$cc not found (Debian: apt-get install clang libclang-rt-14-dev)"
	if [ ! -f "$build/Makefile" ]; then
		if [ ! -x "$top/configure" ]; then
			autoreconf -fi >/dev/null || build_fail "autoreconf failed"
		fi
		mkdir -p "$build" || build_fail "cannot create $build"
		(cd "$build" && "$top/configure" -q CC="$cc" --enable-fuzzer \
			--disable-netns-tests) >"$build/configure.out" 2>&1 ||
			build_fail "configure failed, see $build/configure.out and $build/config.log"
	fi
	for t in $targets; do progs="$progs tests/fuzz/$t"; done
	# shellcheck disable=SC2086
	make -C "$build" -j2 $progs >"$build/fuzz-build.log" 2>&1 ||
		build_fail "make failed, see $build/fuzz-build.log"
}

# fuzz_one TARGET: one libFuzzer process on a private copy of the corpus.
# -timeout makes a hang (one input over 10 s) a failure, not a stuck run.
fuzz_one() {
	local t=$1 corpus=$work/$1 log=$work/$1.log artifacts=$build/fuzz-artifacts
	local rc runs crash

	cp -R "$top/tests/fuzz/corpus/$t" "$corpus" || return 1
	mkdir -p "$artifacts"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
		"$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
		"$corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz $t: PASS (${runs:-0} runs)"
		return 0
	fi
	# libFuzzer names the input it saved: "Test unit written to PATH".
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	tail -n 60 "$log" >&2
	echo "fuzz $t: FAIL (crashing input: ${crash:-none saved, exit $rc})"
	return 1
}

fuzz_build
work=$(mktemp -d "${TMPDIR:-/tmp}/mptcpd-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
for t in $targets; do
	fuzz_one "$t" || status=1
done
exit "$status"
