#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# What the progress line looks like on a real terminal: zcsend runs on a
# pseudo-terminal of a given width (tests/helpers/ptyrun.py), and what it
# wrote is replayed on a model terminal that wraps at the margin, so a
# line that is too long, or a redraw that leaves text behind, shows as
# rows left on the screen. Also the summary's time, which runs to the
# receiver's close.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
setup_file() {
	head -c 67108864 /dev/urandom >"$BATS_FILE_TMPDIR/r64m"
}

setup() {
	load test_helper/common
	load test_helper/defects
	_common_setup
	need python3
	R64M=$BATS_FILE_TMPDIR/r64m
	PTYRUN=$BATS_TEST_DIRNAME/helpers/ptyrun.py
	TTYOUT=$BATS_TEST_TMPDIR/tty.out
	ZCOUT=$BATS_TEST_TMPDIR/zcsend.out
	ZCERR=$BATS_TEST_TMPDIR/zcsend.err
	HMS='[0-9]+:[0-5][0-9]:[0-5][0-9]'
	SIZE='[0-9]+(\.[0-9])? (B|KiB|MiB|GiB)'
	RATE="$SIZE/s"
}

teardown() {
	_common_teardown
}

# stalled_receivers N: N peer receivers that stop reading after 1 MiB
# until SIGUSR1, with a small receive buffer. Sets PORTS and SIG_PIDS.
stalled_receivers() {
	local i

	PORTS=()
	SIG_PIDS=()
	RECV_PIDS=()
	for ((i = 0; i < $1; i++)); do
		start_peer -R 65536 -S 1048576
		PORTS+=("$RECV_PORT")
		SIG_PIDS+=("$RECV_SIG_PID")
		RECV_PIDS+=("$RECV_PID")
	done
}

# resume_receivers: SIGUSR1 to every receiver of stalled_receivers, then
# wait for each to read to the end.
resume_receivers() {
	local pid

	for pid in "${SIG_PIDS[@]}"; do
		kill -USR1 "$pid"
	done
	for pid in "${RECV_PIDS[@]}"; do
		bg_wait "$pid"
		[[ $BG_STATUS -eq 0 ]] || fail "a receiver exited $BG_STATUS"
	done
}

# on_tty COLS [ENV=VALUE]... -- ARG...: zcsend ARG... in the background on
# a pseudo-terminal of COLS columns with that environment, its output
# going to $TTYOUT. Sets TTY_PID.
on_tty() {
	local cols=$1 envs=()

	shift
	while [[ $1 != -- ]]; do
		envs+=("$1")
		shift
	done
	shift
	: >"$TTYOUT"
	bg_start "$ZCOUT" "$ZCERR" env -u COLUMNS "${envs[@]}" \
	    python3 "$PTYRUN" run "$cols" "$TTYOUT" "$ZCSEND" "$@"
	TTY_PID=$BG_PID
}

# tty_wait: waits for the zcsend of on_tty; fails unless it exited 0.
tty_wait() {
	bg_wait "$TTY_PID"
	[[ $BG_STATUS -eq 0 ]] ||
	    fail "zcsend exited $BG_STATUS: $(cat -v "$TTYOUT" "$ZCERR")"
}

# wait_for_output REGEX: until what zcsend drew so far matches REGEX (a
# busy machine may take a while to start the pseudo-terminal's python).
wait_for_output() {
	wait_until 30 grep -Eq -- "$1" "$TTYOUT"
}

# assert_segments_fit WIDTH: no redraw put more than WIDTH - 1 columns on
# a line.
assert_segments_fit() {
	local seg

	while IFS= read -r seg; do
		[[ $seg == *"sent 67108864 bytes in"* ]] && continue
		((${#seg} < $1)) ||
		    fail "a progress line of ${#seg} columns on a $1-column terminal: $seg"
	done < <(python3 "$PTYRUN" segments "$TTYOUT")
}

# assert_screen_summaries WIDTH N: the screen, replayed at WIDTH columns,
# holds nothing but the N summary lines (wrapped): no stale progress rows.
assert_screen_summaries() {
	local want=0 line rows

	rows=$(python3 "$PTYRUN" screen "$1" "$TTYOUT") ||
	    fail "cannot replay the output: $(cat -v "$TTYOUT")"
	while IFS= read -r line; do
		[[ $line == "zcsend: "*"sent 67108864 bytes in "* ]] &&
		    want=$((want + (${#line} + $1 - 1) / $1))
	done < <(python3 "$PTYRUN" segments "$TTYOUT")
	[[ $rows != *" of "*"MiB"* && $rows != *ETA* && $rows != *stalled* ]] ||
	    fail "$(printf '%s\n' "progress text left on the screen:" "$rows")"
	assert_equal "$(wc -l <<<"$rows" | tr -d ' ')" "$want"
	[[ $(grep -c 'sent 67108864 bytes in' <<<"$rows") -eq $2 ]] ||
	    fail "$(printf '%s\n' "not $2 summaries on the screen:" "$rows")"
}

@test "three --to destinations on a 60-column terminal: no line wraps, no stale line is left" {
	stalled_receivers 3
	on_tty 60 TERM=xterm -- "$R64M" --to "127.0.0.1:${PORTS[0]}" \
	    --to "127.0.0.1:${PORTS[1]}" --to "127.0.0.1:${PORTS[2]}"
	wait_for_output 'stalled'
	resume_receivers
	tty_wait
	assert_segments_fit 60
	assert_screen_summaries 60 3
}

@test "the progress line follows the terminal's width: 40 columns" {
	stalled_receivers 1
	on_tty 40 TERM=xterm -- 127.0.0.1 "${PORTS[0]}" "$R64M"
	wait_for_output 'stalled'
	resume_receivers
	tty_wait
	assert_segments_fit 40
	assert_screen_summaries 40 1
}

@test "the progress line gives human sizes, elapsed time, rate and ETA as H:MM:SS" {
	local re="^zcsend: $SIZE of 64\\.0 MiB \\([0-9]+%\\), $HMS, $RATE, ETA $HMS\$"

	stalled_receivers 1
	on_tty 120 TERM=xterm -- 127.0.0.1 "${PORTS[0]}" "$R64M"
	wait_for_output 'stalled'
	resume_receivers
	tty_wait
	python3 "$PTYRUN" segments "$TTYOUT" | grep -Eq -- "$re" ||
	    fail "no line like /$re/: $(python3 "$PTYRUN" segments "$TTYOUT")"
}

@test "a receiver that stops reading shows as stalled, with no ETA" {
	local re="^zcsend: $SIZE of 64\\.0 MiB \\([0-9]+%\\), $HMS, stalled, ETA -:--:--\$"

	stalled_receivers 1
	on_tty 120 TERM=xterm -- 127.0.0.1 "${PORTS[0]}" "$R64M"
	wait_for_output 'stalled'
	resume_receivers
	tty_wait
	python3 "$PTYRUN" segments "$TTYOUT" | grep -Eq -- "$re" ||
	    fail "no line like /$re/: $(python3 "$PTYRUN" segments "$TTYOUT")"
	# Not stalled from the start: the first second shows a rate.
	python3 "$PTYRUN" segments "$TTYOUT" |
	    grep -Eq -- "^zcsend: $SIZE of 64\\.0 MiB \\([0-9]+%\\), 0:00:0[01], $RATE, " ||
	    fail "no rate before the stall: $(python3 "$PTYRUN" segments "$TTYOUT")"
}

@test "TERM=dumb: no escape sequence, and the line is still erased" {
	stalled_receivers 3
	on_tty 60 TERM=dumb -- "$R64M" --to "127.0.0.1:${PORTS[0]}" \
	    --to "127.0.0.1:${PORTS[1]}" --to "127.0.0.1:${PORTS[2]}"
	wait_for_output 'stalled'
	resume_receivers
	tty_wait
	if grep -q $'\x1b' "$TTYOUT"; then
		fail "an escape byte with TERM=dumb: $(cat -v "$TTYOUT")"
	fi
	assert_segments_fit 60
	assert_screen_summaries 60 3
}

@test "TERM unset: no escape sequence" {
	stalled_receivers 1
	on_tty 80 -u TERM -- 127.0.0.1 "${PORTS[0]}" "$R64M"
	wait_for_output 'stalled'
	resume_receivers
	tty_wait
	if grep -q $'\x1b' "$TTYOUT"; then
		fail "an escape byte without TERM: $(cat -v "$TTYOUT")"
	fi
	assert_screen_summaries 80 1
}

@test "--progress=tty away from a terminal takes its width from COLUMNS" {
	stalled_receivers 1
	bg_start "$ZCOUT" "$TTYOUT" env COLUMNS=30 TERM=xterm "$ZCSEND" \
	    --progress=tty 127.0.0.1 "${PORTS[0]}" "$R64M"
	wait_for_output 'stalled'
	resume_receivers
	bg_wait "$BG_PID"
	assert_equal "$BG_STATUS" 0
	assert_segments_fit 30
	assert_screen_summaries 30 1
}

# --progress=tty away from a terminal, to three stalled receivers, with
# env's arguments ($@) for COLUMNS: every redraw fits 80 columns.
assert_eighty_columns() {
	stalled_receivers 3
	bg_start "$ZCOUT" "$TTYOUT" env "$@" TERM=xterm "$ZCSEND" \
	    --progress=tty "$R64M" --to "127.0.0.1:${PORTS[0]}" \
	    --to "127.0.0.1:${PORTS[1]}" --to "127.0.0.1:${PORTS[2]}"
	wait_for_output 'stalled'
	resume_receivers
	bg_wait "$BG_PID"
	assert_equal "$BG_STATUS" 0
	assert_segments_fit 80
	assert_screen_summaries 80 3
}

@test "--progress=tty away from a terminal and without COLUMNS is 80 columns wide" {
	assert_eighty_columns -u COLUMNS
}

@test "--progress=tty with a COLUMNS that is not a width is 80 columns wide" {
	assert_eighty_columns COLUMNS=abc
}

@test "--progress=plain shows stalled when the receiver stops reading" {
	local re="^zcsend: [0-9]+ of 67108864 bytes \\([0-9]+%\\), $HMS, stalled, ETA -:--:--\$"

	stalled_receivers 1
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" --progress=plain \
	    127.0.0.1 "${PORTS[0]}" "$R64M"
	wait_for_line "$ZCERR" "$re"
	resume_receivers
	bg_wait "$BG_PID"
	assert_equal "$BG_STATUS" 0
}

@test "an ETA of more than an hour is H:MM:SS" {
	start_nc "$BATS_TEST_TMPDIR/received"
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" --progress=plain --rate 1K \
	    127.0.0.1 "$RECV_PORT" "$R64M"
	wait_for_line "$ZCERR" 'ETA '
	kill -INT "$BG_CMD_PID"
	bg_wait "$BG_PID"
	assert_equal "$BG_STATUS" 130
	# 64 MiB at 1 KiB/s: about 18 hours.
	grep -Eq '^zcsend: [0-9]+ of 67108864 bytes \(0%\), 0:00:01, [0-9.]+ (B|KiB)/s, ETA 1[0-9]:[0-5][0-9]:[0-5][0-9]$' "$ZCERR" ||
	    fail "no ETA of some 18 hours: $(cat "$ZCERR")"
}

@test "the summary time runs to the receiver's close: a receiver 2 s late" {
	local file=$BATS_TEST_TMPDIR/file

	head -c 65536 /dev/urandom >"$file"
	start_peer -W 2000 -o "$BATS_TEST_TMPDIR/received"
	run -0 --separate-stderr zc --json 127.0.0.1 "$RECV_PORT" "$file"
	recv_wait
	assert_same_bytes "$file" "$BATS_TEST_TMPDIR/received"
	[[ $stderr =~ ^zcsend:\ sent\ 65536\ bytes\ in\ ([0-9]+\.[0-9]+)\ s\ \(([0-9.]+)\ KiB/s\)\ via\ sendfile$ ]] ||
	    fail "not the summary: $stderr"
	# zcsend's clock starts a little after the receiver's 2 s did: 1.9 s
	# still tells the close from the last write (a few milliseconds).
	awk -v s="${BASH_REMATCH[1]}" 'BEGIN { exit !(s >= 1.9 && s < 10) }' ||
	    fail "the summary says ${BASH_REMATCH[1]} s for a receiver 2 s late"
	assert_json_line "$output" "$JSON_TRANSFER" \
	    '.seconds >= 1.9 and .rate <= 65536 / 1.9'
}
