# SPDX-License-Identifier: ISC
# Unit tests of the transfer engine with each sendfile adapter; included
# from the top Makefile.am.
#
# Every test drives the real engine (src/xfer.c and what it calls, built
# once into libengine.la) through tests/unit/simkern.c's sim_engine_run.
# Each platform's adapter is compiled on Linux against a simulated kernel:
# tests/unit/fake-<os>.h is force-included (-include) ahead of the adapter,
# platform.c and the test, declares the platform's sendfile interface and
# headers, and renames the system calls they make to the simulation's. The
# adapters carry no test code. The fakes lean on the Linux headers, so
# these run where the Linux backend is built; sf-unknown-test (the
# read/write path with real descriptors) runs everywhere.

UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit
UNIT_SIM = tests/unit/simkern.c tests/unit/simkern.h \
	tests/unit/tap.c tests/unit/tap.h

# The engine as zcsend builds it, less the platform adapter and
# platform.c, which each test brings (compiled against its fake).
check_LTLIBRARIES = tests/unit/libengine.la
# Own flags give its objects their own names, apart from libzcengine's.
tests_unit_libengine_la_CFLAGS = $(AM_CFLAGS)
tests_unit_libengine_la_SOURCES = src/xfer.c src/xfer-connect.c \
	src/xfer-send.c src/xfer-close.c src/xfer-exit.c src/xfer-ack.c \
	src/xfer-retry.c src/xfer-core.c src/chunk.c src/rate.c \
	src/loop-wait.c src/loop.c src/net.c \
	src/note.c src/rw.c src/retry.c src/sockopt.c
if BACKEND_LINUX
tests_unit_libengine_la_SOURCES += src/splice.c
else
tests_unit_libengine_la_SOURCES += src/nosplice.c
endif
UNIT_ENGINE = tests/unit/libengine.la

check_PROGRAMS += tests/unit/sf-unknown-test
TESTS += tests/unit/sf-unknown-test
tests_unit_sf_unknown_test_SOURCES = tests/unit/sf-unknown-test.c \
	$(UNIT_SIM) $(SF_RW) src/platform.c
tests_unit_sf_unknown_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_sf_unknown_test_LDADD = $(UNIT_ENGINE)

if BACKEND_LINUX
check_PROGRAMS += tests/unit/sf-freebsd-test tests/unit/sf-dragonfly-test \
	tests/unit/sf-darwin-test tests/unit/sf-solaris-test \
	tests/unit/sf-aix-test tests/unit/splice-test
TESTS += tests/unit/sf-freebsd-test tests/unit/sf-dragonfly-test \
	tests/unit/sf-darwin-test tests/unit/sf-solaris-test \
	tests/unit/sf-aix-test tests/unit/splice-test
endif

tests_unit_sf_freebsd_test_SOURCES = tests/unit/sf-freebsd-test.c \
	tests/unit/fake-freebsd.h $(UNIT_SIM) $(SF_FREEBSD) src/platform.c
tests_unit_sf_freebsd_test_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-include $(top_srcdir)/tests/unit/fake-freebsd.h
tests_unit_sf_freebsd_test_LDADD = $(UNIT_ENGINE)

# The same adapter and test, as DragonFly.
tests_unit_sf_dragonfly_test_SOURCES = $(tests_unit_sf_freebsd_test_SOURCES)
tests_unit_sf_dragonfly_test_CPPFLAGS = $(UNIT_CPPFLAGS) -D__DragonFly__ \
	-include $(top_srcdir)/tests/unit/fake-freebsd.h
tests_unit_sf_dragonfly_test_LDADD = $(UNIT_ENGINE)

tests_unit_sf_darwin_test_SOURCES = tests/unit/sf-darwin-test.c \
	tests/unit/fake-darwin.h $(UNIT_SIM) $(SF_DARWIN) src/platform.c
tests_unit_sf_darwin_test_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-include $(top_srcdir)/tests/unit/fake-darwin.h
tests_unit_sf_darwin_test_LDADD = $(UNIT_ENGINE)

tests_unit_sf_solaris_test_SOURCES = tests/unit/sf-solaris-test.c \
	tests/unit/fake-solaris.h $(UNIT_SIM) $(SF_SOLARIS) src/platform.c
tests_unit_sf_solaris_test_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-include $(top_srcdir)/tests/unit/fake-solaris.h
tests_unit_sf_solaris_test_LDADD = $(UNIT_ENGINE)

tests_unit_sf_aix_test_SOURCES = tests/unit/sf-aix-test.c \
	tests/unit/fake-aix.h $(UNIT_SIM) $(SF_AIX) src/platform.c
tests_unit_sf_aix_test_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-include $(top_srcdir)/tests/unit/fake-aix.h
tests_unit_sf_aix_test_LDADD = $(UNIT_ENGINE)

# The splice path, with real descriptors (Linux).
tests_unit_splice_test_SOURCES = tests/unit/splice-test.c $(UNIT_SIM) \
	$(SF_LINUX) src/platform.c
tests_unit_splice_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_splice_test_LDADD = $(UNIT_ENGINE)

# The --checksum hasher, with its allocations behind fake-checksum.h.
check_PROGRAMS += tests/unit/checksum-test
TESTS += tests/unit/checksum-test
tests_unit_checksum_test_SOURCES = tests/unit/checksum-test.c \
	tests/unit/fake-checksum.h tests/unit/tap.c tests/unit/tap.h \
	src/checksum.c src/msg.c src/ossl.c src/ossl.h
tests_unit_checksum_test_CPPFLAGS = $(UNIT_CPPFLAGS) $(SHA256_CFLAGS) \
	$(OPENSSL_CFLAGS) -include $(top_srcdir)/tests/unit/fake-checksum.h
tests_unit_checksum_test_LDADD = libzcengine.la $(SHA256_LIBS) \
	$(ZC_SSL_LIBS)

# --rate's token bucket and the fast path's chunk on a fake clock, and
# errno to exit status: the pure units, alone.
check_PROGRAMS += tests/unit/rate-test tests/unit/chunk-test \
	tests/unit/exit-test
TESTS += tests/unit/rate-test tests/unit/chunk-test tests/unit/exit-test
tests_unit_rate_test_SOURCES = tests/unit/rate-test.c tests/unit/tap.c \
	tests/unit/tap.h src/rate.c
tests_unit_rate_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_chunk_test_SOURCES = tests/unit/chunk-test.c tests/unit/tap.c \
	tests/unit/tap.h src/chunk.c
tests_unit_chunk_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_exit_test_SOURCES = tests/unit/exit-test.c tests/unit/tap.c \
	tests/unit/tap.h src/xfer-exit.c
tests_unit_exit_test_CPPFLAGS = $(UNIT_CPPFLAGS)

# --retry's schedule with its jitter from a seeded generator, and the
# progress line (sizes, durations, what a narrow terminal drops) drawn
# from real transfers at chosen counts and times.
check_PROGRAMS += tests/unit/retry-test tests/unit/progress-test
TESTS += tests/unit/retry-test tests/unit/progress-test
tests_unit_retry_test_SOURCES = tests/unit/retry-test.c \
	tests/unit/fake-random.h tests/unit/tap.c tests/unit/tap.h src/retry.c
tests_unit_retry_test_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-include $(top_srcdir)/tests/unit/fake-random.h
tests_unit_progress_test_SOURCES = tests/unit/progress-test.c \
	tests/unit/tap.c tests/unit/tap.h src/progress.c src/report-json.c \
	src/msg.c
tests_unit_progress_test_LDADD = libzcengine.la

# configure.ac's backend table against Makefile.am's SF_* groups.
TESTS += tests/unit/backends.sh
EXTRA_DIST += tests/unit/backends.sh

# Test programs have no extension: TAP through the automake driver (the
# .bats tests have BATS_LOG_DRIVER).
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) \
	$(top_srcdir)/build-aux/tap-driver.sh

# Adapters configure does not build here; automake already ships sources
# named in _SOURCES, this keeps them in the tarball whatever changes there.
EXTRA_DIST += src/sf-freebsd.c src/sf-darwin.c src/sf-solaris.c \
	src/sf-aix.c src/sf-unknown.c src/nosplice.c src/noflags.c
