#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# The command line: help, version, and every malformed argument with its
# exact exit status (64) and its one-line message.

setup() {
	load test_helper/common
	_common_setup
	FILE=$BATS_TEST_TMPDIR/file
	head -c 1000 /dev/urandom >"$FILE"
}

teardown() {
	_common_teardown
}

# usage_error MESSAGE ARG...: zcsend ARG... exits 64, prints exactly
# MESSAGE on stderr and nothing on stdout.
usage_error() {
	local msg=$1

	shift
	run -64 --separate-stderr zc "$@"
	assert_equal "$stderr" "$msg"
	assert_equal "$output" ""
}

@test "-h prints the usage on stdout and exits 0" {
	run -0 --separate-stderr zc -h
	[[ ${lines[0]} == "usage: zcsend "* ]] ||
	    fail "first line is not the usage: ${lines[0]}"
	assert_output --regexp '[Hh][Oo][Ss][Tt] [Pp][Oo][Rr][Tt] [Ff][Ii][Ll][Ee]'
	assert_equal "$stderr" ""
}

@test "--help prints the same usage as -h" {
	run -0 --separate-stderr zc -h
	local short=$output
	run -0 --separate-stderr zc --help
	assert_equal "$output" "$short"
	assert_equal "$stderr" ""
}

@test "-V prints the version and the backends compiled in" {
	run -0 --separate-stderr zc -V
	# The third line names the TLS library, or says there is none; the
	# fourth the modes beyond these, the fifth liburing or its absence.
	assert_equal "${#lines[@]}" 5
	[[ ${lines[2]} =~ ^tls:\ (OpenSSL\ .+|none\ \(built\ without\ OpenSSL\))$ ]] ||
	    fail "unexpected tls line: ${lines[2]}"
	[[ ${lines[3]} =~ ^more\ modes:\ mmap(,\ msg_zerocopy)?$ ]] ||
	    fail "unexpected modes line: ${lines[3]}"
	[[ ${lines[4]} =~ ^io_uring:\ (liburing\ [0-9.]+\ \(io_uring-splice,\ io_uring-sendzc\)|not\ built)$ ]] ||
	    fail "unexpected io_uring line: ${lines[4]}"
	assert_equal "${lines[0]}" "zcsend 0.1.0"
	if [[ $(uname -s) == Linux ]]; then
		# splice(2) for pipes joins the list once it is built in.
		[[ ${lines[1]} =~ ^backends:\ sendfile\ \(linux\),\ (splice,\ )?readwrite$ ]] ||
		    fail "unexpected backends line: ${lines[1]}"
	else
		[[ ${lines[1]} == "backends: "*readwrite ]] ||
		    fail "unexpected backends line: ${lines[1]}"
	fi
	assert_equal "$stderr" ""
}

@test "--version prints the same as -V" {
	run -0 --separate-stderr zc -V
	local short=$output
	run -0 --separate-stderr zc --version
	assert_equal "$output" "$short"
}

@test "no arguments at all is a usage error" {
	usage_error "zcsend: command line: expected HOST PORT FILE (try 'zcsend -h')"
}

@test "HOST alone is a usage error" {
	usage_error "zcsend: command line: expected HOST PORT FILE (try 'zcsend -h')" \
	    127.0.0.1
}

@test "HOST and PORT without FILE is a usage error" {
	usage_error "zcsend: command line: expected HOST PORT FILE (try 'zcsend -h')" \
	    127.0.0.1 9
}

@test "a fourth operand is a usage error" {
	usage_error "zcsend: command line: expected HOST PORT FILE (try 'zcsend -h')" \
	    127.0.0.1 9 "$FILE" "$FILE"
}

@test "an unknown long option is named in the usage error" {
	usage_error "zcsend: command line: unknown option --foo" \
	    --foo 127.0.0.1 9 "$FILE"
}

@test "an unknown short option is named in the usage error" {
	usage_error "zcsend: command line: unknown option -x" \
	    -x 127.0.0.1 9 "$FILE"
}

@test "--offset without its value is a usage error" {
	usage_error "zcsend: command line: option --offset needs a value" \
	    127.0.0.1 9 "$FILE" --offset
}

@test "port 0 is too small" {
	usage_error "zcsend: port 0: too small" 127.0.0.1 0 "$FILE"
}

@test "port 65536 is too large" {
	usage_error "zcsend: port 65536: too large" 127.0.0.1 65536 "$FILE"
}

@test "port abc is an unknown service" {
	usage_error "zcsend: port abc: unknown service" 127.0.0.1 abc "$FILE"
}

@test "offset -1 is an invalid size" {
	usage_error "zcsend: offset -1: invalid size" \
	    -o -1 127.0.0.1 9 "$FILE"
}

@test "offset abc is an invalid size" {
	usage_error "zcsend: offset abc: invalid size" \
	    --offset abc 127.0.0.1 9 "$FILE"
}

@test "offset 1Q has an unknown suffix and is an invalid size" {
	usage_error "zcsend: offset 1Q: invalid size" \
	    --offset=1Q 127.0.0.1 9 "$FILE"
}

@test "offset 9999999T does not fit in 63 bits and is too large" {
	usage_error "zcsend: offset 9999999T: too large" \
	    -o 9999999T 127.0.0.1 9 "$FILE"
}

@test "count -1 is an invalid size" {
	usage_error "zcsend: count -1: invalid size" \
	    -n -1 127.0.0.1 9 "$FILE"
}

@test "count abc is an invalid size" {
	usage_error "zcsend: count abc: invalid size" \
	    --count abc 127.0.0.1 9 "$FILE"
}

@test "count 1Q has an unknown suffix and is an invalid size" {
	usage_error "zcsend: count 1Q: invalid size" \
	    --count=1Q 127.0.0.1 9 "$FILE"
}

@test "count 9999999T is too large" {
	usage_error "zcsend: count 9999999T: too large" \
	    -n 9999999T 127.0.0.1 9 "$FILE"
}

@test "a connect timeout that is not a number is a usage error" {
	usage_error "zcsend: connect timeout abc: invalid number of seconds" \
	    --connect-timeout abc 127.0.0.1 9 "$FILE"
}

@test "an idle timeout that is not a number is a usage error" {
	usage_error "zcsend: idle timeout abc: invalid number of seconds" \
	    --idle-timeout abc 127.0.0.1 9 "$FILE"
}

@test "a close timeout that is not a number is a usage error" {
	usage_error "zcsend: close timeout abc: invalid number of seconds" \
	    --close-timeout abc 127.0.0.1 9 "$FILE"
}

@test "a header with a bad escape sequence is a usage error" {
	usage_error 'zcsend: header \x: invalid escape sequence' \
	    -H '\x' 127.0.0.1 9 "$FILE"
}

@test "a trailer with a bad escape sequence is a usage error" {
	usage_error 'zcsend: trailer \x: invalid escape sequence' \
	    -T '\x' 127.0.0.1 9 "$FILE"
}

@test "an unknown --mode is a one-line usage error" {
	run -64 --separate-stderr zc --mode bogus 127.0.0.1 9 "$FILE"
	assert_one_line_stderr '^zcsend: .*bogus'
	assert_equal "$output" ""
}

@test "an unknown --progress is a one-line usage error" {
	run -64 --separate-stderr zc --progress=bogus 127.0.0.1 9 "$FILE"
	assert_one_line_stderr '^zcsend: .*bogus'
	assert_equal "$output" ""
}

@test "--sf-flags is refused where sendfile takes no flags" {
	[[ $(uname -s) == Linux ]] || skip "FreeBSD-style flags are accepted here"
	run -64 --separate-stderr zc --sf-flags nodiskio 127.0.0.1 9 "$FILE"
	assert_one_line_stderr '^zcsend: sf-flags nodiskio: '
	assert_equal "$output" ""
}
