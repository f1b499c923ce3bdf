#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# What the README and the man page promise, run as written: the resume
# recipe (zcrecv --resume and zcsend --resume --retry), the loopback demo
# of scripts/bootstrap, the license, and the man page's form.

setup() {
	load test_helper/common
	load test_helper/defects
	_common_setup
	TOP=$BATS_TEST_DIRNAME/..
}

teardown() {
	_common_teardown
}

# readme_command FIRST-WORDS: the README command (four-space indented)
# whose line starts with FIRST-WORDS, with its continuation lines joined
# and trailing "# ..." comments dropped.
readme_command() {
	awk -v first="    $1" '
	    index($0, first) == 1 { on = 1 }
	    on {
		line = $0
		sub(/[ \t]+#.*$/, "", line)
		cont = sub(/[ \t]*\\$/, "", line)
		sub(/^[ \t]+/, "", line)
		out = out (out == "" ? "" : " ") line
		if (!cont) { print out; exit }
	    }' "$TOP/README"
}

@test "the README's resume recipe works: zcrecv --resume, zcsend --resume --retry" {
	local recvdir=$BATS_TEST_TMPDIR/receiving sentdir=$BATS_TEST_TMPDIR/sending
	local rcmd scmd port args err=$BATS_TEST_TMPDIR/zcrecv.err

	[[ -x ${ZCRECV-} ]] || fail "ZCRECV must name the zcrecv binary"
	mkdir "$recvdir" "$sentdir"
	head -c 1000000 /dev/urandom >"$sentdir/file"
	head -c 300000 "$sentdir/file" >"$recvdir/partial"
	rcmd=$(readme_command 'zcrecv --resume')
	scmd=$(readme_command 'zcsend --resume')
	[[ $rcmd == 'zcrecv --resume --ack -l 9000 partial' ]] ||
	    fail "the README's resume receiver is '$rcmd'"
	[[ -n $scmd ]] || fail "the README has no 'zcsend --resume' command"
	# The receiving host, on a port the system picks.
	read -ra args <<<"${rcmd//9000/0}"
	args[0]=$ZCRECV
	bg_start /dev/null "$err" sh -c 'cd "$1" && shift && exec "$@"' sh \
	    "$recvdir" "${args[@]}"
	RECV_PID=$BG_PID
	wait_for_line "$err" '^zcrecv: listening on .* port [0-9]+$'
	port=$(sed -n 's/^zcrecv: listening on .* port \([0-9]*\)$/\1/p' "$err")
	scmd=${scmd//receiver.example.org/127.0.0.1}
	scmd=${scmd//9000/$port}
	zcsend() {
		zc -q "$@"
	}
	run -0 --separate-stderr eval "cd '$sentdir' && $scmd"
	bg_wait "$RECV_PID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$sentdir/file" "$recvdir/partial"
}

@test "the README and the man page use no GNU-only stat -c" {
	run grep -n 'stat -c\|stat \\-c' "$TOP/README" "$TOP/man/zcsend.1"
	assert_failure 1
}

@test "scripts/demo pushes a file over loopback with progress and checks the bytes" {
	need nc.openbsd
	SECONDS=0
	# fd 3 closed: a receiver the demo leaves behind cannot hold up bats.
	run --separate-stderr timeout -k 5 60 sh "$TOP/scripts/demo" "$ZCSEND" 3>&-
	((status == 0)) ||
	    fail "demo exited $status; stdout: $output; stderr: $stderr"
	echo "# the demo took $SECONDS s" >&3
	assert_line "demo: received 100663296 bytes, identical to the 100663296 bytes sent"
	assert_line --partial -- "--bench"
	[[ $stderr =~ (^|$'\n')zcsend:\ [0-9]+\ of\ 100663296\ bytes ]] ||
	    fail "no progress line on stderr: $stderr"
	[[ $stderr =~ (^|$'\n')zcsend:\ sent\ 100663296\ bytes\ in ]] ||
	    fail "no summary line on stderr: $stderr"
}

@test "sh scripts/bootstrap demo runs the loopback demo, not the benchmark" {
	run sed -n '/^demo)/,/;;/p' "$TOP/scripts/bootstrap"
	assert_line --regexp '^[[:space:]]+sh scripts/demo '
	refute_output --partial -- '--bench'
}

@test "LICENSE is ISC with the copyright line" {
	assert_file_exist "$TOP/LICENSE"
	run head -n 1 "$TOP/LICENSE"
	assert_output "Copyright (c) 2026 The zcsend authors"
	run grep -c 'Permission to use, copy, modify, and distribute this software for any' "$TOP/LICENSE"
	assert_output 1
}

@test "every source file carries an SPDX-License-Identifier: ISC line at its top" {
	local f missing=()

	for f in "$TOP"/src/*.[ch] "$TOP"/compat/*.c "$TOP"/tests/*.bats \
	    "$TOP"/tests/test_helper/*.bash "$TOP"/tests/helpers/*.c \
	    "$TOP"/tests/unit/*.[ch] "$TOP"/tests/unit/*.mk "$TOP"/tests/*.mk \
	    "$TOP"/tests/*.sh "$TOP"/tests/unit/*.sh "$TOP"/tests/fuzz/*.c \
	    "$TOP"/scripts/* "$TOP"/scripts/bench/* "$TOP"/scripts/ci/* \
	    "$TOP"/scripts/bench/anchors/*.c "$TOP"/python/*.py "$TOP"/python/*.c \
	    "$TOP"/python/tests/*.py "$TOP"/autogen.sh \
	    "$TOP"/Makefile.am "$TOP"/configure.ac; do
		[[ -f $f ]] || continue
		[[ -e $f ]] || continue
		head -n 2 "$f" | grep -q 'SPDX-License-Identifier: ISC' ||
		    missing+=("${f#"$TOP"/}")
	done
	((${#missing[@]} == 0)) || fail "no SPDX line in: ${missing[*]}"
}

@test "NEWS exists and describes this release" {
	run grep -c '^zcsend [0-9.]* (' "$TOP/NEWS"
	assert_success
}

@test "the man page has a fixed date, literal examples and the SEE ALSO of the issue" {
	local page=$TOP/man/zcsend.1 x

	run head -n 1 "$page"
	assert_output '.Dd November 29, 2026'
	run sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$page"
	assert_line --regexp '^\.Bd -literal'
	refute_output --partial '.Dl zcsend \-o $(stat'
	for x in 'sysexits 3' 'tcp 7' 'nc 1' 'socat 1' 'pv 1' 'curl 1'; do
		sed -n '/^\.Sh SEE ALSO/,/^\.Sh /p' "$page" | grep -q "^\.Xr $x" ||
		    fail "SEE ALSO lacks $x"
	done
	need mandoc
	run mandoc -Tlint -W warning "$page"
	assert_success
	assert_output ""
	# Literal examples never wrap: no rendered line of EXAMPLES is wider
	# than 80 columns.
	run sh -c "mandoc -Tascii '$page' | col -b | sed -n '/^EXAMPLES/,/^DIAGNOSTICS/p' | awk 'length > 80'"
	assert_output ""
}

@test "the man page quotes the messages of --to-file as zcsend prints them" {
	local page=$TOP/man/zcsend.1 text msg

	need mandoc
	# The rendered page, blanks and line breaks folded into one space.
	text=$(mandoc -Tascii "$page" | col -b | tr -s ' \t\n' '   ')
	cd "$BATS_TEST_TMPDIR"
	head -c 10 /dev/urandom >file
	run -66 --separate-stderr zc file --to-file hosts
	msg=$stderr
	[[ -n $msg && $text == *"$msg"* ]] ||
	    fail "the page does not quote '$msg'"
	printf '%s\n' web{1..6}:9000 web7 >hosts
	run -64 --separate-stderr zc file --to-file hosts
	msg=$stderr
	[[ -n $msg && $text == *"$msg"* ]] ||
	    fail "the page does not quote '$msg'"
}

# assert_help_is_page PAGE CMD...: CMD -h and the man page PAGE list the
# same options, with the same defaults.
assert_help_is_page() {
	local page=$1 help opt val line man_opts help_opts

	shift
	run -0 --separate-stderr "$@" -h
	help=$output
	# Each option entry's long names, or its short one if it has none.
	man_opts=$(sed -n 's/\\//g; /^\.It Fl /p' "$page" | awk '{
		n = 0
		for (i = 2; i <= NF; i++)
			if ($(i - 1) == "Fl" && $i ~ /^-/) { print "-" $i; n++ }
		if (n == 0) print "-" $3
	    }' | sort -u)
	help_opts=$(grep -E '^ +-' <<<"$help" | awk '{
		if ($1 ~ /^-[0-9A-Za-z],$/) print $2; else print $1
	    }' | sort -u)
	assert_equal "$help_opts" "$man_opts"
	# "The default is X" in the man page is "default X" or "X (default)"
	# on the option's line of -h.
	while read -r opt val; do
		line=$(grep -E -- "^ +(-[0-9A-Za-z], )?$opt[ ,]" <<<"$help")
		[[ $line == *"default $val"* || $line == *"$val (default)"* ]] ||
		    fail "man: $opt defaults to $val; -h says: $line"
	done < <(sed 's/\\//g' "$page" | awk '
	    /^\.It Fl / { cur = "-" $3; next }
	    want { v = $2; want = 0; sub(/[.,]$/, "", v); print cur, v; next }
	    /^The default is/ {
		v = $4
		if (v == "") { want = 1; next }
		sub(/[.,]$/, "", v); print cur, v
	    }')
}

@test "zcsend -h and the man page list the same options, with the same defaults" {
	assert_help_is_page "$TOP/man/zcsend.1" zc
}

@test "zcrecv -h and the man page list the same options, with the same defaults" {
	[[ -x ${ZCRECV-} ]] || fail "ZCRECV must name the zcrecv binary"
	assert_help_is_page "$TOP/man/zcrecv.1" "$ZCRECV"
}

@test "the zcrecv man page lints clean and has PROTOCOL and SECURITY" {
	local page=$TOP/man/zcrecv.1

	need mandoc
	run mandoc -Tlint -W warning "$page"
	assert_success
	assert_output ""
	run grep -c '^\.Sh \(PROTOCOL\|SECURITY\)$' "$page"
	assert_output 2
	run grep -c '^\.Sh PROTOCOL$' "$TOP/man/zcsend.1"
	assert_output 1
}

@test "layers: no engine or backend file includes the command's header, no backend the engine's" {
	local f bad=()

	for f in $(sed -n '/^libzcengine_la_SOURCES/,/^endif$/p;/^libzcengine_la_SOURCES +=/p' \
	    "$TOP/Makefile.am" | grep -o 'src/[a-z-]*\.c' | sort -u) \
	    src/lib-sendfile.c src/lib-all.c; do
		grep -q '^#include "zcsend.h"' "$TOP/$f" && bad+=("$f")
	done
	for f in "$TOP"/src/sf-*.c "$TOP"/src/rw.c "$TOP"/src/splice.c \
	    "$TOP"/src/platform.c "$TOP"/src/nosplice.c "$TOP"/src/noflags.c; do
		grep -q '^#include "\(engine\|zcsend\)\.h"' "$f" &&
		    bad+=("${f#"$TOP"/}")
	done
	((${#bad[@]} == 0)) || fail "includes a header above its layer: ${bad[*]}"
}

@test "layers: the command reads a transfer through its accessors, never its fields" {
	local f bad=()

	for f in $(sed -n '/^zcsend_SOURCES/,/^endif$/p' "$TOP/Makefile.am" |
	    grep -o 'src/[a-z-]*\.c' | sort -u); do
		grep -Eq '(->|\.)(conn|prog|be|out|want)\.|->par->' "$TOP/$f" &&
		    bad+=("$f")
	done
	((${#bad[@]} == 0)) || fail "struct xfer fields used in: ${bad[*]}"
}

@test "layers: struct xfer is opaque: only engine files include its layout" {
	local f bad=() eng

	eng=$(sed -n '/^libzcengine_la_SOURCES/,/^endif$/p;/^libzcengine_la_SOURCES +=/p' \
	    "$TOP/Makefile.am" | grep -o 'src/[a-z-]*\.[ch]' | sort -u)
	for f in "$TOP"/src/*.[ch]; do
		grep -q '^#include "\(xfer-state\|xfer-int\)\.h"' "$f" ||
		    continue
		grep -qx "${f#"$TOP"/}" <<<"$eng" || bad+=("${f#"$TOP"/}")
	done
	grep -q '^#include "xfer-state\.h"' "$TOP/src/engine.h" &&
	    bad+=(src/engine.h)
	grep -q '^struct xfer;$' "$TOP/src/engine.h" ||
	    bad+=("src/engine.h (no struct xfer;)")
	((${#bad[@]} == 0)) || fail "sees the layout of struct xfer: ${bad[*]}"
}
