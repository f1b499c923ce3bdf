# SPDX-License-Identifier: ISC
# Tests of libzcsend as installed, and of the Python module; included
# from the top Makefile.am.

AM_TESTS_ENVIRONMENT += ZC_MAKE='$(MAKE)'; \
	ZC_BUILDDIR='$(abs_top_builddir)'; ZC_LIBDIR='$(libdir)'; \
	ZC_INCLUDEDIR='$(includedir)'; ZC_MANDIR='$(mandir)'; \
	ZC_CC='$(CC)'; ZC_CFLAGS='$(SAN_CFLAGS)'; PKG_CONFIG='$(PKG_CONFIG)'; \
	PYTHON='$(PYTHON)'; \
	export ZC_MAKE ZC_BUILDDIR ZC_LIBDIR ZC_INCLUDEDIR ZC_MANDIR ZC_CC \
	ZC_CFLAGS PKG_CONFIG PYTHON;

BATS_TESTS += tests/93-library.bats

# The Python module: pip install from a copy of the tree, then its
# unittest suite, as TAP.
TESTS += tests/94-python.sh

EXTRA_DIST += tests/94-python.sh python/README python/pyproject.toml \
	python/setup.py python/sendfilemodule.c python/LICENSE \
	python/tests/test_sendfile.py python/tests/test_pysendfile.py \
	zcsend.pc.in scripts/bench/bench-python
