# SPDX-License-Identifier: ISC
# Unit tests of the sendfile backends; included from the top Makefile.am.
#
# Each platform's backend is compiled on Linux against a simulated kernel:
# tests/unit/fake-<os>.h is force-included (-include) ahead of the backend
# and the test, declares the platform's sendfile interface and renames the
# system calls the backend makes to the simulation's. The backends carry
# no test code. The fakes lean on the Linux headers, so these run where
# the Linux backend is built; sf-none-test runs everywhere.

UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
UNIT_SIM = tests/unit/simkern.c tests/unit/simkern.h \
	tests/unit/tap.c tests/unit/tap.h

check_PROGRAMS += tests/unit/sf-none-test
TESTS += tests/unit/sf-none-test
tests_unit_sf_none_test_SOURCES = tests/unit/sf-none-test.c \
	tests/unit/tap.c tests/unit/tap.h src/sf-none.c src/sf-rw.c
tests_unit_sf_none_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_sf_none_test_LDADD =

if BACKEND_LINUX
check_PROGRAMS += tests/unit/sf-freebsd-test tests/unit/sf-dragonfly-test \
	tests/unit/sf-darwin-test tests/unit/sf-solaris-test \
	tests/unit/sf-aix-test
TESTS += tests/unit/sf-freebsd-test tests/unit/sf-dragonfly-test \
	tests/unit/sf-darwin-test tests/unit/sf-solaris-test \
	tests/unit/sf-aix-test
endif

tests_unit_sf_freebsd_test_SOURCES = tests/unit/sf-freebsd-test.c \
	tests/unit/fake-freebsd.h $(UNIT_SIM) src/sf-freebsd.c
tests_unit_sf_freebsd_test_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-include $(top_srcdir)/tests/unit/fake-freebsd.h
tests_unit_sf_freebsd_test_LDADD =

# The same backend and test, as DragonFly.
tests_unit_sf_dragonfly_test_SOURCES = $(tests_unit_sf_freebsd_test_SOURCES)
tests_unit_sf_dragonfly_test_CPPFLAGS = $(UNIT_CPPFLAGS) -D__DragonFly__ \
	-include $(top_srcdir)/tests/unit/fake-freebsd.h
tests_unit_sf_dragonfly_test_LDADD =

tests_unit_sf_darwin_test_SOURCES = tests/unit/sf-darwin-test.c \
	tests/unit/fake-darwin.h $(UNIT_SIM) src/sf-darwin.c
tests_unit_sf_darwin_test_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-include $(top_srcdir)/tests/unit/fake-darwin.h
tests_unit_sf_darwin_test_LDADD =

tests_unit_sf_solaris_test_SOURCES = tests/unit/sf-solaris-test.c \
	tests/unit/fake-solaris.h $(UNIT_SIM) src/sf-solaris.c
tests_unit_sf_solaris_test_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-include $(top_srcdir)/tests/unit/fake-solaris.h
tests_unit_sf_solaris_test_LDADD =

tests_unit_sf_aix_test_SOURCES = tests/unit/sf-aix-test.c \
	tests/unit/fake-aix.h $(UNIT_SIM) src/sf-aix.c
tests_unit_sf_aix_test_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-include $(top_srcdir)/tests/unit/fake-aix.h
tests_unit_sf_aix_test_LDADD =

# Test programs have no extension: TAP through the automake driver (the
# .bats tests have BATS_LOG_DRIVER).
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) \
	$(top_srcdir)/build-aux/tap-driver.sh

# Backends configure does not build here; automake already ships sources
# named in _SOURCES, this keeps them in the tarball whatever changes there.
EXTRA_DIST += src/sf-freebsd.c src/sf-darwin.c src/sf-solaris.c \
	src/sf-aix.c src/sf-none.c
