#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# libzcsend as a user gets it: make install into a DESTDIR, then the C
# example of the README built with pkg-config against that install (shared
# and static) sends a file with header and trailer through zc_sendfile_all
# and zc_sendfile to an nc receiver, which must get exactly those bytes.
#
# Environment (tests/lib.mk): ZC_MAKE, ZC_BUILDDIR, ZC_LIBDIR,
# ZC_INCLUDEDIR, ZC_MANDIR, ZC_CC, ZC_CFLAGS, PKG_CONFIG.

setup_file() {
	export DEST=$BATS_FILE_TMPDIR/dest
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${ZC_MAKE:-make}" -s \
	    -C "$ZC_BUILDDIR" install DESTDIR="$DEST" \
	    >"$BATS_FILE_TMPDIR/install.log" 2>&1 ||
	    echo failed >"$BATS_FILE_TMPDIR/install.failed"
	# The example, exactly as the README shows it.
	sed -n '/^    \/\* zc-example.c:/,/^    \/\* end of zc-example.c \*\//p' \
	    "$BATS_TEST_DIRNAME/../README" | sed 's/^    //' \
	    >"$BATS_FILE_TMPDIR/zc-example.c"
	head -c 3000017 /dev/urandom >"$BATS_FILE_TMPDIR/data"
}

setup() {
	load test_helper/common
	_common_setup
	[[ ! -e $BATS_FILE_TMPDIR/install.failed ]] ||
	    fail "make install failed: $(cat "$BATS_FILE_TMPDIR/install.log")"
	# pkg-config reads the installed zcsend.pc; the sysroot puts its
	# -I and -L paths inside DESTDIR.
	export PKG_CONFIG_SYSROOT_DIR=$DEST
	export PKG_CONFIG_PATH=$DEST$ZC_LIBDIR/pkgconfig
	export PKG_CONFIG_LIBDIR=$PKG_CONFIG_PATH
	EXAMPLE=$BATS_FILE_TMPDIR/zc-example.c
	DATA=$BATS_FILE_TMPDIR/data
	EXPECTED=$BATS_TEST_TMPDIR/expected
	RECEIVED=$BATS_TEST_TMPDIR/received
	{
		printf 'zc_sendfile_all:\n'
		cat "$DATA"
		printf '\n--\nzc_sendfile:\n'
		cat "$DATA"
		printf '\n--\n'
	} >"$EXPECTED"
}

teardown() {
	_common_teardown
}

@test "make install puts library, header, pkg-config file and man pages in place" {
	assert_file_exists "$DEST$ZC_LIBDIR/libzcsend.so"
	assert_file_exists "$DEST$ZC_LIBDIR/libzcsend.so.0"
	assert_file_exists "$DEST$ZC_LIBDIR/libzcsend.a"
	assert_file_exists "$DEST$ZC_INCLUDEDIR/zc_sendfile.h"
	assert_file_exists "$DEST$ZC_LIBDIR/pkgconfig/zcsend.pc"
	assert_file_exists "$DEST$ZC_MANDIR/man3/zc_sendfile.3"
	assert_file_exists "$DEST$ZC_MANDIR/man3/zc_sendfile_all.3"
	run -0 "$PKG_CONFIG" --modversion zcsend
	assert_output "$(sed -n 's/^AC_INIT(\[zcsend\], \[\([^]]*\)\].*/\1/p' \
	    "$BATS_TEST_DIRNAME/../configure.ac")"
}

@test "the shared library exports only zc_ symbols" {
	run -0 nm -D --defined-only "$DEST$ZC_LIBDIR/libzcsend.so"
	assert_output --partial ' T zc_sendfile'
	assert_output --partial ' T zc_sendfile_all'
	run -0 bash -c "nm -D --defined-only '$DEST$ZC_LIBDIR/libzcsend.so' |
	    awk '\$2 ~ /^[A-Z]\$/ && \$2 != \"A\" && \$3 !~ /^zc_/'"
	assert_output ''
}

@test "README example built with pkg-config sends header, file and trailer through both functions" {
	run -0 "$PKG_CONFIG" --cflags --libs zcsend
	assert_output --partial "-I$DEST$ZC_INCLUDEDIR"
	assert_output --partial "-L$DEST$ZC_LIBDIR"
	# shellcheck disable=SC2046 # pkg-config's flags are split on purpose
	run -0 "$ZC_CC" ${ZC_CFLAGS-} -o "$BATS_TEST_TMPDIR/zc-example" \
	    "$EXAMPLE" $("$PKG_CONFIG" --cflags --libs zcsend)
	start_nc "$RECEIVED"
	LD_LIBRARY_PATH=$DEST$ZC_LIBDIR run -0 timeout "$BOUND" \
	    "$BATS_TEST_TMPDIR/zc-example" 127.0.0.1 "$RECV_PORT" "$DATA"
	assert_output ''
	bg_wait "$RECV_PID"
	assert_same_bytes "$EXPECTED" "$RECEIVED"
}

@test "README example linked statically with pkg-config --static sends the same bytes" {
	# shellcheck disable=SC2046 # pkg-config's flags are split on purpose
	run -0 "$ZC_CC" ${ZC_CFLAGS-} -o "$BATS_TEST_TMPDIR/zc-example" \
	    "$EXAMPLE" $("$PKG_CONFIG" --cflags zcsend) \
	    "$DEST$ZC_LIBDIR/libzcsend.a" \
	    $("$PKG_CONFIG" --libs --static zcsend | sed 's/-lzcsend//')
	run -0 ldd "$BATS_TEST_TMPDIR/zc-example"
	refute_output --partial libzcsend
	start_nc "$RECEIVED"
	run -0 timeout "$BOUND" "$BATS_TEST_TMPDIR/zc-example" 127.0.0.1 \
	    "$RECV_PORT" "$DATA"
	bg_wait "$RECV_PID"
	assert_same_bytes "$EXPECTED" "$RECEIVED"
}

@test "the installed library needs neither libcrypto nor libmd and carries no progress, checksum or JSON code" {
	run -0 readelf -d "$DEST$ZC_LIBDIR/libzcsend.so"
	assert_output --partial '(NEEDED)'
	refute_output --regexp 'NEEDED.*\[lib(crypto|ssl|md)\.so'
	# Every symbol the static library defines, one a line.
	# shellcheck disable=SC2016 # awk's $3, not the shell's
	run -0 bash -c 'nm --defined-only "$1" | awk "NF == 3 { print \$3 }"' \
	    _ "$DEST$ZC_LIBDIR/libzcsend.a"
	assert_line xfer_step
	refute_line --regexp '^(progress|checksum|json|report_json)'
	run -0 "$PKG_CONFIG" --libs --static zcsend
	refute_output --regexp '-l(crypto|ssl|md)( |$)'
}

@test "the static library defines only zc_ names: a program linked with it may have its own loop_init and format_size" {
	# shellcheck disable=SC2016 # awk's $2 and $3, not the shell's
	run -0 bash -c 'nm --defined-only "$1" |
	    awk "NF == 3 && \$2 ~ /^[A-Z]\$/ && \$3 !~ /^zc_/"' \
	    _ "$DEST$ZC_LIBDIR/libzcsend.a"
	assert_output ''
	cat >"$BATS_TEST_TMPDIR/own.c" <<'CODE'
#include <stdio.h>
#include <zc_sendfile.h>

int loop_init(void);
void format_size(char *, size_t, double);

int
loop_init(void)
{
	return 42;
}

void
format_size(char *buf, size_t size, double value)
{
	snprintf(buf, size, "%.1f units", value);
}

int
main(void)
{
	char		buf[32];
	uint64_t	sent = 0;

	format_size(buf, sizeof(buf), 1.5);
	printf("%d %s %d %ju\n", loop_init(), buf,
	    zc_sendfile_all(-1, -1, 0, 1, NULL, 0, NULL, 0, 0, 0, &sent),
	    (uintmax_t)sent);
	return 0;
}
CODE
	# shellcheck disable=SC2046 # pkg-config's flags are split on purpose
	run -0 "$ZC_CC" ${ZC_CFLAGS-} -o "$BATS_TEST_TMPDIR/own" \
	    "$BATS_TEST_TMPDIR/own.c" $("$PKG_CONFIG" --cflags zcsend) \
	    "$DEST$ZC_LIBDIR/libzcsend.a" \
	    $("$PKG_CONFIG" --libs --static zcsend | sed 's/-lzcsend//')
	run -0 "$BATS_TEST_TMPDIR/own"
	assert_output '42 1.5 units -1 0'
}

@test "the engine's files call each other in no circle (the xfer*.c files as one)" {
	need python3
	# shellcheck disable=SC2016 # awk's and python's, not the shell's
	run -0 bash -c 'nm -A "$1" | awk "{ split(\$1, a, \":\"); f = a[2]
	    if (NF == 3 && \$2 ~ /^[TDBR]\$/) print \"D\", f, \$3
	    else if (\$(NF - 1) == \"U\") print \"U\", f, \$NF }" |
	    python3 -c "
import collections, sys
defs, uses = {}, collections.defaultdict(set)
for line in sys.stdin:
    kind, f, sym = line.split()
    f = \"xfer*\" if f.startswith(\"xfer\") else f[:-2]
    (defs.__setitem__(sym, f) if kind == \"D\" else uses[f].add(sym))
calls = {f: {defs[s] for s in ss if s in defs} - {f}
    for f, ss in uses.items()}
seen = {}
def walk(f, path):
    seen[f] = 1
    for g in sorted(calls.get(f, ())):
        if seen.get(g) == 1:
            print(\"circle:\", \" -> \".join(path[path.index(g):] + [g]))
        elif g not in seen:
            walk(g, path + [g])
    seen[f] = 2
for f in sorted(calls):
    if f not in seen:
        walk(f, [f])
print(\"loop calls\", \" \".join(sorted(calls[\"loop\"])))
"' _ "$ZC_BUILDDIR/.libs/libzcengine.a"
	refute_output --partial 'circle:'
	assert_output 'loop calls loop-wait xfer*'
}
