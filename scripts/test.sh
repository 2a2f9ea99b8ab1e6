#!/bin/bash
# Builds mptcpd in build/ and runs every test (check unit tests and the
# real-kernel namespace tests), then prints, as its LAST line:
#   N passed, N failed, N skipped
# where every individual check test counts, and every netns test counts
# once.  Exits non-zero if anything failed, or skipped while CI=true.
set -u
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
# The whole suite runs in a sanitizer build (AddressSanitizer and
# UndefinedBehaviorSanitizer): every daemon a namespace test starts must
# exit 0 on SIGTERM, so a leak or an overflow fails its test.  A build of
# its own, so bench/ and the demo keep using a plain build/.
build=$top/build-sanitizers
passed=0 failed=0 skipped=0
failed_logs=()

summary() {
	local log
	for log in "${failed_logs[@]}"; do
		echo "======== $log ========"
		tail -n 150 "$log"
	done
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ] || exit 1
	[ "$skipped" -eq 0 ] || [ "${CI:-}" != true ] || exit 1
	exit 0
}

# One .trs per test that ran; unit tests count their individual checks.
count_results() {
	local trs log result line n f e
	while read -r trs; do
		log=${trs%.trs}.log
		result=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
		line=$(grep -Eo '[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" 2>/dev/null | tail -n 1)
		if [ -n "$line" ]; then
			read -r n f e < <(sed -E 's/.*Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+)/\1 \2 \3/' <<<"$line")
			passed=$((passed + n - f - e))
			failed=$((failed + f + e))
			# A crash after the summary, or a leak checker, still fails it.
			if [ $((f + e)) -eq 0 ] && [ "$result" != PASS ]; then failed=$((failed + 1)); fi
		else
			case $result in
			PASS|XFAIL) passed=$((passed + 1)) ;;
			SKIP) skipped=$((skipped + 1)) ;;
			*) failed=$((failed + 1)) ;;
			esac
		fi
		case $result in PASS|SKIP|XFAIL) ;; *) failed_logs+=("$log") ;; esac
	done < <(find "$build/tests" -name '*.trs' 2>/dev/null | sort)
}

build_failed() {
	echo "test.sh: $1 failed" >&2
	failed=$((failed + 1))
	summary
}

# Builds the daemon and the test programs first, so a build error is
# reported as such.
BUILD_DIR=$build BUILD_CONFIGURE_FLAGS="--enable-sanitizers ${BUILD_CONFIGURE_FLAGS:-}" \
	bash scripts/build.sh || build_failed "the build (scripts/build.sh)"
cd "$build" || build_failed "cd build"
find "$build/tests" \( -name '*.trs' -o -name '*.log' \) -delete 2>/dev/null
rm -f "$build/test-suite.log"
make check
rc=$?
count_results
# Fuzzers (tests/fuzz/run.sh): each target counts as one test; a fuzz
# build that fails counts as one failure.  FUZZ_SECONDS per target.
fuzz_log=$build/fuzz.log
bash "$top/tests/fuzz/run.sh" "${FUZZ_SECONDS:-10}" >"$fuzz_log" 2>&1
fuzz_rc=$?
fuzz_bad=0
while read -r _ _ result _; do
	if [ "$result" = PASS ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1)); fuzz_bad=1
	fi
done < <(grep -E '^fuzz [^ ]+: (PASS|FAIL)' "$fuzz_log")
if [ "$fuzz_rc" -ne 0 ] && [ "$fuzz_bad" -eq 0 ]; then
	failed=$((failed + 1)); fuzz_bad=1	# died without saying why
fi
[ "$fuzz_bad" -eq 0 ] || failed_logs+=("$fuzz_log")
# The release tarball must build and pass its unit tests on its own.
# A plain (not sanitized) build, warning-free under CI like the other one.
distcheck_cflags="-g -O2"
[ "${CI:-}" != true ] || distcheck_cflags="$distcheck_cflags -Werror"
if CFLAGS="$distcheck_cflags" make -j2 distcheck >"$build/distcheck.log" 2>&1; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	failed_logs+=("$build/distcheck.log")
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "test.sh: make check failed without a failing test" >&2
	failed=$((failed + 1))
fi
summary
