#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# A build without OpenSSL (configure --without-openssl): zcsend -V and
# zcrecv -V say so, and --tls is refused as a usage error rather than
# sending (or receiving) in clear.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
setup() {
	load test_helper/common
	_common_setup
}

teardown() {
	_common_teardown
}

@test "zcsend -V says TLS is not built in" {
	run -0 zc -V
	assert_line 'tls: none (built without OpenSSL)'
}

@test "--tls in a build without TLS: 64" {
	printf 'x' >"$BATS_TEST_TMPDIR/f"
	run -64 --separate-stderr zc --tls 127.0.0.1 9 "$BATS_TEST_TMPDIR/f"
	assert_one_line_stderr '^zcsend: command line: --tls: this zcsend was built without TLS \(see zcsend -V\)$'
}

@test "zcrecv --tls in a build without TLS: 64, and -V says so" {
	[[ -x ${ZCRECV-} ]] || fail "ZCRECV must name the zcrecv binary"
	run -0 "$ZCRECV" -V
	assert_line 'tls: none (built without OpenSSL)'
	run -64 --separate-stderr "$ZCRECV" --tls 127.0.0.1 9 "$BATS_TEST_TMPDIR/f"
	assert_one_line_stderr '^zcrecv: command line: --tls: this zcrecv was built without TLS \(see zcrecv -V\)$'
	assert_file_not_exists "$BATS_TEST_TMPDIR/f"
}
