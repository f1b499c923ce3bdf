/* SPDX-License-Identifier: ISC */
/*
 * sha256-pread FILE [OFFSET COUNT]: the SHA-256 of a range of FILE read
 * with pread(2) in 1 MiB blocks, exactly as zcsend --checksum hashes it,
 * on one thread and with nothing else to do: with OpenSSL's EVP SHA-256
 * when built with -DWITH_LIBCRYPTO (and -lcrypto), else libmd's
 * SHA256Update (-lmd). Prints the digest and the seconds it took. For
 * scripts/bench/bench-checksum: the throughput of hashing alone.
 */

#include <sys/types.h>

#include <err.h>
#include <fcntl.h>
#ifdef WITH_LIBCRYPTO
#include <openssl/evp.h>
#else
#include <sha2.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define BLOCK	(1024 * 1024)

int
main(int argc, char **argv)
{
	static unsigned char	buf[BLOCK];
	char			hex[65];
#ifdef WITH_LIBCRYPTO
	unsigned char		md[EVP_MAX_MD_SIZE];
	unsigned int		mdlen = 0, i;
	EVP_MD_CTX		*ctx;
#else
	SHA2_CTX		ctx;
#endif
	struct timespec		t0, t1;
	off_t			off = 0;
	uint64_t		left = UINT64_MAX;
	ssize_t			n;
	int			fd;

	if (argc != 2 && argc != 4)
		errx(64, "usage: sha256-pread FILE [OFFSET COUNT]");
	if (argc == 4) {
		off = (off_t)strtoll(argv[2], NULL, 10);
		left = strtoull(argv[3], NULL, 10);
	}
	if ((fd = open(argv[1], O_RDONLY)) == -1)
		err(66, "%s", argv[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
#ifdef WITH_LIBCRYPTO
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		errx(71, "EVP_sha256");
#else
	SHA256Init(&ctx);
#endif
	while (left > 0) {
		n = pread(fd, buf, left < BLOCK ? (size_t)left : BLOCK, off);
		if (n == -1)
			err(74, "%s", argv[1]);
		if (n == 0)
			break;
#ifdef WITH_LIBCRYPTO
		EVP_DigestUpdate(ctx, buf, (size_t)n);
#else
		SHA256Update(&ctx, buf, (size_t)n);
#endif
		off += n;
		left -= (uint64_t)n;
	}
#ifdef WITH_LIBCRYPTO
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[2 * i] = '\0';
#else
	SHA256End(&ctx, hex);
#endif
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s %.6f\n", hex, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
