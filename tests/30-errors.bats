#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Failures: bad inputs, bad ranges, names and ports that lead nowhere,
# receivers that hang up or reset, signals, and files that change under
# the transfer. Each has its exact exit status and one-line message.

setup_file() {
	head -c 67108864 /dev/urandom >"$BATS_FILE_TMPDIR/r64m"
}

setup() {
	load test_helper/common
	_common_setup
	R64M=$BATS_FILE_TMPDIR/r64m
	FILE=$BATS_TEST_TMPDIR/file
	head -c 1000 /dev/urandom >"$FILE"
	RECEIVED=$BATS_TEST_TMPDIR/received
	ZCERR=$BATS_TEST_TMPDIR/zcsend.err
	ZCOUT=$BATS_TEST_TMPDIR/zcsend.out
}

teardown() {
	_common_teardown
}

# peer_gone WORD HOW N TOTAL [OPTION]...: a receiver that, after N bytes,
# closes (HOW -c) or resets (HOW -r) while zcsend sends R64M with OPTIONs
# (TOTAL bytes in all). zcsend must exit 74 with one line saying the
# connection was WORD (a regex) by the peer; sets SENT to the byte count
# that line reports.
peer_gone() {
	local word=$1 how=$2 n=$3 total=$4

	shift 4
	start_peer -R 65536 "$how" "$n"
	run -74 --separate-stderr zc "$@" 127.0.0.1 "$RECV_PORT" "$R64M"
	assert_one_line_stderr \
	    "^zcsend: send to 127\\.0\\.0\\.1 port $RECV_PORT: connection $word by peer after ([0-9]+) of $total bytes\$"
	SENT=${BASH_REMATCH[-1]}
	assert_equal "$output" ""
	recv_wait
	wait_for_line "$RECV_ERR" "^(closed|reset) after $n\$" 1
	((SENT >= n && SENT <= total)) ||
	    fail "sent $SENT of $total, but the receiver had read $n"
}

# bg_send [OPTION]...: starts zcsend with OPTIONs in the background,
# sending FILE (or $SEND_FILE) to the receiver; sets ZPID (to wait for)
# and ZCMD (to signal).
bg_send() {
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" "$@" \
	    127.0.0.1 "$RECV_PORT" "${SEND_FILE:-$FILE}"
	ZPID=$BG_PID
	ZCMD=$BG_CMD_PID
}

# interrupt SIGNAL STATUS: SIGNAL halfway through a transfer the receiver
# holds up makes zcsend exit STATUS with the interrupted line.
interrupt() {
	start_peer -R 65536 -S 1048576
	SEND_FILE=$R64M bg_send
	wait_for_line "$RECV_ERR" '^got 1048576$'
	kill -"$1" "$ZCMD"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" "$2"
	stderr=$(<"$ZCERR")
	assert_one_line_stderr \
	    "^zcsend: interrupted by SIG$1: sent ([0-9]+) of 67108864 bytes in [0-9]+(\\.[0-9]+)? s \\(.+/s\\) via sendfile\$"
	((BASH_REMATCH[1] >= 1048576 && BASH_REMATCH[1] < 67108864))
	assert_file_empty "$ZCOUT"
}

@test "a missing file exits 66: No such file or directory" {
	start_nc
	run -66 --separate-stderr zc 127.0.0.1 "$RECV_PORT" \
	    "$BATS_TEST_TMPDIR/nonexistent"
	assert_equal "$stderr" \
	    "zcsend: $BATS_TEST_TMPDIR/nonexistent: No such file or directory"
	assert_equal "$output" ""
}

@test "a directory exits 66: Is a directory" {
	start_nc
	run -66 --separate-stderr zc 127.0.0.1 "$RECV_PORT" "$BATS_TEST_TMPDIR"
	assert_equal "$stderr" "zcsend: $BATS_TEST_TMPDIR: Is a directory"
	assert_equal "$output" ""
}

@test "an unreadable file exits 66: Permission denied" {
	local dir=$BATS_TEST_TMPDIR/locked
	local file=$BATS_TEST_TMPDIR/locked/secret

	mkdir "$dir"
	head -c 100 /dev/urandom >"$file"
	chmod 000 "$file"
	start_nc
	if ((EUID != 0)); then
		run -66 --separate-stderr zc 127.0.0.1 "$RECV_PORT" "$file"
	else
		# root reads anything: run as nobody, who can reach the file
		# and a copy of zcsend through every directory on the way but
		# is refused by the file's own mode.
		local d=$BATS_TEST_TMPDIR bin=$BATS_TEST_TMPDIR/bin
		local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

		mkdir "$bin"
		cp "$ZCSEND" "$bin/zcsend"
		chmod 755 "$bin" "$bin/zcsend" "$dir"
		while [[ $d == "$BATS_RUN_TMPDIR"* ]]; do
			chmod o+x "$d"
			d=${d%/*}
		done
		"${nobody[@]}" test -e "$file" ||
		    fail "nobody cannot reach $file: a directory above it is closed"
		if "${nobody[@]}" test -r "$file"; then
			fail "nobody can read $file"
		fi
		run -66 --separate-stderr timeout -k 5 "$BOUND" \
		    "${nobody[@]}" "$bin/zcsend" 127.0.0.1 "$RECV_PORT" "$file"
	fi
	assert_equal "$stderr" "zcsend: $file: Permission denied"
	assert_equal "$output" ""
}

@test "an offset past the end exits 65 before connecting" {
	# Nothing listens on the port: a connection attempt would exit 69.
	dead_port
	run -65 --separate-stderr zc -o 2000 127.0.0.1 "$DEAD_PORT" "$FILE"
	assert_equal "$stderr" \
	    "zcsend: $FILE: offset 2000 is past the end of the file (1000 bytes)"
	assert_equal "$output" ""
}

@test "an offset plus count past the end exits 65 before connecting" {
	dead_port
	run -65 --separate-stderr zc -o 500 -n 1000 \
	    127.0.0.1 "$DEAD_PORT" "$FILE"
	assert_equal "$stderr" \
	    "zcsend: $FILE: offset 500 + count 1000 is past the end of the file (1000 bytes)"
	assert_equal "$output" ""
}

@test "a count one byte past the end exits 65 before connecting" {
	dead_port
	run -65 --separate-stderr zc -o 0 -n 1001 \
	    127.0.0.1 "$DEAD_PORT" "$FILE"
	assert_equal "$stderr" \
	    "zcsend: $FILE: offset 0 + count 1001 is past the end of the file (1000 bytes)"
	assert_equal "$output" ""
}

@test "an unknown host exits 68 with the resolver's message" {
	run -68 --separate-stderr zc nosuch.invalid 4000 "$FILE"
	# NXDOMAIN, or no resolver reachable at all on an offline machine.
	assert_one_line_stderr \
	    '^zcsend: resolve nosuch\.invalid: (Name or service not known|Temporary failure in name resolution)$'
	assert_equal "$output" ""
}

@test "a refused connection exits 69" {
	dead_port
	run -69 --separate-stderr zc 127.0.0.1 "$DEAD_PORT" "$FILE"
	assert_equal "$stderr" \
	    "zcsend: connect 127.0.0.1 port $DEAD_PORT: Connection refused"
	assert_equal "$output" ""
}

@test "a refused connection over IPv6 exits 69" {
	start_nc -6 "$BATS_TEST_TMPDIR/dead.out"
	local port=$RECV_PORT
	kill -TERM "$RECV_PID"
	bg_wait "$RECV_PID"
	run -69 --separate-stderr zc ::1 "$port" "$FILE"
	assert_equal "$stderr" "zcsend: connect ::1 port $port: Connection refused"
}

@test "a receiver that closes at once exits 74 without hanging" {
	peer_gone "(closed|reset)" -c 0 67108864
}

@test "a receiver that closes after 1 byte exits 74" {
	peer_gone "(closed|reset)" -c 1 67108864
}

@test "a receiver that closes inside the header exits 74" {
	local hdr=$BATS_TEST_TMPDIR/hdr

	head -c 4096 /dev/urandom >"$hdr"
	peer_gone "(closed|reset)" -c 100 $((4096 + 67108864)) --header-file "$hdr"
}

@test "a receiver that closes inside the trailer exits 74" {
	local trl=$BATS_TEST_TMPDIR/trl

	head -c 4096 /dev/urandom >"$trl"
	peer_gone "(closed|reset)" -c $((67108864 + 100)) $((67108864 + 4096)) \
	    --trailer-file "$trl"
}

@test "a receiver that closes early under readwrite exits 74" {
	peer_gone "(closed|reset)" -c 1048576 67108864 --mode readwrite
}

@test "a receiver that resets mid-transfer exits 74" {
	# Linux's sendfile(2) can swallow the ECONNRESET inside a partial
	# send and fail the next call with EPIPE: either word is right.
	peer_gone "(closed|reset)" -r 1048576 67108864
	((SENT < 67108864))
}

@test "a receiver that resets mid-transfer under readwrite exits 74 and says reset" {
	peer_gone reset -r 1048576 67108864 --mode readwrite
	((SENT < 67108864))
}

@test "a reset while zcsend waits for the receiver to close exits 74" {
	start_peer -r 1000
	run -74 --separate-stderr zc 127.0.0.1 "$RECV_PORT" "$FILE"
	assert_one_line_stderr \
	    "^zcsend: send to 127\\.0\\.0\\.1 port $RECV_PORT: connection reset by peer after 1000 of 1000 bytes\$"
	recv_wait
}

@test "a receiver that reads everything but never closes exits 75 after --close-timeout" {
	start_peer -S 1000
	local t0=$EPOCHREALTIME
	run -75 --separate-stderr zc --close-timeout 0.5 \
	    127.0.0.1 "$RECV_PORT" "$FILE"
	local t1=$EPOCHREALTIME
	assert_equal "$stderr" \
	    "zcsend: send to 127.0.0.1 port $RECV_PORT: receiver did not close within 0.5 s after all 1000 bytes"
	awk -v a="$t0" -v b="$t1" -v late="$LATE" \
	    'BEGIN { exit !(b - a >= 0.5 && b - a < 0.5 + late) }' ||
	    fail "exit after $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s"
}

@test "--close-timeout 0 does not wait for the receiver to close" {
	start_peer -S 1000
	run -0 --separate-stderr zc --close-timeout 0 \
	    127.0.0.1 "$RECV_PORT" "$FILE"
	assert_one_line_stderr '^zcsend: sent 1000 bytes in '
	wait_for_line "$RECV_ERR" '^got 1000$'
}

@test "--close-timeout 0 exits 0 only once a receiver that spoke and reads late has every byte" {
	# Closing a socket with unread data resets the connection and
	# discards what is still queued (RFC 2525, 2.17): zcsend must read
	# the line and wait for the queue to drain before it exits 0.
	local big=$BATS_TEST_TMPDIR/big
	head -c 33554432 /dev/urandom >"$big"
	start_peer -w hello -W 1000 -o "$RECEIVED"
	run -0 --separate-stderr zc --close-timeout 0 \
	    127.0.0.1 "$RECV_PORT" "$big"
	assert_one_line_stderr '^zcsend: sent 33554432 bytes in '
	recv_wait
	assert_same_bytes "$big" "$RECEIVED"
}

# half_closed_push ARG...: a 256 KiB file to a receiver with a 4 KiB
# buffer that shuts its side at once (as nc -N with no input does), then
# reads 2 s late; zcsend ARG... must exit 0 no sooner than its TCP has
# every byte, and the summary's time runs to then.
half_closed_push() {
	local file=$BATS_TEST_TMPDIR/file

	head -c 262144 /dev/urandom >"$file"
	start_peer -h -R 4096 -W 2000 -o "$RECEIVED"
	run -0 --separate-stderr zc --json "$@" 127.0.0.1 "$RECV_PORT" "$file"
	recv_wait
	assert_same_bytes "$file" "$RECEIVED"
	jq -e '.status == 0 and .seconds >= 1.9' <<<"$output" >/dev/null ||
	    fail "exit 0 before the receiver's TCP had every byte: $output"
}

@test "a receiver that shuts its side before reading: exit 0 only once its TCP has every byte" {
	half_closed_push
}

@test "--close-timeout 0 and a receiver that shuts its side before reading: exit 0 only once its TCP has every byte" {
	half_closed_push --close-timeout 0
}

@test "a receiver that shuts its side and never reads exits 75 after --close-timeout" {
	local file=$BATS_TEST_TMPDIR/file

	head -c 1048576 /dev/urandom >"$file"
	start_peer -h -R 4096 -s
	run -75 --separate-stderr zc --close-timeout 0.5 \
	    127.0.0.1 "$RECV_PORT" "$file"
	assert_one_line_stderr \
	    "^zcsend: send to 127\\.0\\.0\\.1 port $RECV_PORT: receiver closed, but had not acknowledged [1-9][0-9]* of 1048576 bytes within 0\\.5 s\$"
}

@test "SIGINT mid-transfer exits 130 with what was sent" {
	interrupt INT 130
}

@test "SIGTERM mid-transfer exits 143 with what was sent" {
	interrupt TERM 143
}

@test "a file truncated during the transfer exits 74: file shrank" {
	SEND_FILE=$BATS_TEST_TMPDIR/shrinks
	cp "$R64M" "$SEND_FILE"
	start_peer -R 65536 -S 1048576
	bg_send
	wait_for_line "$RECV_ERR" '^got 1048576$'
	# At most the socket buffers, a few MiB, are past 1 MiB by now.
	truncate -s 32M "$SEND_FILE"
	kill -USR1 "$RECV_SIG_PID"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 74
	stderr=$(<"$ZCERR")
	assert_equal "$stderr" \
	    "zcsend: $SEND_FILE: file shrank: sent 33554432 of 67108864 bytes"
}

@test "a file truncated during a readwrite transfer exits 74: file shrank" {
	SEND_FILE=$BATS_TEST_TMPDIR/shrinks
	cp "$R64M" "$SEND_FILE"
	start_peer -R 65536 -S 1048576
	bg_send --mode readwrite
	wait_for_line "$RECV_ERR" '^got 1048576$'
	truncate -s 32M "$SEND_FILE"
	kill -USR1 "$RECV_SIG_PID"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 74
	stderr=$(<"$ZCERR")
	assert_equal "$stderr" \
	    "zcsend: $SEND_FILE: file shrank: sent 33554432 of 67108864 bytes"
}

@test "a file that grows during the transfer sends only its size at start" {
	SEND_FILE=$BATS_TEST_TMPDIR/grows
	cp "$R64M" "$SEND_FILE"
	start_peer -R 65536 -S 1048576 -o "$RECEIVED"
	bg_send
	wait_for_line "$RECV_ERR" '^got 1048576$'
	head -c 1048576 /dev/urandom >>"$SEND_FILE"
	kill -USR1 "$RECV_SIG_PID"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	recv_wait
	assert_same_bytes "$R64M" "$RECEIVED"
	stderr=$(<"$ZCERR")
	assert_one_line_stderr '^zcsend: sent 67108864 bytes in '
}
