/*
 * What configure would have found, for the sendfile module built by
 * setup.py on its own: the system extensions and a 64-bit off_t (as
 * Python's own pyconfig.h has them), and the BSD functions declared by
 * the system or not needed here. PACKAGE_VERSION comes from setup.py.
 */

#ifndef ZC_PYTHON_CONFIG_H
#define ZC_PYTHON_CONFIG_H

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

/* Neither is called by the code the module compiles. */
#define HAVE_STRTONUM 1
#define HAVE_GETPROGNAME 1

#endif /* ZC_PYTHON_CONFIG_H */
