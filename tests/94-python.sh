#!/bin/sh
# SPDX-License-Identifier: ISC
# The sendfile module, as a TAP stream for make check: install it with
# pip from a copy of the tree (pip builds in the source directory, which
# may be read-only), then run its unittest suite against that install, one
# TAP line per test. PYTHON (from configure) is Debian's /usr/bin/python3.
set -u
: "${PYTHON:?PYTHON must name python3}" "${srcdir:?}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zcsend-python.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir "$tmp/tree" &&
    cp -R "$srcdir/python" "$srcdir/src" "$srcdir/configure.ac" "$tmp/tree/" &&
    chmod -R u+w "$tmp/tree" && rm -rf "$tmp/tree/python/build" || exit 99

if timeout 300 "$PYTHON" -m pip install --no-build-isolation --no-index \
    --no-deps --target "$tmp/site" "$tmp/tree/python" >"$tmp/pip.log" 2>&1 &&
    [ -n "$(ls "$tmp/site"/sendfile*.so 2>/dev/null)" ]; then
	echo "ok 1 - pip install --no-build-isolation ./python"
else
	echo "not ok 1 - pip install --no-build-isolation ./python"
	sed 's/^/# /' "$tmp/pip.log"
	echo "1..1"
	exit 1
fi

cd "$tmp/tree/python/tests" || exit 99
PYTHONPATH=$tmp/site timeout 600 "$PYTHON" - <<'PY'
import os
import sys
import unittest

import sendfile
import test_pysendfile
import test_sendfile

# The module under test is the one pip just installed.
if not sendfile.__file__.startswith(os.environ["PYTHONPATH"] + "/"):
    print("not ok 2 - sendfile imported from %s" % sendfile.__file__)
    print("1..2")
    sys.exit(1)



class Tap(unittest.TextTestResult):
    """One TAP line per test, numbered after pip's line."""

    n = 1

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
