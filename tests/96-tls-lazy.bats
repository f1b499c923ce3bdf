#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# libssl loaded on first use (src/ossl.c): only --tls maps it, and one that
# does not load ends the run with 71 and the loader's reason before any
# connection. Run in builds where configure chose to load OpenSSL
# (ZC_LIBSSL_FILE, the file name it found, is set), on glibc.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr

setup_file() {
	load test_helper/tls
	head -c 4194304 /dev/urandom >"$BATS_FILE_TMPDIR/r4m"
	tls_ca_and_server
}

setup() {
	load test_helper/common
	load test_helper/tls
	_common_setup
	D=$BATS_FILE_TMPDIR
	R4M=$D/r4m
	CA=$D/ca.pem
}

teardown() {
	_common_teardown
}

@test "a plain push maps no libssl, a --tls push maps it" {
	start_nc "$BATS_TEST_TMPDIR/plain"
	loaded plain "$ZCSEND" 127.0.0.1 "$RECV_PORT" "$R4M"
	assert_equal "$ZC_STATUS" 0
	recv_wait
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/plain"
	[[ $LOADED != *libssl* ]] || fail "a plain push mapped: '$LOADED'"

	start_s_server "$BATS_TEST_TMPDIR/tls"
	loaded tls "$ZCSEND" --tls --tls-ca "$CA" 127.0.0.1 "$RECV_PORT" "$R4M"
	assert_equal "$ZC_STATUS" 0
	recv_wait
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/tls"
	[[ $LOADED == *"$ZC_LIBSSL_FILE"* ]] || fail "--tls mapped: '$LOADED'"
}

# An empty file under libssl's name, first on LD_LIBRARY_PATH, does not load.
@test "--tls where libssl does not load: 71 with the loader's reason, before connecting" {
	unloadable "$ZC_LIBSSL_FILE"
	start_nc "$BATS_TEST_TMPDIR/got"
	run -71 --separate-stderr env LD_LIBRARY_PATH="$BAD" \
	    timeout -k 5 "$BOUND" "$ZCSEND" --tls --tls-ca "$CA" 127.0.0.1 \
	    "$RECV_PORT" "$R4M"
	assert_equal "$stderr" "zcsend: tls: $BAD/$ZC_LIBSSL_FILE: file too short"
	assert_equal "$output" ""
	kill -TERM "$RECV_PID"
	bg_wait "$RECV_PID"
	run ! grep -q 'Connection received' "$RECV_ERR"
	run -0 env LD_LIBRARY_PATH="$BAD" "$ZCSEND" -V
	assert_line "tls: OpenSSL, which does not load: $BAD/$ZC_LIBSSL_FILE: file too short"
}

@test "zcrecv --tls where libssl does not load: 71 with the loader's reason" {
	unloadable "$ZC_LIBSSL_FILE"
	run -71 --separate-stderr env LD_LIBRARY_PATH="$BAD" \
	    timeout -k 5 "$BOUND" "$ZCRECV" --tls --tls-cert "$D/srv.pem" \
	    --tls-key "$D/srv.key" -l 127.0.0.1 0 "$BATS_TEST_TMPDIR/out"
	assert_equal "$stderr" "zcrecv: tls: $BAD/$ZC_LIBSSL_FILE: file too short"
}
