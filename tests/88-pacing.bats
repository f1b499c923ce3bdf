#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Time: --idle-timeout fires on a stream input that gives nothing, in every
# mode, and --rate holds the average over any interval of a second or more
# at or under the rate, measured where it matters, at the receiver.

setup() {
	load test_helper/common
	load test_helper/defects
	_common_setup
	RECEIVED=$BATS_TEST_TMPDIR/received
	ELAPSED=$BATS_TEST_TMPDIR/elapsed
	ZCOUT=$BATS_TEST_TMPDIR/zc.out
	ZCERR=$BATS_TEST_TMPDIR/zc.err
}

teardown() {
	_common_teardown
}

# stalled_stream_push ARG...: zcsend ARG... reading standard input from a
# writer that gives "hi", then nothing for 5 s; writes zcsend's own wall
# time in milliseconds to $ELAPSED and returns its status.
stalled_stream_push() {
	local t0 t1 rc=0

	t0=$(date +%s%N)
	zc "$@" < <(exec 3>&-; printf hi; exec sleep 5) || rc=$?
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000)) >"$ELAPSED"
	return "$rc"
}

# assert_idle_fired: the run (from run) exited 75 within 1 s (plus LATE)
# with one idle timeout line after the 2 bytes that came.
assert_idle_fired() {
	assert_one_line_stderr 'idle timeout \(1 s\) after 2 bytes$'
	(($(<"$ELAPSED") < (1 + LATE) * 1000)) ||
	    fail "the idle timeout took $(<"$ELAPSED") ms, not about 1 s"
}

@test "--idle-timeout fires on a pipe that gives nothing (splice): 75 in about 1 s" {
	start_nc "$RECEIVED"
	run -75 --separate-stderr stalled_stream_push --idle-timeout 1 \
	    127.0.0.1 "$RECV_PORT" -
	assert_idle_fired
	bg_wait "$RECV_PID"
	assert_equal "$(cat "$RECEIVED")" hi
}

@test "--idle-timeout fires on a pipe that gives nothing (readwrite): 75 in about 1 s" {
	start_nc "$RECEIVED"
	run -75 --separate-stderr stalled_stream_push --idle-timeout 1 \
	    --mode readwrite 127.0.0.1 "$RECV_PORT" -
	assert_idle_fired
	bg_wait "$RECV_PID"
	assert_equal "$(cat "$RECEIVED")" hi
}

@test "--idle-timeout fires on a FIFO that gives nothing: 75 in about 1 s" {
	local fifo=$BATS_TEST_TMPDIR/fifo

	mkfifo "$fifo"
	# Not bg_start: its redirection to the FIFO blocks until zcsend opens it.
	timeout -k 2 10 sh -c 'printf hi; exec sleep 5' >"$fifo" </dev/null 3>&- &
	BG_PIDS+=("$!")
	start_nc "$RECEIVED"
	run -75 --separate-stderr stalled_stream_push --idle-timeout 1 \
	    127.0.0.1 "$RECV_PORT" "$fifo"
	assert_idle_fired
	bg_wait "$RECV_PID"
	assert_equal "$(cat "$RECEIVED")" hi
}

@test "--idle-timeout fires on a stalled pipe with --to: 75 in about 1 s" {
	start_nc "$RECEIVED"
	run -75 --separate-stderr stalled_stream_push --idle-timeout 1 \
	    - --to "127.0.0.1:$RECV_PORT"
	assert_idle_fired
	bg_wait "$RECV_PID"
	assert_equal "$(cat "$RECEIVED")" hi
}

@test "--idle-timeout fires on a stalled pipe in listen mode: 75 in about 1 s" {
	local port

	# Not a pipeline: sh would wait for the writer's sleep as well.
	bg_start "$ZCOUT" "$ZCERR" bash -c \
	    'exec "$0" --idle-timeout 1 -l 127.0.0.1 0 - < <(exec 3>&-; printf hi; exec sleep 5)' \
	    "$ZCSEND"
	ZPID=$BG_PID
	wait_for_line "$ZCERR" '^zcsend: listening on .* port [0-9]+$'
	port=$(sed -n 's/^zcsend: listening on .* port \([0-9]*\)$/\1/p' "$ZCERR")
	SECONDS=0
	timeout -k 2 10 nc.openbsd -d -n 127.0.0.1 "$port" >"$RECEIVED" || true
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 75
	((SECONDS < 1 + LATE)) || fail "the idle timeout took $SECONDS s"
	assert_equal "$(cat "$RECEIVED")" hi
	grep -Eq 'idle timeout \(1 s\) after 2 bytes$' "$ZCERR" ||
	    fail "no idle timeout line: $(cat "$ZCERR")"
}

@test "--idle-timeout fires while -o skips a stream that gives nothing: 75 in about 1 s" {
	start_nc "$RECEIVED"
	run -75 --separate-stderr stalled_stream_push --idle-timeout 1 --json \
	    -o 5 127.0.0.1 "$RECV_PORT" -
	assert_one_line_stderr '^zcsend: stdin: idle timeout \(1 s\) after skipping 2 of 5 bytes$'
	(($(<"$ELAPSED") < (1 + LATE) * 1000)) ||
	    fail "the idle timeout took $(<"$ELAPSED") ms, not about 1 s"
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.status == 75 and .bytes == 0 and .error == "stdin: idle timeout (1 s) after skipping 2 of 5 bytes"'
}

# paced_push RATE BURST SIZE [ARG...]: pushes SIZE random bytes with --rate
# RATE (and ARG...) to tests/peer logging every read, checks the bytes, and
# checks that no interval of a second or more got more than RATE a second
# plus BURST.
paced_push() {
	local file=$BATS_TEST_TMPDIR/file log=$BATS_TEST_TMPDIR/arrivals

	head -c "$3" /dev/urandom >"$file"
	start_peer -L "$log" -o "$RECEIVED"
	run -0 --separate-stderr zc -q --rate "$1" "${@:4}" 127.0.0.1 "$RECV_PORT" \
	    "$file"
	recv_wait
	assert_same_bytes "$file" "$RECEIVED"
	run check_pacing "$log" "$1" "$2"
	assert_success
}

# The allowed burst is a fifth of a second's worth (at least 1 byte): the
# documented tenth, doubled for a receiver that reads late on a busy
# machine. The checks are upper bounds only.

@test "--rate 1 sends one byte a second, not a 4 KiB burst" {
	paced_push 1 1 4
}

@test "--rate 4K holds 4 KiB/s over every second, measured at the receiver" {
	paced_push 4096 819 20480
}

@test "--rate 1M holds 1 MiB/s over every second, measured at the receiver" {
	paced_push 1048576 209715 2621440
}

# paced_reach RATE SIZE: the bytes of the last paced_push arrived within
# 1.5 times SIZE / RATE of the first: the rate is also reached, not only
# kept under (a generous bound: it fails only for a pacing that loses
# time, never for a busy machine's late reads, which the bucket absorbs).
paced_reach() {
	awk -v rate="$1" -v size="$2" '
	    NR == 1 { first = $1 }
	    { last = $1 }
	    END {
		if (last - first > 1.5 * size / rate) {
			printf "%d bytes took %.3f s at %d B/s\n", size, last - first, rate
			exit 1
		}
	    }' "$BATS_TEST_TMPDIR/arrivals"
}

@test "--rate 2M with --max-chunk 1000 reaches 2 MiB/s, and holds it" {
	paced_push 2097152 419430 4194304 --max-chunk 1000
	run paced_reach 2097152 4194304
	assert_success
}

@test "--rate 4M with --max-chunk 2K reaches 4 MiB/s, and holds it" {
	paced_push 4194304 838860 8388608 --max-chunk 2K
	run paced_reach 4194304 8388608
	assert_success
}
