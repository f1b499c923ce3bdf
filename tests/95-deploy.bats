#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# The options deployment scripts use: --retry and --retry-delay,
# --to-file, -s and -p, --sndbuf and --tos, and --checksum sha256. Every
# test checks the bytes at a real receiver (OpenBSD nc, socat) and what
# zcsend says.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
setup_file() {
	head -c 1048576 /dev/urandom >"$BATS_FILE_TMPDIR/r1m"
	head -c 65536 /dev/urandom >"$BATS_FILE_TMPDIR/r64k"
}

setup() {
	load test_helper/common
	_common_setup
	R1M=$BATS_FILE_TMPDIR/r1m
	R64K=$BATS_FILE_TMPDIR/r64k
	ZCERR=$BATS_TEST_TMPDIR/zcsend.err
	ZCOUT=$BATS_TEST_TMPDIR/zcsend.out
	# LeakSanitizer cannot run under ptrace: no leak check inside strace.
	NOLEAK="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
}

teardown() {
	_common_teardown
}

# json_is FILTER [JQ-OPTION]...: $output (from run) is JSON and FILTER is
# true of it.
json_is() {
	local filter=$1

	shift
	need jq
	jq -e "$@" "$filter" <<<"$output" >/dev/null ||
	    fail "JSON does not satisfy $filter: $output"
}

# stderr_has REGEX: a whole line of $stderr matches the extended REGEX.
stderr_has() {
	grep -Eqx -- "$1" <<<"$stderr" ||
	    fail "$(printf '%s\n' "no stderr line matching /$1/; stderr:" \
	    "$stderr")"
}

# start_nc_on PORT [OUT]: OpenBSD nc listening on 127.0.0.1 PORT (one
# that was free a moment ago). Sets RECV_PID, RECV_OUT and RECV_ERR.
start_nc_on() {
	RECV_OUT=${2:-$BATS_TEST_TMPDIR/received}
	RECV_ERR=$BATS_TEST_TMPDIR/recv.$((BG_SEQ + 1)).err
	bg_start "$RECV_OUT" "$RECV_ERR" nc.openbsd -d -l -n -v 127.0.0.1 "$1"
	RECV_PID=$BG_PID
	wait_for_line "$RECV_ERR" '^Listening on ' 10
}

@test "-h lists the deployment options" {
	run -0 "$ZCSEND" -h
	for opt in '--checksum sha256' '-p, --source-port port' '--retry n' \
	    '--retry-delay s' '-s, --source addr' '--sndbuf size' \
	    '--tos value' '--to-file file'; do
		[[ $output == *"$opt"* ]] || fail "-h does not show $opt: $output"
	done
}

@test "bad values of the deployment options are usage errors" {
	run -64 --separate-stderr "$ZCSEND" --retry -1 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: retry -1: too small$'
	run -64 --separate-stderr "$ZCSEND" --tos af99 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: tos af99: not a number or a DSCP name'
	run -64 --separate-stderr "$ZCSEND" --tos 256 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: tos 256: too large$'
	# ECN bits would be dropped by the kernel for TCP: refused, not lost.
	run -64 --separate-stderr "$ZCSEND" --tos 0x8b 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: tos 0x8b: sets the ECN bits \(the low two\), which TCP sets itself: give a multiple of 4 or a DSCP name$'
	# The backoff is capped at 60 s: a first wait over it is refused.
	run -64 --separate-stderr "$ZCSEND" --retry 1 --retry-delay 61 \
	    127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: retry delay 61: more than 60 s, the longest wait between tries$'
	# One source port connects to a destination once: refused, not
	# failed at the second connect with "Cannot assign requested address".
	run -64 --separate-stderr "$ZCSEND" -p 40000 "$R1M" \
	    --to 127.0.0.1:1 --to 127.0.0.1:tcpmux
	assert_one_line_stderr '^zcsend: command line: -p 40000: 127\.0\.0\.1 port 1 twice: one source port connects to an address and port once$'
	run -64 --separate-stderr "$ZCSEND" --checksum md5 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: checksum md5: not sha256$'
	run -64 --separate-stderr "$ZCSEND" -p 70000 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: source port 70000: '
	run -64 --separate-stderr "$ZCSEND" --sndbuf 0 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: sndbuf 0: out of range$'
	run -64 --separate-stderr "$ZCSEND" -l --retry 2 0 "$R1M"
	assert_one_line_stderr '^zcsend: command line: --retry, -s and -p go with a push, not -l$'
	run -64 --separate-stderr "$ZCSEND" --tos ef -U "$BATS_TEST_TMPDIR/s" "$R1M"
	assert_one_line_stderr '^zcsend: command line: --retry, -s, -p and --tos go with TCP, not -U$'
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
	grep -Eq "^zcsend: connect 127\\.0\\.0\\.1 port $port: (Connection reset by peer|Connection refused): retry 1 of 6 in " \
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

# has_files DIR N: DIR holds N files of 65536 bytes.
has_files() {
	(($(find "$1" -type f -size 65536c | wc -l) >= $2))
}

@test "--to-file: 500 destinations with comments, blank lines and IPv6 all get the file" {
	local port port6 dir=$BATS_TEST_TMPDIR/got list=$BATS_TEST_TMPDIR/hosts i

	need socat
	mkdir "$dir"
	dead_port
	port=$DEAD_PORT
	# One forking socat per address family takes every connection and
	# writes each to its own file, named by the client's port.
	# shellcheck disable=SC2016 # socat's shell expands it
	bg_start /dev/null "$BATS_TEST_TMPDIR/socat4.err" socat -u \
	    "TCP4-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,backlog=600" \
	    SYSTEM:'cat >'"$dir"'/4.$SOCAT_PEERPORT'
	port6=$port
	# shellcheck disable=SC2016
	bg_start /dev/null "$BATS_TEST_TMPDIR/socat6.err" socat -u \
	    "TCP6-LISTEN:$port6,bind=[::1],reuseaddr,fork,backlog=600" \
	    SYSTEM:'cat >'"$dir"'/6.$SOCAT_PEERPORT'
	{
		echo '# deployment targets'
		for ((i = 0; i < 500; i++)); do
			((i % 50 != 0)) || printf '\n  # group %d\n' "$((i / 50))"
			if ((i % 5 == 0)); then
				echo "[::1]:$port6   # v6"
			else
				printf '\t127.0.0.1:%s\n' "$port"
			fi
		done
	} >"$list"
	wait_until_listening "$port"
	run -0 --separate-stderr zc -q --json "$R64K" --to-file "$list"
	json_is '(.destinations | length) == 500 and .status == 0 and
	    ([.destinations[] | select(.status == 0 and .bytes == 65536)] |
	    length) == 500'
	# socat's forked children write the files; wait for all 500 of them
	# (an event), not for a time that a busy machine can outlast.
	wait_until "$BOUND" has_files "$dir" 500
	assert_equal "$(find "$dir" -type f | wc -l)" 500
	assert_equal "$(find "$dir" -name '6.*' -type f | wc -l)" 100
	for f in "$dir"/*; do
		cmp -s "$R64K" "$f" || fail "$f differs from the file sent"
	done
}

# wait_until_listening PORT: both socat listeners are up.
wait_until_listening() {
	local i

	need ss
	for ((i = 0; i < 250; i++)); do
		if [[ $(ss -Htln "sport = :$1" | wc -l) -ge 2 ]]; then
			return 0
		fi
		sleep 0.02
	done
	fail "socat does not listen on port $1"
}

@test "--to-file combines with --to, in order" {
	local nc1 out1 port1 list=$BATS_TEST_TMPDIR/hosts

	start_nc "$BATS_TEST_TMPDIR/received.1"
	nc1=$RECV_PID
	out1=$RECV_OUT
	port1=$RECV_PORT
	start_nc "$BATS_TEST_TMPDIR/received.2"
	printf '127.0.0.1:%s\n' "$RECV_PORT" >"$list"
	run -0 --separate-stderr zc -q --json "$R1M" \
	    --to "127.0.0.1:$port1" --to-file "$list"
	json_is '.destinations[0].port == $a and .destinations[1].port == $b' \
	    --arg a "$port1" --arg b "$RECV_PORT"
	bg_wait "$nc1"
	assert_same_bytes "$R1M" "$out1"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
}

@test "--to-file: a bad line is a usage error naming the file and the line" {
	local list=$BATS_TEST_TMPDIR/hosts

	printf '# ok\n127.0.0.1:9\n\n[::1]:9 # fine\nhost-without-port\n' >"$list"
	run -64 --separate-stderr zc "$R1M" --to-file "$list"
	assert_one_line_stderr "^zcsend: $list line 5: host-without-port: expected HOST:PORT\$"
	printf '127.0.0.1:99999\n' >"$list"
	run -64 --separate-stderr zc "$R1M" --to-file "$list"
	assert_one_line_stderr "^zcsend: $list line 1: 127\\.0\\.0\\.1:99999: "
	printf '# nothing\n\n' >"$list"
	run -64 --separate-stderr zc "$R1M" --to-file "$list"
	assert_one_line_stderr "^zcsend: command line: no destination in $list\$"
	run -66 --separate-stderr zc "$R1M" --to-file "$BATS_TEST_TMPDIR/none"
	assert_one_line_stderr "^zcsend: to-file $BATS_TEST_TMPDIR/none: No such file or directory\$"
}

@test "--to-file: long comments and blanks are no limit; an entry over 2048 bytes is \"line too long\"" {
	local list=$BATS_TEST_TMPDIR/hosts long

	start_nc
	long=$(printf 'x%.0s' {1..5000})
	{
		printf '# %s\n' "$long"
		printf '%3000s127.0.0.1:%s%3000s # %s\n' '' "$RECV_PORT" '' "$long"
	} >"$list"
	run -0 --separate-stderr zc -q "$R1M" --to-file "$list"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	printf '127.0.0.1:9\n%s.example:9\n' "$long" >"$list"
	run -64 --separate-stderr zc "$R1M" --to-file "$list"
	assert_one_line_stderr "^zcsend: $list line 2: line too long: an entry of more than 2048 bytes\$"
}

@test "--to-file: two destinations on one line are a bad line, not an IPv6 address without brackets" {
	local list=$BATS_TEST_TMPDIR/hosts

	printf '127.0.0.1:9\n127.0.0.1:9 127.0.0.1:10\n' >"$list"
	run -64 --separate-stderr zc "$R1M" --to-file "$list"
	assert_one_line_stderr "^zcsend: $list line 2: 127\\.0\\.0\\.1:9 127\\.0\\.0\\.1:10: expected one HOST:PORT, without blanks\$"
	run -64 --separate-stderr zc "$R1M" --to '[::1]:9 [::1]:10'
	assert_one_line_stderr '^zcsend: to \[::1\]:9 \[::1\]:10: expected one HOST:PORT, without blanks$'
}

@test "--to-file that cannot be read: 66 naming the to-file, and --json says so" {
	local none=$BATS_TEST_TMPDIR/none

	run -66 --separate-stderr zc "$R1M" --to-file "$BATS_TEST_TMPDIR"
	assert_equal "$stderr" "zcsend: to-file $BATS_TEST_TMPDIR: Is a directory"
	assert_equal "$output" ""
	run -66 --separate-stderr zc --json "$R1M" --to 127.0.0.1:9 \
	    --to-file "$none"
	assert_equal "$stderr" "zcsend: to-file $none: No such file or directory"
	json_is '.status == 66 and .error == $e and .file == $f and
	    (.destinations | length) == 1 and .destinations[0].status == 66' \
	    --arg e "to-file $none: No such file or directory" --arg f "$R1M"
}

@test "--to-file that cannot be read: --json still lists every --to, before and after it, in order" {
	local none=$BATS_TEST_TMPDIR/none

	run -66 --separate-stderr zc --json "$R1M" --to 127.0.0.1:9 \
	    --to-file "$none" --to '[::1]:10' --to localhost:11
	assert_equal "$stderr" "zcsend: to-file $none: No such file or directory"
	json_is '.status == 66 and .error == $e and
	    ([.destinations[] | [.host, .port, .status, .error == $e]] ==
	    [["127.0.0.1", "9", 66, true], ["::1", "10", 66, true],
	    ["localhost", "11", 66, true]])' \
	    --arg e "to-file $none: No such file or directory"
}

@test "-s and -p: the receiver sees the connection come from 127.0.0.2 and the chosen port" {
	dead_port
	local sport=$DEAD_PORT
	start_nc
	run -0 --separate-stderr zc -s 127.0.0.2 -p "$sport" \
	    127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	grep -qx "Connection received on 127.0.0.2 $sport" "$RECV_ERR" ||
	    fail "the receiver saw: $(cat "$RECV_ERR")"
}

@test "-s and -p with --to: every destination sees the same source address and port" {
	local nc1 out1 err1 port1

	dead_port
	local sport=$DEAD_PORT
	start_nc "$BATS_TEST_TMPDIR/received.1"
	nc1=$RECV_PID
	out1=$RECV_OUT
	err1=$RECV_ERR
	port1=$RECV_PORT
	start_nc "$BATS_TEST_TMPDIR/received.2"
	run -0 --separate-stderr zc -s 127.0.0.2 -p "$sport" "$R1M" \
	    --to "127.0.0.1:$port1" --to "127.0.0.1:$RECV_PORT"
	bg_wait "$nc1"
	assert_same_bytes "$R1M" "$out1"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	grep -qx "Connection received on 127.0.0.2 $sport" "$err1" ||
	    fail "receiver 1 saw: $(cat "$err1")"
	grep -qx "Connection received on 127.0.0.2 $sport" "$RECV_ERR" ||
	    fail "receiver 2 saw: $(cat "$RECV_ERR")"
}

# free_service: sets SVC_NAME and SVC_PORT to a TCP service of services(5)
# on an unprivileged port that nothing uses now.
free_service() {
	local name port

	while read -r name port; do
		if [[ -z $(ss -Htan "sport = :$port") ]]; then
			SVC_NAME=$name
			SVC_PORT=$port
			return 0
		fi
	done < <(awk '$2 ~ /^[0-9]+\/tcp$/ { split($2, p, "/");
	    if (p[1] > 1023 && p[1] < 32768) print $1, p[1] }' /etc/services)
	fail "no free TCP service port in /etc/services"
}

@test "-p takes a service name, as a port does, and binds its port" {
	need ss
	free_service
	start_nc
	run -0 --separate-stderr zc -p "$SVC_NAME" 127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	grep -qx "Connection received on 127.0.0.1 $SVC_PORT" "$RECV_ERR" ||
	    fail "the receiver saw: $(cat "$RECV_ERR")"
}

@test "-s: an address not on this host exits 69 with the reason" {
	start_nc
	run -69 --separate-stderr zc -s 192.0.2.1 127.0.0.1 "$RECV_PORT" "$R1M"
	assert_one_line_stderr "^zcsend: connect 127\\.0\\.0\\.1 port $RECV_PORT: bind 192\\.0\\.2\\.1 port 0: Cannot assign requested address\$"
}

@test "-p: a port in use exits 69 with the reason, and is not retried" {
	start_nc
	run -69 --separate-stderr zc --retry 3 -s 127.0.0.1 -p "$RECV_PORT" \
	    127.0.0.1 "$RECV_PORT" "$R1M"
	assert_one_line_stderr "^zcsend: connect 127\\.0\\.0\\.1 port $RECV_PORT: bind 127\\.0\\.0\\.1 port $RECV_PORT: Address already in use\$"
}

@test "--tos af41 and --sndbuf are set on the socket and reported by -v" {
	local trace=$BATS_TEST_TMPDIR/trace

	need strace
	start_nc
	run -0 --separate-stderr timeout -k 5 "$BOUND" env "$NOLEAK" \
	    strace -f -o "$trace" -e trace=setsockopt \
	    "$ZCSEND" -v --tos af41 --sndbuf 64K 127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	grep -Eq 'setsockopt\([0-9]+, SOL_IP, IP_TOS, \[136\], 4\) = 0' "$trace" ||
	    fail "no IP_TOS 136: $(cat "$trace")"
	grep -Eq 'setsockopt\([0-9]+, SOL_SOCKET, SO_SNDBUF, \[65536\], 4\) = 0' "$trace" ||
	    fail "no SO_SNDBUF 65536: $(cat "$trace")"
	stderr_has "zcsend: 127\\.0\\.0\\.1 port $RECV_PORT: sndbuf [0-9]+ \\(asked 65536\\), tos 0x88 \\(af41\\)"
}

@test "--sndbuf takes the largest size documented, 1G" {
	local trace=$BATS_TEST_TMPDIR/trace

	need strace
	start_nc
	run -0 --separate-stderr timeout -k 5 "$BOUND" env "$NOLEAK" \
	    strace -f -o "$trace" -e trace=setsockopt \
	    "$ZCSEND" --sndbuf 1G 127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	grep -Eq 'setsockopt\([0-9]+, SOL_SOCKET, SO_SNDBUF, \[1073741824\], 4\) = 0' "$trace" ||
	    fail "no SO_SNDBUF 1073741824: $(cat "$trace")"
	run -64 --separate-stderr "$ZCSEND" --sndbuf 1073741825 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: sndbuf 1073741825: out of range$'
}

@test "--tos ef on IPv6 sets the traffic class" {
	local trace=$BATS_TEST_TMPDIR/trace

	need strace
	start_nc -6
	run -0 --separate-stderr timeout -k 5 "$BOUND" env "$NOLEAK" \
	    strace -f -o "$trace" -e trace=setsockopt \
	    "$ZCSEND" -v --tos ef ::1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	grep -Eq 'setsockopt\([0-9]+, SOL_IPV6, IPV6_TCLASS, \[184\], 4\) = 0' "$trace" ||
	    fail "no IPV6_TCLASS 184: $(cat "$trace")"
	stderr_has "zcsend: ::1 port $RECV_PORT: tclass 0xb8 \\(ef\\)"
}

@test "--tos and --sndbuf are set on every --to socket and every accepted one" {
	local trace=$BATS_TEST_TMPDIR/trace nc1 out1 port1 zpid

	need strace
	start_nc "$BATS_TEST_TMPDIR/received.1"
	nc1=$RECV_PID
	out1=$RECV_OUT
	port1=$RECV_PORT
	start_nc "$BATS_TEST_TMPDIR/received.2"
	run -0 --separate-stderr timeout -k 5 "$BOUND" env "$NOLEAK" \
	    strace -f -o "$trace" -e trace=setsockopt \
	    "$ZCSEND" --tos 0x20 --sndbuf 128K "$R1M" \
	    --to "127.0.0.1:$port1" --to "127.0.0.1:$RECV_PORT"
	bg_wait "$nc1"
	assert_same_bytes "$R1M" "$out1"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	assert_equal "$(grep -Ec 'IP_TOS, \[32\], 4\) = 0' "$trace")" 2
	assert_equal "$(grep -Ec 'SO_SNDBUF, \[131072\], 4\) = 0' "$trace")" 2

	# Listen mode: the accepted socket.
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" -l -v --tos cs1 --sndbuf 32K \
	    127.0.0.1 0 "$R1M"
	zpid=$BG_PID
	wait_for_line "$ZCERR" '^zcsend: listening on .* port [0-9]+$' 10
	local lport
	lport=$(sed -n 's/^zcsend: listening on .* port \([0-9]*\)$/\1/p' "$ZCERR")
	timeout 30 nc.openbsd -d -n 127.0.0.1 "$lport" >"$BATS_TEST_TMPDIR/got" </dev/null
	bg_wait "$zpid"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$R1M" "$BATS_TEST_TMPDIR/got"
	grep -Eq '^zcsend: 127\.0\.0\.1 port [0-9]+: sndbuf [0-9]+ \(asked 32768\), tos 0x20 \(cs1\)$' "$ZCERR" ||
	    fail "no socket option line: $(cat "$ZCERR")"
}

# sha_line: the digest zcsend printed on stderr (from run).
sha_line() {
	sed -n 's/^zcsend: sha256 \([0-9a-f]\{64\}\)$/\1/p' <<<"$stderr"
}

@test "--checksum sha256 of a file is the receiver's sha256, in the summary and --json" {
	start_nc
	run -0 --separate-stderr zc --checksum sha256 --json 127.0.0.1 \
	    "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	assert_equal "$(sha_line)" "$(sha_of "$RECV_OUT")"
	json_is '.sha256 == $s and .status == 0' --arg s "$(sha_of "$RECV_OUT")"
}

@test "--checksum covers the range only, not header and trailer" {
	local want=$BATS_TEST_TMPDIR/range

	range_of "$R1M" 1000 300000 >"$want"
	start_nc
	run -0 --separate-stderr zc --checksum sha256 -o 1000 -n 300000 \
	    -H 'HEAD\n' -T 'TAIL\n' 127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_equal "$(size_of "$RECV_OUT")" $((5 + 300000 + 5))
	tail -c +6 "$RECV_OUT" | head -c 300000 >"$BATS_TEST_TMPDIR/got"
	assert_same_bytes "$want" "$BATS_TEST_TMPDIR/got"
	assert_equal "$(sha_line)" "$(sha_of "$want")"
}

@test "--checksum with --to: every receiver matches and the file is hashed once" {
	local nc1 out1 port1

	start_nc "$BATS_TEST_TMPDIR/received.1"
	nc1=$RECV_PID
	out1=$RECV_OUT
	port1=$RECV_PORT
	start_nc "$BATS_TEST_TMPDIR/received.2"
	run -0 --separate-stderr zc -v --checksum sha256 --json "$R1M" \
	    --to "127.0.0.1:$port1" --to "127.0.0.1:$RECV_PORT"
	bg_wait "$nc1"
	recv_wait
	assert_equal "$(sha_of "$out1")" "$(sha_of "$R1M")"
	assert_equal "$(sha_of "$RECV_OUT")" "$(sha_of "$R1M")"
	assert_equal "$(sha_line)" "$(sha_of "$R1M")"
	json_is '.sha256 == $s' --arg s "$(sha_of "$R1M")"
	assert_equal "$(grep -c '^zcsend: hashed ' <<<"$stderr")" 1
	stderr_has 'zcsend: hashed 1048576 bytes in [0-9.]+ s \(.*/s\)'
}

@test "--checksum in listen mode: the digest is each client's sha256, hashed once" {
	local zpid lport

	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" -l -k --max-clients 2 -v \
	    --checksum sha256 -o 7 -n 500000 127.0.0.1 0 "$R1M"
	zpid=$BG_PID
	wait_for_line "$ZCERR" '^zcsend: listening on .* port [0-9]+$' 10
	lport=$(sed -n 's/^zcsend: listening on .* port \([0-9]*\)$/\1/p' "$ZCERR")
	timeout 30 nc.openbsd -d -n 127.0.0.1 "$lport" >"$BATS_TEST_TMPDIR/c1" </dev/null
	timeout 30 nc.openbsd -d -n 127.0.0.1 "$lport" >"$BATS_TEST_TMPDIR/c2" </dev/null
	bg_wait "$zpid"
	assert_equal "$BG_STATUS" 0
	range_of "$R1M" 7 500000 >"$BATS_TEST_TMPDIR/want"
	assert_same_bytes "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/c1"
	assert_same_bytes "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/c2"
	assert_equal "$(grep -c "^zcsend: sha256 $(sha_of "$BATS_TEST_TMPDIR/c1")\$" "$ZCERR")" 2
	# Two clients, one pass over the file.
	grep -Eq '^zcsend: hashed 500000 bytes in ' "$ZCERR" ||
	    fail "no hashing line: $(cat "$ZCERR")"
	assert_equal "$(grep -Ec '^zcsend: hashed 500000 bytes in ' "$ZCERR")" 2
}

@test "--checksum on a pipe hashes the bytes as they pass, through read/write" {
	pipe_push() {
		cat "$R1M" | timeout -k 5 "$BOUND" "$ZCSEND" -v --json \
		    --checksum sha256 -o 3 127.0.0.1 "$RECV_PORT" -
	}
	start_nc
	run -0 --separate-stderr pipe_push
	recv_wait
	range_of "$R1M" 3 >"$BATS_TEST_TMPDIR/want"
	assert_same_bytes "$BATS_TEST_TMPDIR/want" "$RECV_OUT"
	assert_equal "$(sha_line)" "$(sha_of "$RECV_OUT")"
	json_is '.sha256 == $s and .backend == "readwrite"' \
	    --arg s "$(sha_of "$RECV_OUT")"
	stderr_has 'zcsend: stdin is not a regular file: using readwrite'
}

@test "--checksum of a pseudo-file is the digest of the bytes sent, read once" {
	local uuid=/proc/sys/kernel/random/uuid

	[[ -r $uuid ]] || skip "no $uuid (not Linux)"
	# Every read of it gives a new UUID: a second read for the digest
	# could never match what the receiver got.
	start_nc
	run -0 --separate-stderr zc --json --checksum sha256 127.0.0.1 \
	    "$RECV_PORT" "$uuid"
	recv_wait
	assert_equal "$(size_of "$RECV_OUT")" 37
	assert_equal "$(sha_line)" "$(sha_of "$RECV_OUT")"
	json_is '.sha256 == $s' --arg s "$(sha_of "$RECV_OUT")"
	# Read once means one receiver: each would read other bytes.
	run -64 --separate-stderr zc --checksum sha256 "$uuid" \
	    --to 127.0.0.1:9 --to 127.0.0.1:19
	assert_one_line_stderr "^zcsend: $uuid: --checksum of a pseudo-file goes to one receiver only: each read of it can differ\$"
}

@test "--checksum on an empty pipe: the empty digest, hashed in no time" {
	empty_push() {
		: | timeout -k 5 "$BOUND" "$ZCSEND" -v --checksum sha256 \
		    127.0.0.1 "$RECV_PORT" -
	}
	start_nc
	run -0 --separate-stderr empty_push
	recv_wait
	assert_equal "$(size_of "$RECV_OUT")" 0
	assert_equal "$(sha_line)" "$(sha_of "$RECV_OUT")"
	stderr_has '^zcsend: hashed 0 bytes in 0\.000 s \([A-Za-z]+, 0 B/s\)$'
}

@test "--checksum: a stop signal while the digest is awaited ends the run at once: 130, no digest" {
	local big=$BATS_TEST_TMPDIR/r8m pid

	need strace pgrep
	head -c 8388608 /dev/urandom >"$big"
	start_nc
	# strace holds each pread of the hashing thread (1 MiB) for a second:
	# the bytes are all sent long before the digest is ready.
	bg_start "$ZCOUT" "$ZCERR" env "$NOLEAK" strace -f -o /dev/null \
	    -e trace=pread64 -e inject=pread64:delay_enter=1000000 \
	    "$ZCSEND" --json --checksum sha256 127.0.0.1 "$RECV_PORT" "$big"
	recv_wait
	assert_same_bytes "$big" "$RECV_OUT"
	# zcsend is strace's child; it still runs (its receiver has closed).
	pid=$(pgrep -P "$BG_CMD_PID")
	kill -INT "$pid"
	bg_wait "$BG_PID"
	assert_equal "$BG_STATUS" 130
	# One pread at most is let finish: the hashing stopped short of the
	# 8 MiB, which a count shows whatever the machine's load.
	stderr=$(<"$ZCERR")
	assert_one_line_stderr "^zcsend: interrupted by SIGINT: checksum $big: hashed ([0-9]+) of 8388608 bytes\$"
	((BASH_REMATCH[1] < 8388608)) ||
	    fail "the digest was finished before SIGINT stopped it: $stderr"
	output=$(<"$ZCOUT")
	json_is '.status == 130 and .sha256 == null and .error == $e' \
	    --arg e "${stderr#zcsend: }"
}

@test "--checksum with --to: a stop signal while the digest is awaited names each destination" {
	local big=$BATS_TEST_TMPDIR/r8m nc1 out1 port1 pid p

	need strace pgrep
	head -c 8388608 /dev/urandom >"$big"
	start_nc "$BATS_TEST_TMPDIR/received.1"
	nc1=$RECV_PID
	out1=$RECV_OUT
	port1=$RECV_PORT
	start_nc "$BATS_TEST_TMPDIR/received.2"
	# As above: every byte is sent long before the digest is ready.
	bg_start "$ZCOUT" "$ZCERR" env "$NOLEAK" strace -f -o /dev/null \
	    -e trace=pread64 -e inject=pread64:delay_enter=1000000 \
	    "$ZCSEND" --checksum sha256 "$big" --to "127.0.0.1:$port1" \
	    --to "127.0.0.1:$RECV_PORT"
	bg_wait "$nc1"
	recv_wait
	assert_same_bytes "$big" "$out1"
	assert_same_bytes "$big" "$RECV_OUT"
	pid=$(pgrep -P "$BG_CMD_PID")
	kill -INT "$pid"
	bg_wait "$BG_PID"
	assert_equal "$BG_STATUS" 130
	run -0 cat "$ZCERR"
	assert_equal "${#lines[@]}" 2
	for p in "$port1" "$RECV_PORT"; do
		assert_line --regexp "^zcsend: send to 127\.0\.0\.1 port $p: interrupted by SIGINT: checksum $big: hashed [0-9]+ of 8388608 bytes\$"
	done
}

@test "--checksum of a transfer that failed is null in --json and not printed" {
	dead_port
	run -69 --separate-stderr zc --checksum sha256 --json \
	    127.0.0.1 "$DEAD_PORT" "$R1M"
	json_is '.sha256 == null and .status == 69'
	[[ $stderr != *"sha256"* ]] || fail "a digest was printed: $stderr"
}
