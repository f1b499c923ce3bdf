#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# --json against the shape the man page documents (Progress and output):
# one transfer object in push and listen mode, one object with an entry
# per destination with --to, a first "listening" line in listen mode, JSON
# on every failure after the command line, valid UTF-8 always, and a lost
# result (standard output unwritable) never an exit 0.

setup() {
	load test_helper/common
	load test_helper/defects
	_common_setup
	need jq iconv
	FILE=$BATS_TEST_TMPDIR/file
	head -c 100000 /dev/urandom >"$FILE"
	RECEIVED=$BATS_TEST_TMPDIR/received
	ZCOUT=$BATS_TEST_TMPDIR/zc.out
	ZCERR=$BATS_TEST_TMPDIR/zc.err
}

teardown() {
	_common_teardown
}

# to_full ARG...: zcsend ARG... with standard output on /dev/full.
to_full() {
	zc "$@" >/dev/full
}

# stderr_msg: $stderr (one line) without the leading "zcsend: ", as the
# JSON error member carries it.
stderr_msg() {
	printf '%s' "${stderr#zcsend: }"
}

@test "json: a push that succeeds is one transfer object of the documented shape" {
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc -q --json 127.0.0.1 "$RECV_PORT" "$FILE"
	recv_wait
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.host == "127.0.0.1" and .port == $p and .bytes == 100000 and
	    .status == 0 and .error == null and .backend != null' \
	    --arg p "$RECV_PORT"
}

@test "json: a missing input file still gives the full transfer object" {
	run -66 --separate-stderr zc --json 127.0.0.1 9 "$BATS_TEST_TMPDIR/nonexistent"
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.status == 66 and .bytes == 0 and .file_bytes == 0 and
	    .seconds == 0 and .rate == 0 and .backend == null and
	    .host == "127.0.0.1" and .port == "9" and .error == $e' \
	    --arg e "$(stderr_msg)"
}

@test "json: a missing header file prints JSON with status 66" {
	run -66 --separate-stderr zc --json \
	    --header-file "$BATS_TEST_TMPDIR/nonexistent" 127.0.0.1 9 "$FILE"
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.status == 66 and .bytes == 0 and .error == $e' \
	    --arg e "$(stderr_msg)"
}

@test "json: -s with a name that does not resolve prints JSON with status 68" {
	run -68 --separate-stderr zc --json -s nonexistent.invalid 127.0.0.1 9 \
	    "$FILE"
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.status == 68 and .bytes == 0 and .backend == null and
	    .error == $e' --arg e "$(stderr_msg)"
	[[ $stderr == "zcsend: source address nonexistent.invalid: "* ]] ||
	    fail "unexpected message: $stderr"
}

@test "json: -s is resolved when the transfer starts: its failure is the transfer's, with the input's count" {
	run -68 --separate-stderr zc --json -s nonexistent.invalid 127.0.0.1 9 \
	    "$FILE"
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.status == 68 and .count == 100000 and .bytes == 0 and
	    .backend == null and .host == "127.0.0.1" and .port == "9" and
	    .error == $e' --arg e "$(stderr_msg)"
	[[ $stderr == "zcsend: source address nonexistent.invalid: "* ]] ||
	    fail "unexpected message: $stderr"
}

@test "-s is not looked up while the command line is read: a missing input exits 66 first" {
	run -66 --separate-stderr zc -s nonexistent.invalid 127.0.0.1 9 \
	    "$BATS_TEST_TMPDIR/nonexistent"
	assert_equal "$stderr" \
	    "zcsend: $BATS_TEST_TMPDIR/nonexistent: No such file or directory"
}

@test "json: with --to, an -s that does not resolve fails every destination in its entry" {
	run -68 --separate-stderr zc --json -s nonexistent.invalid "$FILE" \
	    --to 127.0.0.1:9 --to localhost:10
	assert_json_line "$output" "$JSON_MULTI" \
	    "(.destinations | length == 2) and all(.destinations[]; $JSON_DEST)
	    and .status == 68 and .error == null and .count == 100000 and
	    [.destinations[] | .host] == [\"127.0.0.1\", \"localhost\"] and
	    all(.destinations[]; .status == 68 and .bytes == 0 and
		.backend == null and
		(.error | startswith(\"source address nonexistent.invalid: \")))"
	assert_equal "$(grep -c '^zcsend: source address nonexistent\.invalid: ' \
	    <<<"$stderr")" 2
}

@test "json: -s '' is a usage error, 64, without JSON" {
	run -64 --separate-stderr zc --json -s '' 127.0.0.1 9 "$FILE"
	assert_equal "$stderr" \
	    "zcsend: command line: -s needs an address, not an empty string"
	assert_equal "$output" ""
}

@test "json: seconds and rate have one form each, on every path" {
	local ok fail

	start_nc "$RECEIVED"
	ok=$(zc -q --json 127.0.0.1 "$RECV_PORT" "$FILE")
	recv_wait
	fail=$(zc --json 127.0.0.1 9 "$BATS_TEST_TMPDIR/nonexistent" 2>/dev/null) &&
	    fail "a missing file succeeded"
	[[ $ok =~ \"seconds\":[0-9]+\.[0-9]{6},\"rate\":[0-9]+\.[0-9], ]] ||
	    fail "success: $ok"
	[[ $fail == *'"seconds":0.000000,"rate":0.0,'* ]] || fail "failure: $fail"
}

@test "json: a listen address in use prints JSON with status 69" {
	start_nc
	run -69 --separate-stderr zc --json -l 127.0.0.1 "$RECV_PORT" "$FILE"
	assert_one_line_stderr '^zcsend: .*Address already in use$'
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.status == 69 and .host == "127.0.0.1" and .port == $p and
	    .bytes == 0 and .error == $e' \
	    --arg p "$RECV_PORT" --arg e "$(stderr_msg)"
}

@test "json: a listen address not on this host prints JSON with status 69" {
	run -69 --separate-stderr zc --json -l 192.0.2.1 0 "$FILE"
	assert_one_line_stderr '^zcsend: .*Cannot assign requested address$'
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.status == 69 and .host == "192.0.2.1" and .port == "0" and
	    .error == $e' --arg e "$(stderr_msg)"
}

@test "json: listen mode interrupted before any client prints JSON with status 130" {
	start_zc "$ZCOUT" "$ZCERR" --json -l 127.0.0.1 0 "$FILE"
	wait_for_line "$ZCERR" '^zcsend: listening on '
	kill -INT "$ZCMD"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 130
	assert_equal "$(cat "$ZCERR" | tail -n 1)" \
	    "zcsend: interrupted by SIGINT: no client came"
	# The listening line first, then the outcome.
	assert_equal "$(wc -l <"$ZCOUT")" 2
	assert_json_line "$(tail -n 1 "$ZCOUT")" "$JSON_TRANSFER" \
	    '.status == 130 and .bytes == 0 and
	    .error == "interrupted by SIGINT: no client came"'
}

@test "json: a listening run that fails before any client still gives the count worked out from the file" {
	start_nc
	run -69 --separate-stderr zc --json -l 127.0.0.1 "$RECV_PORT" "$FILE"
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.status == 69 and .offset == 0 and .count == 100000'
	run -69 --separate-stderr zc --json -o 1000 -l 127.0.0.1 \
	    "$RECV_PORT" "$FILE"
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.status == 69 and .offset == 1000 and .count == 99000'
	start_zc "$ZCOUT" "$ZCERR" --json -l 127.0.0.1 0 "$FILE"
	wait_for_line "$ZCERR" '^zcsend: listening on '
	kill -INT "$ZCMD"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 130
	assert_json_line "$(tail -n 1 "$ZCOUT")" "$JSON_TRANSFER" \
	    '.status == 130 and .count == 100000'
}

@test "json: -q --json -l on port 0 reports the chosen port first, then the client's transfer" {
	start_zc "$ZCOUT" "$ZCERR" -q --json -l 127.0.0.1 0 "$FILE"
	wait_for_line "$ZCOUT" 'listening'
	assert_json_line "$(head -n 1 "$ZCOUT")" \
	    '(keys == ["listening"]) and (.listening | keys == ["host", "port"])' \
	    '.listening.host == "127.0.0.1" and (.listening.port | test("^[1-9][0-9]*$"))'
	port=$(head -n 1 "$ZCOUT" | jq -r .listening.port)
	timeout -k 2 10 nc.openbsd -d -n 127.0.0.1 "$port" >"$RECEIVED"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$FILE" "$RECEIVED"
	assert_file_empty "$ZCERR"
	assert_equal "$(wc -l <"$ZCOUT")" 2
	assert_json_line "$(tail -n 1 "$ZCOUT")" "$JSON_TRANSFER" \
	    '.status == 0 and .bytes == 100000 and .host == "127.0.0.1" and
	    .port != $p' --arg p "$port"
}

@test "json: listen mode names a TCP client by address and port" {
	start_zc "$ZCOUT" "$ZCERR" --json -l 127.0.0.1 0 "$FILE"
	wait_for_line "$ZCERR" '^zcsend: listening on .* port [0-9]+$'
	port=$(sed -n 's/^zcsend: listening on .* port \([0-9]*\)$/\1/p' "$ZCERR")
	timeout -k 2 10 nc.openbsd -d -n -p 0 127.0.0.1 "$port" >"$RECEIVED"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$FILE" "$RECEIVED"
	assert_json_line "$(tail -n 1 "$ZCOUT")" "$JSON_TRANSFER" \
	    '.host == "127.0.0.1" and (.port | test("^[1-9][0-9]*$")) and
	    .port != $p and .status == 0' --arg p "$port"
}

@test "json: listen mode with -U names the client by the socket path, port null" {
	local sock=$BATS_TEST_TMPDIR/l.sock

	start_zc "$ZCOUT" "$ZCERR" --json -l -U "$sock" "$FILE"
	wait_until 10 unix_listening "$sock"
	timeout -k 2 10 nc.openbsd -d -U "$sock" >"$RECEIVED"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$FILE" "$RECEIVED"
	assert_json_line "$(head -n 1 "$ZCOUT")" '.listening' \
	    '.listening.host == $s and .listening.port == null' --arg s "$sock"
	assert_json_line "$(tail -n 1 "$ZCOUT")" "$JSON_TRANSFER" \
	    '.host == $s and .port == null and .status == 0' --arg s "$sock"
}

@test "json: a push to -U names the socket path, port null" {
	local sock=$BATS_TEST_TMPDIR/s.sock

	start_unix_nc "$sock" "$RECEIVED"
	run -0 --separate-stderr zc -q --json -U "$sock" "$FILE"
	bg_wait "$RECV_PID"
	assert_same_bytes "$FILE" "$RECEIVED"
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.host == $s and .port == null and .status == 0' --arg s "$sock"
}

@test "json: with --to one destination's failure stays in its entry; top-level error null" {
	dead_port
	start_nc "$RECEIVED"
	run -69 --separate-stderr zc --json "$FILE" \
	    --to "127.0.0.1:$RECV_PORT" --to "127.0.0.1:$DEAD_PORT"
	bg_wait "$RECV_PID"
	assert_same_bytes "$FILE" "$RECEIVED"
	assert_json_line "$output" "$JSON_MULTI" \
	    "(.destinations | length == 2) and all(.destinations[]; $JSON_DEST)
	    and .status == 69 and .error == null and
	    .destinations[0].status == 0 and .destinations[0].error == null and
	    .destinations[1].status == 69 and .destinations[1].port == \$d and
	    .destinations[1].error == \"connect 127.0.0.1 port \(\$d): Connection refused\"" \
	    --arg d "$DEAD_PORT"
}

@test "json: with --to a run that fails before connecting still lists every destination" {
	run -66 --separate-stderr zc --json "$BATS_TEST_TMPDIR/nonexistent" \
	    --to 127.0.0.1:9 --to localhost:10
	assert_json_line "$output" "$JSON_MULTI" \
	    "(.destinations | length == 2) and all(.destinations[]; $JSON_DEST)
	    and .status == 66 and .error == \$e and
	    [.destinations[] | .host] == [\"127.0.0.1\", \"localhost\"] and
	    [.destinations[] | .port] == [\"9\", \"10\"] and
	    all(.destinations[]; .status == 66 and .error == \$e and
		.bytes == 0 and .backend == null)" \
	    --arg e "$(stderr_msg)"
}

@test "json: a file name that is not UTF-8 gives valid UTF-8 JSON with U+FFFD" {
	local name=$BATS_TEST_TMPDIR/$'x\xffy\xc3\xc3\xa9'

	cp "$FILE" "$name"
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc -q --json 127.0.0.1 "$RECV_PORT" "$name"
	recv_wait
	assert_same_bytes "$FILE" "$RECEIVED"
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.file == ($d + "/x\ufffdy\ufffd\u00e9")' --arg d "$BATS_TEST_TMPDIR"
}

@test "json: an error message holding a name that is not UTF-8 is valid UTF-8" {
	local name=$BATS_TEST_TMPDIR/$'bad\xfe\x80'

	run -66 --separate-stderr zc --json 127.0.0.1 9 "$name"
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.status == 66 and (.error | endswith("bad\ufffd\ufffd: No such file or directory"))'
}

@test "json: stdout on a full disk after a push is exit 74 with a message" {
	start_nc "$RECEIVED"
	run -74 --separate-stderr to_full -q --json 127.0.0.1 "$RECV_PORT" "$FILE"
	assert_equal "$stderr" "zcsend: stdout: No space left on device"
}

@test "-h with stdout on a full disk exits 74 with a message" {
	run -74 --separate-stderr to_full -h
	assert_equal "$stderr" "zcsend: stdout: No space left on device"
}

@test "-V with stdout on a full disk exits 74 with a message" {
	run -74 --separate-stderr to_full -V
	assert_equal "$stderr" "zcsend: stdout: No space left on device"
}
