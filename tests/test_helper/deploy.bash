# SPDX-License-Identifier: ISC
# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034: the variables set here are read by the test files; SC2154:
# run --separate-stderr sets $stderr.)
# Helpers for the tests of the deployment options (tests/95-*.bats:
# retry, socket options, checksum, host lists), on top of common.bash.

# The setup of every 95-*.bats file, which loads this one (after
# common.bash) at its top: the files the tests send, made once per file,
# and the names the tests use.
setup_file() {
	head -c 1048576 /dev/urandom >"$BATS_FILE_TMPDIR/r1m"
	head -c 65536 /dev/urandom >"$BATS_FILE_TMPDIR/r64k"
}

setup() {
	_common_setup
	R1M=$BATS_FILE_TMPDIR/r1m
	R64K=$BATS_FILE_TMPDIR/r64k
	ZCERR=$BATS_TEST_TMPDIR/zcsend.err
	ZCOUT=$BATS_TEST_TMPDIR/zcsend.out
	# LeakSanitizer cannot run under ptrace: no leak check inside strace.
	NOLEAK="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
}

teardown() {
	_common_teardown
}

# json_is FILTER [JQ-OPTION]...: $output (from run) is JSON and FILTER is
# true of it.
json_is() {
	local filter=$1

	shift
	need jq
	jq -e "$@" "$filter" <<<"$output" >/dev/null ||
	    fail "JSON does not satisfy $filter: $output"
}

# stderr_has REGEX: a whole line of $stderr matches the extended REGEX.
stderr_has() {
	grep -Eqx -- "$1" <<<"$stderr" ||
	    fail "$(printf '%s\n' "no stderr line matching /$1/; stderr:" \
	    "$stderr")"
}
