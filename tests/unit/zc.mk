# SPDX-License-Identifier: ISC
# Unit tests of libzcsend; included from the top Makefile.am.
#
# zc-sim-<os>-test: zc_sendfile() on each platform's simulated kernel, the
# same kernel model as that backend's own test (tests/unit/local.mk),
# which zc-sim-test.c includes through ZC_KERNEL. zc-real-test and
# zc-all-test: both functions against this system's kernel, through the
# built library; zc-none-test: zc_sendfile() on the read/write backend of
# platforms without sendfile.

ZC_SIM_SOURCES = tests/unit/zc-sim-test.c tests/unit/fake-zc.h $(UNIT_SIM) \
	src/lib-sendfile.c src/zc_sendfile.h
ZC_SIM_CPPFLAGS = $(UNIT_CPPFLAGS) -include $(top_srcdir)/tests/unit/fake-zc.h

check_PROGRAMS += tests/unit/zc-real-test tests/unit/zc-all-test \
	tests/unit/zc-none-test
TESTS += tests/unit/zc-real-test tests/unit/zc-all-test \
	tests/unit/zc-none-test

if BACKEND_LINUX
check_PROGRAMS += tests/unit/zc-sim-freebsd-test \
	tests/unit/zc-sim-dragonfly-test tests/unit/zc-sim-darwin-test \
	tests/unit/zc-sim-solaris-test tests/unit/zc-sim-aix-test
TESTS += tests/unit/zc-sim-freebsd-test \
	tests/unit/zc-sim-dragonfly-test tests/unit/zc-sim-darwin-test \
	tests/unit/zc-sim-solaris-test tests/unit/zc-sim-aix-test
endif

tests_unit_zc_sim_freebsd_test_SOURCES = $(ZC_SIM_SOURCES) $(SF_FREEBSD) src/platform.c
tests_unit_zc_sim_freebsd_test_CPPFLAGS = \
	-include $(top_srcdir)/tests/unit/fake-freebsd.h $(ZC_SIM_CPPFLAGS) \
	-DZC_KERNEL='"sf-freebsd-test.c"'
tests_unit_zc_sim_freebsd_test_LDADD = $(UNIT_ENGINE)

tests_unit_zc_sim_dragonfly_test_SOURCES = $(ZC_SIM_SOURCES) $(SF_FREEBSD) src/platform.c
tests_unit_zc_sim_dragonfly_test_CPPFLAGS = -D__DragonFly__ \
	-include $(top_srcdir)/tests/unit/fake-freebsd.h $(ZC_SIM_CPPFLAGS) \
	-DZC_KERNEL='"sf-freebsd-test.c"'
tests_unit_zc_sim_dragonfly_test_LDADD = $(UNIT_ENGINE)

tests_unit_zc_sim_darwin_test_SOURCES = $(ZC_SIM_SOURCES) $(SF_DARWIN) src/platform.c
tests_unit_zc_sim_darwin_test_CPPFLAGS = \
	-include $(top_srcdir)/tests/unit/fake-darwin.h $(ZC_SIM_CPPFLAGS) \
	-DZC_KERNEL='"sf-darwin-test.c"'
tests_unit_zc_sim_darwin_test_LDADD = $(UNIT_ENGINE)

tests_unit_zc_sim_solaris_test_SOURCES = $(ZC_SIM_SOURCES) $(SF_SOLARIS) src/platform.c
tests_unit_zc_sim_solaris_test_CPPFLAGS = \
	-include $(top_srcdir)/tests/unit/fake-solaris.h $(ZC_SIM_CPPFLAGS) \
	-DZC_KERNEL='"sf-solaris-test.c"'
tests_unit_zc_sim_solaris_test_LDADD = $(UNIT_ENGINE)

tests_unit_zc_sim_aix_test_SOURCES = $(ZC_SIM_SOURCES) $(SF_AIX) src/platform.c
tests_unit_zc_sim_aix_test_CPPFLAGS = \
	-include $(top_srcdir)/tests/unit/fake-aix.h $(ZC_SIM_CPPFLAGS) \
	-DZC_KERNEL='"sf-aix-test.c"'
tests_unit_zc_sim_aix_test_LDADD = $(UNIT_ENGINE)

# The built library, on this system's kernel. zc-common.c: the temporary
# file and the socket pair's reading thread these tests share.
ZC_REAL_SOURCES = tests/unit/tap.c tests/unit/tap.h tests/unit/zc-common.c \
	tests/unit/zc-common.h

tests_unit_zc_real_test_SOURCES = tests/unit/zc-real-test.c \
	$(ZC_REAL_SOURCES)
tests_unit_zc_real_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_zc_real_test_LDADD = libzcsend.la

tests_unit_zc_all_test_SOURCES = tests/unit/zc-all-test.c $(ZC_REAL_SOURCES)
tests_unit_zc_all_test_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_zc_all_test_LDADD = libzcsend.la

# zc_sendfile() where sf_backend is the read/write path.
tests_unit_zc_none_test_SOURCES = tests/unit/zc-real-test.c \
	$(ZC_REAL_SOURCES) src/lib-sendfile.c $(SF_RW) src/platform.c
tests_unit_zc_none_test_CPPFLAGS = $(UNIT_CPPFLAGS) -DZCT_READWRITE
tests_unit_zc_none_test_LDADD = $(UNIT_ENGINE)
