/* SPDX-License-Identifier: ISC */
/*
 * Loading OpenSSL on first use (ossl.h): dlopen(3) of the library a use
 * needs, under the file name configure read from a program linked with
 * it, then dlsym(3) of every function that use calls. Once loaded, a
 * library stays for the rest of the run.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#ifdef ZC_LAZY_OPENSSL
#include <dlfcn.h>
#endif

#define OSSL_DEFINE_POINTERS	/* ossl.h defines the pointers here */
#include "ossl.h"

#ifndef ZC_LAZY_OPENSSL
/* Linked as usual: there is nothing to load. */
int
ossl_load(enum ossl_use use, char *why, size_t whylen)
{
	(void)use;
	(void)why;
	(void)whylen;
	return 0;
}
#else
/* A function to look up, and where its address goes. */
struct ossl_symbol {
	const char	*name;
	void		*slot;		/* a function pointer's address */
};

#define OSSL_ENTRY(name)	{ #name, &ossl_##name },

#ifdef HAVE_LIBCRYPTO
static const struct ossl_symbol ossl_hash[] = {
	OSSL_HASH_FUNCTIONS(OSSL_ENTRY)
};
static int	ossl_hash_loaded;
#endif
#ifdef HAVE_OPENSSL
static const struct ossl_symbol ossl_tls[] = {
	OSSL_TLS_FUNCTIONS(OSSL_ENTRY)
};
static int	ossl_tls_loaded;
#endif

static int	ossl_open(int *, const char *, const struct ossl_symbol *,
		    size_t, char *, size_t);

/*
 * Unless *loaded says it was done, open the library file and fill the n
 * slots of syms from it (and from the libraries it depends on), then set
 * *loaded. Returns -1 with why set if either fails.
 */
static int
ossl_open(int *loaded, const char *file, const struct ossl_symbol *syms,
    size_t n, char *why, size_t whylen)
{
	void	*lib, *addr;
	size_t	 i;

	if (*loaded)
		return 0;
	if ((lib = dlopen(file, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(why, whylen, "%s", dlerror());
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((addr = dlsym(lib, syms[i].name)) == NULL) {
			snprintf(why, whylen, "%s: no %s", file, syms[i].name);
			return -1;
		}
		/* POSIX: a function's address fits in a void *. */
		memcpy(syms[i].slot, &addr, sizeof(addr));
	}
	*loaded = 1;
	return 0;
}

/*
 * Load what use needs, once. Returns 0, or -1 with why set to the loader's
 * reason (a missing file, a missing function).
 */
int
ossl_load(enum ossl_use use, char *why, size_t whylen)
{
#ifdef HAVE_LIBCRYPTO
	if (use == OSSL_HASH)
		return ossl_open(&ossl_hash_loaded, ZC_LIBCRYPTO_FILE,
		    ossl_hash, sizeof(ossl_hash) / sizeof(ossl_hash[0]), why,
		    whylen);
#endif
#ifdef HAVE_OPENSSL
	if (use == OSSL_TLS)
		return ossl_open(&ossl_tls_loaded, ZC_LIBSSL_FILE, ossl_tls,
		    sizeof(ossl_tls) / sizeof(ossl_tls[0]), why, whylen);
#endif
	return 0;
}
#endif /* ZC_LAZY_OPENSSL */
