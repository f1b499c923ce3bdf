#!/bin/sh
# SPDX-License-Identifier: ISC
# configure.ac's table of which sf-*.c goes with which OS (zc_backends)
# is the one source: configure and python/setup.py read it. Automake has
# to know sources before configure runs, so Makefile.am names each row's
# sources once (SF_LINUX...); this checks, as TAP, that every row has its
# SF_ group with the same sources, and that every adapter in src/ is in
# exactly one row.
set -u
: "${srcdir:?}"

n=0
fail=0
# ok STATUS DESCRIPTION: one TAP line, ok if STATUS is 0.
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}

# NAME=SOURCES, a line per row.
rows=$(sed -n '/^zc_backends="$/,/^"$/p' "$srcdir/configure.ac" |
    sed '1d;$d' | awk -F= '{
	gsub(/^ +| +$/, "", $1); gsub(/^ +| +$/, "", $3); print $1 "=" $3 }')
[ -n "$rows" ]
ok $? "configure.ac has its zc_backends table"

while IFS='=' read -r name sources; do
	var=SF_$(echo "$name" | tr '[:lower:]' '[:upper:]')
	made=$(sed -n "s/^$var = //p" "$srcdir/Makefile.am" | sed 's|src/||g')
	[ "$made" = "$sources" ]
	ok $? "Makefile.am's $var is the $name row: '$sources' ('$made')"
done <<EOF
$rows
EOF

for f in "$srcdir"/src/sf-*.c; do
	f=${f##*/}
	c=$(printf '%s\n' "$rows" | tr '= ' '\n\n' | grep -cx "$f")
	[ "$c" = 1 ]
	ok $? "$f is in one row ($c)"
done

echo "1..$n"
exit $fail
