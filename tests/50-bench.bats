#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# zcsend --bench, scripts/bench/bench-anchors and scripts/bench/bench-python, on tiny
# sizes: the tables appear, every run's bytes were checked at the receiver,
# --json parses. Speed itself is never asserted here: it is measured by the
# scripts.

setup() {
	load test_helper/common
	_common_setup
}

teardown() {
	_common_teardown
}

# assert_ran_ok: the command of the last run --separate-stderr exited 0;
# else the failure shows its status, stdout and stderr, where a bench
# script says what failed.
assert_ran_ok() {
	((status == 0)) ||
	    fail "$(printf 'exited %d\n-- stdout:\n%s\n-- stderr:\n%s' \
	    "$status" "$output" "$stderr")"
}

@test "bench prints a row for every mode, each checked at the receiver" {
	run --separate-stderr zc --bench --size 2M --rounds 1
	assert_ran_ok
	assert_line --regexp '^mode +GiB/s +x +CPU s/GiB +x +syscalls/GiB +x$'
	assert_line --regexp '^sendfile +[0-9.]+ +1\.00 '
	assert_line --regexp '^splice +[0-9.]+ '
	assert_line --regexp '^mmap +[0-9.]+ '
	assert_line --regexp '^msg_zerocopy +[0-9.]+ '
	# io_uring: measured, or not built (tests/51-modes.bats tells which)
	assert_line --regexp '^io_uring-splice +([0-9.]+ |unavailable: io_uring: not built$)'
	assert_line --regexp '^io_uring-sendzc +([0-9.]+ |unavailable: io_uring: not built$)'
	assert_line --regexp '^readwrite 16K +[0-9.]+ '
	assert_line --regexp '^readwrite 64K +[0-9.]+ '
	assert_line --regexp '^readwrite 128K +[0-9.]+ '
	assert_line --partial "every run's byte count was checked at the receiver"
	assert_line --partial 'historical, for context: pysendfile 2.0.1'
	refute_output --partial 'failed'
	assert_equal "$stderr" ''
}

@test "bench -6 runs the embedded receiver on ::1, and -4 on 127.0.0.1" {
	run --separate-stderr zc --bench -6 --size 1M --rounds 1
	assert_ran_ok
	assert_line --index 0 --regexp 'receiver: embedded splice discard on ::1$'
	refute_output --partial 'failed'
	assert_equal "$stderr" ''
	run --separate-stderr zc --bench -4 --size 1M --rounds 1
	assert_ran_ok
	assert_line --index 0 --regexp 'receiver: embedded splice discard on 127\.0\.0\.1$'
	refute_output --partial 'failed'
}

@test "bench --json is one object with every mode's medians" {
	run --separate-stderr zc --bench --size 1M --rounds 2 --block-sizes 4K,32K --json
	assert_ran_ok
	run jq -e '(.modes | length == 8)
	    and ([.modes[].mode] == ["sendfile", "splice", "mmap", "msg_zerocopy",
	        "io_uring-splice", "io_uring-sendzc", "readwrite 4K", "readwrite 32K"])
	    and all(.modes[]; .size == 1048576 and .cache == "warm")
	    and all(.modes[] | select(.unavailable == null); .runs == 2
	        and .failures == 0 and .gib_per_s > 0 and .syscalls_per_gib > 0)
	    and all(.modes[] | select(.unavailable != null);
	        .unavailable == "io_uring: not built")
	    and .file_bytes == 1048576 and .rounds == 2 and .embedded == true' <<<"$output"
	assert_success
}

@test "bench --json keeps the figures of a tiny file: no successful run reads 0 GiB/s" {
	printf x >"$BATS_TEST_TMPDIR/tiny"
	run --separate-stderr zc --bench --rounds 1 --json "$BATS_TEST_TMPDIR/tiny"
	assert_ran_ok
	run jq -e '.file_bytes == 1 and all(.modes[] | select(.unavailable == null); .runs == 1 and
	    .gib_per_s > 0 and .gib_per_s_min > 0 and .gib_per_s_max > 0)' \
	    <<<"$output"
	assert_success
}

@test "bench --rate paces the receiver and says so" {
	run --separate-stderr zc --bench --size 4M --rounds 1 --rate 64M/s --block-sizes 64K
	assert_ran_ok
	assert_line --partial 'paced at 64.0 MiB/s'
	run --separate-stderr zc --bench --size 4M --rounds 1 --rate 64M/s --block-sizes 64K --json
	assert_ran_ok
	# A paced receiver bounds every mode: none may beat 64 MiB/s by more
	# than the one chunk the receiver reads before it first sleeps.
	run jq -e '.rate == 67108864 and all(.modes[] | select(.unavailable == null); .runs == 1
	    and .gib_per_s <= 0.0625 * 1.2)' <<<"$output"
	assert_success
}

@test "bench refuses --rate with a remote receiver" {
	run --separate-stderr zc --bench --rate 1M 127.0.0.1 9
	assert_failure 64
	assert_equal "$stderr" 'zcsend: command line: --rate with --bench paces the embedded receiver; with HOST PORT the receiver sets the pace'
}

@test "bench refuses --size with a given file, which sets the size" {
	head -c 1000 /dev/urandom >"$BATS_TEST_TMPDIR/f"
	run --separate-stderr zc --bench --rounds 1 --size 5M "$BATS_TEST_TMPDIR/f"
	assert_failure 64
	assert_equal "$stderr" 'zcsend: command line: --size sets the temporary file only; with FILE the file sets the size'
	assert_equal "$output" ''
	run --separate-stderr zc --bench --size 5M 127.0.0.1 9 "$BATS_TEST_TMPDIR/f"
	assert_failure 64
	assert_equal "$stderr" 'zcsend: command line: --size sets the temporary file only; with FILE the file sets the size'
}

@test "bench on a given file sends that file" {
	head -c 300000 /dev/urandom >"$BATS_TEST_TMPDIR/f"
	run --separate-stderr zc --bench --rounds 1 --block-sizes 64K --json "$BATS_TEST_TMPDIR/f"
	assert_ran_ok
	run jq -e '.file_bytes == 300000 and all(.modes[]; .failures == 0 and .size == 300000)' <<<"$output"
	assert_success
}

@test "a 200-byte header and a 1000-byte file leave in one data segment" {
	head -c 1000 /dev/urandom >"$BATS_TEST_TMPDIR/f"
	start_nc
	run --separate-stderr zc -v -H "$(head -c 200 /dev/zero | tr '\0' h)" \
	    127.0.0.1 "$RECV_PORT" "$BATS_TEST_TMPDIR/f"
	assert_ran_ok
	recv_wait
	[[ $stderr == *'zcsend: data segments sent: 1'* ]]
	assert_equal "$(size_of "$RECV_OUT")" 1200
}

@test "bench-anchors measures every sender and checks every byte count" {
	run --separate-stderr bash "$BATS_TEST_DIRNAME/../scripts/bench/bench-anchors" \
	    --size 4 --rounds 1 --paced-rounds 1 --rate 256 --zcsend "$ZCSEND"
	assert_ran_ok
	assert_line --partial 'Unpaced, 1 rounds'
	assert_line --partial 'Paced at 256 MiB/s'
	for s in sendfile-loop zcsend zcsend-readwrite 'nc -N' ncat socat 'pv|nc -N'; do
		assert_line --regexp "^${s//|/\\|} +[0-9.]+ +[0-9.]+ "
	done
}

# One run of bench-python on a tiny file: its header names the transport, and
# it has a row of ratios for every sender (it exits non-zero when a receiver
# got a wrong byte count).
bench_python() {
	run --separate-stderr "${PYTHON:-/usr/bin/python3}" \
	    "$BATS_TEST_DIRNAME/../scripts/bench/bench-python" --size 4 --rounds 2 "$@"
	assert_ran_ok
	for s in sendall os.sendfile sock.sendfile module; do
		assert_line --regexp "^$s +[0-9.]+ +[0-9.]+( +[0-9.]+ \([0-9.]+-[0-9.]+\)){3}$"
	done
}

@test "bench-python measures every Python sender over loopback TCP" {
	bench_python
	assert_line --index 0 --partial ', loopback TCP, 4 MiB file,'
}

@test "bench-python measures every Python sender over a Unix socket" {
	bench_python --unix
	assert_line --index 0 --partial ', Unix socket, 4 MiB file,'
}
