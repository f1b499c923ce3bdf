#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# --retry and --retry-delay: connects refused, timed out or reset before
# the first byte are tried again, once the receiver acknowledged bytes
# never; a retrying destination holds up no other. Every test checks the
# bytes at a real receiver (OpenBSD nc) and what zcsend says.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
# setup_file, setup and teardown are deploy.bash's.
load test_helper/common
load test_helper/deploy

# start_nc_on PORT [OUT]: OpenBSD nc listening on 127.0.0.1 PORT (one
# that was free a moment ago). Sets RECV_PID, RECV_OUT and RECV_ERR.
start_nc_on() {
	RECV_OUT=${2:-$BATS_TEST_TMPDIR/received}
	RECV_ERR=$BATS_TEST_TMPDIR/recv.$((BG_SEQ + 1)).err
	bg_start "$RECV_OUT" "$RECV_ERR" nc.openbsd -d -l -n -v 127.0.0.1 "$1"
	RECV_PID=$BG_PID
	wait_for_line "$RECV_ERR" '^Listening on ' 10
}

@test "--retry: the receiver starts two seconds after zcsend and gets every byte" {
	local t0

	dead_port
	t0=$EPOCHREALTIME
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" --json --retry 8 \
	    --retry-delay 0.5 127.0.0.1 "$DEAD_PORT" "$R1M"
	local zpid=$BG_PID
	wait_for_line "$ZCERR" 'Connection refused: retry 1 of 8 in' 10
	sleep 2
	start_nc_on "$DEAD_PORT"
	bg_wait "$zpid"
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend exited $BG_STATUS: $(cat "$ZCERR")"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a >= 2) }' ||
	    fail "done before the receiver could have started"
	output=$(<"$ZCOUT")
	json_is '.status == 0 and .bytes == 1048576 and .attempts >= 2 and
	    .attempts <= 9'
	grep -Eq "^zcsend: connect 127\\.0\\.0\\.1 port $DEAD_PORT: Connection refused: retry [0-9] of 8 in [0-9.]+ s\$" \
	    "$ZCERR" || fail "no retry line: $(cat "$ZCERR")"
	grep -Eq '^zcsend: sent 1048576 bytes in ' "$ZCERR" ||
	    fail "no summary: $(cat "$ZCERR")"
}

@test "--retry gives up after N more attempts with the last reason, exit 69" {
	dead_port
	run -69 --separate-stderr zc --json --retry 2 --retry-delay 0.05 \
	    127.0.0.1 "$DEAD_PORT" "$R1M"
	json_is '.status == 69 and .attempts == 3 and .bytes == 0'
	stderr_has "zcsend: connect 127\\.0\\.0\\.1 port $DEAD_PORT: Connection refused \\(3 attempts\\)"
	assert_equal "$(grep -c ': retry ' <<<"$stderr")" 2
}

@test "--retry: a reset before the first byte went out is retried" {
	start_peer -r 0
	local port=$RECV_PORT peer=$RECV_PID
	# strace holds zcsend's first poll back, so the reset lands before
	# zcsend sends a byte.
	need strace
	# shellcheck disable=SC2054 # strace's syntax has commas
	bg_start "$ZCOUT" "$ZCERR" env "$NOLEAK" strace -o /dev/null \
	    -e trace=poll,ppoll -e inject=poll,ppoll:delay_enter=300000:when=1 \
	    "$ZCSEND" --retry 6 --retry-delay 1 127.0.0.1 "$port" "$R1M"
	local zpid=$BG_PID
	bg_wait "$peer"
	grep -qx 'reset after 0' "$RECV_ERR" || fail "peer: $(cat "$RECV_ERR")"
	start_nc_on "$port"
	bg_wait "$zpid"
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend exited $BG_STATUS: $(cat "$ZCERR")"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	# The peer accepted, so the reset is the connection's: "send to".
	grep -q "^zcsend: send to 127\\.0\\.0\\.1 port $port: Connection reset by peer: retry 1 of 6 in " \
	    "$ZCERR" || fail "no retry line: $(cat "$ZCERR")"
}

@test "--retry never retries once the receiver acknowledged bytes, and says so" {
	start_peer -R 65536 -r 1000
	run -74 --separate-stderr zc --retry 5 --retry-delay 0.1 \
	    127.0.0.1 "$RECV_PORT" "$R1M"
	assert_one_line_stderr "^zcsend: send to 127\\.0\\.0\\.1 port $RECV_PORT: connection (closed|reset) by peer after [0-9]+ of 1048576 bytes \\(not retried: the receiver acknowledged bytes\\)\$"
	recv_wait
	[[ $(grep -c '^accepted$' "$RECV_ERR") -eq 1 ]] ||
	    fail "more than one connection: $(cat "$RECV_ERR")"
}

@test "--to: a destination that is retrying holds up no other" {
	local nc1 out1 port1

	start_nc "$BATS_TEST_TMPDIR/received.1"
	nc1=$RECV_PID
	out1=$RECV_OUT
	port1=$RECV_PORT
	dead_port
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" --json --retry 3 --retry-delay 2 \
	    "$R1M" --to "127.0.0.1:$DEAD_PORT" --to "127.0.0.1:$port1"
	local zpid=$BG_PID zcmd=$BG_CMD_PID
	# The live receiver is done while zcsend still waits to retry.
	bg_wait "$nc1"
	assert_same_bytes "$R1M" "$out1"
	kill -0 "$zcmd" 2>/dev/null ||
	    fail "zcsend ended before its retries: $(cat "$ZCERR")"
	bg_wait "$zpid"
	assert_equal "$BG_STATUS" 69
	output=$(<"$ZCOUT")
	json_is '.status == 69 and
	    .destinations[0].attempts == 4 and .destinations[0].status == 69 and
	    .destinations[1].attempts == 1 and .destinations[1].status == 0 and
	    .destinations[1].bytes == 1048576 and
	    .destinations[1].seconds < .destinations[0].seconds'
}
