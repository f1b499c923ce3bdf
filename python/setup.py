# SPDX-License-Identifier: ISC
"""Build the sendfile module from libzcsend's sources in ../src.

The module compiles zc_sendfile() and this platform's sendfile backend
directly, so neither configure nor an installed libzcsend is needed.
"""

import os
import re
import sys

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
            include_dirs=["include", rel("src")],
            define_macros=[
                ("PACKAGE_VERSION", '"%s"' % VERSION),
                ("SF_OS", '"%s"' % sys.platform),
            ],
            libraries=LIBRARIES,
            extra_compile_args=["-fvisibility=hidden"],
        )
    ],
)
