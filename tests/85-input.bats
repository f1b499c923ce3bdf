#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Regressions in how zcsend takes its input, header and trailer: a closed
# standard input, escapes that name no byte, header files at the size
# limit, empty files and pseudo-files at the end of the range, -U as an
# option with a value, and messages that name what failed.

setup() {
	load test_helper/common
	load test_helper/defects
	_common_setup
	FILE=$BATS_TEST_TMPDIR/file
	head -c 1000 /dev/urandom >"$FILE"
	RECEIVED=$BATS_TEST_TMPDIR/received
	EXPECTED=$BATS_TEST_TMPDIR/expected
}

teardown() {
	_common_teardown
}

# closed_stdin ARG...: zcsend ARG... with standard input closed, bounded.
closed_stdin() {
	timeout -k 2 10 "$ZCSEND" "$@" <&-
}

@test "- with standard input closed exits 66: stdin: Bad file descriptor" {
	start_nc
	run -66 --separate-stderr closed_stdin 127.0.0.1 "$RECV_PORT" -
	assert_equal "$stderr" "zcsend: stdin: Bad file descriptor"
	assert_equal "$output" ""
	bg_wait "$RECV_PID"
	assert_file_empty "$RECV_OUT"
}

@test "listen mode on - with standard input closed exits 66 before listening" {
	run -66 --separate-stderr closed_stdin -l 127.0.0.1 0 -
	assert_equal "$stderr" "zcsend: stdin: Bad file descriptor"
	assert_equal "$output" ""
}

# at_fd_limit PREFIX ARG...: runs zcsend ARG... with the limit on open
# descriptors raised one at a time from 3 (those from 3 to 9 closed), and
# stops at the first run whose stderr starts with PREFIX: the open that ran
# out of descriptors. Sets status and stderr. LeakSanitizer, when built
# in, needs descriptors of its own at exit: not here.
at_fd_limit() {
	local prefix=$1 n

	shift
	for ((n = 3; n <= 32; n++)); do
		status=0
		# shellcheck disable=SC2016 # the inner shell expands these
		stderr=$(ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		    timeout -k 2 10 bash -c \
		    'exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- && ulimit -n "$1" && shift && exec "$@"' \
		    sh "$n" "$ZCSEND" "$@" 2>&1 >/dev/null) || status=$?
		[[ $stderr == "$prefix"* ]] && return 0
	done
	fail "no run with a descriptor limit up to 32 printed '$prefix...'"
}

@test "no descriptor left to open the input, a header file or a --to-file list: 71" {
	printf '127.0.0.1:9\n' >"$BATS_TEST_TMPDIR/hosts"
	at_fd_limit "zcsend: $FILE:" 127.0.0.1 9 "$FILE"
	assert_equal "$status" 71
	assert_equal "$stderr" "zcsend: $FILE: Too many open files"
	at_fd_limit "zcsend: header file" --header-file "$FILE" 127.0.0.1 9 "$FILE"
	assert_equal "$status" 71
	assert_equal "$stderr" "zcsend: header file $FILE: Too many open files"
	at_fd_limit "zcsend: to-file" --to-file "$BATS_TEST_TMPDIR/hosts" "$FILE"
	assert_equal "$status" 71
	assert_equal "$stderr" "zcsend: to-file $BATS_TEST_TMPDIR/hosts: Too many open files"
	at_fd_limit "zcsend: $FILE:" --bench "$FILE"
	assert_equal "$status" 71
	assert_equal "$stderr" "zcsend: $FILE: Too many open files"
}

@test "an octal escape above \\377 in -H is refused with 64" {
	run -64 --separate-stderr zc -H '\400' 127.0.0.1 9 "$FILE"
	assert_equal "$stderr" 'zcsend: header \400: invalid escape sequence'
	assert_equal "$output" ""
}

@test "an octal escape above \\377 in -T is refused with 64" {
	run -64 --separate-stderr zc -T 'ok\777' 127.0.0.1 9 "$FILE"
	assert_equal "$stderr" 'zcsend: trailer ok\777: invalid escape sequence'
	assert_equal "$output" ""
}

@test "\\377 and \\3777 are still one byte 0xff (then a 7)" {
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc -q -H '\377' -T '\3777' \
	    127.0.0.1 "$RECV_PORT" "$FILE"
	recv_wait
	{ printf '\377'; cat "$FILE"; printf '\3777'; } >"$EXPECTED"
	assert_same_bytes "$EXPECTED" "$RECEIVED"
}

@test "a header file of exactly 16 MiB is sent" {
	head -c 16777216 /dev/urandom >"$BATS_TEST_TMPDIR/hdr"
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc -q --header-file "$BATS_TEST_TMPDIR/hdr" \
	    127.0.0.1 "$RECV_PORT" "$FILE"
	recv_wait
	cat "$BATS_TEST_TMPDIR/hdr" "$FILE" >"$EXPECTED"
	assert_same_bytes "$EXPECTED" "$RECEIVED"
}

@test "a trailer file of exactly 16 MiB is sent" {
	head -c 16777216 /dev/urandom >"$BATS_TEST_TMPDIR/trl"
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc -q --trailer-file "$BATS_TEST_TMPDIR/trl" \
	    127.0.0.1 "$RECV_PORT" "$FILE"
	recv_wait
	cat "$FILE" "$BATS_TEST_TMPDIR/trl" >"$EXPECTED"
	assert_same_bytes "$EXPECTED" "$RECEIVED"
}

@test "a header file one byte over 16 MiB is refused with 66, named as the header file" {
	head -c 16777217 /dev/zero >"$BATS_TEST_TMPDIR/hdr"
	run -66 --separate-stderr zc --header-file "$BATS_TEST_TMPDIR/hdr" \
	    127.0.0.1 9 "$FILE"
	assert_equal "$stderr" \
	    "zcsend: header file $BATS_TEST_TMPDIR/hdr: larger than 16777216 bytes"
}

@test "a missing header file is named as the header file" {
	run -66 --separate-stderr zc --header-file "$BATS_TEST_TMPDIR/nonexistent" \
	    127.0.0.1 9 "$FILE"
	assert_equal "$stderr" \
	    "zcsend: header file $BATS_TEST_TMPDIR/nonexistent: No such file or directory"
	assert_equal "$output" ""
}

@test "a trailer file that is a directory is named as the trailer file" {
	run -66 --separate-stderr zc --trailer-file "$BATS_TEST_TMPDIR" \
	    127.0.0.1 9 "$FILE"
	assert_equal "$stderr" \
	    "zcsend: trailer file $BATS_TEST_TMPDIR: Is a directory"
}

@test "an empty regular file with -o 1 sends nothing and exits 0" {
	: >"$BATS_TEST_TMPDIR/empty"
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc -o 1 127.0.0.1 "$RECV_PORT" \
	    "$BATS_TEST_TMPDIR/empty"
	recv_wait
	assert_file_empty "$RECEIVED"
	assert_one_line_stderr '^zcsend: sent 0 bytes in '
}

@test "an empty regular file with -n 1 ends early: 74, input ended early" {
	: >"$BATS_TEST_TMPDIR/empty"
	start_nc "$RECEIVED"
	run -74 --separate-stderr zc -n 1 127.0.0.1 "$RECV_PORT" \
	    "$BATS_TEST_TMPDIR/empty"
	assert_equal "$stderr" \
	    "zcsend: $BATS_TEST_TMPDIR/empty: input ended early: sent 0 of 1 bytes"
}

@test "a pipe that ends before -n is not a shrunk file: input ended early" {
	short_pipe() {
		printf abc | zc -n 10 127.0.0.1 "$RECV_PORT" -
	}
	need python3
	# A receiver that reads every byte and tells an end of file from a
	# reset: it gets the 3 bytes, then the reset of an aborted transfer.
	RECV_ERR=$BATS_TEST_TMPDIR/reader.err
	bg_start /dev/null "$RECV_ERR" python3 \
	    "$BATS_TEST_DIRNAME/helpers/pypeer.py" reader "$RECEIVED"
	RECV_PID=$BG_PID
	wait_for_line "$RECV_ERR" '^listening [0-9]+$' 10
	RECV_PORT=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$RECV_ERR")
	run -74 --separate-stderr short_pipe
	assert_equal "$stderr" "zcsend: stdin: input ended early: sent 3 of 10 bytes"
	bg_wait "$RECV_PID"
	assert_equal "$(cat "$RECEIVED")" abc
	grep -qx 'reset 3' "$RECV_ERR" || fail "$(cat "$RECV_ERR")"
}

@test "a pseudo-file that ends before -n is not a shrunk file: input ended early" {
	start_nc "$RECEIVED"
	run -74 --separate-stderr zc -n 100000000 127.0.0.1 "$RECV_PORT" \
	    /proc/self/status
	assert_one_line_stderr \
	    '^zcsend: /proc/self/status: input ended early: sent [0-9]+ of 100000000 bytes$'
}

@test "the largest offset on a pseudo-file sends nothing and exits 0" {
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc -o 9223372036854775807 \
	    127.0.0.1 "$RECV_PORT" /proc/cpuinfo
	recv_wait
	assert_file_empty "$RECEIVED"
	assert_one_line_stderr '^zcsend: sent 0 bytes in '
}

@test "-U takes the socket path as its value, wherever it stands" {
	local sock=$BATS_TEST_TMPDIR/s.sock

	need nc.openbsd
	start_unix_nc "$sock" "$RECEIVED"
	run -0 --separate-stderr zc -q "$FILE" -U "$sock"
	bg_wait "$RECV_PID"
	assert_same_bytes "$FILE" "$RECEIVED"
}

@test "-U before the file still sends to the socket" {
	local sock=$BATS_TEST_TMPDIR/s.sock

	need nc.openbsd
	start_unix_nc "$sock" "$RECEIVED"
	run -0 --separate-stderr zc -q -U "$sock" "$FILE"
	bg_wait "$RECV_PID"
	assert_same_bytes "$FILE" "$RECEIVED"
}

@test "-l FILE -U PATH listens on PATH and serves FILE" {
	local sock=$BATS_TEST_TMPDIR/l.sock

	need nc.openbsd
	start_zc "$BATS_TEST_TMPDIR/zc.out" "$BATS_TEST_TMPDIR/zc.err" \
	    -l "$FILE" -U "$sock"
	wait_until 10 unix_listening "$sock"
	timeout -k 2 10 nc.openbsd -d -U "$sock" >"$RECEIVED"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$FILE" "$RECEIVED"
}

@test "-U without a path is a usage error" {
	run -64 --separate-stderr zc "$FILE" -U
	assert_equal "$stderr" "zcsend: command line: option -U needs a value"
}

@test "-U with an empty path is a usage error, not a connect to nothing" {
	run -64 --separate-stderr zc --json "$FILE" -U ''
	assert_equal "$stderr" "zcsend: command line: -U needs a path"
	assert_output ''
}

@test "-l -U with an empty path is a usage error, not a socket nobody can name" {
	run -64 --separate-stderr timeout -k 2 5 "$ZCSEND" --json -l -U '' "$FILE"
	assert_equal "$stderr" "zcsend: command line: -U needs a path"
	assert_output ''
}
