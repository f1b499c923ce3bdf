#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Backpressure: receivers that read slowly, stall, or never read. The
# socket says EAGAIN over and over; every byte must still arrive exactly
# once, zcsend must wait in poll rather than spin, and the idle timeout
# must fire only when the socket takes nothing at all.

setup_file() {
	head -c 16777216 /dev/urandom >"$BATS_FILE_TMPDIR/r16m"
	head -c 67108864 /dev/urandom >"$BATS_FILE_TMPDIR/r64m"
}

setup() {
	load test_helper/common
	_common_setup
	R16M=$BATS_FILE_TMPDIR/r16m
	R64M=$BATS_FILE_TMPDIR/r64m
	EXPECTED=$BATS_TEST_TMPDIR/expected
	RECEIVED=$BATS_TEST_TMPDIR/received
	ZCERR=$BATS_TEST_TMPDIR/zcsend.err
	ZCOUT=$BATS_TEST_TMPDIR/zcsend.out
}

teardown() {
	_common_teardown
}

# slow_push EXPECTED FILE [OPTION]...: sends FILE to a receiver that reads
# 16 KiB every 2 ms through a 64 KiB receive buffer, and checks exit 0,
# the bytes of EXPECTED, and that zcsend used under half the CPU time the
# transfer took: a sender spinning on EAGAIN would use all of it.
slow_push() {
	local expected=$1 file=$2 TIMEFORMAT='%R %U %S' real user sys

	shift 2
	start_peer -R 65536 -b 16384 -d 2 -o "$RECEIVED"
	BG_STATUS=0
	{ time zc "$@" 127.0.0.1 "$RECV_PORT" "$file" \
	    >"$ZCOUT" 2>"$ZCERR"; } 2>"$BATS_TEST_TMPDIR/time" ||
	    BG_STATUS=$?
	[[ $BG_STATUS -eq 0 ]] ||
	    fail "zcsend exited $BG_STATUS: $(cat "$ZCERR")"
	recv_wait
	assert_same_bytes "$expected" "$RECEIVED"
	read -r real user sys <"$BATS_TEST_TMPDIR/time"
	awk -v r="$real" -v u="$user" -v s="$sys" \
	    'BEGIN { exit !(u + s < 0.5 * r + 0.05) }' ||
	    fail "zcsend spun: ${user}s user + ${sys}s system in ${real}s"
}

@test "a slow reader gets every byte through sendfile and zcsend does not spin" {
	slow_push "$R16M" "$R16M"
}

@test "a slow reader gets every byte through readwrite and zcsend does not spin" {
	slow_push "$R16M" "$R16M" --mode readwrite
}

@test "a small odd --max-chunk under backpressure resumes each time from the exact byte" {
	{ printf 'HEAD\r\n'; range_of "$R16M" 777 8000001; printf '\r\nEND'; } \
	    >"$EXPECTED"
	slow_push "$EXPECTED" "$R16M" --max-chunk 1000 -o 777 -n 8000001 \
	    -H 'HEAD\r\n' -T '\r\nEND'
}

@test "readwrite with a small odd --block-size under backpressure loses no byte" {
	{ printf 'HEAD\r\n'; range_of "$R16M" 4097 8000001; printf '\r\nEND'; } \
	    >"$EXPECTED"
	slow_push "$EXPECTED" "$R16M" --mode readwrite --block-size 999 \
	    -o 4097 -n 8000001 -H 'HEAD\r\n' -T '\r\nEND'
}

@test "a receiver that stalls and then resumes gets every byte" {
	start_peer -R 65536 -S 1048576 -o "$RECEIVED"
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" 127.0.0.1 "$RECV_PORT" "$R64M"
	local zpid=$BG_PID
	wait_for_line "$RECV_ERR" '^got 1048576$'
	kill -USR1 "$RECV_SIG_PID"
	bg_wait "$zpid"
	[[ $BG_STATUS -eq 0 ]] ||
	    fail "zcsend exited $BG_STATUS: $(cat "$ZCERR")"
	recv_wait
	assert_same_bytes "$R64M" "$RECEIVED"
}

@test "--idle-timeout 1 with a receiver that never reads exits 75 within seconds" {
	start_peer -R 65536 -s
	local t0=$EPOCHREALTIME
	run -75 --separate-stderr zc --idle-timeout 1 \
	    127.0.0.1 "$RECV_PORT" "$R64M"
	local t1=$EPOCHREALTIME
	assert_one_line_stderr \
	    "^zcsend: send to 127\\.0\\.0\\.1 port $RECV_PORT: idle timeout \\(1 s\\) after [0-9]+ of 67108864 bytes\$"
	[[ $stderr =~ after\ ([0-9]+)\ of ]]
	((BASH_REMATCH[1] > 0 && BASH_REMATCH[1] < 67108864))
	assert_equal "$output" ""
	awk -v a="$t0" -v b="$t1" -v late="$LATE" \
	    'BEGIN { exit !(b - a >= 1 && b - a < 1 + late) }' ||
	    fail "exit after $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s"
}

@test "a fractional --idle-timeout 0.5 fires after half a second" {
	start_peer -R 65536 -s
	local t0=$EPOCHREALTIME
	run -75 --separate-stderr zc --idle-timeout 0.5 \
	    127.0.0.1 "$RECV_PORT" "$R64M"
	local t1=$EPOCHREALTIME
	assert_one_line_stderr \
	    "^zcsend: send to 127\\.0\\.0\\.1 port $RECV_PORT: idle timeout \\(0\\.5 s\\) after [0-9]+ of 67108864 bytes\$"
	awk -v a="$t0" -v b="$t1" -v late="$LATE" \
	    'BEGIN { exit !(b - a >= 0.5 && b - a < 0.5 + late) }' ||
	    fail "exit after $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s"
}

@test "--idle-timeout does not fire while a slow reader keeps taking bytes" {
	start_peer -R 65536 -b 65536 -d 10 -o "$RECEIVED"
	run -0 --separate-stderr zc --idle-timeout 1 \
	    127.0.0.1 "$RECV_PORT" "$R16M"
	recv_wait
	assert_same_bytes "$R16M" "$RECEIVED"
}
