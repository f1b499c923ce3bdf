#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Transfers that must succeed: ranges, headers and trailers, odd sizes, a
# file past 4 GiB, standard input, both backends, IPv6. Each one goes to a
# real nc receiver and what arrives is compared by SHA-256.

setup_file() {
	head -c 1048576 /dev/urandom >"$BATS_FILE_TMPDIR/r1m"
	head -c 268435456 /dev/urandom >"$BATS_FILE_TMPDIR/r256m"

	# 5 GiB, all holes but 3 MiB of random bytes around 4.5 GiB, so an
	# offset that lost its upper bits would send zeros or wrong bytes.
	truncate -s 5G "$BATS_FILE_TMPDIR/sparse"
	head -c 3145728 /dev/urandom >"$BATS_FILE_TMPDIR/patch"
	dd if="$BATS_FILE_TMPDIR/patch" of="$BATS_FILE_TMPDIR/sparse" \
	    bs=1048576 seek=4607 conv=notrunc status=none
}

setup() {
	load test_helper/common
	_common_setup
	R1M=$BATS_FILE_TMPDIR/r1m
	EXPECTED=$BATS_TEST_TMPDIR/expected
	RECEIVED=$BATS_TEST_TMPDIR/received
}

teardown() {
	_common_teardown
}

# push EXPECTED FILE [OPTION]...: sends FILE with OPTIONs to a fresh nc
# receiver on 127.0.0.1 and checks that zcsend exits 0 with nothing on
# stdout and one summary line counting every byte of EXPECTED on stderr,
# and that the receiver got exactly the bytes of EXPECTED.
push() {
	local expected=$1 file=$2 size unit=bytes

	shift 2
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc "$@" 127.0.0.1 "$RECV_PORT" "$file"
	recv_wait
	assert_equal "$output" ""
	size=$(size_of "$expected")
	((size != 1)) || unit=byte
	assert_one_line_stderr \
	    "^zcsend: sent $size $unit in [0-9.]+ s \\(.+/s\\) via [a-z]"
	assert_same_bytes "$expected" "$RECEIVED"
}

# stdin_push FILE SKIP REST ARG...: with FILE on standard input, reads
# SKIP bytes of it, runs zcsend ARG... -, then copies what is left of the
# input to REST, so REST shows where zcsend left the file position.
stdin_push() {
	local file=$1 skip=$2 rest=$3

	shift 3
	{
		dd bs="$skip" count=1 of=/dev/null status=none
		zc "$@" - || return
		cat >"$rest"
	} <"$file"
}

@test "a whole 1 MiB file arrives intact" {
	push "$R1M" "$R1M"
	assert_stderr_via sendfile
}

@test "--offset sends from that byte to the end of the file" {
	range_of "$R1M" 12345 >"$EXPECTED"
	push "$EXPECTED" "$R1M" --offset 12345
}

@test "--count sends only that many bytes from the start" {
	range_of "$R1M" 0 54321 >"$EXPECTED"
	push "$EXPECTED" "$R1M" -n 54321
}

@test "--offset and --count together send exactly that range" {
	range_of "$R1M" 100001 77777 >"$EXPECTED"
	push "$EXPECTED" "$R1M" -o 100001 -n 77777
}

@test "size suffixes K, KiB and KB all mean powers of 1024" {
	range_of "$R1M" 1024 2048 >"$EXPECTED"
	push "$EXPECTED" "$R1M" -o 1KiB -n 2KB
	range_of "$R1M" 3072 1048576 >"$EXPECTED"
	push "$EXPECTED" "$R1M" -o 3K
}

@test "an offset equal to the file size sends nothing and succeeds" {
	: >"$EXPECTED"
	push "$EXPECTED" "$R1M" -o 1048576
	assert_file_empty "$RECEIVED"
}

@test "a header goes out before the file" {
	{ printf 'HELLO 1'; cat "$R1M"; } >"$EXPECTED"
	push "$EXPECTED" "$R1M" -H 'HELLO 1'
}

@test "a trailer goes out after the file" {
	{ cat "$R1M"; printf 'BYE.'; } >"$EXPECTED"
	push "$EXPECTED" "$R1M" --trailer 'BYE.'
}

@test "a header and a trailer both decode C and octal escapes" {
	local file=$BATS_TEST_TMPDIR/small

	head -c 777 /dev/urandom >"$file"
	{
		printf 'HTTP/1.0 200 OK\r\nX-A: AB\t\\\r\n\r\n'
		cat "$file"
		printf '\n--~~\n'
	} >"$EXPECTED"
	push "$EXPECTED" "$file" \
	    -H 'HTTP/1.0 200 OK\r\nX-A: \x41\102\t\\\r\n\r\n' \
	    -T '\n--\x7e\176\n'
}

@test "a header and a trailer around a range of a large file" {
	{ printf 'GET\r\n'; range_of "$R1M" 7 1000000; printf '\r\n'; } \
	    >"$EXPECTED"
	push "$EXPECTED" "$R1M" -o 7 -n 1000000 -H 'GET\r\n' -T '\r\n'
}

@test "--header-file and --trailer-file send their bytes raw" {
	local hdr=$BATS_TEST_TMPDIR/hdr trl=$BATS_TEST_TMPDIR/trl

	# Random bytes hold backslashes and NULs: none may be decoded.
	head -c 3000 /dev/urandom >"$hdr"
	printf '\\x41\\n\0\\' >>"$hdr"
	head -c 5001 /dev/urandom >"$trl"
	cat "$hdr" "$R1M" "$trl" >"$EXPECTED"
	push "$EXPECTED" "$R1M" --header-file "$hdr" --trailer-file "$trl"
}

@test "an empty file sends nothing and succeeds" {
	local file=$BATS_TEST_TMPDIR/empty

	: >"$file"
	push "$file" "$file"
	assert_file_empty "$RECEIVED"
}

@test "an empty file with a header and a trailer sends just those" {
	local file=$BATS_TEST_TMPDIR/empty

	: >"$file"
	printf 'head\ntail\n' >"$EXPECTED"
	push "$EXPECTED" "$file" -H 'head\n' -T 'tail\n'
}

@test "a one-byte file arrives intact" {
	local file=$BATS_TEST_TMPDIR/one

	printf 'z' >"$file"
	push "$file" "$file"
}

@test "a 256 MiB file arrives intact" {
	push "$BATS_FILE_TMPDIR/r256m" "$BATS_FILE_TMPDIR/r256m"
}

# traced_push TRACE OPTION...: pushes r256m with OPTIONs to a fresh nc
# under strace, writing the sendfile calls to TRACE, and checks exit 0
# and every byte at the receiver.
traced_push() {
	local trace=$1 file=$BATS_FILE_TMPDIR/r256m

	shift
	start_nc "$RECEIVED"
	BG_STATUS=0
	# LeakSanitizer cannot run under ptrace: no leak check here.
	timeout -k 5 "$BOUND" env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -o "$trace" -e trace=sendfile,sendfile64 \
	    "$ZCSEND" "$@" 127.0.0.1 "$RECV_PORT" "$file" 2>/dev/null ||
	    BG_STATUS=$?
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend exited $BG_STATUS"
	recv_wait
	assert_same_bytes "$file" "$RECEIVED"
}

# The largest byte count a sendfile call in TRACE was given.
largest_call() {
	sed -n 's/^sendfile\(64\)\{0,1\}(.*, \([0-9][0-9]*\)) = [0-9][0-9]*$/\2/p' "$1" |
	    sort -n | tail -n 1
}

@test "to a receiver that keeps up, sendfile calls grow past 512K, to 16M at most" {
	local trace=$BATS_TEST_TMPDIR/trace big

	need strace
	traced_push "$trace"
	big=$(largest_call "$trace")
	[[ -n $big ]] || fail "no sendfile call traced: $(head -n 5 "$trace")"
	((big > 524288)) || fail "no call over 512K: the largest was $big"
	((big <= 16777216)) || fail "a call of $big bytes, over 16M"
}

@test "a given --max-chunk holds every sendfile call at its size" {
	local trace=$BATS_TEST_TMPDIR/trace big calls

	need strace
	traced_push "$trace" --max-chunk 1M
	big=$(largest_call "$trace")
	assert_equal "$big" 1048576
	calls=$(grep -Ec '^sendfile(64)?\(' "$trace")
	((calls >= 256)) || fail "$calls sendfile calls for 256 MiB in 1M chunks"
}

@test "1 MiB from offset 4.5 GiB of a sparse 5 GiB file arrives byte for byte" {
	range_of "$BATS_FILE_TMPDIR/patch" 1048576 1048576 >"$EXPECTED"
	push "$EXPECTED" "$BATS_FILE_TMPDIR/sparse" -o 4608M -n 1M
	push "$EXPECTED" "$BATS_FILE_TMPDIR/sparse" -o 4831838208 -n 1048576
}

@test "a /proc file that reports size 0 arrives with its real content" {
	local f

	for f in /proc/version /proc/filesystems; do
		assert_equal "$(stat -c %s "$f")" 0
		cat "$f" >"$EXPECTED"
		push "$EXPECTED" "$f"
	done
}

@test "a regular file on stdin is sent from its position, which then moves to the end" {
	local rest=$BATS_TEST_TMPDIR/rest

	start_nc "$RECEIVED"
	run -0 --separate-stderr stdin_push "$R1M" 1000 "$rest" \
	    127.0.0.1 "$RECV_PORT"
	recv_wait
	range_of "$R1M" 1000 >"$EXPECTED"
	assert_same_bytes "$EXPECTED" "$RECEIVED"
	assert_file_empty "$rest"
	# A regular file needs no copy through user space.
	assert_stderr_via sendfile
}

@test "--count on a regular stdin leaves the position just after the bytes sent" {
	local rest=$BATS_TEST_TMPDIR/rest

	start_nc "$RECEIVED"
	run -0 --separate-stderr stdin_push "$R1M" 1000 "$rest" \
	    -n 5000 127.0.0.1 "$RECV_PORT"
	recv_wait
	range_of "$R1M" 1000 5000 >"$EXPECTED"
	assert_same_bytes "$EXPECTED" "$RECEIVED"
	range_of "$R1M" 6000 >"$EXPECTED"
	assert_same_bytes "$EXPECTED" "$rest"
}

@test "a pipe on stdin arrives intact" {
	pipe_push() {
		cat "$R1M" | zc 127.0.0.1 "$RECV_PORT" -
	}
	start_nc "$RECEIVED"
	run -0 --separate-stderr pipe_push
	recv_wait
	assert_same_bytes "$R1M" "$RECEIVED"
	# Copied by read/write, or moved by splice(2) where it is built in.
	assert_one_line_stderr '^zcsend: sent 1048576 bytes in .* via (readwrite|splice)$'
}

@test "--mode readwrite sends the same bytes as sendfile" {
	push "$R1M" "$R1M" --mode sendfile
	assert_stderr_via sendfile
	push "$R1M" "$R1M" --mode readwrite
	assert_stderr_via readwrite
}

@test "--no-sendfile is --mode readwrite" {
	push "$R1M" "$R1M" --no-sendfile
	assert_stderr_via readwrite
}

@test "readwrite with an odd block size sends a range, header and trailer exactly" {
	{ printf 'H\r\n'; range_of "$R1M" 3 500001; printf '\0T'; } >"$EXPECTED"
	push "$EXPECTED" "$R1M" --mode readwrite --block-size 1000 \
	    -o 3 -n 500001 -H 'H\r\n' -T '\000T'
	assert_stderr_via readwrite
}

@test "IPv6 on ::1 works" {
	start_nc -6 "$RECEIVED"
	run -0 --separate-stderr zc ::1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECEIVED"
}

@test "-6 with ::1 and -4 with localhost connect over the forced family" {
	start_nc -6 "$RECEIVED"
	run -0 --separate-stderr zc -6 ::1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECEIVED"
	start_nc "$RECEIVED"
	run -0 --separate-stderr zc -4 localhost "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECEIVED"
}
