#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# One file to many receivers: several --to destinations in one poll loop,
# listen mode (TCP and Unix) served to real clients, Unix socket pushes,
# splice for a pipe on stdin and zero-copy --rate pacing. Receivers are
# the everyday tools: OpenBSD nc, ncat, socat and curl, plus tests/peer for a
# receiver that never reads.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
setup_file() {
	head -c 16777216 /dev/urandom >"$BATS_FILE_TMPDIR/r16m"
	head -c 67108864 /dev/urandom >"$BATS_FILE_TMPDIR/r64m"
}

setup() {
	load test_helper/common
	_common_setup
	R16M=$BATS_FILE_TMPDIR/r16m
	R64M=$BATS_FILE_TMPDIR/r64m
	ZCERR=$BATS_TEST_TMPDIR/zcsend.err
	ZCOUT=$BATS_TEST_TMPDIR/zcsend.out
}

teardown() {
	_common_teardown
}

# has_lines FILE REGEX N: FILE holds at least N lines matching REGEX.
has_lines() {
	[[ -f $1 ]] && (($(grep -Ec -- "$2" "$1") >= $3))
}

# start_socat OUT: socat on a kernel-chosen loopback port writing what
# arrives to OUT; -d -d makes it log the port it bound. Sets RECV_PID,
# RECV_PORT and RECV_ERR.
start_socat() {
	need socat
	RECV_ERR=$BATS_TEST_TMPDIR/recv.$((BG_SEQ + 1)).err
	bg_start /dev/null "$RECV_ERR" socat -d -d -u \
	    TCP-LISTEN:0,bind=127.0.0.1 "CREATE:$1"
	RECV_PID=$BG_PID
	wait_for_line "$RECV_ERR" 'listening on AF=2 127\.0\.0\.1:[0-9]+$' 10
	RECV_PORT=$(sed -n 's/.*listening on AF=2 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$RECV_ERR")
}

# start_ncat OUT: ncat on a free loopback port writing what arrives to OUT.
# ncat cannot report a kernel-chosen port, so take one that was free a
# moment ago and retry should another process grab it first. Sets
# RECV_PID, RECV_PORT and RECV_ERR.
start_ncat() {
	local _

	need ncat
	for _ in 1 2 3 4 5; do
		dead_port
		RECV_ERR=$BATS_TEST_TMPDIR/recv.$((BG_SEQ + 1)).err
		bg_start "$1" "$RECV_ERR" ncat -v -l --recv-only 127.0.0.1 \
		    "$DEAD_PORT"
		RECV_PID=$BG_PID
		RECV_PORT=$DEAD_PORT
		wait_until 10 ncat_ready "$RECV_PID" "$RECV_ERR"
		grep -q "Listening on 127\\.0\\.0\\.1:$RECV_PORT\$" "$RECV_ERR" &&
		    return 0
		bg_wait "$RECV_PID"
	done
	fail "ncat found no free port: $(cat "$RECV_ERR")"
}

# ncat_ready PID ERR: ncat listens, or has given up.
ncat_ready() {
	grep -q 'Listening on ' "$2" || ! kill -0 "$1" 2>/dev/null
}

# http_header N: the HTTP/1.0 response header zcsend sends, as -H takes it.
http_header() {
	printf '%s' "HTTP/1.0 200 OK\\r\\nContent-Length: $1\\r\\n\\r\\n"
}

@test "eight concurrent nc receivers each get a byte-identical copy" {
	local i ports=() pids=() outs=() to=()

	for i in 1 2 3 4 5 6 7 8; do
		start_nc "$BATS_TEST_TMPDIR/received.$i"
		ports+=("$RECV_PORT")
		pids+=("$RECV_PID")
		outs+=("$RECV_OUT")
		to+=(--to "127.0.0.1:$RECV_PORT")
	done
	run -0 --separate-stderr zc "$R16M" "${to[@]}"
	assert_equal "$output" ""
	for i in 0 1 2 3 4 5 6 7; do
		[[ $stderr =~ (^|$'\n')"zcsend: 127.0.0.1 port ${ports[i]}: sent 16777216 bytes in "[0-9.]+" s (".+"/s) via sendfile"($'\n'|$) ]] ||
		    fail "no summary line for port ${ports[i]}: $stderr"
		bg_wait "${pids[i]}"
		assert_same_bytes "$R16M" "${outs[i]}"
	done
	assert_equal "$(grep -c . <<<"$stderr")" 8
}

@test "a receiver that never reads times out alone while the other finishes and zcsend sleeps in poll" {
	local stall nc_pid timing elapsed user sys

	need /usr/bin/time jq
	start_peer -s -R 65536
	stall=$RECV_PORT
	start_nc
	nc_pid=$RECV_PID
	timing=$BATS_TEST_TMPDIR/time
	run -75 --separate-stderr /usr/bin/time -f '%e %U %S' -o "$timing" \
	    timeout -k 5 "$BOUND" "$ZCSEND" --idle-timeout 1 --json "$R16M" \
	    --to "127.0.0.1:$RECV_PORT" --to "127.0.0.1:$stall"
	[[ $stderr =~ (^|$'\n')"zcsend: 127.0.0.1 port $RECV_PORT: sent 16777216 bytes in "[0-9.]+" s (".+"/s) via sendfile"($'\n'|$) ]] ||
	    fail "the reading receiver has no summary line: $stderr"
	[[ $stderr =~ (^|$'\n')"zcsend: send to 127.0.0.1 port $stall: idle timeout (1 s) after "[0-9]+" of 16777216 bytes"($'\n'|$) ]] ||
	    fail "the stalled receiver has no idle timeout line: $stderr"
	assert_equal "$(grep -c . <<<"$stderr")" 2
	# The reader finished before the stalled one timed out (an order of
	# events, not a time: a busy machine slows both).
	jq -e --arg p "$RECV_PORT" --arg s "$stall" '
	    .status == 75 and (.destinations | length == 2) and
	    .destinations[0].seconds < .destinations[1].seconds and
	    (.destinations[0] | .port == $p and .status == 0 and
	        .bytes == 16777216) and
	    (.destinations[1] | .port == $s and .status == 75 and
	        .bytes < 16777216)' <<<"$output" >/dev/null ||
	    fail "unexpected --json: $output"
	bg_wait "$nc_pid"
	assert_same_bytes "$R16M" "$RECV_OUT"
	read -r elapsed user sys < <(tail -n 1 "$timing")
	awk -v e="$elapsed" -v u="$user" -v s="$sys" \
	    'BEGIN { exit !(e >= 1 && u + s < 0.5) }' ||
	    fail "over ${elapsed} s zcsend used ${user} s user + ${sys} s system"
}

@test "listen mode serves curl an HTTP/1.0 response with the file byte for byte" {
	local body=$BATS_TEST_TMPDIR/body head=$BATS_TEST_TMPDIR/head

	need curl
	start_listener -H "$(http_header 16777216)" 127.0.0.1 0 "$R16M"
	run -0 timeout -k 5 "$BOUND" curl -sS --fail -D "$head" -o "$body" \
	    "http://127.0.0.1:$LPORT/"
	assert_same_bytes "$R16M" "$body"
	printf 'HTTP/1.0 200 OK\r\nContent-Length: 16777216\r\n\r\n' \
	    >"$BATS_TEST_TMPDIR/head.expected"
	assert_same_bytes "$BATS_TEST_TMPDIR/head.expected" "$head"
	bg_wait "$ZPID"
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend -l exited $BG_STATUS: $(cat "$ZCERR")"
	grep -Eq '^zcsend: 127\.0\.0\.1 port [0-9]+: sent 16777261 bytes in .* via sendfile$' \
	    "$ZCERR" || fail "no summary line: $(cat "$ZCERR")"
}

@test "listen mode with -k serves 16 parallel curl downloads, then SIGTERM exits 0 and closes the socket" {
	local i pids=()

	need curl jq
	start_listener -k --json --progress=plain \
	    -H "$(http_header 16777216)" 127.0.0.1 0 "$R16M"
	for i in $(seq 16); do
		bg_start /dev/null "$BATS_TEST_TMPDIR/curl.$i.err" \
		    curl -sS --fail -o "$BATS_TEST_TMPDIR/body.$i" \
		    "http://127.0.0.1:$LPORT/"
		pids+=("$BG_PID")
	done
	for i in $(seq 16); do
		bg_wait "${pids[i - 1]}"
		[[ $BG_STATUS -eq 0 ]] || fail "curl $i exited $BG_STATUS: \
$(cat "$BATS_TEST_TMPDIR/curl.$i.err")"
		assert_same_bytes "$R16M" "$BATS_TEST_TMPDIR/body.$i"
	done
	# A client is logged once zcsend has seen it close.
	wait_until 10 has_lines "$ZCERR" \
	    '^zcsend: 127\.0\.0\.1 port [0-9]+: sent 16777261 bytes in .* via sendfile$' 16
	kill -TERM "$ZCMD"
	bg_wait "$ZPID"
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend -l -k exited $BG_STATUS: $(cat "$ZCERR")"
	assert_equal "$(grep -vc '^zcsend: listening on \|: sent 16777261 bytes in ' "$ZCERR")" 0
	assert_equal "$(jq -c 'select(.status == 0 and .bytes == 16777261 and
	    .file_bytes == 16777216)' "$ZCOUT" | wc -l)" 16
	# The listening line, then one line for each client.
	assert_equal "$(head -n 1 "$ZCOUT" | jq -r .listening.port)" "$LPORT"
	assert_equal "$(wc -l <"$ZCOUT")" 17
	run -1 nc.openbsd -z 127.0.0.1 "$LPORT"
}

@test "listen mode with -k logs a client that leaves early, which does not count toward --max-clients" {
	need curl
	start_listener -k --max-clients 1 -H "$(http_header 67108864)" \
	    127.0.0.1 0 "$R64M"
	# This client reads 1000 bytes and hangs up with the rest unread.
	timeout -k 5 "$BOUND" nc.openbsd -d 127.0.0.1 "$LPORT" 3>&- |
	    head -c 1000 >/dev/null
	run -0 timeout -k 5 "$BOUND" curl -sS --fail \
	    -o "$BATS_TEST_TMPDIR/body" "http://127.0.0.1:$LPORT/"
	assert_same_bytes "$R64M" "$BATS_TEST_TMPDIR/body"
	bg_wait "$ZPID"
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend -l -k exited $BG_STATUS: $(cat "$ZCERR")"
	grep -Eq '^zcsend: send to 127\.0\.0\.1 port [0-9]+: connection (reset|closed) by peer after [0-9]+ of 67108909 bytes$' \
	    "$ZCERR" || fail "the early leaver is not logged: $(cat "$ZCERR")"
}

@test "socat, ncat and OpenBSD nc receivers get the file in one run" {
	local socat_port socat_pid ncat_port ncat_pid

	start_socat "$BATS_TEST_TMPDIR/received.socat"
	socat_port=$RECV_PORT
	socat_pid=$RECV_PID
	start_ncat "$BATS_TEST_TMPDIR/received.ncat"
	ncat_port=$RECV_PORT
	ncat_pid=$RECV_PID
	start_nc
	run -0 --separate-stderr zc "$R16M" --to "127.0.0.1:$socat_port" \
	    --to "127.0.0.1:$ncat_port" --to "127.0.0.1:$RECV_PORT"
	assert_equal "$(grep -c ': sent 16777216 bytes in .* via sendfile$' <<<"$stderr")" 3
	bg_wait "$socat_pid"
	assert_same_bytes "$R16M" "$BATS_TEST_TMPDIR/received.socat"
	bg_wait "$ncat_pid"
	assert_same_bytes "$R16M" "$BATS_TEST_TMPDIR/received.ncat"
	bg_wait "$RECV_PID"
	assert_same_bytes "$R16M" "$RECV_OUT"
}

@test "a Unix socket push reaches nc -lU and socat UNIX-LISTEN" {
	local sock=$BATS_TEST_TMPDIR/nc.sock out=$BATS_TEST_TMPDIR/received

	need socat
	bg_start "$out" "$BATS_TEST_TMPDIR/nc.err" nc.openbsd -d -lU "$sock"
	wait_until 10 unix_listening "$sock"
	run -0 --separate-stderr zc -U "$sock" "$R16M"
	assert_stderr_via sendfile
	bg_wait "$BG_PID"
	assert_same_bytes "$R16M" "$out"

	sock=$BATS_TEST_TMPDIR/socat.sock
	out=$BATS_TEST_TMPDIR/received.socat
	bg_start /dev/null "$BATS_TEST_TMPDIR/socat.err" socat -u \
	    "UNIX-LISTEN:$sock" "CREATE:$out"
	wait_until 10 unix_listening "$sock"
	run -0 --separate-stderr zc -U "$sock" "$R16M"
	assert_stderr_via sendfile
	bg_wait "$BG_PID"
	assert_same_bytes "$R16M" "$out"
}

@test "listen mode on a Unix socket serves socat UNIX-CONNECT and removes the socket at exit" {
	local sock=$BATS_TEST_TMPDIR/zc.sock

	need socat
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" -l -U "$sock" "$R16M"
	ZPID=$BG_PID
	wait_for_line "$ZCERR" "^zcsend: listening on $sock\$" 10
	[[ -S $sock ]] || fail "no socket at $sock"
	run -0 timeout -k 5 "$BOUND" socat -u "UNIX-CONNECT:$sock" \
	    "CREATE:$BATS_TEST_TMPDIR/received"
	assert_same_bytes "$R16M" "$BATS_TEST_TMPDIR/received"
	bg_wait "$ZPID"
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend -l -U exited $BG_STATUS: $(cat "$ZCERR")"
	[[ ! -e $sock ]] || fail "$sock is still there"
}

# fetch_listening OUT JSON: once zcsend's --json output JSON names the
# port it listens on, fetch from it with OpenBSD nc into OUT.
fetch_listening() {
	wait_for_line "$2" 'listening' 10 || return
	nc.openbsd -d 127.0.0.1 "$(head -n 1 "$2" | jq -r .listening.port)" \
	    >"$1"
}

@test "listen mode on a regular stdin leaves its position just after the bytes sent, as a push does" {
	local rest=$BATS_TEST_TMPDIR/rest got=$BATS_TEST_TMPDIR/got

	need nc.openbsd jq
	bg_start /dev/null /dev/null bash -c "$(declare -f wait_for_line \
	    fetch_listening); fetch_listening '$got' '$ZCOUT'"
	{
		dd bs=1000 count=1 of=/dev/null status=none
		zc -q --json -n 5000 -l 127.0.0.1 0 - >"$ZCOUT" || return
		cat >"$rest"
	} <"$R16M"
	bg_wait "$BG_PID"
	assert_equal "$BG_STATUS" 0
	range_of "$R16M" 1000 5000 >"$BATS_TEST_TMPDIR/expected"
	assert_same_bytes "$BATS_TEST_TMPDIR/expected" "$got"
	range_of "$R16M" 6000 >"$BATS_TEST_TMPDIR/expected"
	assert_same_bytes "$BATS_TEST_TMPDIR/expected" "$rest"
}

@test "--to on a regular stdin leaves its position after the bytes sent, also when the first destination failed" {
	local rest=$BATS_TEST_TMPDIR/rest rc=0

	dead_port
	start_nc "$BATS_TEST_TMPDIR/got"
	{
		dd bs=1000 count=1 of=/dev/null status=none
		zc -q -n 5000 - --to "127.0.0.1:$DEAD_PORT" \
		    --to "127.0.0.1:$RECV_PORT" 2>"$ZCERR" || rc=$?
		cat >"$rest"
	} <"$R16M"
	recv_wait
	assert_equal "$rc" 69
	assert_equal "$(cat "$ZCERR")" \
	    "zcsend: connect 127.0.0.1 port $DEAD_PORT: Connection refused"
	range_of "$R16M" 1000 5000 >"$BATS_TEST_TMPDIR/expected"
	assert_same_bytes "$BATS_TEST_TMPDIR/expected" "$BATS_TEST_TMPDIR/got"
	range_of "$R16M" 6000 >"$BATS_TEST_TMPDIR/expected"
	assert_same_bytes "$BATS_TEST_TMPDIR/expected" "$rest"
}

@test "-6 -l without an address serves IPv6 clients only: an IPv4 client is refused" {
	local port

	need nc.openbsd jq
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" -q --json -6 -l 0 "$R16M"
	ZPID=$BG_PID
	wait_for_line "$ZCOUT" 'listening' 10
	port=$(head -n 1 "$ZCOUT" | jq -r .listening.port)
	assert_equal "$(head -n 1 "$ZCOUT")" \
	    "{\"listening\":{\"host\":\"::\",\"port\":\"$port\"}}"
	run -1 timeout -k 2 10 nc.openbsd -d 127.0.0.1 "$port"
	assert_output ''
	timeout -k 2 10 nc.openbsd -d ::1 "$port" >"$BATS_TEST_TMPDIR/got"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$R16M" "$BATS_TEST_TMPDIR/got"
	tail -n 1 "$ZCOUT" | jq -e '.host == "::1" and .status == 0' >/dev/null ||
	    fail "not the IPv6 client's outcome: $(tail -n 1 "$ZCOUT")"
}

@test "a pipe on stdin is moved with splice and arrives identical" {
	local copy=$BATS_TEST_TMPDIR/copy trace=$BATS_TEST_TMPDIR/trace moved

	need strace
	start_nc
	BG_STATUS=0
	# LeakSanitizer cannot run under ptrace: no leak check here.
	head -c 100M /dev/urandom | tee "$copy" |
	    timeout -k 5 "$BOUND" env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -o "$trace" -e trace=splice \
	    "$ZCSEND" -v 127.0.0.1 "$RECV_PORT" - >"$ZCOUT" 2>"$ZCERR" ||
	    BG_STATUS=$?
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend exited $BG_STATUS: $(cat "$ZCERR")"
	bg_wait "$RECV_PID"
	assert_same_bytes "$copy" "$RECV_OUT"
	assert_equal "$(size_of "$copy")" 104857600
	grep -qx 'zcsend: stdin is not a regular file: using splice' "$ZCERR" ||
	    fail "no splice line from -v: $(cat "$ZCERR")"
	grep -Eqx 'zcsend: sent 104857600 bytes in .* via splice' "$ZCERR" ||
	    fail "no summary line naming splice: $(cat "$ZCERR")"
	# Every byte went from the pipe (fd 0) by splice(2).
	moved=$(awk '/splice\(0, / && $NF ~ /^[0-9]+$/ { s += $NF }
	    END { printf "%d\n", s }' "$trace")
	assert_equal "$moved" 104857600
}

@test "--rate 32M paces a 64 MiB file to each of two receivers over about 2 s with sendfile carrying the data" {
	local trace=$BATS_TEST_TMPDIR/trace t0 t1 nc1 out1 port1 counts sf rd big

	need strace
	start_nc "$BATS_TEST_TMPDIR/received.1"
	nc1=$RECV_PID
	out1=$RECV_OUT
	port1=$RECV_PORT
	start_nc "$BATS_TEST_TMPDIR/received.2"
	t0=$EPOCHREALTIME
	# LeakSanitizer cannot run under ptrace: no leak check here.
	run -0 --separate-stderr timeout -k 5 "$BOUND" \
	    env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -y -o "$trace" \
	    -e trace=sendfile,read,pread64,write "$ZCSEND" --rate 32M \
	    --progress=plain "$R64M" --to "127.0.0.1:$port1" \
	    --to "127.0.0.1:$RECV_PORT"
	t1=$EPOCHREALTIME
	bg_wait "$nc1"
	assert_same_bytes "$R64M" "$out1"
	bg_wait "$RECV_PID"
	assert_same_bytes "$R64M" "$RECV_OUT"
	# At least the time --rate allows (which load cannot shorten); at most
	# that plus LATE, a bound on a pacing that loses time.
	awk -v a="$t0" -v b="$t1" -v late="$LATE" \
	    'BEGIN { exit !(b - a >= 1.6 && b - a <= 2 + late) }' ||
	    fail "64 MiB at 32 MiB/s took $(awk -v a="$t0" -v b="$t1" \
	    'BEGIN { print b - a }') s"
	[[ $stderr =~ (^|$'\n')"zcsend: 2 receivers: "[^$'\n']*"; slowest 127.0.0.1 port "[0-9]+" at "[0-9]+"%"($'\n'|$) ]] ||
	    fail "no plain progress line for 2 receivers: $stderr"
	# sendfile bytes; reads of the file itself (strace -y names each
	# fd's file); the largest read/write of anything.
	counts=$(awk -v file="<$R64M>" '
	    / sendfile\(/ && $NF ~ /^[0-9]+$/ { sf += $NF }
	    / (read|pread64)\(/ && index($0, file) { rd++ }
	    / (read|pread64|write)\(/ && $NF ~ /^[0-9]+$/ && $NF > big { big = $NF }
	    END { printf "%d %d %d\n", sf, rd, big }' "$trace")
	read -r sf rd big <<<"$counts"
	assert_equal "$sf" 134217728
	((rd == 0)) || fail "$rd read/pread64 calls on the file"
	((big < 65536)) || fail "a read or write moved $big bytes"
}

@test "--fail-fast with a refused first destination leaves the others not started" {
	local good

	need jq
	dead_port
	start_nc
	good=$RECV_PORT
	run -69 --separate-stderr zc --fail-fast --json "$R16M" \
	    --to "127.0.0.1:$DEAD_PORT" --to "127.0.0.1:$good"
	[[ $stderr =~ (^|$'\n')"zcsend: connect 127.0.0.1 port $DEAD_PORT: Connection refused"($'\n'|$) ]] ||
	    fail "no refused line: $stderr"
	[[ $stderr =~ (^|$'\n')"zcsend: send to 127.0.0.1 port $good: "(not started|stopped)[^$'\n']*($'\n'|$) ]] ||
	    fail "the other destination was not stopped: $stderr"
	jq -e '.status == 69 and (.destinations | length == 2) and
	    (.destinations[1] | .status == 69 and .bytes == 0 and
	        (.error | test("not started|stopped")))' <<<"$output" \
	    >/dev/null || fail "unexpected --json: $output"
}

@test "--fail-fast with a refused last destination stops the ones already connected" {
	local i ports=() pids=() to=()

	need jq
	for i in 1 2; do
		start_nc "$BATS_TEST_TMPDIR/received.$i"
		ports+=("$RECV_PORT")
		pids+=("$RECV_PID")
		to+=(--to "127.0.0.1:$RECV_PORT")
	done
	dead_port
	run -69 --separate-stderr zc --fail-fast --json "$R64M" "${to[@]}" \
	    --to "127.0.0.1:$DEAD_PORT"
	[[ $stderr =~ (^|$'\n')"zcsend: connect 127.0.0.1 port $DEAD_PORT: Connection refused"($'\n'|$) ]] ||
	    fail "no refused line: $stderr"
	for i in 0 1; do
		[[ $stderr =~ (^|$'\n')"zcsend: send to 127.0.0.1 port ${ports[i]}: "(not started|stopped)[^$'\n']*($'\n'|$) ]] ||
		    fail "port ${ports[i]} was not stopped: $stderr"
	done
	jq -e '.status == 69 and ([.destinations[] | .status] == [69, 69, 69])
	    and ([.destinations[0, 1] | .error | test("not started|stopped")]
	    == [true, true])' <<<"$output" >/dev/null ||
	    fail "unexpected --json: $output"
}

@test "the exit status is the most serious destination's: refused and idle timeout give 75" {
	local stall

	dead_port
	start_peer -s -R 65536
	stall=$RECV_PORT
	run -75 --separate-stderr zc --idle-timeout 1 "$R16M" \
	    --to "127.0.0.1:$DEAD_PORT" --to "127.0.0.1:$stall"
	[[ $stderr =~ (^|$'\n')"zcsend: connect 127.0.0.1 port $DEAD_PORT: Connection refused"($'\n'|$) ]] ||
	    fail "no refused line: $stderr"
	[[ $stderr =~ (^|$'\n')"zcsend: send to 127.0.0.1 port $stall: idle timeout (1 s) after "[0-9]+" of 16777216 bytes"($'\n'|$) ]] ||
	    fail "no idle timeout line: $stderr"
	assert_equal "$(grep -c . <<<"$stderr")" 2
}

@test "the exit status is the most serious destination's: a reset beats an idle timeout and a refusal with 74" {
	local stall reset

	dead_port
	start_peer -s -R 65536
	stall=$RECV_PORT
	start_peer -R 65536 -r 1048576
	reset=$RECV_PORT
	run -74 --separate-stderr zc --idle-timeout 1 "$R16M" \
	    --to "127.0.0.1:$stall" --to "127.0.0.1:$reset" \
	    --to "127.0.0.1:$DEAD_PORT"
	[[ $stderr =~ (^|$'\n')"zcsend: send to 127.0.0.1 port $reset: connection "(reset|closed)" by peer after "[0-9]+" of 16777216 bytes"($'\n'|$) ]] ||
	    fail "no reset line: $stderr"
	[[ $stderr == *"zcsend: send to 127.0.0.1 port $stall: idle timeout (1 s) after "* ]] ||
	    fail "no idle timeout line: $stderr"
	[[ $stderr == *"zcsend: connect 127.0.0.1 port $DEAD_PORT: Connection refused"* ]] ||
	    fail "no refused line: $stderr"
}

@test "--json with --to reports each destination's outcome" {
	need jq
	dead_port
	start_nc
	run -69 --separate-stderr zc --json -n 1000000 "$R16M" \
	    --to "127.0.0.1:$RECV_PORT" --to "localhost:$DEAD_PORT"
	jq -e --arg p "$RECV_PORT" --arg d "$DEAD_PORT" --arg f "$R16M" '
	    .file == $f and .offset == 0 and .count == 1000000 and
	    .status == 69 and (.destinations | length == 2) and
	    (.destinations[0] | .host == "127.0.0.1" and .port == $p and
	        .bytes == 1000000 and .file_bytes == 1000000 and
	        .backend == "sendfile" and .fallback_errno == null and
	        .status == 0 and .error == null and .seconds >= 0 and
	        .rate >= 0) and
	    (.destinations[1] | .host == "localhost" and .port == $d and
	        .bytes == 0 and .status == 69 and
	        .error == "connect localhost port \($d): Connection refused")
	    ' <<<"$output" >/dev/null || fail "unexpected --json: $output"
	bg_wait "$RECV_PID"
	range_of "$R16M" 0 1000000 >"$BATS_TEST_TMPDIR/expected"
	assert_same_bytes "$BATS_TEST_TMPDIR/expected" "$RECV_OUT"
}

@test "an IPv6 destination in brackets gets the file" {
	start_nc -6
	run -0 --separate-stderr zc "$R16M" --to "[::1]:$RECV_PORT"
	assert_one_line_stderr \
	    "^zcsend: ::1 port $RECV_PORT: sent 16777216 bytes in [0-9.]+ s \\(.+/s\\) via sendfile\$"
	bg_wait "$RECV_PID"
	assert_same_bytes "$R16M" "$RECV_OUT"
}

@test "--to without a port is a usage error" {
	run -64 --separate-stderr "$ZCSEND" "$R16M" --to host
	assert_one_line_stderr '^zcsend: to host: expected HOST:PORT$'
	assert_equal "$output" ""
}

@test "--to with a bare IPv6 address is a usage error asking for brackets" {
	run -64 --separate-stderr "$ZCSEND" "$R16M" --to ::1:80
	assert_one_line_stderr \
	    '^zcsend: to ::1:80: an IPv6 address needs brackets: \[ADDRESS\]:PORT$'
	assert_equal "$output" ""
}

@test "listen mode with -k: --idle-timeout frees the slot of a client that never reads, and the next is served" {
	local got=$BATS_TEST_TMPDIR/got

	need nc.openbsd
	# --max-clients counts only clients served the whole file: the
	# second one.
	start_listener -k -v --max-conns 1 --max-clients 1 --idle-timeout 1 \
	    127.0.0.1 0 "$R64M"
	# The first client reads into a pipe nobody empties: it stalls once
	# the pipe and the socket buffers are full, holding the only slot.
	bg_start /dev/null /dev/null sh -c \
	    'nc.openbsd -d 127.0.0.1 "$0" | sleep "$1"' "$LPORT" "$BOUND"
	wait_for_line "$ZCERR" '^zcsend: 127\.0\.0\.1 port [0-9]+ connected$' 10
	timeout -k 5 "$BOUND" nc.openbsd -d 127.0.0.1 "$LPORT" 3>&- >"$got" ||
	    fail "the second client failed: $?"
	assert_same_bytes "$R64M" "$got"
	bg_wait "$ZPID"
	grep -Eq '^zcsend: send to 127\.0\.0\.1 port [0-9]+: idle timeout \(1 s\) after [0-9]+ of 67108864 bytes$' \
	    "$ZCERR" || fail "the stalled client is not logged: $(cat "$ZCERR")"
	assert_equal "$BG_STATUS" 0
}
