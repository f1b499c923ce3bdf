#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Host lists: --to-file, alone and with --to, its comments, blank lines,
# IPv6 entries and limits, and a list that cannot be read. Every test
# checks the bytes at real receivers (socat, OpenBSD nc) or what zcsend
# says.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
# setup_file, setup and teardown are deploy.bash's.
load test_helper/common
load test_helper/deploy

# has_files DIR N: DIR holds N files of 65536 bytes.
has_files() {
	(($(find "$1" -type f -size 65536c | wc -l) >= $2))
}

@test "--to-file: 500 destinations with comments, blank lines and IPv6 all get the file" {
	local port port6 dir=$BATS_TEST_TMPDIR/got list=$BATS_TEST_TMPDIR/hosts i

	need socat
	mkdir "$dir"
	dead_port
	port=$DEAD_PORT
	# One forking socat per address family takes every connection and
	# writes each to its own file, named by the client's port.
	# shellcheck disable=SC2016 # socat's shell expands it
	bg_start /dev/null "$BATS_TEST_TMPDIR/socat4.err" socat -u \
	    "TCP4-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,backlog=600" \
	    SYSTEM:'cat >'"$dir"'/4.$SOCAT_PEERPORT'
	port6=$port
	# shellcheck disable=SC2016
	bg_start /dev/null "$BATS_TEST_TMPDIR/socat6.err" socat -u \
	    "TCP6-LISTEN:$port6,bind=[::1],reuseaddr,fork,backlog=600" \
	    SYSTEM:'cat >'"$dir"'/6.$SOCAT_PEERPORT'
	{
		echo '# deployment targets'
		for ((i = 0; i < 500; i++)); do
			((i % 50 != 0)) || printf '\n  # group %d\n' "$((i / 50))"
			if ((i % 5 == 0)); then
				echo "[::1]:$port6   # v6"
			else
				printf '\t127.0.0.1:%s\n' "$port"
			fi
		done
	} >"$list"
	wait_until_listening "$port"
	run -0 --separate-stderr zc -q --json "$R64K" --to-file "$list"
	json_is '(.destinations | length) == 500 and .status == 0 and
	    ([.destinations[] | select(.status == 0 and .bytes == 65536)] |
	    length) == 500'
	# socat's forked children write the files; wait for all 500 of them
	# (an event), not for a time that a busy machine can outlast.
	wait_until "$BOUND" has_files "$dir" 500
	assert_equal "$(find "$dir" -type f | wc -l)" 500
	assert_equal "$(find "$dir" -name '6.*' -type f | wc -l)" 100
	for f in "$dir"/*; do
		cmp -s "$R64K" "$f" || fail "$f differs from the file sent"
	done
}

# wait_until_listening PORT: both socat listeners are up.
wait_until_listening() {
	local i

	need ss
	for ((i = 0; i < 250; i++)); do
		if [[ $(ss -Htln "sport = :$1" | wc -l) -ge 2 ]]; then
			return 0
		fi
		sleep 0.02
	done
	fail "socat does not listen on port $1"
}

@test "--to-file combines with --to, in order" {
	local nc1 out1 port1 list=$BATS_TEST_TMPDIR/hosts

	start_nc "$BATS_TEST_TMPDIR/received.1"
	nc1=$RECV_PID
	out1=$RECV_OUT
	port1=$RECV_PORT
	start_nc "$BATS_TEST_TMPDIR/received.2"
	printf '127.0.0.1:%s\n' "$RECV_PORT" >"$list"
	run -0 --separate-stderr zc -q --json "$R1M" \
	    --to "127.0.0.1:$port1" --to-file "$list"
	json_is '.destinations[0].port == $a and .destinations[1].port == $b' \
	    --arg a "$port1" --arg b "$RECV_PORT"
	bg_wait "$nc1"
	assert_same_bytes "$R1M" "$out1"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
}

@test "--to-file: a bad line is a usage error naming the file and the line" {
	local list=$BATS_TEST_TMPDIR/hosts

	printf '# ok\n127.0.0.1:9\n\n[::1]:9 # fine\nhost-without-port\n' >"$list"
	run -64 --separate-stderr zc "$R1M" --to-file "$list"
	assert_one_line_stderr "^zcsend: $list line 5: host-without-port: expected HOST:PORT\$"
	printf '127.0.0.1:99999\n' >"$list"
	run -64 --separate-stderr zc "$R1M" --to-file "$list"
	assert_one_line_stderr "^zcsend: $list line 1: 127\\.0\\.0\\.1:99999: "
	printf '# nothing\n\n' >"$list"
	run -64 --separate-stderr zc "$R1M" --to-file "$list"
	assert_one_line_stderr "^zcsend: command line: no destination in $list\$"
	run -66 --separate-stderr zc "$R1M" --to-file "$BATS_TEST_TMPDIR/none"
	assert_one_line_stderr "^zcsend: to-file $BATS_TEST_TMPDIR/none: No such file or directory\$"
}

@test "--to-file: long comments and blanks are no limit; an entry over 2048 bytes is \"line too long\"" {
	local list=$BATS_TEST_TMPDIR/hosts long

	start_nc
	long=$(printf 'x%.0s' {1..5000})
	{
		printf '# %s\n' "$long"
		printf '%3000s127.0.0.1:%s%3000s # %s\n' '' "$RECV_PORT" '' "$long"
	} >"$list"
	run -0 --separate-stderr zc -q "$R1M" --to-file "$list"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	printf '127.0.0.1:9\n%s.example:9\n' "$long" >"$list"
	run -64 --separate-stderr zc "$R1M" --to-file "$list"
	assert_one_line_stderr "^zcsend: $list line 2: line too long: an entry of more than 2048 bytes\$"
}

@test "--to-file: two destinations on one line are a bad line, not an IPv6 address without brackets" {
	local list=$BATS_TEST_TMPDIR/hosts

	printf '127.0.0.1:9\n127.0.0.1:9 127.0.0.1:10\n' >"$list"
	run -64 --separate-stderr zc "$R1M" --to-file "$list"
	assert_one_line_stderr "^zcsend: $list line 2: 127\\.0\\.0\\.1:9 127\\.0\\.0\\.1:10: expected one HOST:PORT, without blanks\$"
	run -64 --separate-stderr zc "$R1M" --to '[::1]:9 [::1]:10'
	assert_one_line_stderr '^zcsend: to \[::1\]:9 \[::1\]:10: expected one HOST:PORT, without blanks$'
}

@test "--to-file that cannot be read: 66 naming the to-file, and --json says so" {
	local none=$BATS_TEST_TMPDIR/none

	run -66 --separate-stderr zc "$R1M" --to-file "$BATS_TEST_TMPDIR"
	assert_equal "$stderr" "zcsend: to-file $BATS_TEST_TMPDIR: Is a directory"
	assert_equal "$output" ""
	run -66 --separate-stderr zc --json "$R1M" --to 127.0.0.1:9 \
	    --to-file "$none"
	assert_equal "$stderr" "zcsend: to-file $none: No such file or directory"
	json_is '.status == 66 and .error == $e and .file == $f and
	    (.destinations | length) == 1 and .destinations[0].status == 66' \
	    --arg e "to-file $none: No such file or directory" --arg f "$R1M"
}

@test "--to-file that cannot be read: --json still lists every --to, before and after it, in order" {
	local none=$BATS_TEST_TMPDIR/none

	run -66 --separate-stderr zc --json "$R1M" --to 127.0.0.1:9 \
	    --to-file "$none" --to '[::1]:10' --to localhost:11
	assert_equal "$stderr" "zcsend: to-file $none: No such file or directory"
	json_is '.status == 66 and .error == $e and
	    ([.destinations[] | [.host, .port, .status, .error == $e]] ==
	    [["127.0.0.1", "9", 66, true], ["::1", "10", 66, true],
	    ["localhost", "11", 66, true]])' \
	    --arg e "to-file $none: No such file or directory"
}
