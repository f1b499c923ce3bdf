#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# libcrypto loaded on first use (src/ossl.c): only --checksum maps it (in
# a build whose hash is libcrypto's), and one that does not load ends the
# run with 71 and the loader's reason before any connection. Run in builds
# where configure chose to load it (ZC_LIBCRYPTO_FILE, the file name it
# found, is set), on glibc.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr

setup_file() {
	head -c 4194304 /dev/urandom >"$BATS_FILE_TMPDIR/r4m"
}

setup() {
	load test_helper/common
	_common_setup
	R4M=$BATS_FILE_TMPDIR/r4m
}

teardown() {
	_common_teardown
}

@test "a plain push maps no libcrypto, a --checksum push maps it" {
	start_nc "$BATS_TEST_TMPDIR/plain"
	loaded plain "$ZCSEND" 127.0.0.1 "$RECV_PORT" "$R4M"
	assert_equal "$ZC_STATUS" 0
	recv_wait
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/plain"
	assert_equal "$LOADED" ""

	start_nc "$BATS_TEST_TMPDIR/summed"
	loaded checksum "$ZCSEND" --checksum sha256 127.0.0.1 "$RECV_PORT" \
	    "$R4M"
	assert_equal "$ZC_STATUS" 0
	recv_wait
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/summed"
	assert_equal "$LOADED" "$ZC_LIBCRYPTO_FILE "
}

# An empty file under libcrypto's name, first on LD_LIBRARY_PATH, does not
# load.
@test "--checksum where libcrypto does not load: 71 with the loader's reason, before connecting" {
	unloadable "$ZC_LIBCRYPTO_FILE"
	start_nc "$BATS_TEST_TMPDIR/got"
	run -71 --separate-stderr env LD_LIBRARY_PATH="$BAD" \
	    timeout -k 5 "$BOUND" "$ZCSEND" --checksum sha256 127.0.0.1 \
	    "$RECV_PORT" "$R4M"
	assert_equal "$stderr" "zcsend: checksum: $BAD/$ZC_LIBCRYPTO_FILE: file too short"
	kill -TERM "$RECV_PID"
	bg_wait "$RECV_PID"
	[[ ! -s $BATS_TEST_TMPDIR/got ]] || fail "the receiver got bytes"
	run ! grep -q 'Connection received' "$RECV_ERR"
}

@test "zcrecv -l --checksum where libcrypto does not load: 71 before it listens" {
	unloadable "$ZC_LIBCRYPTO_FILE"
	run -71 --separate-stderr env LD_LIBRARY_PATH="$BAD" \
	    timeout -k 5 "$BOUND" "$ZCRECV" --checksum sha256 -l 127.0.0.1 0 \
	    "$BATS_TEST_TMPDIR/out"
	assert_equal "$stderr" "zcrecv: checksum: $BAD/$ZC_LIBCRYPTO_FILE: file too short"
}
