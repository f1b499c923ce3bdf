#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The ways of sending beyond sendfile, splice and read/write (--mode mmap,
# msg_zerocopy, io_uring-splice, io_uring-sendzc), and what --bench does
# with them: rows per size and page cache state, "unavailable" rows for what
# the kernel refuses (forced with tests/deny, a seccomp filter that refuses
# io_uring or MSG_ZEROCOPY to the command it runs, and nothing else), the
# bar chart, --csv and scripts/bench/bench-plot; the receiving side
# (--bench --recv: zcrecv's paths, each run's stored bytes kept and
# compared) and a remote zcrecv -l -k. Speed is never asserted.

setup_file() {
	head -c 1000003 /dev/urandom >"$BATS_FILE_TMPDIR/f"
}

setup() {
	load test_helper/common
	_common_setup
	FILE=$BATS_FILE_TMPDIR/f
	MODES=(mmap msg_zerocopy io_uring-splice io_uring-sendzc)
	DISK_DIR=
}

teardown() {
	_common_teardown
	[[ -z $DISK_DIR ]] || rm -rf -- "$DISK_DIR"
}

# uring_built: this zcsend was built with liburing.
uring_built() {
	"$ZCSEND" -V | grep -q '^io_uring: liburing '
}

# deny [-uz] CMD...: CMD under the seccomp filter (tests/helpers/deny.c).
deny() {
	[[ -n ${DENY-} && -x ${DENY-} ]] ||
	    fail "DENY must name tests/deny (it is '${DENY-}')"
	timeout -k 5 "$BOUND" "$DENY" "$@"
}

# disk_dir: sets DISK_DIR to a fresh directory whose pages can leave the
# page cache: the test's own unless that is on tmpfs, else one in /var/tmp
# (removed in teardown).
disk_dir() {
	if [[ $(stat -f -c %T "$BATS_TEST_TMPDIR") != tmpfs ]]; then
		DISK_DIR=$BATS_TEST_TMPDIR/disk
		mkdir "$DISK_DIR"
		return
	fi
	DISK_DIR=$(mktemp -d /var/tmp/zcsend-test.XXXXXX)
	[[ $(stat -f -c %T "$DISK_DIR") != tmpfs ]] ||
	    fail "no directory off tmpfs for a cold page cache"
}

# push_mode MODE [OPTION]...: FILE between a header and a trailer to a
# fresh nc with --mode MODE; the receiver must get exactly those bytes,
# and --json must name MODE's backend with no fallback.
push_mode() {
	local mode=$1

	shift
	start_nc "$BATS_TEST_TMPDIR/recv.$mode"
	run --separate-stderr zc -q --json --mode "$mode" -H 'head\n' \
	    -T 'tail\n' "$@" 127.0.0.1 "$RECV_PORT" "$FILE"
	assert_success
	recv_wait
	{ printf 'head\n'; cat "$FILE"; printf 'tail\n'; } \
	    >"$BATS_TEST_TMPDIR/expected"
	assert_same_bytes "$BATS_TEST_TMPDIR/expected" "$RECV_OUT"
	run jq -e --arg m "$mode" '.backend == $m and .fallback_errno == null
	    and .bytes == 1000013 and .status == 0' <<<"$output"
	assert_success
}

@test "every mode's bytes arrive intact, header and trailer included" {
	local m

	for m in "${MODES[@]}"; do
		if [[ $m == io_uring-* ]] && ! uring_built; then
			run -64 --separate-stderr zc --mode "$m" 127.0.0.1 9 "$FILE"
			assert_equal "$stderr" "zcsend: mode $m: not sendfile, splice, readwrite, mmap or msg_zerocopy"
			continue
		fi
		push_mode "$m"
	done
}

@test "small buffers: msg_zerocopy and io_uring-sendzc reuse each one only after its completion" {
	# 4 KiB buffers: the 1 MB file goes round each ring many times, so a
	# buffer refilled before the kernel was done with it would show.
	push_mode msg_zerocopy --block-size 4K
	if uring_built; then
		push_mode io_uring-sendzc --block-size 4K
		push_mode io_uring-splice --max-chunk 4K
	fi
}

@test "a stream given to a mode that needs a file goes by read/write, which says why" {
	local m

	for m in mmap msg_zerocopy; do
		start_nc "$BATS_TEST_TMPDIR/recv.$m"
		run --separate-stderr bash -c 'cat "$1" | timeout 60 "$ZCSEND" -q --json --mode "$2" 127.0.0.1 "$3" -' \
		    _ "$FILE" "$m" "$RECV_PORT"
		assert_success
		recv_wait
		assert_same_bytes "$FILE" "$RECV_OUT"
		run jq -e '.backend == "readwrite" and .fallback_errno == "ESPIPE"' <<<"$output"
		assert_success
	done
}

@test "a kernel without MSG_ZEROCOPY: the push goes by read/write and says why" {
	start_nc
	run --separate-stderr deny -z "$ZCSEND" -q --json --mode msg_zerocopy \
	    127.0.0.1 "$RECV_PORT" "$FILE"
	assert_success
	recv_wait
	assert_same_bytes "$FILE" "$RECV_OUT"
	run jq -e '.backend == "readwrite" and .fallback_errno == "ENOPROTOOPT"' <<<"$output"
	assert_success
}

@test "io_uring refused by a seccomp policy: the push goes by read/write and says why" {
	local m

	uring_built || {
		run -0 zc -V
		assert_line 'io_uring: not built'
		return
	}
	for m in io_uring-splice io_uring-sendzc; do
		start_nc "$BATS_TEST_TMPDIR/recv.$m"
		run --separate-stderr deny -u "$ZCSEND" -q --json --mode "$m" \
		    127.0.0.1 "$RECV_PORT" "$FILE"
		assert_success
		recv_wait
		assert_same_bytes "$FILE" "$RECV_OUT"
		run jq -e '.backend == "readwrite" and .fallback_errno == "EPERM"' <<<"$output"
		assert_success
	done
}

@test "bench: what the kernel refuses is a row that says why, not a failure" {
	local uring='io_uring_setup: Operation not permitted'

	uring_built || uring='io_uring: not built'
	run --separate-stderr deny -u -z "$ZCSEND" --bench --size 1M --rounds 1 \
	    --block-sizes 64K
	assert_success
	assert_equal "$stderr" ''
	assert_line --regexp '^sendfile +[0-9.]+ +1\.00 '
	assert_line --regexp '^mmap +[0-9.]+ '
	assert_line 'msg_zerocopy     unavailable: SO_ZEROCOPY: Protocol not available'
	assert_line "io_uring-splice  unavailable: $uring"
	assert_line "io_uring-sendzc  unavailable: $uring"
	refute_output --partial 'failed'

	run --separate-stderr deny -u -z "$ZCSEND" --bench --size 1M --rounds 1 \
	    --block-sizes 64K --json
	assert_success
	run jq -e --arg u "$uring" '
	    (.modes | map({key: .mode, value: .}) | from_entries) as $m
	    | $m.msg_zerocopy.unavailable == "SO_ZEROCOPY: Protocol not available"
	    and $m["io_uring-splice"].unavailable == $u
	    and $m["io_uring-sendzc"].unavailable == $u
	    and all(.modes[] | select(.unavailable != null);
	        .runs == 0 and .gib_per_s == null and .cpu_s_per_gib == null
	        and .syscalls_per_gib == null)
	    and all(.modes[] | select(.unavailable == null);
	        .runs == 1 and .gib_per_s > 0)
	    and ([.modes[] | select(.unavailable == null) | .mode]
	        == ["sendfile", "splice", "mmap", "readwrite 64K"])' <<<"$output"
	assert_success
}

@test "bench names the io_uring library it was built with, or says io_uring: not built" {
	run -0 --separate-stderr zc --bench --size 1M --rounds 1 --block-sizes 64K
	if uring_built; then
		assert_line --regexp '^io_uring-splice +[0-9.]+ '
		assert_line --regexp '^io_uring-sendzc +[0-9.]+ '
	else
		assert_line 'io_uring-splice  unavailable: io_uring: not built'
		assert_line 'io_uring-sendzc  unavailable: io_uring: not built'
	fi
	refute_output --partial 'failed'
}

@test "bench --cache cold: mincore finds no page of the file resident before any run" {
	disk_dir
	TMPDIR=$DISK_DIR run --separate-stderr zc --bench --cache cold --size 4M \
	    --rounds 2 --block-sizes 64K --json
	assert_success
	# A figure only with no page resident; else the row says the cache
	# was not dropped (see the --cache both test).
	run jq -e '.file_bytes == 4194304 and (.modes | length) >= 5
	    and all(.modes[]; .cache == "cold" and .size == 4194304)
	    and all(.modes[] | select(.unavailable == null);
	        .resident_pages_before == 0 and
	        .runs + .skipped == 2 and .runs >= 1)
	    and all(.modes[] | select(.unavailable != null);
	        .unavailable == "io_uring: not built" or
	        (.unavailable | startswith("page cache not dropped: ")))' \
	    <<<"$output"
	assert_success
	TMPDIR=$DISK_DIR run --separate-stderr zc --bench --cache cold --size 1M \
	    --rounds 1 --block-sizes 64K
	assert_success
	assert_line --index 0 --regexp '^zcsend --bench: 1\.0 MiB file \(cold: its pages dropped before each run\), 1 round, medians; receiver: '
	assert_line 'cold: mincore found 0 resident pages before every run counted'
}

@test "bench --cache cold on tmpfs: the rows say the pages stay resident" {
	local dir pages

	[[ $(stat -f -c %T /dev/shm) == tmpfs ]] || fail "/dev/shm is not tmpfs"
	dir=$(mktemp -d /dev/shm/zcsend-test.XXXXXX)
	DISK_DIR=$dir	# removed in teardown
	head -c 1048576 /dev/urandom >"$dir/f"
	pages=$((1048576 / $(getconf PAGESIZE)))
	run --separate-stderr zc --bench --cache cold --rounds 1 \
	    --block-sizes 64K "$dir/f"
	assert_success
	assert_line "sendfile         unavailable: page cache not dropped: $pages of $pages pages stay resident: the file is on tmpfs, which lives in the page cache"
	refute_line --regexp '^cold: mincore'
}

# A cold figure only where mincore found no page resident; pages the
# kernel keeps (still referenced, say, by a socket's queue) make the row
# "unavailable" instead, which a busy machine's disk brings now and then.
@test "bench --cache both --size 64K,1M: a warm and a cold group per size, in order" {
	disk_dir
	TMPDIR=$DISK_DIR run --separate-stderr zc --bench --cache both \
	    --size 64K,1M --rounds 1 --block-sizes 64K --json
	assert_success
	run jq -e '.file_bytes == 1048576
	    and ([.modes[] | "\(.size) \(.cache)"] | unique | length) == 4
	    and ([.modes[] | [.size, .cache]] == ([.modes[] | [.size, .cache]]
	        | sort_by(.[0])))
	    and ([.modes[] | select(.mode == "sendfile") | "\(.size) \(.cache)"]
	        == ["65536 warm", "65536 cold", "1048576 warm", "1048576 cold"])
	    and all(.modes[] | select(.cache == "cold");
	        .resident_pages_before == 0 or
	        (.unavailable | startswith("page cache not dropped: ")))' \
	    <<<"$output"
	assert_success
}

@test "bench --size with a list prints a table per size" {
	run --separate-stderr zc --bench --size 64K,256K --rounds 1 --block-sizes 64K
	assert_success
	assert_line --regexp '^zcsend --bench: 64\.0 KiB file, 1 round, medians; receiver: '
	assert_line --regexp '^zcsend --bench: 256\.0 KiB file, 1 round, medians; receiver: '
	assert_equal "$(grep -c '^sendfile  ' <<<"$output")" 4	# 2 rows, 2 bars
	refute_output --partial 'failed'
}

# assert_chart_fits COLUMNS: the chart in $output, from its header line to
# the notes at the end, has a line per mode and none wider than COLUMNS
# characters.
assert_chart_fits() {
	local line n=0

	while IFS= read -r line; do
		((${#line} <= $1)) || fail "wider than $1 columns: '$line'"
		n=$((n + 1))
	done < <(sed -n '/^ *GiB\/s/,/^ratios/p' <<<"$output" | sed '$d')
	((n >= 6)) || fail "the chart has $n lines"
}

@test "bench chart: ASCII bars in the C locale, fitted to COLUMNS" {
	LC_ALL=C COLUMNS=60 run --separate-stderr zc --bench --size 1M \
	    --rounds 1 --block-sizes 64K
	assert_success
	if LC_ALL=C grep -q $'[\x80-\xff]' <<<"$output"; then
		fail "a byte past ASCII in: $output"
	fi
	assert_line --regexp '^ +GiB/s +\| CPU s/GiB$'
	assert_line --regexp '^sendfile +#+ +[0-9]+\.[0-9]{2} \| #* +[0-9]+\.[0-9]{3}$'
	assert_chart_fits 60
}

@test "bench chart: Unicode block bars in a UTF-8 locale, fitted to COLUMNS" {
	export LC_ALL=C.UTF-8
	COLUMNS=70 run --separate-stderr zc --bench --size 1M --rounds 1 \
	    --block-sizes 64K
	assert_success
	# sendfile's bar may be the shortest, under one cell: a partial block.
	assert_line --regexp '^sendfile +[█▉▊▋▌▍▎▏][█▉▊▋▌▍▎▏ ]* +[0-9]+\.[0-9]{2} │ [█▉▊▋▌▍▎▏ ]* +[0-9]+\.[0-9]{3}$'
	assert_chart_fits 70
}

@test "bench chart on a terminal: fitted to the terminal's width, not COLUMNS" {
	local out=$BATS_TEST_TMPDIR/pty.out

	LC_ALL=C COLUMNS=200 run -0 timeout -k 5 "$BOUND" \
	    "${PYTHON:-/usr/bin/python3}" "$BATS_TEST_DIRNAME/helpers/ptyrun.py" \
	    run 64 "$out" "$ZCSEND" --bench --size 1M --rounds 1 \
	    --block-sizes 64K --progress none
	output=$(tr -d '\r' <"$out")
	assert_chart_fits 64
}

@test "bench --csv: a row per run, and one for a mode that cannot run" {
	run --separate-stderr deny -z "$ZCSEND" --bench --csv --size 1M \
	    --rounds 2 --block-sizes 64K
	assert_success
	assert_equal "$stderr" ''
	assert_line --index 0 'size,cache,mode,block_size,run,gib_per_s,cpu_s_per_gib,syscalls_per_gib,resident_pages_before,unavailable'
	assert_line '1048576,warm,msg_zerocopy,,,,,,,"SO_ZEROCOPY: Protocol not available"'
	assert_line --regexp '^1048576,warm,sendfile,,1,[0-9.e+-]+,[0-9.e+-]+,[0-9.]+,,$'
	assert_line --regexp '^1048576,warm,sendfile,,2,[0-9.e+-]+,[0-9.e+-]+,[0-9.]+,,$'
	assert_line --regexp '^1048576,warm,readwrite 64K,65536,2,[0-9.e+-]+,[0-9.e+-]+,[0-9.]+,,$'
	assert_equal "$(grep -c ',warm,mmap,,[12],' <<<"$output")" 2
}

@test "scripts/bench/bench-plot turns --csv into gnuplot's input, and into a PNG where gnuplot is" {
	local csv=$BATS_TEST_TMPDIR/b.csv png=$BATS_TEST_TMPDIR/b.png

	zc --bench --csv --size 64K,1M --rounds 3 --block-sizes 64K >"$csv"
	run -0 sh "$BATS_TEST_DIRNAME/../scripts/bench/bench-plot" --script "$csv"
	assert_line 'mode "64K warm" min max "1M warm" min max'
	assert_line --regexp '^"sendfile"( [0-9]+\.[0-9]{4}){6}$'
	assert_line --regexp '^"readwrite 64K"( [0-9]+\.[0-9]{4}){6}$'
	assert_line --regexp '^plot for \[g=0:1\] '
	if command -v gnuplot >/dev/null; then
		run -0 sh "$BATS_TEST_DIRNAME/../scripts/bench/bench-plot" "$csv" "$png"
		[[ $(head -c 4 "$png" | od -An -c | tr -d ' ') == '211PNG' ]] ||
		    fail "not a PNG: $png"
	else
		run -69 sh "$BATS_TEST_DIRNAME/../scripts/bench/bench-plot" "$csv" "$png"
		assert_output --partial 'bench-plot: gnuplot not found'
	fi
}

@test "bench against a remote discarding receiver (nc -k -l to /dev/null) measures every mode" {
	local err=$BATS_TEST_TMPDIR/nck.err port

	# A receiver that takes connection after connection and discards what
	# arrives. zcsend -l sends; a receiving zcrecv does not exist yet.
	bg_start /dev/null "$err" nc.openbsd -d -k -l -n -v 127.0.0.1 0
	wait_for_line "$err" '^Listening on ' 10
	port=$(sed -n 's/^Listening on .* \([0-9][0-9]*\)$/\1/p' "$err")
	run --separate-stderr zc --bench --size 1M --rounds 1 --block-sizes 64K \
	    127.0.0.1 "$port"
	assert_success
	assert_equal "$stderr" ''
	assert_line --index 0 "zcsend --bench: 1.0 MiB file, 1 round, medians; receiver: 127.0.0.1 port $port"
	assert_line --regexp '^sendfile +[0-9.]+ +1\.00 '
	assert_line --regexp '^msg_zerocopy +[0-9.]+ '
	assert_line --partial "every run's byte count was checked at the receiver by its clean close"
	refute_output --partial 'failed'
}

@test "bench against zcrecv -l -k to /dev/null measures every mode, a connection each" {
	local err=$BATS_TEST_TMPDIR/zcrecv.err port m rows

	[[ -n ${ZCRECV-} && -x ${ZCRECV-} ]] ||
	    fail "ZCRECV must name the zcrecv binary (it is '${ZCRECV-}')"
	bg_start /dev/null "$err" "$ZCRECV" -l -k -v 127.0.0.1 0 /dev/null
	wait_for_line "$err" '^zcrecv: listening on .* port [0-9]+$' 10
	port=$(sed -n 's/^zcrecv: listening on .* port \([0-9]*\)$/\1/p' "$err")
	run --separate-stderr zc --bench --rounds 1 --size 1M 127.0.0.1 "$port"
	assert_success
	assert_equal "$stderr" ''
	assert_line --index 0 "zcsend --bench: 1.0 MiB file, 1 round, medians; receiver: 127.0.0.1 port $port"
	assert_line --regexp '^sendfile +[0-9.]+ +1\.00 '
	for m in splice mmap msg_zerocopy 'readwrite 16K' 'readwrite 64K' 'readwrite 128K'; do
		assert_line --regexp "^$m +[0-9.]+ "
	done
	for m in io_uring-splice io_uring-sendzc; do
		assert_line --regexp "^$m +([0-9.]+ |unavailable: io_uring: not built\$)"
	done
	assert_line --partial "every run's byte count was checked at the receiver by its clean close"
	refute_output --partial 'failed'
	rows=$(grep -cE '^(sendfile|splice|mmap|msg_zerocopy|io_uring-[a-z]+|readwrite [0-9]+K) +[0-9.]+ ' <<<"$output")
	# zcrecv took each run as a sender of its own, 1 MiB each, and goes on.
	kill -TERM "$BG_CMD_PID"
	bg_wait "$BG_PID"
	assert_equal "$BG_STATUS" 143
	run grep -c '^zcrecv: received 1048576 bytes in .* via splice$' "$err"
	assert_output "$rows"
}

# recv_wrapped DO: a copy of zcsend in a directory of its own, next to a
# zcrecv that runs the real one ($ZCRECV) and then, with DO keep, copies
# what it stored to $BATS_TEST_TMPDIR/kept.MODE; with flip, changes its
# byte 1000; with cut, drops its last byte; with max, runs it with
# --max-size 1000. Sets WRAPPED (that zcsend).
recv_wrapped() {
	local dir=$BATS_TEST_TMPDIR/wrapped

	[[ -n ${ZCRECV-} && -x ${ZCRECV-} ]] ||
	    fail "ZCRECV must name the zcrecv binary (it is '${ZCRECV-}')"
	mkdir -p "$dir"
	cp "$ZCSEND" "$dir/zcsend"
	WRAPPED=$dir/zcsend
	# shellcheck disable=SC2016 # expanded by the wrapper
	printf '#!/bin/sh
mode= out=
for a; do [ "$out" = --mode ] && mode=$a; out=$a; done
do=%s
[ $do != max ] || exec "%s" --max-size 1000 "$@"
"%s" "$@"; st=$?
case $do in
keep) cp "$out" "%s/kept.$mode" ;;
flip) printf X | dd of="$out" bs=1 seek=1000 conv=notrunc 2>/dev/null ;;
cut) truncate -s -1 "$out" ;;
esac
exit $st
' "$1" "$ZCRECV" "$ZCRECV" "$BATS_TEST_TMPDIR" >"$dir/zcrecv"
	chmod +x "$dir/zcrecv"
}

@test "bench --recv: each of zcrecv's paths stores the file intact" {
	local m

	recv_wrapped keep
	run --separate-stderr timeout -k 5 "$BOUND" "$WRAPPED" --bench --recv \
	    --rounds 1 --json "$FILE"
	assert_success
	assert_equal "$stderr" ''
	for m in splice readwrite; do
		assert_same_bytes "$FILE" "$BATS_TEST_TMPDIR/kept.$m"
	done
	run jq -e '.side == "receive" and .embedded == true and .file_bytes == 1000003
	    and ([.modes[].mode] == ["zcrecv splice", "zcrecv readwrite"])
	    and all(.modes[]; .unavailable == null and .runs == 1 and .failures == 0
	        and .gib_per_s > 0 and .cpu_s_per_gib >= 0 and .syscalls_per_gib == null
	        and .block_size == null and .size == 1000003)' <<<"$output"
	assert_success
}

@test "bench --recv: a table, a chart and CSV rows for zcrecv's paths" {
	run --separate-stderr zc --bench --recv --rounds 2 --size 1M
	assert_success
	assert_equal "$stderr" ''
	assert_line --index 0 --regexp '^zcsend --bench: 1\.0 MiB file, 2 rounds, medians; receiver: zcrecv into a file in .+$'
	assert_line --regexp '^zcrecv splice +[0-9.]+ +1\.00 +[0-9.]+ +1\.00 +- +-$'
	assert_line --regexp '^zcrecv readwrite +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +- +-$'
	assert_line "ratios (x) are to zcrecv splice; every run's stored file was compared byte for byte with the file sent"
	run --separate-stderr zc --bench --recv --rounds 2 --size 64K --csv
	assert_success
	assert_line --regexp '^65536,warm,zcrecv splice,,1,[0-9.e+-]+,[0-9.e+-]+,,,$'
	assert_line --regexp '^65536,warm,zcrecv readwrite,,2,[0-9.e+-]+,[0-9.e+-]+,,,$'
	assert_equal "${#lines[@]}" 5
}

@test "bench --recv: bytes zcrecv stored wrong, or its failure, fail the run and say why" {
	recv_wrapped flip
	run --separate-stderr timeout -k 5 "$BOUND" "$WRAPPED" --bench --recv \
	    --rounds 1 "$FILE"
	assert_failure 74
	assert_line 'zcrecv splice    failed: zcrecv stored other bytes at offset 1000'
	assert_line 'zcrecv readwrite failed: zcrecv stored other bytes at offset 1000'
	assert_equal "$stderr" 'zcsend: bench: 2 of 2 runs failed'
	recv_wrapped cut
	run --separate-stderr timeout -k 5 "$BOUND" "$WRAPPED" --bench --recv \
	    --rounds 1 "$FILE"
	assert_failure 74
	assert_line 'zcrecv splice    failed: zcrecv stored 1000002 of 1000003 bytes'
	recv_wrapped max
	run --separate-stderr timeout -k 5 "$BOUND" "$WRAPPED" --bench --recv \
	    --rounds 1 "$FILE"
	assert_failure 74
	assert_line --regexp '^zcrecv readwrite failed: zcrecv exited 74: zcrecv: receive from 127\.0\.0\.1 port [0-9]+: stream exceeds --max-size 1000 bytes; .*/zcsend-bench-recv\.[A-Za-z0-9]+ holds 1000 bytes$'
}

@test "bench --recv without a zcrecv: rows that say so, not a failure" {
	local dir=$BATS_TEST_TMPDIR/alone

	mkdir "$dir"
	cp "$ZCSEND" "$dir/zcsend"
	run --separate-stderr env PATH=/nonexistent "$dir/zcsend" --bench \
	    --recv --rounds 1 --size 64K
	assert_success
	assert_line 'zcrecv splice    unavailable: zcrecv not found next to zcsend or in PATH'
	assert_line 'zcrecv readwrite unavailable: zcrecv not found next to zcsend or in PATH'
}

@test "bench --recv is refused with HOST PORT, --cache, --block-sizes and without --bench" {
	run -64 --separate-stderr zc --bench --recv 127.0.0.1 9
	assert_equal "$stderr" 'zcsend: command line: --recv does not go with HOST PORT: it measures zcrecv on this host'
	run -64 --separate-stderr zc --bench --recv --cache both
	assert_equal "$stderr" 'zcsend: command line: --recv does not go with --cache: zcrecv writes a new file each run'
	run -64 --separate-stderr zc --bench --recv --rounds 1 --size 64K \
	    --block-sizes 16K
	assert_equal "$stderr" "zcsend: command line: --recv does not go with --block-sizes: those are the sending paths' buffer sizes"
	assert_equal "$output" ''
	run -64 --separate-stderr zc --recv 127.0.0.1 9 "$FILE"
	assert_equal "$stderr" 'zcsend: command line: --recv goes with --bench'
	assert_equal "$output" ''
}

@test "the --bench options are checked" {
	run -64 --separate-stderr zc --bench --cache lukewarm
	assert_equal "$stderr" 'zcsend: cache lukewarm: not warm, cold or both'
	run -64 --separate-stderr zc --bench --csv --json
	assert_equal "$stderr" 'zcsend: command line: --csv and --json do not go together'
	run -64 --separate-stderr zc --csv 127.0.0.1 9 "$FILE"
	assert_equal "$stderr" 'zcsend: command line: --csv goes with --bench'
	run -64 --separate-stderr zc --cache cold 127.0.0.1 9 "$FILE"
	assert_equal "$stderr" 'zcsend: command line: --cache goes with --bench'
	run -64 --separate-stderr zc --bench --size 1M,0
	assert_equal "$stderr" 'zcsend: size 1M,0: out of range'
	run -64 --separate-stderr zc --bench --size 1,2,3,4,5,6,7,8,9
	assert_equal "$stderr" 'zcsend: size 1,2,3,4,5,6,7,8,9: too many sizes'
	assert_equal "$output" ''
}
