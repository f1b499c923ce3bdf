#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Fault injection beyond 30-errors.bats: resets at every stage of a
# transfer, an input that fails or ends under zcsend, signals at random
# moments, and connections whose SYNs go unanswered. Every failure must
# end in its exit status and one line, within a bound, never in a hang.
#
# Each @test runs in a process of its own, so setting a variable there is
# meant to stay there; sh -c and perl programs are single-quoted on purpose.
# shellcheck disable=SC2030,SC2031,SC2016

# TEST-NET-2 (RFC 5737): inside a namespace of our own it is routed into
# lo, where packets for it are dropped; nothing can leave the namespace.
BLACKHOLE=198.51.100.2

setup_file() {
	head -c 16777216 /dev/urandom >"$BATS_FILE_TMPDIR/r16m"
}

setup() {
	load test_helper/common
	_common_setup
	R16M=$BATS_FILE_TMPDIR/r16m
	FILE=$BATS_TEST_TMPDIR/file
	head -c 1000 /dev/urandom >"$FILE"
	RECEIVED=$BATS_TEST_TMPDIR/received
	ZCERR=$BATS_TEST_TMPDIR/zcsend.err
	ZCOUT=$BATS_TEST_TMPDIR/zcsend.out
	NETNS=
	WRAP=()
}

teardown() {
	_common_teardown
	if [[ -n $NETNS ]]; then
		ip netns delete "$NETNS" 2>/dev/null || true
	fi
}

# bg_send [OPTION]...: starts zcsend with OPTIONs in the background,
# sending $SEND_FILE (default R16M) to the receiver; sets ZPID (to wait
# for) and ZCMD (to signal).
bg_send() {
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" "$@" \
	    127.0.0.1 "$RECV_PORT" "${SEND_FILE:-$R16M}"
	ZPID=$BG_PID
	ZCMD=$BG_CMD_PID
}

# assert_within T0 SECONDS: less than SECONDS, plus the LATE a busy
# machine may add, have passed since T0 (an $EPOCHREALTIME). SECONDS is
# the timer the test set (0 where none ends the wait). A bound on a hang,
# not a speed test.
assert_within() {
	local dt

	dt=$(awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
	awk -v d="$dt" -v t="$2" -v late="$LATE" 'BEGIN { exit !(d < t + late) }' ||
	    fail "took $dt s, the bound is $2 s + $LATE s"
}

# reset_at N TOTAL [OPTION]...: a receiver that reads N bytes and then
# resets the connection, while zcsend (run under the command in the array
# WRAP, if set) sends R16M with OPTIONs (TOTAL bytes on the wire). zcsend
# must exit 74 with one line that counts what it sent, long before the
# 30 s it would wait for a receiver to close.
reset_at() {
	local n=$1 total=$2 t0 sent

	shift 2
	start_peer -R 65536 -r "$n"
	t0=$EPOCHREALTIME
	run -74 --separate-stderr timeout -k 5 "$BOUND" ${WRAP[@]+"${WRAP[@]}"} \
	    "$ZCSEND" "$@" 127.0.0.1 "$RECV_PORT" "$R16M"
	assert_within "$t0" 0
	# ECONNRESET, or EPIPE once the reset is consumed: either word.
	assert_one_line_stderr \
	    "^zcsend: send to 127\\.0\\.0\\.1 port $RECV_PORT: connection (closed|reset) by peer after ([0-9]+) of $total bytes\$"
	sent=${BASH_REMATCH[2]}
	assert_equal "$output" ""
	recv_wait
	wait_for_line "$RECV_ERR" "^reset after $n\$" 1
	((sent >= n && sent <= total)) ||
	    fail "sent $sent of $total, but the receiver had read $n"
}

# mem_region PID: sets MEM_START and MEM_LEN to a readable mapping of
# process PID that an unmapped gap follows: reading /proc/PID/mem from
# MEM_START gives MEM_LEN bytes, then EIO.
mem_region() {
	local i exe start end

	for ((i = 0; i < 250; i++)); do
		exe=$(readlink "/proc/$1/exe" 2>/dev/null) || exe=
		[[ $exe != */sleep ]] || break
		sleep 0.02
	done
	[[ $exe == */sleep ]] || fail "process $1 never became sleep"
	read -r start end < <(awk '
	    { split($1, a, "-") }
	    prev != "" && a[1] != prev_end { print prev; exit }
	    { prev = ""; prev_end = a[2] }
	    $2 ~ /^r/ { prev = a[1] " " a[2] }
	' "/proc/$1/maps")
	[[ ${start-} =~ ^[0-9a-f]+$ && ${end-} =~ ^[0-9a-f]+$ ]] ||
	    fail "no readable mapping before a gap in /proc/$1/maps"
	MEM_START=$((16#$start))
	MEM_LEN=$((16#$end - 16#$start))
}

# unreadable_mid_transfer [OPTION]...: zcsend reads /proc/PID/mem of a
# sleeping process from the start of a mapping into the unmapped gap after
# it: the read fails there with EIO, after MEM_LEN bytes went out.
unreadable_mid_transfer() {
	local mem

	[[ -r /proc/self/mem ]] || skip "no /proc/PID/mem"
	bg_start /dev/null "$BATS_TEST_TMPDIR/sleep.err" sleep "$BOUND"
	mem=/proc/$BG_CMD_PID/mem
	mem_region "$BG_CMD_PID"
	dd if="$mem" of=/dev/null bs=4096 skip=$((MEM_START / 4096)) \
	    count=1 2>/dev/null ||
	    skip "cannot read $mem (ptrace restrictions)"
	start_peer -o "$RECEIVED"
	run -74 --separate-stderr zc "$@" -o "$MEM_START" \
	    127.0.0.1 "$RECV_PORT" "$mem"
	# A size-0 /proc file has no known total: no "of M".
	assert_equal "$stderr" \
	    "zcsend: $mem: read: Input/output error after $MEM_LEN bytes"
	assert_equal "$output" ""
	bg_wait "$RECV_PID"
	assert_equal "$(size_of "$RECEIVED")" "$MEM_LEN"
}

# make_netns: a network namespace whose only interface is lo, with
# BLACKHOLE routed into it: a SYN to BLACKHOLE is looped back, found not to
# be for any local address, and dropped. Skips where namespaces cannot be
# made (not root, no ip(8)).
make_netns() {
	new_netns
	ip netns exec "$NETNS" ip route add "${BLACKHOLE%.*}.0/24" dev lo
}

# start_full_listener: a loopback listener with a backlog of 0 that never
# accepts, then connections until one hangs, so the accept queue is full
# and the kernel drops every further SYN. Sets FULL_PORT.
start_full_listener() {
	local filler err

	command -v perl >/dev/null || skip "no perl for the listener"
	err=$BATS_TEST_TMPDIR/listener.err
	bg_start /dev/null "$err" perl -MSocket -e '
	    socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!\n";
	    bind($s, pack_sockaddr_in(0, inet_aton("127.0.0.1")))
		or die "bind: $!\n";
	    listen($s, 0) or die "listen: $!\n";
	    my ($port) = unpack_sockaddr_in(getsockname($s));
	    print STDERR "listening $port\n";
	    sleep 60;'
	wait_for_line "$err" '^listening [0-9]+$'
	FULL_PORT=$(sed -n 's/^listening //p' "$err")
	for ((filler = 1; filler <= 8; filler++)); do
		err=$BATS_TEST_TMPDIR/filler.$filler.err
		bg_start /dev/null "$err" bash -c \
		    'exec 3<>"/dev/tcp/127.0.0.1/$0" && echo connected >&2 &&
		    exec sleep 60' "$FULL_PORT"
		wait_for_line "$err" '^connected$' 1 2>/dev/null || return 0
	done
	fail "8 connections and the accept queue is still not full"
}

@test "a receiver that resets the moment it accepts exits 74, not as a failed connect" {
	# The reset can beat zcsend to its check of the connect; strace
	# makes sure it does, by holding back zcsend's first poll 0.2 s.
	# (LeakSanitizer cannot run under ptrace.)
	if command -v strace >/dev/null; then
		# shellcheck disable=SC2054 # strace's syntax has commas
		WRAP=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
		    strace -o /dev/null -e trace=poll,ppoll
		    -e inject=poll,ppoll:delay_enter=200000:when=1)
	fi
	reset_at 0 16777216
}

@test "a receiver that resets after 1 byte exits 74 within seconds" {
	reset_at 1 16777216
}

@test "a receiver that resets inside the header exits 74 within seconds" {
	head -c 4096 /dev/urandom >"$BATS_TEST_TMPDIR/hdr"
	reset_at 100 $((4096 + 16777216)) --header-file "$BATS_TEST_TMPDIR/hdr"
}

@test "a receiver that resets inside the trailer exits 74 within seconds" {
	head -c 4096 /dev/urandom >"$BATS_TEST_TMPDIR/trl"
	reset_at $((16777216 + 100)) $((16777216 + 4096)) \
	    --trailer-file "$BATS_TEST_TMPDIR/trl"
}

@test "a receiver that resets mid-transfer under splice exits 74 within seconds" {
	reset_at 1048576 16777216 --mode splice
}

@test "a receiver that resets inside the trailer under splice exits 74 within seconds" {
	reset_at $((16777216 + 3)) $((16777216 + 6)) --mode splice -T 'abc\r\n\0'
}

@test "an input that fails to read mid-transfer exits 74 with the read error (readwrite)" {
	unreadable_mid_transfer --mode readwrite
}

@test "an input that fails to read mid-transfer exits 74 with the read error (default mode)" {
	unreadable_mid_transfer
}

@test "a FIFO whose writer is killed mid-stream ends the push at its EOF: exit 0" {
	local fifo=$BATS_TEST_TMPDIR/fifo data=$BATS_TEST_TMPDIR/data

	head -c 200000 /dev/urandom >"$data"
	mkfifo "$fifo"
	start_peer -o "$RECEIVED"
	SEND_FILE=$fifo bg_send
	# The writer holds the FIFO open after its data, until killed.
	bg_start "$fifo" "$BATS_TEST_TMPDIR/writer.err" sh -c \
	    'cat "$0" && echo written >&2 && exec sleep 60' "$data"
	wait_for_line "$BATS_TEST_TMPDIR/writer.err" '^written$'
	kill -KILL "$BG_CMD_PID"
	bg_wait "$ZPID"
	stderr=$(<"$ZCERR")
	assert_equal "$BG_STATUS" 0
	assert_one_line_stderr '^zcsend: sent 200000 bytes in '
	recv_wait
	assert_same_bytes "$data" "$RECEIVED"
}

@test "a file unlinked mid-transfer still arrives whole" {
	SEND_FILE=$BATS_TEST_TMPDIR/doomed
	cp "$R16M" "$SEND_FILE"
	start_peer -R 65536 -S 1048576 -o "$RECEIVED"
	bg_send
	wait_for_line "$RECV_ERR" '^got 1048576$'
	rm -- "$SEND_FILE"
	kill -USR1 "$RECV_SIG_PID"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	recv_wait
	assert_same_bytes "$R16M" "$RECEIVED"
}

@test "SIGINT and SIGTERM at 50 random moments exit 130 or 143 with the interrupted line" {
	local round sig status delay mode modes=(sendfile splice readwrite)
	local t0=$EPOCHREALTIME re

	for ((round = 0; round < 50; round++)); do
		sig=INT status=130
		if ((RANDOM % 2)); then
			sig=TERM status=143
		fi
		mode=${modes[RANDOM % 3]}
		delay=0.0$RANDOM
		ZCERR=$BATS_TEST_TMPDIR/zcsend.$round.err
		# 5 ms a 64 KiB read: 16 MiB take over a second.
		start_peer -R 65536 -d 5
		bg_send --mode "$mode"
		wait_for_line "$RECV_ERR" '^accepted$'
		sleep "$delay"
		kill -"$sig" "$ZCMD"
		bg_wait "$ZPID"
		stderr=$(<"$ZCERR")
		[[ $BG_STATUS -eq $status ]] ||
		    fail "run $round: SIG$sig after $delay s ($mode): exit $BG_STATUS, not $status: $stderr"
		re="^zcsend: interrupted by SIG$sig: sent ([0-9]+) of 16777216 bytes in [0-9]+(\\.[0-9]+)? s \\(.+/s\\) via $mode\$"
		assert_one_line_stderr "$re"
		((BASH_REMATCH[1] <= 16777216))
		kill -TERM "$RECV_PID" 2>/dev/null || true
		bg_wait "$RECV_PID"
	done
	# No bound on the 50 rounds together: each round is bounded by the
	# exit status (a zcsend the signal did not stop ends 124, not 130 or
	# 143), and their sum only measured how busy the machine was.
	echo "# 50 rounds in $(awk -v a="$t0" -v b="$EPOCHREALTIME" \
	    'BEGIN { print b - a }') s" >&3
}

@test "a connect whose SYNs are dropped exits 75 within --connect-timeout" {
	make_netns
	local t0=$EPOCHREALTIME

	run -75 --separate-stderr ip netns exec "$NETNS" timeout -k 5 "$BOUND" \
	    "$ZCSEND" --connect-timeout 2 "$BLACKHOLE" 9 "$FILE"
	assert_within "$t0" 2
	assert_equal "$stderr" \
	    "zcsend: connect $BLACKHOLE port 9: timed out after 2 s"
	assert_equal "$output" ""
	# And it did wait: the timeout, not some error, ended it.
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a >= 2) }' ||
	    fail "exited before the 2 s timeout"
}

@test "a fractional --connect-timeout 0.5 with SYNs dropped exits 75 after half a second" {
	make_netns
	local t0=$EPOCHREALTIME

	run -75 --separate-stderr ip netns exec "$NETNS" timeout -k 5 "$BOUND" \
	    "$ZCSEND" --connect-timeout 0.5 "$BLACKHOLE" 9 "$FILE"
	assert_within "$t0" 0.5
	assert_equal "$stderr" \
	    "zcsend: connect $BLACKHOLE port 9: timed out after 0.5 s"
}

@test "SIGINT while the connect hangs exits 130 at once" {
	make_netns
	bg_start "$ZCOUT" "$ZCERR" ip netns exec "$NETNS" \
	    "$ZCSEND" --connect-timeout 30 "$BLACKHOLE" 9 "$FILE"
	# ip-netns execs zcsend in the same process; once that holds a
	# socket, the connect is under way.
	local i f sock=

	for ((i = 0; i < 250; i++)); do
		if [[ $(readlink "/proc/$BG_CMD_PID/exe" 2>/dev/null) == "$(readlink -f "$ZCSEND")" ]]; then
			for f in "/proc/$BG_CMD_PID/fd/"*; do
				[[ $(readlink "$f" 2>/dev/null) != socket:* ]] ||
				    sock=$f
			done
		fi
		[[ -z $sock ]] || break
		sleep 0.02
	done
	[[ -n $sock ]] || fail "zcsend never opened a socket"
	local t0=$EPOCHREALTIME
	kill -INT "$BG_CMD_PID"
	bg_wait "$BG_PID"
	assert_within "$t0" 0
	assert_equal "$BG_STATUS" 130
	stderr=$(<"$ZCERR")
	assert_one_line_stderr \
	    "^zcsend: interrupted by SIGINT: connecting to $BLACKHOLE port 9\$"
}

@test "a listener whose accept queue is full makes the connect exit 75 within --connect-timeout" {
	start_full_listener
	local t0=$EPOCHREALTIME

	run -75 --separate-stderr zc --connect-timeout 1 \
	    127.0.0.1 "$FULL_PORT" "$FILE"
	assert_within "$t0" 1
	assert_equal "$stderr" \
	    "zcsend: connect 127.0.0.1 port $FULL_PORT: timed out after 1 s"
	assert_equal "$output" ""
}

# start_full_unix_listener: a Unix socket listener with a backlog of 0
# and one connection it has not accepted, so a further connect fails with
# EAGAIN. A line on its input makes it accept: the first connection it
# drops, the next it reads to $BATS_TEST_TMPDIR/got. Sets FULL_SOCK and
# FULL_IN (the fd to write that line to).
start_full_unix_listener() {
	local err=$BATS_TEST_TMPDIR/unix-listener.err fifo

	need python3
	FULL_SOCK=$BATS_TEST_TMPDIR/full.sock
	fifo=$BATS_TEST_TMPDIR/unix-listener.in
	mkfifo "$fifo"
	exec {FULL_IN}<>"$fifo"
	# shellcheck disable=SC2016 # python, not shell
	bg_start /dev/null "$err" sh -c 'exec python3 -c "$1" "$2" "$3" <"$4"' \
	    _ '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(0)
filler = socket.socket(socket.AF_UNIX)
filler.connect(sys.argv[1])
print("full", file=sys.stderr, flush=True)
sys.stdin.readline()
s.accept()[0].close()
c = s.accept()[0]
with open(sys.argv[2], "wb") as f:
    while True:
        b = c.recv(65536)
        if not b:
            break
        f.write(b)
' "$FULL_SOCK" "$BATS_TEST_TMPDIR/got" "$fifo"
	RECV_PID=$BG_PID
	RECV_ERR=$err
	wait_for_line "$err" '^full$'
}

@test "-U: a listener whose backlog is full makes the connect exit 75 at --connect-timeout" {
	start_full_unix_listener
	run -75 --separate-stderr zc --connect-timeout 1 -U "$FULL_SOCK" \
	    "$FILE"
	assert_equal "$stderr" \
	    "zcsend: connect $FULL_SOCK: timed out after 1 s"
	assert_equal "$output" ""
}

@test "-U: a connect that finds the backlog full goes through once it frees" {
	start_full_unix_listener
	bg_start "$BATS_TEST_TMPDIR/zc.out" "$BATS_TEST_TMPDIR/zc.err" \
	    "$ZCSEND" --connect-timeout 30 -U "$FULL_SOCK" "$FILE"
	echo go >&"$FULL_IN"
	bg_wait "$BG_PID"
	[[ $BG_STATUS -eq 0 ]] ||
	    fail "zcsend exited $BG_STATUS: $(cat "$BATS_TEST_TMPDIR/zc.err")"
	recv_wait
	assert_same_bytes "$FILE" "$BATS_TEST_TMPDIR/got"
}

@test "a destination whose connect hangs does not hold back the others" {
	local size

	start_full_listener
	start_nc
	size=$(size_of "$FILE")
	run --separate-stderr zc --connect-timeout 2 --progress=plain --json \
	    "$FILE" --to "127.0.0.1:$FULL_PORT" --to "127.0.0.1:$RECV_PORT"
	assert_failure 75
	bg_wait "$RECV_PID"
	assert_same_bytes "$FILE" "$RECV_OUT"
	[[ $stderr == *"zcsend: connect 127.0.0.1 port $FULL_PORT: timed out after 2 s"* ]] ||
	    fail "no connect timeout line: $stderr"
	# Connects run in the one loop: at the first progress line (1 s) the
	# second receiver had every byte while the first was still connecting.
	[[ $stderr == *"zcsend: 2 receivers: $size of $((2 * size)) bytes (50%)"* ]] ||
	    fail "the second receiver waited for the first's connect: $stderr"
	run jq -e --arg p "$RECV_PORT" '.status == 75 and (.destinations[]
	    | select(.port == $p) | .status == 0)' <<<"$output"
	assert_success
}
