#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# What zcsend says: the summary line, -q, -v, --progress=plain lines and
# the --json object.

setup_file() {
	head -c 1048576 /dev/urandom >"$BATS_FILE_TMPDIR/r1m"
	head -c 67108864 /dev/urandom >"$BATS_FILE_TMPDIR/r64m"
}

setup() {
	load test_helper/common
	_common_setup
	R1M=$BATS_FILE_TMPDIR/r1m
	R64M=$BATS_FILE_TMPDIR/r64m
	RECEIVED=$BATS_TEST_TMPDIR/received
	ZCERR=$BATS_TEST_TMPDIR/zcsend.err
	ZCOUT=$BATS_TEST_TMPDIR/zcsend.out
	# A rate as the summary prints it: "85.3 MiB/s".
	RATE='[0-9]+(\.[0-9]+)? (B|KiB|MiB|GiB|TiB)/s'
	SECS='[0-9]+(\.[0-9]+)?'
	# Elapsed time and ETA as pv gives them: "0:01:10".
	HMS='[0-9]+:[0-5][0-9]:[0-5][0-9]'
}

teardown() {
	_common_teardown
}

# assert_json FILTER [JQ-OPTION]...: stdout (from run) is one line holding
# one JSON object with exactly the documented keys, each of its type, and
# the jq FILTER is true of it.
assert_json() {
	local filter=$1

	shift
	command -v jq >/dev/null || fail "jq is needed to check --json output"
	assert_equal "${#lines[@]}" 1
	jq -e -s 'length == 1' <<<"$output" >/dev/null ||
	    fail "stdout is not exactly one JSON value: $output"
	jq -e '
	    type == "object" and
	    (keys == ["backend", "bytes", "count", "error", "fallback_errno",
		"file", "file_bytes", "host", "offset", "port", "rate",
		"seconds", "status"]) and
	    (.host | type) == "string" and (.port | type) == "string" and
	    (.file | type) == "string" and (.offset | type) == "number" and
	    ((.count | type) == "number" or .count == null) and
	    (.bytes | type) == "number" and (.file_bytes | type) == "number" and
	    (.seconds | type) == "number" and .seconds >= 0 and
	    (.rate | type) == "number" and .rate >= 0 and
	    ((.backend | type) == "string" or .backend == null) and
	    ((.fallback_errno | type) == "string" or .fallback_errno == null) and
	    (.status | type) == "number" and
	    ((.error | type) == "string" or .error == null)' \
	    <<<"$output" >/dev/null ||
	    fail "not the documented JSON object: $output"
	jq -e "$@" "$filter" <<<"$output" >/dev/null ||
	    fail "JSON does not satisfy $filter: $output"
}

# stall_push PROGRESS-REGEX CMD [ARG]...: runs CMD (zcsend, or a pipeline
# feeding it) with an ARG "@PORT@" replaced by the port of a receiver that
# stops after 1 MiB until a stderr line of zcsend matches PROGRESS-REGEX,
# then reads the rest. Checks exit 0 and the 64 MiB that arrived.
stall_push() {
	local re=$1

	shift
	start_peer -R 65536 -S 1048576 -o "$RECEIVED"
	local args=() a
	for a in "$@"; do
		args+=("${a/#@PORT@/$RECV_PORT}")
	done
	bg_start "$ZCOUT" "$ZCERR" "${args[@]}"
	local zpid=$BG_PID
	wait_for_line "$RECV_ERR" '^got 1048576$'
	wait_for_line "$ZCERR" "$re" 5
	kill -USR1 "$RECV_SIG_PID"
	bg_wait "$zpid"
	[[ $BG_STATUS -eq 0 ]] ||
	    fail "zcsend exited $BG_STATUS: $(cat "$ZCERR")"
	recv_wait
	assert_same_bytes "$R64M" "$RECEIVED"
	assert_file_empty "$ZCOUT"
}

@test "-q prints nothing at all on success" {
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc -q 127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_equal "$stderr" ""
	assert_equal "$output" ""
	assert_same_bytes "$R1M" "$RECEIVED"
}

@test "a successful push prints one summary line: bytes, time, rate, backend" {
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc 127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_one_line_stderr \
	    "^zcsend: sent 1048576 bytes in $SECS s \\($RATE\\) via sendfile\$"
	assert_equal "$output" ""
}

@test "the summary counts header and trailer bytes and names readwrite" {
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc --mode readwrite -H 'abc' -T 'de' \
	    127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_one_line_stderr \
	    "^zcsend: sent 1048581 bytes in $SECS s \\($RATE\\) via readwrite\$"
}

@test "--progress=none prints only the summary" {
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc --progress=none 127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_one_line_stderr "^zcsend: sent 1048576 bytes in "
}

@test "-v says where it connected" {
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc -v 127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	[[ $'\n'$stderr$'\n' == *$'\n'"zcsend: connected to 127.0.0.1 port $RECV_PORT"$'\n'* ]] ||
	    fail "no connected line in: $stderr"
	assert_stderr_via sendfile
}

@test "--progress=plain prints lines with bytes, percent, elapsed time, rate and ETA" {
	local re="^zcsend: ([0-9]+) of 67108864 bytes \\(([0-9]+)%\\), $HMS, ($RATE|stalled), ETA ($HMS|-:--:--)\$"
	local line n=0

	stall_push "$re" "$ZCSEND" --progress=plain 127.0.0.1 @PORT@ "$R64M"
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			n=$((n + 1))
			# The percent is that of the bytes on the line, whether
			# rounded or truncated.
			(((BASH_REMATCH[2] - 1) * 67108864 < BASH_REMATCH[1] * 100 &&
			    BASH_REMATCH[1] * 100 < (BASH_REMATCH[2] + 1) * 67108864)) ||
			    fail "wrong percent in: $line"
		elif [[ $line =~ ^zcsend:\ sent\ 67108864\ bytes\ in\  ]]; then
			break
		else
			fail "unexpected line on stderr: $line"
		fi
	done <"$ZCERR"
	((n >= 1))
	[[ $(tail -n 1 "$ZCERR") =~ ^zcsend:\ sent\ 67108864\ bytes\ in\ .*\ via\ sendfile$ ]] ||
	    fail "the last line is not the summary: $(cat "$ZCERR")"
}

@test "--progress=plain on a pipe prints bytes, elapsed time and rate, with no total" {
	local re="^zcsend: [0-9]+ bytes, $HMS, ($RATE|stalled)\$"
	local line

	stall_push "$re" sh -c 'cat "$1" | "$2" --progress=plain 127.0.0.1 "$3" -' \
	    sh "$R64M" "$ZCSEND" @PORT@
	while IFS= read -r line; do
		[[ $line =~ $re || $line =~ ^zcsend:\ sent\ 67108864\ bytes\ in\ .*\ via\ (readwrite|splice)$ ]] ||
		    fail "unexpected line on stderr: $line"
	done <"$ZCERR"
	[[ $(tail -n 1 "$ZCERR") == "zcsend: sent 67108864 bytes in "* ]] ||
	    fail "the last line is not the summary: $(cat "$ZCERR")"
}

@test "--json prints one object with every key on stdout" {
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc --json -o 100 -n 1000 -H 'abc' -T 'de' \
	    127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_json '.host == "127.0.0.1" and .port == $port and
	    .file == $file and .offset == 100 and .count == 1000 and
	    .bytes == 1005 and .file_bytes == 1000 and
	    .backend == "sendfile" and .fallback_errno == null and
	    .status == 0 and .error == null' \
	    --arg port "$RECV_PORT" --arg file "$R1M"
	assert_one_line_stderr '^zcsend: sent 1005 bytes in '
}

@test "-q does not silence --json" {
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc -q --json 127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_equal "$stderr" ""
	assert_json '.bytes == 1048576 and .count == 1048576 and .status == 0'
}

@test "--json on a pipe reports count null and what was sent" {
	pipe_json() {
		cat "$R1M" | zc -q --json 127.0.0.1 "$RECV_PORT" -
	}
	start_nc "$RECEIVED"
	run -0 --separate-stderr pipe_json
	recv_wait
	assert_equal "$stderr" ""
	assert_json '.file == "-" and .offset == 0 and .count == null and
	    .bytes == 1048576 and .file_bytes == 1048576 and
	    (.backend == "readwrite" or .backend == "splice") and .status == 0'
	assert_same_bytes "$R1M" "$RECEIVED"
}

@test "--json with --mode readwrite names the backend and no fallback" {
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc -q --json --mode readwrite \
	    127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_json '.backend == "readwrite" and .fallback_errno == null'
}

@test "--json on a refused connection carries status 69 and the error" {
	dead_port
	run -69 --separate-stderr zc --json 127.0.0.1 "$DEAD_PORT" "$R1M"
	assert_equal "$stderr" \
	    "zcsend: connect 127.0.0.1 port $DEAD_PORT: Connection refused"
	assert_json '.status == 69 and .bytes == 0 and
	    .error == "connect 127.0.0.1 port \($port): Connection refused"' \
	    --arg port "$DEAD_PORT"
}

@test "listen mode: progress counts from the client's connect, not from the listen" {
	local re="^zcsend: [0-9]+ of 2097152 bytes \\([0-9]+%\\), ($HMS), ($RATE|stalled), ETA ($HMS|-:--:--)\$"
	local line n=0

	head -c 2097152 "$R64M" >"$BATS_TEST_TMPDIR/r2m"
	start_listener --progress=plain --rate 1M 127.0.0.1 0 \
	    "$BATS_TEST_TMPDIR/r2m"
	# The client comes 3 s after the listen, then takes about 2 s.
	sleep 3
	timeout 20 nc.openbsd -d 127.0.0.1 "$LPORT" >"$RECEIVED"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$BATS_TEST_TMPDIR/r2m" "$RECEIVED"
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		n=$((n + 1))
		[[ ${BASH_REMATCH[1]} =~ ^0:00:0[0-2]$ ]] ||
		    fail "elapsed time counts the wait for the client: $line"
		[[ ${BASH_REMATCH[3]} != stalled ]] ||
		    fail "stalled while the client reads: $line"
	done <"$ZCERR"
	((n >= 1)) || fail "no progress line: $(cat "$ZCERR")"
}

@test "listen mode with -k: no progress line; --progress plain gives each client's summary, the default none" {
	local file=$BATS_TEST_TMPDIR/r1m

	head -c 1048576 "$R64M" >"$file"
	start_listener -k --max-clients 1 --progress=plain --rate 512K \
	    127.0.0.1 0 "$file"
	timeout 20 nc.openbsd -d 127.0.0.1 "$LPORT" >"$RECEIVED"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$file" "$RECEIVED"
	assert_equal "$(grep -c ' of 1048576 bytes (' "$ZCERR")" 0
	grep -Eq "^zcsend: 127\\.0\\.0\\.1 port [0-9]+: sent 1048576 bytes in [0-9.]+ s " "$ZCERR" ||
	    fail "no summary for the client: $(cat "$ZCERR")"
	start_listener -k --max-clients 1 127.0.0.1 0 "$file"
	timeout 20 nc.openbsd -d 127.0.0.1 "$LPORT" >"$RECEIVED"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_equal "$(grep -vc '^zcsend: listening on ' "$ZCERR")" 0
}
