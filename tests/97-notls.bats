#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# A build without OpenSSL (configure --without-openssl): zcsend -V says
# so, and --tls is refused as a usage error rather than sending in clear.

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
