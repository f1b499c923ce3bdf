#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Signals where they used to be mishandled: while a FIFO given as header,
# trailer or --to-file is being opened, a --bench FIFO refused at once, SIGHUP in listen mode on a Unix
# socket, and the lines of --to that must name their destination.

setup() {
	load test_helper/common
	load test_helper/defects
	_common_setup
	FILE=$BATS_TEST_TMPDIR/file
	head -c 1000 /dev/urandom >"$FILE"
	FIFO=$BATS_TEST_TMPDIR/fifo
	mkfifo "$FIFO"
	ZCOUT=$BATS_TEST_TMPDIR/zc.out
	ZCERR=$BATS_TEST_TMPDIR/zc.err
}

teardown() {
	_common_teardown
}

# signal_in_fifo_open SIGNAL STATUS MESSAGE ARG...: zcsend ARG... blocks
# opening $FIFO; SIGNAL then makes it exit STATUS with exactly MESSAGE.
signal_in_fifo_open() {
	local sig=$1 status=$2 msg=$3

	shift 3
	start_zc "$ZCOUT" "$ZCERR" "$@"
	wait_until 10 blocked_in_fifo_open "$ZCMD"
	kill -"$sig" "$ZCMD"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" "$status"
	assert_equal "$(cat "$ZCERR")" "$msg"
	assert_file_empty "$ZCOUT"
}

@test "SIGINT while opening a FIFO given as --header-file exits 130" {
	signal_in_fifo_open INT 130 \
	    "zcsend: interrupted by SIGINT: opening header file $FIFO" \
	    --header-file "$FIFO" 127.0.0.1 9 "$FILE"
}

@test "SIGTERM while opening a FIFO given as --trailer-file exits 143" {
	signal_in_fifo_open TERM 143 \
	    "zcsend: interrupted by SIGTERM: opening trailer file $FIFO" \
	    --trailer-file "$FIFO" 127.0.0.1 9 "$FILE"
}

@test "SIGINT while opening a FIFO given as --to-file exits 130" {
	signal_in_fifo_open INT 130 \
	    "zcsend: interrupted by SIGINT: opening to-file $FIFO" \
	    "$FILE" --to-file "$FIFO"
}

@test "a FIFO given as the --bench file is refused at once with 66, not waited on" {
	run -66 --separate-stderr zc --bench --rounds 1 "$FIFO"
	assert_equal "$stderr" \
	    "zcsend: $FIFO: nothing to benchmark: not a regular file of 1 byte or more"
	assert_equal "$output" ""
}

@test "SIGHUP in listen mode with -U removes the socket file; the next -l -U listens" {
	local sock=$BATS_TEST_TMPDIR/l.sock

	start_zc "$ZCOUT" "$ZCERR" -l -U "$sock" "$FILE"
	wait_for_line "$ZCERR" '^zcsend: listening on '
	kill -HUP "$ZCMD"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 129
	assert_equal "$(tail -n 1 "$ZCERR")" \
	    "zcsend: interrupted by SIGHUP: no client came"
	[[ ! -e $sock ]] || fail "SIGHUP left $sock behind"
	start_zc "$ZCOUT.2" "$ZCERR.2" -l -U "$sock" "$FILE"
	wait_for_line "$ZCERR.2" '^zcsend: listening on '
	timeout -k 2 10 nc.openbsd -d -U "$sock" >"$BATS_TEST_TMPDIR/received"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$FILE" "$BATS_TEST_TMPDIR/received"
}

@test "with --to an interrupted transfer's line names its destination" {
	local big=$BATS_TEST_TMPDIR/big p1 p2

	head -c 67108864 /dev/zero >"$big"
	start_peer -R 65536 -S 1048576
	p1=$RECV_PORT
	r1=$RECV_ERR
	start_peer -R 65536 -S 1048576
	p2=$RECV_PORT
	start_zc "$ZCOUT" "$ZCERR" "$big" --to "127.0.0.1:$p1" --to "127.0.0.1:$p2"
	wait_for_line "$r1" '^got 1048576$'
	wait_for_line "$RECV_ERR" '^got 1048576$'
	kill -INT "$ZCMD"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 130
	stderr=$(<"$ZCERR")
	for p in "$p1" "$p2"; do
		[[ $stderr =~ (^|$'\n')"zcsend: send to 127.0.0.1 port $p: interrupted by SIGINT: sent "[0-9]+" of 67108864 bytes in "[^$'\n']*" via sendfile"($'\n'|$) ]] ||
		    fail "no interrupted line naming port $p: $stderr"
	done
	assert_equal "$(grep -c . <<<"$stderr")" 2
}

@test "with --to a shrunk file's line names its destination" {
	local big=$BATS_TEST_TMPDIR/big

	head -c 16777216 /dev/urandom >"$big"
	start_peer -R 65536 -S 1048576
	start_zc "$ZCOUT" "$ZCERR" "$big" --to "127.0.0.1:$RECV_PORT"
	wait_for_line "$RECV_ERR" '^got 1048576$'
	truncate -s 2097152 "$big"
	kill -USR1 "$RECV_SIG_PID"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 74
	stderr=$(<"$ZCERR")
	assert_one_line_stderr \
	    "^zcsend: send to 127\\.0\\.0\\.1 port $RECV_PORT: $big: file shrank: sent [0-9]+ of 16777216 bytes\$"
}
