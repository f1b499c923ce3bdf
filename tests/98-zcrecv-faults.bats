#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# zcrecv's faults, each with its exit status, its one line, and nothing
# lost: a sender's reset (the partial file kept and counted), a full disk
# (a size-limited tmpfs) told to an --ack sender, --max-size, SIGINT and
# SIGTERM, the idle timeout, outputs that cannot be written; and the
# protocol faults on zcsend's side: garbage lines, no resume point, an
# offset out of range, a receiver that does not acknowledge.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
setup_file() {
	head -c 4194304 /dev/urandom >"$BATS_FILE_TMPDIR/r4m"
	head -c 65536 /dev/urandom >"$BATS_FILE_TMPDIR/r64k"
}

setup() {
	load test_helper/common
	load test_helper/zcrecv
	_common_setup
	zcrecv_setup
	R4M=$BATS_FILE_TMPDIR/r4m
	R64K=$BATS_FILE_TMPDIR/r64k
}

teardown() {
	zcrecv_teardown
}

# stalled_sender PORT: zcsend sends the 64 KiB of $R64K from a pipe, then
# waits for more that never comes. Sets SPID.
stalled_sender() {
	bg_start "$ZCOUT" "$ZCERR" sh -c \
	    '{ cat "$1"; exec sleep "$2"; } | exec "$3" 127.0.0.1 "$4" -' \
	    sh "$R64K" "$BOUND" "$ZCSEND" "$1"
	SPID=$BG_PID
}

# has_size FILE N: FILE holds N bytes.
has_size() {
	[[ -f $1 && $(size_of "$1") -eq $2 ]]
}

@test "a sender's reset exits 74, keeps the partial file and says what it holds" {
	local n

	start_zcrecv 127.0.0.1 0 "$OUT"
	reset_sender "$RPORT" 300000
	zcrecv_wait 74
	run cat "$RERR"
	assert_line --regexp "^zcrecv: receive from 127\.0\.0\.1 port [0-9]+: connection reset by peer after [0-9]+ bytes; $OUT holds [0-9]+ bytes\$"
	n=$(sed -n 's/.*; .* holds \([0-9]*\) bytes$/\1/p' "$RERR")
	assert_equal "$(size_of "$OUT")" "$n"
	((n <= 300000)) || fail "holds $n bytes of 300000"
	head -c "$n" "$BATS_TEST_TMPDIR/sent" >"$BATS_TEST_TMPDIR/prefix"
	assert_same_bytes "$BATS_TEST_TMPDIR/prefix" "$OUT"
}

@test "a full disk exits 74 and the --ack sender exits 74 with the receiver's message" {
	small_tmpfs 1m
	start_zcrecv --ack 127.0.0.1 0 "$SMALL/out"
	run -74 --separate-stderr zc --ack 127.0.0.1 "$RPORT" "$R4M"
	assert_one_line_stderr "^zcsend: send to 127\.0\.0\.1 port $RPORT: the receiver failed: write $SMALL/out: No space left on device\$"
	zcrecv_wait 74
	run cat "$RERR"
	assert_line --regexp "^zcrecv: write $SMALL/out: No space left on device; $SMALL/out holds [0-9]+ bytes\$"
	head -c "$(size_of "$SMALL/out")" "$R4M" >"$BATS_TEST_TMPDIR/prefix"
	assert_same_bytes "$BATS_TEST_TMPDIR/prefix" "$SMALL/out"
}

@test "a full disk without --ack: zcrecv exits 74 and nothing is left half-reported" {
	small_tmpfs 1m
	start_zcrecv --json --mode readwrite 127.0.0.1 0 "$SMALL/out"
	run zc 127.0.0.1 "$RPORT" "$R4M"
	zcrecv_wait 74
	need jq
	run jq -e -c 'select(.bytes) | [.status, .file_bytes == '"$(size_of "$SMALL/out")"', (.error | test("No space left on device"))]' "$ROUT"
	assert_output '[74,true,true]'
}

@test "--max-size stops the stream there: nothing past the limit is written" {
	start_zcrecv --max-size 1000 127.0.0.1 0 "$OUT"
	run zc 127.0.0.1 "$RPORT" "$R64K"
	zcrecv_wait 74
	run cat "$RERR"
	assert_line --regexp "^zcrecv: receive from 127\.0\.0\.1 port [0-9]+: stream exceeds --max-size 1000 bytes; $OUT holds 1000 bytes\$"
	head -c 1000 "$R64K" >"$BATS_TEST_TMPDIR/prefix"
	assert_same_bytes "$BATS_TEST_TMPDIR/prefix" "$OUT"
}

@test "--max-size with --ack: the sender is told, and exits 74" {
	start_zcrecv --ack --max-size 1000 --mode readwrite 127.0.0.1 0 "$OUT"
	run -74 --separate-stderr zc --ack 127.0.0.1 "$RPORT" "$R64K"
	assert_one_line_stderr "^zcsend: send to 127\.0\.0\.1 port $RPORT: the receiver failed: receive from 127\.0\.0\.1 port [0-9]+: stream exceeds --max-size 1000 bytes\$"
	zcrecv_wait 74
	assert_equal "$(size_of "$OUT")" 1000
}

@test "a stream exactly --max-size long is stored whole" {
	start_zcrecv --max-size 65536 127.0.0.1 0 "$OUT"
	run -0 zc 127.0.0.1 "$RPORT" "$R64K"
	zcrecv_wait 0
	assert_same_bytes "$R64K" "$OUT"
}

@test "SIGTERM exits 143 and SIGINT 130, the file synced to what arrived" {
	local sig status

	for sig in TERM INT; do
		start_zcrecv 127.0.0.1 0 "$OUT.$sig"
		stalled_sender "$RPORT"
		wait_until 20 has_size "$OUT.$sig" 65536
		kill -"$sig" "$RCMD"
		status=143
		[[ $sig == TERM ]] || status=130
		zcrecv_wait "$status"
		run cat "$RERR"
		assert_line --regexp "^zcrecv: interrupted by SIG$sig: received 65536 bytes from 127\.0\.0\.1 port [0-9]+; $OUT\.$sig holds 65536 bytes\$"
		assert_same_bytes "$R64K" "$OUT.$sig"
		kill -TERM "$SPID" 2>/dev/null || true
		bg_wait "$SPID"
	done
}

@test "a sender that never closes is bounded by --idle-timeout: 75" {
	start_zcrecv --idle-timeout 1 127.0.0.1 0 "$OUT"
	stalled_sender "$RPORT"
	zcrecv_wait 75
	run cat "$RERR"
	assert_line --regexp "^zcrecv: receive from 127\.0\.0\.1 port [0-9]+: idle for 1 s after 65536 bytes; $OUT holds 65536 bytes\$"
	assert_same_bytes "$R64K" "$OUT"
}

@test "outputs that cannot be written fail with 73 before any connection" {
	local ro=$BATS_TEST_TMPDIR/ro

	run -73 --separate-stderr zr -l 127.0.0.1 0 "$BATS_TEST_TMPDIR"
	assert_one_line_stderr "^zcrecv: open $BATS_TEST_TMPDIR: Is a directory\$"
	run -73 --separate-stderr zr -l 127.0.0.1 0 "$BATS_TEST_TMPDIR/no/such"
	assert_one_line_stderr "^zcrecv: open $BATS_TEST_TMPDIR/no/such: No such file or directory\$"
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	run -73 --separate-stderr zr -l 127.0.0.1 0 "$BATS_TEST_TMPDIR/fifo"
	assert_one_line_stderr "^zcrecv: open $BATS_TEST_TMPDIR/fifo: a FIFO with no reader\$"
	mkdir "$ro"
	mount -t tmpfs -o ro,size=64k zcrecv-test "$ro" || fail "cannot mount"
	MOUNTS+=("$ro")
	run -73 --separate-stderr zr -l 127.0.0.1 0 "$ro/out"
	assert_one_line_stderr "^zcrecv: open $ro/out: Read-only file system\$"
	# Connecting: the same failure comes before the connect.
	dead_port
	run -73 --separate-stderr zr 127.0.0.1 "$DEAD_PORT" "$BATS_TEST_TMPDIR"
	assert_one_line_stderr "^zcrecv: open $BATS_TEST_TMPDIR: Is a directory\$"
}

@test "an acknowledgement line over 256 bytes is a protocol error: 76" {
	fake_receiver "$(printf 'ok %0300d' 0)\\n"
	run -76 --separate-stderr zc --ack 127.0.0.1 "$FPORT" "$R64K"
	assert_one_line_stderr "^zcsend: send to 127\.0\.0\.1 port $FPORT: protocol error: an acknowledgement of more than 256 bytes from the receiver\$"
}

@test "an unknown word from the receiver is a protocol error: 76" {
	fake_receiver 'done 65536\n'
	run -76 --separate-stderr zc --ack 127.0.0.1 "$FPORT" "$R64K"
	assert_one_line_stderr "^zcsend: send to 127\.0\.0\.1 port $FPORT: protocol error: expected \"ok BYTES\" or \"error MESSAGE\" from the receiver, got \"done 65536\"\$"
}

@test "an ok with another byte count exits 74" {
	fake_receiver 'ok 5\n'
	run -74 --separate-stderr zc --ack 127.0.0.1 "$FPORT" "$R64K"
	assert_one_line_stderr "^zcsend: send to 127\.0\.0\.1 port $FPORT: the receiver stored 5 bytes, not 65536\$"
}

@test "--ack to a receiver that closes without a line (nc) exits 74" {
	need nc.openbsd
	start_nc
	run -74 --separate-stderr zc --ack 127.0.0.1 "$RECV_PORT" "$R64K"
	assert_one_line_stderr "^zcsend: send to 127\.0\.0\.1 port $RECV_PORT: the receiver closed without acknowledging 65536 bytes\$"
	recv_wait
	assert_same_bytes "$R64K" "$RECV_OUT"
}

@test "--resume to a receiver that offers no resume point exits 69 and sends nothing" {
	need nc.openbsd
	start_nc
	run -69 --separate-stderr zc --resume --connect-timeout 1 127.0.0.1 "$RECV_PORT" "$R64K"
	assert_one_line_stderr "^zcsend: send to 127\.0\.0\.1 port $RECV_PORT: the receiver did not offer a resume point \(none within 1 s\)\$"
	recv_wait
	assert_equal "$(size_of "$RECV_OUT")" 0
}

@test "--resume at an offset past the range exits 65 and sends nothing" {
	fake_receiver 'ok 0\n' 'resume 70000\n'
	run -65 --separate-stderr zc --resume 127.0.0.1 "$FPORT" "$R64K"
	assert_one_line_stderr "^zcsend: send to 127\.0\.0\.1 port $FPORT: the receiver holds 70000 bytes, more than the 65536 to send: nothing sent\$"
	bg_wait "$FPID"
	run cat "$BATS_TEST_TMPDIR/fake.count"
	assert_output 0
}

@test "--resume with a garbage first line is a protocol error: 76" {
	fake_receiver 'ok 0\n' 'hello\n'
	run -76 --separate-stderr zc --resume 127.0.0.1 "$FPORT" "$R64K"
	assert_one_line_stderr "^zcsend: send to 127\.0\.0\.1 port $FPORT: protocol error: expected \"resume OFFSET\" from the receiver, got \"hello\"\$"
}

@test "zcsend --ack refuses --close-timeout 0; --resume refuses - and headers" {
	run -64 --separate-stderr zc --ack --close-timeout 0 127.0.0.1 9 "$R64K"
	assert_one_line_stderr '^zcsend: command line: --ack waits for the receiver within --close-timeout, which cannot be 0$'
	run -64 --separate-stderr zc --resume 127.0.0.1 9 -
	assert_one_line_stderr '^zcsend: command line: --resume needs a file to seek in, not -$'
	run -64 --separate-stderr zc --resume -H x 127.0.0.1 9 "$R64K"
	assert_one_line_stderr '^zcsend: command line: --resume does not go with a header or trailer$'
}

@test "zcsend --resume refuses a named stream (a FIFO) before connecting: 64" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	# A writer, so that opening the FIFO does not wait; it is never read.
	bg_start /dev/null /dev/null sh -c 'exec 3>"$1"; exec sleep "$2"' sh \
	    "$BATS_TEST_TMPDIR/fifo" "$BOUND"
	start_zcrecv --resume 127.0.0.1 0 "$OUT"
	run -64 --separate-stderr zc --resume 127.0.0.1 "$RPORT" "$BATS_TEST_TMPDIR/fifo"
	assert_one_line_stderr "^zcsend: $BATS_TEST_TMPDIR/fifo: --resume needs a file to seek in, not a stream\$"
}

@test "an output removed during the transfer: the --ack sender is told it vanished" {
	local fifo=$BATS_TEST_TMPDIR/in zpid

	mkfifo "$fifo"
	start_zcrecv --ack 127.0.0.1 0 "$OUT"
	bg_start "$ZCOUT" "$ZCERR" sh -c 'exec "$0" --ack 127.0.0.1 "$1" - <"$2"' \
	    "$ZCSEND" "$RPORT" "$fifo"
	zpid=$BG_PID
	exec 4>"$fifo"
	cat "$R64K" >&4
	wait_until 20 has_size "$OUT" 65536
	rm "$OUT"
	exec 4>&-
	bg_wait "$zpid"
	assert_equal "$BG_STATUS" 74
	run cat "$ZCERR"
	assert_line "zcsend: send to 127.0.0.1 port $RPORT: the receiver failed: $OUT: the file vanished"
	zcrecv_wait 74
}

@test "SIGTERM syncs the file before zcrecv exits (strace sees the fdatasync)" {
	local log=$BATS_TEST_TMPDIR/strace spid

	need strace
	# LeakSanitizer cannot run under ptrace: no leak check here.
	bg_start "$ROUT" "$RERR" env "$NOLEAK" "$ZCRECV" -l 127.0.0.1 0 "$OUT"
	zcrecv_listening
	stalled_sender "$RPORT"
	wait_until 20 has_size "$OUT" 65536
	bg_start /dev/null "$BATS_TEST_TMPDIR/strace.err" strace -o "$log" \
	    -e trace=fdatasync -p "$RCMD"
	spid=$BG_PID
	wait_for_line "$BATS_TEST_TMPDIR/strace.err" 'attached' 10
	kill -TERM "$RCMD"
	zcrecv_wait 143
	bg_wait "$spid"
	grep -Eq '^fdatasync\([0-9]+\) += 0$' "$log" ||
	    fail "no fdatasync: $(cat "$log")"
	assert_same_bytes "$R64K" "$OUT"
}

@test "--ack: a receiver that resets instead of answering exits 74" {
	fake_receiver RESET
	run -74 --separate-stderr zc --ack 127.0.0.1 "$FPORT" "$R64K"
	assert_one_line_stderr "^zcsend: send to 127\.0\.0\.1 port $FPORT: connection reset by peer after 65536 of 65536 bytes\$"
}
