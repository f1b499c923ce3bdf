#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# --checksum sha256: the digest of the bytes sent, from files, ranges,
# pipes and pseudo-files, with --to and in listen mode, hashed once; a stop
# signal while it is awaited; null for a failed transfer. Every test
# checks the digest against the bytes at a real receiver (OpenBSD nc).

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
# setup_file, setup and teardown are deploy.bash's.
load test_helper/common
load test_helper/deploy

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
