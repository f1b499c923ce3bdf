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
	# pkg-config reads the installed zcsend.pc, and the system's for what
	# it requires (libbsd); the sysroot puts the -I and -L paths inside
	# DESTDIR.
	export PKG_CONFIG_SYSROOT_DIR=$DEST
	export PKG_CONFIG_PATH=$DEST$ZC_LIBDIR/pkgconfig
	PKG_CONFIG_LIBDIR=$PKG_CONFIG_PATH:$(unset PKG_CONFIG_LIBDIR &&
	    "$PKG_CONFIG" --variable pc_path pkg-config)
	export PKG_CONFIG_LIBDIR
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

@test "README example linked with -static and nothing but pkg-config --static sends the same bytes" {
	# What a user types: every library from pkg-config, libbsd's own
	# dependencies (libmd) included through Requires.private. A sanitizer
	# build cannot be linked fully static (ASan needs its shared runtime):
	# there every library pkg-config names is linked static, libc and the
	# sanitizer runtime shared.
	local libs link
	libs=$("$PKG_CONFIG" --libs --static zcsend)
	# shellcheck disable=SC2206 # pkg-config's flags are split on purpose
	if [[ -z ${ZC_CFLAGS-} ]]; then
		link=(-static $libs)
	else
		link=(-Wl,-Bstatic $libs -Wl,-Bdynamic)
	fi
	# shellcheck disable=SC2046 # pkg-config's flags are split on purpose
	run -0 "$ZC_CC" ${ZC_CFLAGS-} -o "$BATS_TEST_TMPDIR/zc-example" \
	    "$EXAMPLE" $("$PKG_CONFIG" --cflags zcsend) "${link[@]}"
	run -0 readelf -d "$BATS_TEST_TMPDIR/zc-example"
	refute_output --regexp 'NEEDED.*\[lib(zcsend|bsd|md)\.so'
	start_nc "$RECEIVED"
	run -0 timeout "$BOUND" "$BATS_TEST_TMPDIR/zc-example" 127.0.0.1 \
	    "$RECV_PORT" "$DATA"
	bg_wait "$RECV_PID"
	assert_same_bytes "$EXPECTED" "$RECEIVED"
}

@test "zcsend.pc names libbsd in Requires.private, not -lbsd in Libs.private" {
	run -0 "$PKG_CONFIG" --print-requires-private zcsend
	assert_output 'libbsd'
	run -0 grep '^Libs.private:' "$DEST$ZC_LIBDIR/pkgconfig/zcsend.pc"
	refute_output --regexp '-lbsd( |$)'
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
	# libmd comes in only as libbsd's own dependency.
	run -0 "$PKG_CONFIG" --libs --static zcsend
	refute_output --regexp '-l(crypto|ssl)( |$)'
	run -0 grep -E '^(Requires|Libs)' "$DEST$ZC_LIBDIR/pkgconfig/zcsend.pc"
	refute_output --regexp 'crypto|ssl|md'
}

@test "the header refuses a 32-bit off_t at compile time and names the flag, in C89, C11 and C++" {
	# A 32-bit off_t, as on i386 without -D_FILE_OFFSET_BITS=64, is made
	# here by a macro: the library's off_t and off_t * are 64 bits.
	local std lang flags=("$PKG_CONFIG" --cflags zcsend)
	printf '%s\n' '#include <sys/types.h>' '#include <stdint.h>' \
	    '#ifdef SMALL_OFF_T' '#define off_t int32_t' '#endif' \
	    '#include <zc_sendfile.h>' 'int main(void) { return 0; }' \
	    >"$BATS_TEST_TMPDIR/off.c"
	# shellcheck disable=SC2046 # pkg-config's flags are split on purpose
	for std in c:c89 c:c11 c++:c++98 c++:c++11; do
		lang=${std%%:*}
		run -0 "$ZC_CC" -x "$lang" -std="${std#*:}" -Wall -Wextra \
		    -pedantic -Werror -fsyntax-only $("${flags[@]}") \
		    "$BATS_TEST_TMPDIR/off.c"
		run -1 "$ZC_CC" -x "$lang" -std="${std#*:}" -DSMALL_OFF_T \
		    -fsyntax-only $("${flags[@]}") "$BATS_TEST_TMPDIR/off.c"
		assert_output --partial 'off_t'
		assert_output --partial '_FILE_OFFSET_BITS'
	done
}

@test "man zc_flags_supported and man zc_version open zc_sendfile(3), and every page has a date" {
	local page
	for page in zc_flags_supported zc_version; do
		assert_file_exists "$DEST$ZC_MANDIR/man3/$page.3"
		# From the manual's root, as man(1) reads a .so link.
		run -0 bash -c 'cd "$1" && mandoc -T ascii "man3/$2.3" | sed "s/.\x08//g"' _ \
		    "$DEST$ZC_MANDIR" "$page"
		assert_output --partial 'zc_sendfile, zc_flags_supported, zc_version'
		assert_output --partial 'zc_version(void)'
		refute_output --partial 'Mdocdate' 
	done
	for page in zc_sendfile zc_sendfile_all; do
		run -0 sed -n 1p "$DEST$ZC_MANDIR/man3/$page.3"
		assert_output --regexp '^\.Dd [A-Z][a-z]+ [0-9]{1,2}, [0-9]{4}$'
	done
}

@test "the build is quiet by default (CC and CCLD lines) and make V=1 prints the commands" {
	# make -n -W: what make would run were src/lib-all.c changed, and
	# nothing is run.
	local mk=(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${ZC_MAKE:-make}"
	    -n -W src/lib-all.c -C "$ZC_BUILDDIR")
	run -0 "${mk[@]}" libzcsend.la
	assert_output --regexp 'echo "  CC      " src/lib-all\.lo'
	assert_output --regexp 'echo "  CCLD    " libzcsend\.la'
	run -0 "${mk[@]}" V=1 libzcsend.la
	refute_output --partial 'echo "  CC'
	assert_output --regexp 'libtool .*--mode=compile .*src/lib-all\.c'
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

@test "the engine's files call each other in no circle, each xfer*.c file on its own" {
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
    f = f[:-2]
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
	assert_output 'loop calls loop-wait xfer'
}
