#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# zcrecv, the receiving end: what it stores from zcsend, OpenBSD nc,
# ncat and socat senders, and from a zcsend -l it connects to; how it
# creates its output; that its plain path moves the data with splice(2)
# and never with read(2); its fallback, --json and command line. Every
# received byte is checked by SHA-256.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
setup_file() {
	head -c 5000000 /dev/urandom >"$BATS_FILE_TMPDIR/r5m"
	head -c 65536 /dev/urandom >"$BATS_FILE_TMPDIR/r64k"
}

setup() {
	load test_helper/common
	load test_helper/zcrecv
	_common_setup
	zcrecv_setup
	R5M=$BATS_FILE_TMPDIR/r5m
	R64K=$BATS_FILE_TMPDIR/r64k
}

teardown() {
	zcrecv_teardown
}

@test "zcrecv -l stores what zcsend pushes, by splice, and syncs it" {
	start_zcrecv -v 127.0.0.1 0 "$OUT"
	run -0 zc 127.0.0.1 "$RPORT" "$R5M"
	zcrecv_wait 0
	assert_same_bytes "$R5M" "$OUT"
	grep -q '^zcrecv: connection from 127\.0\.0\.1 port [0-9]*$' "$RERR" ||
	    fail "no connection line: $(cat "$RERR")"
	grep -qx 'zcrecv: received 5000000 bytes in [0-9.]* s (.*/s) via splice' \
	    "$RERR" || fail "no summary via splice: $(cat "$RERR")"
	grep -qx "zcrecv: $OUT: synced" "$RERR" ||
	    fail "not synced: $(cat "$RERR")"
}

@test "zcrecv -l stores what OpenBSD nc -N sends" {
	need nc.openbsd
	start_zcrecv 127.0.0.1 0 "$OUT"
	run -0 timeout -k 5 "$BOUND" nc.openbsd -N 127.0.0.1 "$RPORT" <"$R5M"
	zcrecv_wait 0
	assert_same_bytes "$R5M" "$OUT"
}

@test "zcrecv -l stores what ncat sends" {
	need ncat
	start_zcrecv 127.0.0.1 0 "$OUT"
	run -0 timeout -k 5 "$BOUND" ncat --send-only 127.0.0.1 "$RPORT" <"$R5M"
	zcrecv_wait 0
	assert_same_bytes "$R5M" "$OUT"
}

@test "zcrecv -l stores what socat sends" {
	need socat
	start_zcrecv 127.0.0.1 0 "$OUT"
	run -0 timeout -k 5 "$BOUND" socat -u "FILE:$R5M" "TCP:127.0.0.1:$RPORT"
	zcrecv_wait 0
	assert_same_bytes "$R5M" "$OUT"
}

@test "zcrecv -l -6 stores what zcsend pushes over IPv6" {
	start_zcrecv -6 ::1 0 "$OUT"
	run -0 zc -6 ::1 "$RPORT" "$R64K"
	zcrecv_wait 0
	assert_same_bytes "$R64K" "$OUT"
}

@test "zcrecv HOST PORT FILE stores what a zcsend -l serves" {
	start_listener 127.0.0.1 0 "$R5M"
	run -0 --separate-stderr zr -v 127.0.0.1 "$LPORT" "$OUT"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$R5M" "$OUT"
	[[ $stderr == *"zcrecv: connected to 127.0.0.1 port $LPORT"* ]] ||
	    fail "no connect line: $stderr"
}

@test "zcrecv -l -U and zcsend -U: a Unix socket" {
	local sock=$BATS_TEST_TMPDIR/s

	bg_start "$ROUT" "$RERR" "$ZCRECV" -l -U "$sock" "$OUT"
	RPID=$BG_PID
	wait_for_line "$RERR" "^zcrecv: listening on $sock\$" 10
	run -0 zc -U "$sock" "$R5M"
	zcrecv_wait 0
	assert_same_bytes "$R5M" "$OUT"
}

@test "zcrecv -U PATH FILE stores what a zcsend -l -U serves" {
	local sock=$BATS_TEST_TMPDIR/s

	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" -l -U "$sock" "$R5M"
	ZPID=$BG_PID
	wait_for_line "$ZCERR" "^zcsend: listening on $sock\$" 10
	run -0 zr -U "$sock" "$OUT"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$R5M" "$OUT"
}

@test "file - writes what arrives to standard output" {
	bg_start "$OUT" "$RERR" "$ZCRECV" -l 127.0.0.1 0 -
	zcrecv_listening
	run -0 zc 127.0.0.1 "$RPORT" "$R5M"
	zcrecv_wait 0
	assert_same_bytes "$R5M" "$OUT"
}

@test "the output is truncated and created with mode 0666 less the umask" {
	local f=$BATS_TEST_TMPDIR/new

	head -c 9000000 /dev/urandom >"$OUT"
	start_zcrecv 127.0.0.1 0 "$OUT"
	run -0 zc 127.0.0.1 "$RPORT" "$R64K"
	zcrecv_wait 0
	assert_same_bytes "$R64K" "$OUT"
	(
		umask 027
		bg_start "$ROUT" "$RERR.2" "$ZCRECV" -l 127.0.0.1 0 "$f"
		wait_for_line "$RERR.2" 'port [0-9]+$' 10
		port=$(sed -n 's/^zcrecv: listening on .* port \([0-9]*\)$/\1/p' "$RERR.2")
		"$ZCSEND" 127.0.0.1 "$port" "$R64K" 2>/dev/null
		bg_wait "$BG_PID"
		exit "$BG_STATUS"
	)
	run stat -c %a "$f"
	assert_output 640
	assert_same_bytes "$R64K" "$f"
}

@test "--append adds to the end of the file" {
	cp "$R64K" "$OUT"
	start_zcrecv --append 127.0.0.1 0 "$OUT"
	run -0 zc 127.0.0.1 "$RPORT" "$R5M"
	zcrecv_wait 0
	cat "$R64K" "$R5M" >"$BATS_TEST_TMPDIR/want"
	assert_same_bytes "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "the plain receive path moves the data with splice and never with read" {
	local log=$BATS_TEST_TMPDIR/strace fd

	need strace
	bg_start "$ROUT" "$RERR" env "$NOLEAK" strace -f -o "$log" \
	    -e trace=accept,accept4,splice,read,recvfrom,recvmsg,readv \
	    "$ZCRECV" -l 127.0.0.1 0 "$OUT"
	zcrecv_listening
	run -0 zc 127.0.0.1 "$RPORT" "$R5M"
	zcrecv_wait 0
	assert_same_bytes "$R5M" "$OUT"
	fd=$(sed -n 's/.*accept4\?(.*) = \([0-9][0-9]*\)$/\1/p' "$log" | head -n 1)
	[[ $fd =~ ^[0-9]+$ ]] || fail "no accept in the trace: $(cat "$log")"
	grep -Eq "splice\($fd, NULL, [0-9]+, NULL, [0-9]+, [A-Z_|]+\) = [1-9]" \
	    "$log" || fail "no splice from the socket: $(cat "$log")"
	run grep -E "(read|recvfrom|recvmsg|readv)\($fd," "$log"
	assert_failure
}

@test "an output splice refuses (O_APPEND) goes by read/write, and -v and --json say why" {
	bg_start /dev/null "$RERR" sh -c 'exec "$0" -v --json -l 127.0.0.1 0 - >>"$1"' \
	    "$ZCRECV" "$OUT"
	zcrecv_listening
	run -0 zc 127.0.0.1 "$RPORT" "$R5M"
	zcrecv_wait 0
	assert_same_bytes "$R5M" "$OUT"
	grep -qx 'zcrecv: splice refused (Invalid argument): by read/write' \
	    "$RERR" || fail "no fallback line: $(cat "$RERR")"
	need jq
	run sh -c "grep '^{' '$RERR' | jq -e -c 'select(.bytes) | [.backend, .fallback_errno, .bytes, .status]'"
	assert_output '["readwrite","EINVAL",5000000,0]'
}

@test "--json reports the receive: path, bytes, sync, no error" {
	start_zcrecv --json 127.0.0.1 0 "$OUT"
	run -0 zc 127.0.0.1 "$RPORT" "$R64K"
	zcrecv_wait 0
	need jq
	run jq -e -c 'select(.listening | not) | [.file == "'"$OUT"'", .host, .bytes, .file_bytes, .backend, .synced, .status, .error]' \
	    "$ROUT"
	assert_output '[true,"127.0.0.1",65536,65536,"splice",true,0,null]'
	run jq -e -c 'select(.listening) | .listening.port' "$ROUT"
	assert_output "\"$RPORT\""
}

@test "--mode readwrite copies through a buffer; --no-fsync skips the sync" {
	start_zcrecv -v --mode readwrite --no-fsync 127.0.0.1 0 "$OUT"
	run -0 zc 127.0.0.1 "$RPORT" "$R5M"
	zcrecv_wait 0
	assert_same_bytes "$R5M" "$OUT"
	grep -q ' via readwrite$' "$RERR" || fail "not readwrite: $(cat "$RERR")"
	run grep -c 'synced' "$RERR"
	assert_output 0
}

@test "zcrecv -h prints the usage and exits 0; bad command lines exit 64" {
	run -0 --separate-stderr zr -h
	[[ ${lines[0]} == "usage: zcrecv [options] -l [-k] [address] port file" ]] ||
	    fail "usage: ${lines[0]}"
	run -64 --separate-stderr zr -l 127.0.0.1 0 - --resume
	assert_one_line_stderr '^zcrecv: command line: --resume needs a file, not -$'
	run -64 --separate-stderr zr --mode sendfile -l 0 "$OUT"
	assert_one_line_stderr '^zcrecv: mode sendfile: not splice or readwrite$'
	run -64 --separate-stderr zr 127.0.0.1 0 "$OUT"
	assert_one_line_stderr '^zcrecv: port 0: too small$'
	run -64 --separate-stderr zr -l --tls 0 "$OUT"
	assert_one_line_stderr '^zcrecv: command line: -l --tls needs --tls-cert and --tls-key$'
	run -64 --separate-stderr zr -l 0
	[[ $stderr == "usage: zcrecv"* ]] || fail "no usage: $stderr"
	run -64 --separate-stderr zr -k 127.0.0.1 9 "$OUT"
	assert_one_line_stderr '^zcrecv: command line: -k goes with -l$'
	run -64 --separate-stderr zr -l -k --resume 0 "$OUT"
	assert_one_line_stderr '^zcrecv: command line: --resume does not go with -k$'
	[[ ! -e $OUT ]] || fail "a refused command line created $OUT"
}

@test "zcrecv -U with an empty path is a usage error, not a nameless socket" {
	run -64 --separate-stderr timeout -k 2 5 "$ZCRECV" --json -l -U '' \
	    "$OUT"
	assert_equal "$stderr" "zcrecv: command line: -U needs a path"
	assert_output ''
	run -64 --separate-stderr timeout -k 2 5 "$ZCRECV" -U '' "$OUT"
	assert_equal "$stderr" "zcrecv: command line: -U needs a path"
	[[ ! -e $OUT ]] || fail "a refused command line created $OUT"
}

@test "a refused connect exits 69, an unknown host 68" {
	dead_port
	run -69 --separate-stderr zr 127.0.0.1 "$DEAD_PORT" "$OUT"
	assert_one_line_stderr "^zcrecv: connect 127\.0\.0\.1 port $DEAD_PORT: Connection refused\$"
	run -68 --separate-stderr zr no-such-host.invalid 9 "$OUT"
	[[ $stderr == "zcrecv: resolve no-such-host.invalid: "* ]] ||
	    fail "stderr: $stderr"
}

@test "--progress plain prints the bytes received and the rate, the last line exact" {
	start_zcrecv --progress plain 127.0.0.1 0 "$OUT"
	run -0 zc 127.0.0.1 "$RPORT" "$R5M"
	zcrecv_wait 0
	run tail -n 1 "$RERR"
	assert_output --regexp '^zcrecv: received 4\.8 MiB \(5000000 bytes\), [0-9.]+ [KMG]?i?B/s$'
}

@test "zcrecv -V names the version, the receive paths and the TLS library" {
	run -0 zr -V
	assert_line --regexp '^zcrecv [0-9]+\.[0-9]+\.[0-9]+$'
	if [[ $(uname -s) == Linux ]]; then
		assert_line 'paths: splice, readwrite'
	else
		assert_line 'paths: readwrite'
	fi
	assert_line --regexp '^tls: '
}

@test "zcrecv -h and -V with stdout on a full disk exit 74 with a message" {
	[[ -w /dev/full ]] || fail "no /dev/full"
	# shellcheck disable=SC2016 # the inner shell expands these
	run -74 --separate-stderr sh -c '"$0" -h >/dev/full' "$ZCRECV"
	assert_equal "$stderr" "zcrecv: stdout: No space left on device"
	# shellcheck disable=SC2016
	run -74 --separate-stderr sh -c '"$0" -V >/dev/full' "$ZCRECV"
	assert_equal "$stderr" "zcrecv: stdout: No space left on device"
}

# stop_keep: SIGTERM to the zcrecv -k of start_zcrecv, which
# must exit 143 saying it was waiting for a sender.
stop_keep() {
	kill -TERM "$RCMD"
	zcrecv_wait 143
	run tail -n 1 "$RERR"
	assert_output 'zcrecv: interrupted by SIGTERM: waiting for a sender'
}

@test "zcrecv -l -k takes sender after sender: the file holds every stream, in order" {
	start_zcrecv -k 127.0.0.1 0 "$OUT"
	run -0 zc 127.0.0.1 "$RPORT" "$R5M"
	run -0 zc 127.0.0.1 "$RPORT" "$R64K"
	need nc.openbsd
	run -0 timeout -k 5 "$BOUND" nc.openbsd -N 127.0.0.1 "$RPORT" <"$R64K"
	run -0 zc 127.0.0.1 "$RPORT" "$R5M"
	stop_keep
	cat "$R5M" "$R64K" "$R64K" "$R5M" >"$BATS_TEST_TMPDIR/expected"
	assert_same_bytes "$BATS_TEST_TMPDIR/expected" "$OUT"
}

@test "zcrecv -l -k --ack --checksum: each sender is acknowledged for its own stream" {
	local sum64 sum5

	need jq
	start_zcrecv -k --ack --checksum sha256 --json 127.0.0.1 0 "$OUT"
	run -0 zc --ack --checksum sha256 127.0.0.1 "$RPORT" "$R64K"
	run -0 zc --ack --checksum sha256 127.0.0.1 "$RPORT" "$R5M"
	stop_keep
	cat "$R64K" "$R5M" >"$BATS_TEST_TMPDIR/expected"
	assert_same_bytes "$BATS_TEST_TMPDIR/expected" "$OUT"
	sum64=$(sha_of "$R64K")
	sum5=$(sha_of "$R5M")
	run jq -c 'select(.listening | not) | [.bytes, .ack, .status]' "$ROUT"
	assert_output "[65536,\"ok 65536 sha256:$sum64\",0]
[5000000,\"ok 5000000 sha256:$sum5\",0]
[0,null,143]"
}

@test "zcrecv -l -k: a sender's reset is cut off the file, and the next sender is served" {
	start_zcrecv -k 127.0.0.1 0 "$OUT"
	run -0 zc 127.0.0.1 "$RPORT" "$R64K"
	reset_sender "$RPORT" 300000
	run -0 zc 127.0.0.1 "$RPORT" "$R5M"
	stop_keep
	run cat "$RERR"
	assert_line --regexp "^zcrecv: receive from 127\.0\.0\.1 port [0-9]+: connection reset by peer after [0-9]+ bytes; $OUT holds 65536 bytes\$"
	cat "$R64K" "$R5M" >"$BATS_TEST_TMPDIR/expected"
	assert_same_bytes "$BATS_TEST_TMPDIR/expected" "$OUT"
}
