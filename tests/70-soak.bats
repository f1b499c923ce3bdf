#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Soak: many pushes in a row, each checked at the receiver by SHA-256, and
# the descriptors zcsend holds, which must be exactly the ones it needs.
#
# Each @test runs in a process of its own, so setting a variable there is
# meant to stay there; sh -c programs are single-quoted on purpose.
# shellcheck disable=SC2030,SC2031,SC2016

GIB=1073741824
POOL_SIZE=4194304

setup_file() {
	head -c "$GIB" /dev/urandom >"$BATS_FILE_TMPDIR/r1g"
	head -c "$POOL_SIZE" /dev/urandom >"$BATS_FILE_TMPDIR/pool"
}

setup() {
	load test_helper/common
	_common_setup
	R1G=$BATS_FILE_TMPDIR/r1g
	POOL=$BATS_FILE_TMPDIR/pool
	RECEIVED=$BATS_TEST_TMPDIR/received
	ZCERR=$BATS_TEST_TMPDIR/zcsend.err
	ZCOUT=$BATS_TEST_TMPDIR/zcsend.out
	# openssl hashes several times faster than coreutils where the CPU
	# has SHA instructions; the soak is mostly hashing.
	if command -v openssl >/dev/null; then
		SHA=(openssl dgst -sha256 -r)
	elif command -v sha256sum >/dev/null; then
		SHA=(sha256sum)
	elif command -v shasum >/dev/null; then
		SHA=(shasum -a 256)
	else
		SHA=(sha256 -q)
	fi
}

teardown() {
	_common_teardown
}

# sha_stdin: the SHA-256 of standard input, in hex.
sha_stdin() {
	local sum

	sum=$("${SHA[@]}")
	printf '%s\n' "${sum%% *}"
}

# start_nc_pipe CMD...: OpenBSD nc on a free loopback port with what
# arrives piped into CMD, whose output lands in $RECEIVED. Sets RECV_PID
# and RECV_PORT.
start_nc_pipe() {
	local err=$BATS_TEST_TMPDIR/nc.$((BG_SEQ + 1)).err

	bg_start "$RECEIVED" "$BATS_TEST_TMPDIR/pipe.err" sh -c \
	    'nc.openbsd -d -l -n -v 127.0.0.1 0 2>"$0" | "$@"' "$err" "$@"
	RECV_PID=$BG_PID
	wait_for_line "$err" '^Listening on ' 10
	RECV_PORT=$(sed -n 's/^Listening on .* \([0-9][0-9]*\)$/\1/p' "$err")
}

# bg_send_clean [OPTION]...: zcsend with OPTIONs sending $SEND_FILE to the
# receiver in the background, started with no descriptor open above 2, so
# that every descriptor it holds is its own. Sets ZPID and ZCMD.
bg_send_clean() {
	bg_start "$ZCOUT" "$ZCERR" bash -c '
	    for f in /proc/$$/fd/*; do
		n=${f##*/}
		if ((n > 2)); then eval "exec $n>&-"; fi
	    done
	    exec "$@"' bash "$ZCSEND" "$@" 127.0.0.1 "$RECV_PORT" "$SEND_FILE"
	ZPID=$BG_PID
	ZCMD=$BG_CMD_PID
}

# assert_fds PID PIPES: process PID holds exactly 0, 1 and 2 (/dev/null,
# $ZCOUT, $ZCERR), $SEND_FILE, one socket and PIPES pipe descriptors that
# pair up two by two (the signal self-pipe, and splice's pipe), no more.
assert_fds() {
	local pid=$1 f fd target files=0 sockets=0 others=() listing=
	declare -A pipes=()

	for f in "/proc/$pid/fd/"*; do
		fd=${f##*/}
		target=$(readlink "$f") || continue
		listing+="$fd -> $target"$'\n'
		case $fd:$target in
		0:/dev/null | 1:"$ZCOUT" | 2:"$ZCERR") ;;
		[012]:*) others+=("$fd") ;;
		*:"$SEND_FILE") files=$((files + 1)) ;;
		*:socket:*) sockets=$((sockets + 1)) ;;
		*:pipe:*) pipes[$target]=$((${pipes[$target]:-0} + 1)) ;;
		*) others+=("$fd") ;;
		esac
	done
	local n=0 p
	for p in "${pipes[@]}"; do
		[[ $p -eq 2 ]] || others+=("a pipe held $p times")
		n=$((n + p))
	done
	[[ $files -eq 1 && $sockets -eq 1 && $n -eq $2 && ${#others[@]} -eq 0 ]] ||
	    fail "$(printf '%s\n' "process $pid should hold 0-2, the file," \
	    "one socket and $2 pipe ends; it holds:" "$listing")"
}

# fd_check MODE PIPES: a push in MODE stalled by the receiver holds exactly
# the descriptors assert_fds allows, and still completes intact afterwards.
fd_check() {
	SEND_FILE=$BATS_TEST_TMPDIR/file
	head -c 16777216 /dev/urandom >"$SEND_FILE"
	start_peer -R 65536 -S 1048576 -o "$RECEIVED"
	bg_send_clean --mode "$1"
	wait_for_line "$RECV_ERR" '^got 1048576$'
	assert_fds "$ZCMD" "$2"
	kill -USR1 "$RECV_SIG_PID"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	recv_wait
	assert_same_bytes "$SEND_FILE" "$RECEIVED"
}

# push_failed STATUS WHAT: fails the test for a push that exited STATUS,
# blaming the receiver when it is the one that went away.
push_failed() {
	local status=$1

	if ! kill -0 "$RECV_PID" 2>/dev/null; then
		bg_wait "$RECV_PID"
		fail "the receiver (nc -k) exited $BG_STATUS before $2: $(cat "$err")"
	fi
	fail "$2 exited $status: $(cat "$ZCERR")"
}

@test "1000 consecutive small pushes each arrive intact, checked by SHA-256" {
	local err=$BATS_TEST_TMPDIR/nc.err plan=$BATS_TEST_TMPDIR/plan
	local push n off mode modes=(sendfile splice readwrite) bad=0 got want
	local t0=$EPOCHREALTIME

	# One nc for all: -k takes each connection in turn, and zcsend ends
	# only once nc has written its bytes and closed, so the pushes land
	# in RECEIVED one after another, in order. It is tethered to the
	# test, not bounded by the clock: the 1000 pushes take 20 s on an
	# idle machine with the plain build and over a minute with the
	# sanitizers on a busy one, and a 60 s bound on nc once ended it
	# mid-run, after which every push was "Connection refused". Each push
	# has its own bound.
	bg_start_tethered "$RECEIVED" "$err" nc.openbsd -d -k -l -n -v 127.0.0.1 0
	RECV_PID=$BG_PID
	wait_for_line "$err" '^Listening on '
	RECV_PORT=$(sed -n 's/^Listening on .* \([0-9][0-9]*\)$/\1/p' "$err")
	: >"$plan"
	for ((push = 0; push < 1000; push++)); do
		n=$((1024 + RANDOM % 3073))
		off=$(((RANDOM * 32768 + RANDOM) % (POOL_SIZE - n)))
		mode=${modes[push % 3]}
		echo "$off $n $mode" >>"$plan"
		timeout -k 5 "$BOUND" "$ZCSEND" -q --mode "$mode" -o "$off" \
		    -n "$n" 127.0.0.1 "$RECV_PORT" "$POOL" 2>"$ZCERR" ||
		    push_failed "$?" "push $push ($mode, $n bytes from $off)"
		[[ ! -s $ZCERR ]] ||
		    fail "push $push ($mode) printed: $(cat "$ZCERR")"
	done
	# Each push's bytes, cut from RECEIVED in turn, against its range.
	push=0
	while read -r off n mode <&4; do
		got=$(head -c "$n" | sha_stdin)
		want=$(range_of "$POOL" "$off" "$n" | sha_stdin)
		if [[ $got != "$want" ]]; then
			echo "push $push ($mode, $n bytes from $off): got $got, want $want" >&2
			bad=$((bad + 1))
		fi
		push=$((push + 1))
	done 4<"$plan" <"$RECEIVED"
	assert_equal "$push" 1000
	assert_equal "$bad" 0
	assert_equal "$(size_of "$RECEIVED")" \
	    "$(awk '{ n += $2 } END { print n }' "$plan")"
	echo "# 1000 pushes in $(awk -v a="$t0" -v b="$EPOCHREALTIME" \
	    'BEGIN { print b - a }') s" >&3
}

@test "20 consecutive 1 GiB pushes each arrive intact, checked by SHA-256" {
	local push mode modes=(sendfile splice readwrite) want got
	local t0=$EPOCHREALTIME

	want=$(sha_stdin <"$R1G")
	for ((push = 0; push < 20; push++)); do
		mode=${modes[push % 3]}
		start_nc_pipe "${SHA[@]}"
		run -0 --separate-stderr zc --mode "$mode" \
		    127.0.0.1 "$RECV_PORT" "$R1G"
		assert_one_line_stderr "^zcsend: sent $GIB bytes in .* via $mode\$"
		bg_wait "$RECV_PID"
		assert_equal "$BG_STATUS" 0
		got=$(<"$RECEIVED")
		[[ ${got%% *} == "$want" ]] ||
		    fail "push $push ($mode): SHA-256 ${got%% *}, want $want"
	done
	echo "# 20 GiB in $(awk -v a="$t0" -v b="$EPOCHREALTIME" \
	    'BEGIN { print b - a }') s" >&3
}

@test "a sendfile push holds only 0-2, the file, the socket and the signal pipe" {
	[[ -d /proc/self/fd ]] || skip "no /proc/PID/fd"
	fd_check sendfile 2
}

@test "a readwrite push holds only 0-2, the file, the socket and the signal pipe" {
	[[ -d /proc/self/fd ]] || skip "no /proc/PID/fd"
	fd_check readwrite 2
}

@test "a splice push holds only 0-2, the file, the socket, the signal pipe and its own pipe" {
	[[ -d /proc/self/fd ]] || skip "no /proc/PID/fd"
	fd_check splice 4
}

@test "waiting for the receiver to close, zcsend holds no more than during the transfer" {
	[[ -d /proc/self/fd ]] || skip "no /proc/PID/fd"
	SEND_FILE=$BATS_TEST_TMPDIR/file
	head -c 100000 /dev/urandom >"$SEND_FILE"
	# The receiver reads every byte, then neither reads the EOF nor closes.
	start_peer -S 100000 -o "$RECEIVED"
	bg_send_clean
	wait_for_line "$RECV_ERR" '^got 100000$'
	local f fd target extra=
	for f in "/proc/$ZCMD/fd/"*; do
		fd=${f##*/}
		target=$(readlink "$f") || continue
		case $fd:$target in
		0:/dev/null | 1:"$ZCOUT" | 2:"$ZCERR" | *:"$SEND_FILE") ;;
		*:socket:* | *:pipe:*) ;;
		*) extra+=" $fd -> $target" ;;
		esac
	done
	[[ -z $extra ]] || fail "unexpected descriptors:$extra"
	(($(find "/proc/$ZCMD/fd/" -mindepth 1 | wc -l) <= 7)) ||
	    fail "more than 7 descriptors: $(ls -l "/proc/$ZCMD/fd/")"
	kill -USR1 "$RECV_SIG_PID"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	recv_wait
	assert_same_bytes "$SEND_FILE" "$RECEIVED"
}

@test "listen mode serving 300 clients in a row leaks no descriptor" {
	[[ -d /proc/self/fd ]] || skip "no /proc/PID/fd"
	local mode client port before after got=$BATS_TEST_TMPDIR/got
	SEND_FILE=$BATS_TEST_TMPDIR/file
	head -c 3000 /dev/urandom >"$SEND_FILE"

	for mode in sendfile splice readwrite; do
		# Tethered: 100 clients take as long as the machine makes them.
		bg_start_tethered "$ZCOUT" "$ZCERR" "$ZCSEND" -l -k --mode "$mode" \
		    127.0.0.1 0 "$SEND_FILE"
		wait_for_line "$ZCERR" '^zcsend: listening on '
		port=$(sed -n 's/^zcsend: listening on .* port \([0-9]*\)$/\1/p' "$ZCERR")
		[[ $port =~ ^[0-9]+$ ]] || fail "no port in: $(cat "$ZCERR")"
		before=$(find "/proc/$BG_CMD_PID/fd/" -mindepth 1 | wc -l)
		for ((client = 0; client < 100; client++)); do
			timeout 10 nc.openbsd -d -n 127.0.0.1 "$port" >"$got" ||
			    fail "$mode: client $client failed"
			cmp -s "$SEND_FILE" "$got" ||
			    fail "$mode: client $client got other bytes"
		done
		# The last client's socket closes once zcsend sees it go.
		for ((client = 0; client < 100; client++)); do
			after=$(find "/proc/$BG_CMD_PID/fd/" -mindepth 1 | wc -l)
			((after > before)) || break
			sleep 0.02
		done
		((after == before)) ||
		    fail "$mode: $before descriptors before 100 clients, $after after: $(ls -l "/proc/$BG_CMD_PID/fd/")"
		kill -TERM "$BG_CMD_PID"
		bg_wait "$BG_PID"
		assert_equal "$BG_STATUS" 0
	done
}

# The harness itself: what lets the soak outlast BOUND.

@test "a receiver tethered to the test outlives the per-process bound that ends any other" {
	local BOUND=1 err=$BATS_TEST_TMPDIR/nc.err tethered

	SEND_FILE=$BATS_TEST_TMPDIR/file
	head -c 4096 /dev/urandom >"$SEND_FILE"
	bg_start_tethered "$RECEIVED" "$err" nc.openbsd -d -k -l -n -v 127.0.0.1 0
	tethered=$BG_PID
	wait_for_line "$err" '^Listening on '
	RECV_PORT=$(sed -n 's/^Listening on .* \([0-9][0-9]*\)$/\1/p' "$err")
	# A bounded process of the same test is ended by the bound...
	bg_start /dev/null /dev/null sleep 30
	bg_wait "$BG_PID"
	assert_equal "$BG_STATUS" 124
	# ...and the tethered receiver, started before it, still serves.
	BOUND=60
	run -0 zc -q 127.0.0.1 "$RECV_PORT" "$SEND_FILE"
	kill -TERM "$tethered"
	bg_wait "$tethered"
	assert_same_bytes "$SEND_FILE" "$RECEIVED"
}

@test "a tethered process ends with the shell that started it" {
	local pidfile=$BATS_TEST_TMPDIR/tethered.pid

	# A subshell stands for the test's shell: once it exits, the kernel
	# sends its tethered child SIGTERM.
	(
		bg_start_tethered /dev/null /dev/null sleep 600
		echo "$BG_CMD_PID" >"$pidfile"
	)
	wait_until "$BOUND" process_gone "$(<"$pidfile")"
}

# process_gone PID: no process PID is left.
process_gone() {
	! kill -0 "$1" 2>/dev/null
}

@test "a Unix socket counts as listening only once it listens, not once its file exists" {
	local sock=$BATS_TEST_TMPDIR/u.sock fifo=$BATS_TEST_TMPDIR/go err=$BATS_TEST_TMPDIR/py.err

	[[ -r /proc/net/unix ]] || skip "the kernel lists no Unix sockets in /proc/net/unix"
	mkfifo "$fifo"
	# Binds, says so, and listens only when told to through the FIFO.
	bg_start /dev/null "$err" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
print("bound", file=sys.stderr, flush=True)
open(sys.argv[2]).read()
s.listen(1)
print("listening", file=sys.stderr, flush=True)
s.accept()' "$sock" "$fifo"
	wait_for_line "$err" '^bound$'
	[[ -S $sock ]]
	run ! unix_listening "$sock"
	echo go >"$fifo"
	wait_for_line "$err" '^listening$'
	run -0 unix_listening "$sock"
}
