#!/bin/sh
# SPDX-License-Identifier: ISC
# The sendfile module, as a TAP stream for make check: install it with
# pip from a copy of the tree (pip builds in the source directory, which
# may be read-only); make an sdist of it with python3 -m build, install
# that sdist on its own (no tree around it, offline), and check that the
# wheel carries the licence; then run the unittest suite against the
# module built from the sdist, one TAP line per test. PYTHON (from
# configure) is Debian's /usr/bin/python3.
#
# make check-vm splits this in two, so that the guest's emulated CPU does
# not compile: on the host, ZC_PY_BUILD=DIR only installs the module into
# DIR; in the guest, ZC_PY_SITE=DIR only runs the unittest suite against
# the module found there.
set -u
: "${PYTHON:?PYTHON must name python3}" "${srcdir:?}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zcsend-python.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir "$tmp/tree" &&
    cp -R "$srcdir/python" "$srcdir/src" "$srcdir/configure.ac" \
    "$srcdir/LICENSE" "$tmp/tree/" &&
    chmod -R u+w "$tmp/tree" &&
    rm -rf "$tmp/tree/python/build" "$tmp/tree/python/"*.egg-info || exit 99

n=0
# ok DESCRIPTION LOG COMMAND...: one TAP line for COMMAND; on failure,
# LOG as comments, the plan, and exit 1.
step() {
	desc=$1 log=$2
	shift 2
	n=$((n + 1))
	if "$@" >"$log" 2>&1; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		sed 's/^/# /' "$log"
		echo "1..$n"
		exit 1
	fi
}

pip_install() {
	timeout 300 "$PYTHON" -m pip install --no-build-isolation --no-index \
	    --no-deps --target "$@" && [ -n "$(ls "$1"/sendfile*.so)" ]
}

# The wheel's metadata: the licence file and the licence.
licensed() {
	grep -x 'License: ISC' "$1"/zcsend_sendfile-*.dist-info/METADATA &&
	    cmp "$srcdir/LICENSE" "$1"/zcsend_sendfile-*.dist-info/LICENSE
}

if [ -n "${ZC_PY_BUILD:-}" ]; then
	step "pip install --no-build-isolation ./python" "$tmp/pip.log" \
	    pip_install "$ZC_PY_BUILD" "$tmp/tree/python"
	echo "1..$n"
	exit 0
fi
if [ -n "${ZC_PY_SITE:-}" ]; then
	site=$ZC_PY_SITE
else
	site=$tmp/site
	step "pip install --no-build-isolation ./python" "$tmp/pip.log" \
	    pip_install "$tmp/site-tree" "$tmp/tree/python"
	step "python3 -m build --sdist --no-isolation ./python" "$tmp/sdist.log" \
	    timeout 300 "$PYTHON" -m build --sdist --no-isolation \
	    --outdir "$tmp/dist" "$tmp/tree/python"
	# The sdist alone, away from the tree it came from.
	mkdir "$tmp/away" && cp "$tmp/dist"/zcsend-sendfile-*.tar.gz "$tmp/away/" &&
	    rm -rf "$tmp/tree/src" "$tmp/tree/configure.ac" || exit 99
	step "pip install of the sdist alone, offline" "$tmp/pip-sdist.log" \
	    pip_install "$tmp/site" "$tmp/away"/zcsend-sendfile-*.tar.gz
	step "the installed wheel carries LICENSE and License: ISC" \
	    "$tmp/license.log" licensed "$tmp/site"
fi

cd "$tmp/tree/python/tests" || exit 99
ZC_TAP_DONE=$n PYTHONPATH=$site timeout 600 "$PYTHON" - <<'PY'
import os
import sys
import unittest

import sendfile
import test_pysendfile
import test_sendfile

# The module under test is the one pip just installed.
if not sendfile.__file__.startswith(os.environ["PYTHONPATH"] + "/"):
    n = int(os.environ["ZC_TAP_DONE"]) + 1
    print("not ok %d - sendfile imported from %s" % (n, sendfile.__file__))
    print("1..%d" % n)
    sys.exit(1)



class Tap(unittest.TextTestResult):
    """One TAP line per test, numbered after pip's line."""

    n = int(os.environ["ZC_TAP_DONE"])

    def _line(self, test, ok, why=""):
        Tap.n += 1
        print("%s %d - %s%s" % ("ok" if ok else "not ok", Tap.n,
                               test.id(), why), flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(test, False)
        for line in self._exc_info_to_string(err, test).splitlines():
            print("# " + line)

    def addError(self, test, err):
        super().addError(test, err)
        self._line(test, False)
        for line in self._exc_info_to_string(err, test).splitlines():
            print("# " + line)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(test, False, " (skipped: %s)" % reason)


# This module's own tests, then pysendfile's suite restated.
suite = unittest.TestSuite(
    unittest.defaultTestLoader.loadTestsFromModule(m)
    for m in (test_sendfile, test_pysendfile))
result = unittest.TextTestRunner(stream=open("/dev/null", "w"),
                                 resultclass=Tap).run(suite)
print("1..%d" % Tap.n)
sys.exit(0 if result.wasSuccessful() and not result.skipped else 1)
PY
