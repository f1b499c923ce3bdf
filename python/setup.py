# SPDX-License-Identifier: ISC
"""Build the sendfile module from libzcsend's sources.

The module compiles zc_sendfile() and this platform's sendfile backend
directly, so neither configure nor an installed libzcsend is needed; which
backend goes with which system it reads from configure.ac's table, as
configure does. In zcsend's tree the sources are in ../src and the version
in ../configure.ac; an sdist (python3 -m build --sdist) carries a copy of
those sources and of configure.ac in libzcsend/ and its version in
PKG-INFO, so it builds on its own.
"""

import atexit
import fnmatch
import glob
import os
import re
import shutil
import sys
import tempfile

from setuptools import Extension, setup
from setuptools.command.sdist import sdist

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
# Where an sdist keeps its copy of ../src.
SDIST_SRC = "libzcsend"
SRC = (os.path.join(HERE, SDIST_SRC)
       if os.path.isdir(os.path.join(HERE, SDIST_SRC))
       else os.path.join(TOP, "src"))


def rel(name):
    """A source file's path relative to this directory, as setuptools
    wants them."""
    return os.path.relpath(os.path.join(SRC, name), HERE)


def version():
    """zcsend's version: AC_INIT in ../configure.ac, or an sdist's
    PKG-INFO."""
    try:
        with open(os.path.join(TOP, "configure.ac"), encoding="utf-8") as f:
            m = re.search(r"AC_INIT\(\[zcsend\],\s*\[([^]]+)\]", f.read())
    except FileNotFoundError:
        with open(os.path.join(HERE, "PKG-INFO"), encoding="utf-8") as f:
            m = re.search(r"^Version:\s*(\S+)$", f.read(), re.M)
    if m is None:
        sys.exit("setup.py: no version in configure.ac or PKG-INFO")
    return m.group(1)


def configure_ac():
    """zcsend's configure.ac: ../configure.ac, or an sdist's copy."""
    path = os.path.join(TOP, "configure.ac")
    if os.path.isfile(path):
        return path
    return os.path.join(HERE, SDIST_SRC, "configure.ac")


def backends():
    """configure.ac's table of which sf-*.c goes with which OS
    (zc_backends): (name, host_os patterns, sources, libraries) a row."""
    with open(configure_ac(), encoding="utf-8") as f:
        m = re.search(r'^zc_backends="\n(.*?)^"$', f.read(), re.M | re.S)
    if m is None:
        sys.exit("setup.py: no zc_backends table in configure.ac")
    rows = []
    for line in m.group(1).splitlines():
        fields = [f.split() for f in line.split("=")] + [[]]
        rows.append((fields[0][0], fields[1], fields[2], fields[3]))
    return rows


BACKENDS = backends()


def backend():
    """The sources and libraries of this platform's row of BACKENDS, as
    configure picks it: the first whose pattern matches the system's name
    (sys.platform, which says "sunos" where configure says "solaris"),
    with platform.c and rw.c, which go with every backend."""
    host = re.sub(r"^sunos", "solaris", sys.platform)
    for _, patterns, sources, libraries in BACKENDS:
        if any(fnmatch.fnmatchcase(host, p) for p in patterns):
            return sources + ["platform.c", "rw.c"], libraries
    sys.exit("setup.py: no row of configure.ac's zc_backends for "
             + sys.platform)


class SdistWithSources(sdist):
    """An sdist that builds on its own: every platform's sources and the
    headers from ../src, and configure.ac for its table of them, in
    libzcsend/."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        dest = os.path.join(base_dir, SDIST_SRC)
        os.makedirs(dest, exist_ok=True)
        names = {"lib-sendfile.c", "platform.c", "rw.c"}
        for _, _, sources, _ in BACKENDS:
            names.update(sources)
        paths = [os.path.join(SRC, n) for n in sorted(names)]
        paths += sorted(glob.glob(os.path.join(SRC, "*.h")))
        paths.append(configure_ac())
        for path in paths:
            shutil.copy2(path, dest)


# What configure would have found, for the sources compiled here without
# it: the system extensions and a 64-bit off_t (as Python's own pyconfig.h
# has them), and the BSD functions declared by the system or not needed.
CONFIG_H = """\
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#ifndef _ALL_SOURCE
#define _ALL_SOURCE 1
#endif
#ifndef _DARWIN_C_SOURCE
#define _DARWIN_C_SOURCE 1
#endif
#ifndef __EXTENSIONS__
#define __EXTENSIONS__ 1
#endif
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif
#define HAVE_STRTONUM 1
#define HAVE_GETPROGNAME 1
"""


def config_dir():
    """A temporary directory holding config.h, removed at exit: the source
    tree may be read-only and holds no generated file."""
    tmp = tempfile.mkdtemp(prefix="zcsend-config.")
    atexit.register(shutil.rmtree, tmp, True)
    with open(os.path.join(tmp, "config.h"), "w", encoding="ascii") as f:
        f.write(CONFIG_H)
    return tmp


VERSION = version()
BACKEND, LIBRARIES = backend()

setup(
    version=VERSION,
    cmdclass={"sdist": SdistWithSources},
    py_modules=[],
    ext_modules=[
        Extension(
            "sendfile",
            sources=["sendfilemodule.c", rel("lib-sendfile.c")]
            + [rel(f) for f in BACKEND],
            include_dirs=[config_dir(), os.path.relpath(SRC, HERE)],
            define_macros=[
                ("PACKAGE_VERSION", '"%s"' % VERSION),
                ("SF_OS", '"%s"' % sys.platform),
            ],
            libraries=LIBRARIES,
            extra_compile_args=["-fvisibility=hidden"],
        )
    ],
)
