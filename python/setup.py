# SPDX-License-Identifier: ISC
"""Build the sendfile module from libzcsend's sources in ../src.

The module compiles zc_sendfile() and this platform's sendfile backend
directly, so neither configure nor an installed libzcsend is needed.
"""

import atexit
import os
import re
import shutil
import sys
import tempfile

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def rel(*parts):
    """A path relative to this directory, as setuptools wants them."""
    return os.path.relpath(os.path.join(TOP, *parts), HERE)


def version():
    """zcsend's version, from AC_INIT in configure.ac."""
    with open(os.path.join(TOP, "configure.ac"), encoding="utf-8") as f:
        m = re.search(r"AC_INIT\(\[zcsend\],\s*\[([^]]+)\]", f.read())
    if m is None:
        sys.exit("setup.py: no version in configure.ac")
    return m.group(1)


def backend():
    """The sendfile adapter configure would pick, its helpers, libraries."""
    plat = sys.platform
    if plat.startswith("linux"):
        return ["sf-linux.c", "platform.c", "noflags.c"], []
    if plat.startswith(("freebsd", "dragonfly")):
        return ["sf-freebsd.c", "platform.c"], []
    if plat == "darwin":
        return ["sf-darwin.c", "platform.c", "noflags.c"], []
    if plat.startswith("sunos"):
        return ["sf-solaris.c", "platform.c", "noflags.c"], ["sendfile"]
    if plat.startswith("aix"):
        return ["sf-aix.c", "platform.c", "noflags.c"], []
    return ["sf-unknown.c", "rw.c", "platform.c", "noflags.c"], []


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
    py_modules=[],
    ext_modules=[
        Extension(
            "sendfile",
            sources=["sendfilemodule.c", rel("src", "lib-sendfile.c")]
            + [rel("src", f) for f in BACKEND],
            include_dirs=[config_dir(), rel("src")],
            define_macros=[
                ("PACKAGE_VERSION", '"%s"' % VERSION),
                ("SF_OS", '"%s"' % sys.platform),
            ],
            libraries=LIBRARIES,
            extra_compile_args=["-fvisibility=hidden"],
        )
    ],
)
