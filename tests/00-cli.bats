#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# The command line: help, version, and every malformed argument with its
# exact exit status (64) and its one-line message; what getopt_long says
# about a long option, options refused where they mean nothing, and
# --bench refusing what it cannot measure and labelling and counting what
# it does.

setup() {
	load test_helper/common
	load test_helper/defects
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

@test "--json=1: option '--json' doesn't allow an argument" {
	usage_error "zcsend: command line: option '--json' doesn't allow an argument" \
	    --json=1 127.0.0.1 9 "$FILE"
}

@test "--fail-fast=1: option '--fail-fast' doesn't allow an argument" {
	usage_error "zcsend: command line: option '--fail-fast' doesn't allow an argument" \
	    --fail-fast=1 "$FILE" --to 127.0.0.1:9
}

@test "--quiet=yes: option '--quiet' doesn't allow an argument" {
	usage_error "zcsend: command line: option '--quiet' doesn't allow an argument" \
	    --quiet=yes 127.0.0.1 9 "$FILE"
}

@test "--qu=yes: an abbreviation is named by the option it stands for" {
	usage_error "zcsend: command line: option '--quiet' doesn't allow an argument" \
	    --qu=yes 127.0.0.1 9 "$FILE"
}

@test "--he=X: option '--he' is ambiguous, naming the candidates" {
	usage_error "zcsend: command line: option '--he' is ambiguous; possibilities: '--header' '--header-file' '--help'" \
	    --he=X 127.0.0.1 9 "$FILE"
}

@test "--co 5: option '--co' is ambiguous, naming the candidates" {
	usage_error "zcsend: command line: option '--co' is ambiguous; possibilities: '--connect-timeout' '--count'" \
	    --co 5 127.0.0.1 9 "$FILE"
}

@test "--bench with --to is refused" {
	usage_error "zcsend: command line: --to does not go with --bench" \
	    --bench --to 127.0.0.1:9
}

@test "--bench with -o is refused" {
	usage_error "zcsend: command line: -o does not go with --bench" \
	    --bench -o 1 "$FILE"
}

@test "--bench with -n is refused" {
	usage_error "zcsend: command line: -n does not go with --bench" \
	    --bench -n 1 "$FILE"
}

@test "--bench with -H is refused" {
	usage_error "zcsend: command line: -H does not go with --bench" \
	    --bench -H x "$FILE"
}

# refused_with_bench "NAME|ARGS"...: each option NAME, given as ARGS,
# makes --bench exit 64 with the message that names it.
refused_with_bench() {
	local spec name args

	for spec in "$@"; do
		name=${spec%%|*}
		read -ra args <<<"${spec#*|}"
		BOUND=10 usage_error \
		    "zcsend: command line: $name does not go with --bench" \
		    --bench "${args[@]}" "$FILE"
	done
}

@test "--bench refuses the deployment, socket and listen options" {
	printf '127.0.0.1:9\n' >"$BATS_TEST_TMPDIR/hosts"
	refused_with_bench "--to-file|--to-file $BATS_TEST_TMPDIR/hosts" \
	    "--checksum|--checksum sha256" "--retry|--retry 1" \
	    "--retry-delay|--retry-delay 1" "-s|-s 127.0.0.1" \
	    "-p|-p 4000" "--sndbuf|--sndbuf 64K" "--tos|--tos af41" \
	    "--fail-fast|--fail-fast" "-l|-l" \
	    "-U|-U $BATS_TEST_TMPDIR/sock"
}

@test "--bench refuses --mode, --no-sendfile and --block-size: it measures every path at --block-sizes" {
	refused_with_bench "--mode|--mode readwrite" \
	    "--no-sendfile|--no-sendfile" "--block-size|--block-size 4K"
}

@test "--retry-delay without --retry is refused" {
	usage_error "zcsend: command line: --retry-delay goes with --retry" \
	    --retry-delay 1 127.0.0.1 9 "$FILE"
}

@test "--rounds without --bench is refused" {
	usage_error "zcsend: command line: --rounds goes with --bench" \
	    --rounds 3 127.0.0.1 9 "$FILE"
}

@test "--size without --bench is refused" {
	usage_error "zcsend: command line: --size goes with --bench" \
	    --size 1M 127.0.0.1 9 "$FILE"
}

@test "--block-sizes without --bench is refused" {
	usage_error "zcsend: command line: --block-sizes goes with --bench" \
	    --block-sizes 4K 127.0.0.1 9 "$FILE"
}

@test "--max-clients without -k is refused" {
	BOUND=10	# today it listens for good
	usage_error "zcsend: command line: --max-clients goes with -k" \
	    -l --max-clients 3 127.0.0.1 0 "$FILE"
}

@test "--fail-fast with -l is refused" {
	BOUND=10	# today it listens for good
	usage_error "zcsend: command line: --fail-fast does not go with -l" \
	    --fail-fast -l 127.0.0.1 0 "$FILE"
}

@test "--to and --to-file with -l are refused" {
	printf '127.0.0.1:9\n' >"$BATS_TEST_TMPDIR/hosts"
	BOUND=10 usage_error "zcsend: command line: --to-file does not go with -l" \
	    -l --to-file "$BATS_TEST_TMPDIR/hosts" 0 "$FILE"
	BOUND=10 usage_error "zcsend: command line: --to does not go with -l" \
	    -l --to 127.0.0.1:9 0 "$FILE"
}

@test "--to and --to-file with -U are refused, naming the option" {
	local sock=$BATS_TEST_TMPDIR/sock

	printf '127.0.0.1:9\n' >"$BATS_TEST_TMPDIR/hosts"
	usage_error "zcsend: command line: --to-file does not go with -U" \
	    -U "$sock" --to-file "$BATS_TEST_TMPDIR/hosts" "$FILE"
	usage_error "zcsend: command line: --to does not go with -U" \
	    -U "$sock" "$FILE" --to 127.0.0.1:9
	usage_error "zcsend: command line: --to does not go with -U" \
	    "$FILE" --to 127.0.0.1:9 -U "$sock"
}

@test "-q with -v is refused" {
	usage_error "zcsend: command line: -q and -v do not go together" \
	    -q -v 127.0.0.1 9 "$FILE"
}

@test "--bench on an empty file is refused with 66 and prints no table" {
	: >"$BATS_TEST_TMPDIR/empty"
	run -66 --separate-stderr zc --bench --rounds 1 "$BATS_TEST_TMPDIR/empty"
	assert_equal "$stderr" \
	    "zcsend: $BATS_TEST_TMPDIR/empty: nothing to benchmark: not a regular file of 1 byte or more"
	assert_equal "$output" ""
}

@test "--bench on a pseudo-file is refused with 66 and prints no table" {
	run -66 --separate-stderr zc --bench --rounds 1 /proc/cpuinfo
	assert_equal "$stderr" \
	    "zcsend: /proc/cpuinfo: nothing to benchmark: not a regular file of 1 byte or more"
	assert_equal "$output" ""
}

@test "--bench labels block sizes that are not whole KiB exactly" {
	run -0 --separate-stderr zc --bench --size 256K --rounds 1 \
	    --block-sizes 1000,1500,4K
	assert_line --regexp '^readwrite 1000 +[0-9.]+ '
	assert_line --regexp '^readwrite 1500 +[0-9.]+ '
	assert_line --regexp '^readwrite 4K +[0-9.]+ '
	refute_line --regexp '^readwrite [01]K '
}

@test "--bench with one round says 1 round" {
	run -0 --separate-stderr zc --bench --size 256K --rounds 1 --block-sizes 4K
	assert_line --regexp '^zcsend --bench: 256\.0 KiB file, 1 round, medians; '
}

@test "--bench --json gives each mode a numeric block size and the spread" {
	need jq
	run -0 --separate-stderr zc --bench --size 256K --rounds 3 \
	    --block-sizes 1000,4K --json
	assert_json_line "$output" 'type == "object"' '
	    [.modes[] | .mode] == ["sendfile", "splice", "mmap", "msg_zerocopy",
		"io_uring-splice", "io_uring-sendzc", "readwrite 1000",
		"readwrite 4K"] and
	    [.modes[] | .block_size] == [null, null, null, null, null, null,
		1000, 4096] and
	    all(.modes[] | select(.unavailable == null);
		(.gib_per_s_min | type) == "number" and
		(.gib_per_s_max | type) == "number" and
		.gib_per_s_min <= .gib_per_s and .gib_per_s <= .gib_per_s_max)'
}

@test "a one-byte push says sent 1 byte" {
	printf x >"$BATS_TEST_TMPDIR/one"
	start_nc
	run -0 --separate-stderr zc 127.0.0.1 "$RECV_PORT" "$BATS_TEST_TMPDIR/one"
	recv_wait
	assert_one_line_stderr '^zcsend: sent 1 byte in [0-9.]+ s \(.+/s\) via sendfile$'
}

@test "-h lists every long option of the man page, in groups" {
	local opt missing=()

	run -0 --separate-stderr zc -h
	for opt in $(sed -n 's/^\.It Fl \\-\([a-z\\-]*\).*/\1/p;
	    s/^\.It Fl [a-zA-Z0-9] Ar [a-z]* , Fl \\-\([a-z\\-]*\).*/\1/p;
	    s/^\.It Fl [a-zA-Z0-9] , Fl \\-\([a-z\\-]*\).*/\1/p' \
	    "$BATS_TEST_DIRNAME/../man/zcsend.1" | sed 's/\\-/-/g' | sort -u); do
		[[ $output == *"--$opt"* ]] || missing+=("--$opt")
	done
	((${#missing[@]} == 0)) || fail "-h does not list: ${missing[*]}"
	for group in transfer destinations listen timeouts output bench; do
		assert_line --regexp "^${group^}[a-z ]*:$"
	done
}

@test "-h keeps one description column on every line, within 79 columns" {
	local line bad=()

	run -0 --separate-stderr zc -h
	# An option line: the option, two spaces or more, the description
	# at column 28; a continuation line: blanks up to that column.
	for line in "${lines[@]}"; do
		[[ $line =~ ^\ +zcsend\  ]] && continue	# the synopsis
		if [[ $line =~ ^\ +- ]]; then
			[[ ${line:0:27} =~ \ \ $ && ${line:27:1} != ' ' ]] ||
			    bad+=("$line")
		elif [[ $line == ' '* ]]; then
			[[ ${line:0:27} =~ ^\ +$ && ${line:27:1} != ' ' ]] ||
			    bad+=("$line")
		fi
		((${#line} <= 79)) || bad+=("$line")
	done
	((${#bad[@]} == 0)) || fail "$(printf 'out of column: %s\n' "${bad[@]}")"
}

@test "-h says that -l -k needs an idle timeout against clients that never read" {
	run -0 --separate-stderr zc -h
	assert_line --regexp '^ +set one with -l -k: clients that never read$'
}
