/* SPDX-License-Identifier: ISC */
/*
 * What zcrecv says about itself: the -h text, in step with zcrecv.1, and
 * the -V version with the receive paths and TLS library of this build.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "zcrecv.h"

/* -h: the synopsis, as in zcrecv(1), and every option. */
__dead void
recv_usage(int status)
{
	FILE		*out = status == 0 ? stdout : stderr;
	const char	*p = getprogname();

	fprintf(out,
	    "usage: %s [options] -l [-k] [address] port file\n"
	    "       %s [options] -l [-k] -U path file\n"
	    "       %s [options] host port file\n"
	    "       %s [options] -U path file\n", p, p, p, p);
	fputs(
	    "\n"
	    "  -l, --listen            wait for one sender to connect\n"
	    "  -k, --keep-open         with -l, take sender after sender\n"
	    "  -U path                 a Unix domain socket instead of TCP\n"
	    "  -4                      use IPv4 addresses only\n"
	    "  -6                      use IPv6 addresses only\n"
	    "      --append            add to the end of file\n"
	    "      --resume            offer the size of file, then append\n"
	    "      --ack               answer ok BYTES (or error) at the end\n"
	    "      --no-fsync          do not fdatasync the file before success\n"
	    "      --max-size size     let file grow to size bytes at most\n"
	    "      --checksum sha256   hash what was stored\n"
	    "      --mode mode         splice (default) or readwrite\n"
	    "      --connect-timeout s give up connecting after s (default 30)\n"
	    "      --idle-timeout s    fail when nothing arrives for s "
	    "(default 0: none)\n"
	    "      --progress mode     auto (default), tty, plain or none\n"
	    "  -q, --quiet             say nothing but errors\n"
	    "  -v, --verbose           say how it went\n"
	    "      --json              a JSON report on stdout (stderr with -)\n"
	    "      --tls               TLS; with -l --tls-cert and --tls-key\n"
	    "      --tls-ca file       trust the CAs in file\n"
	    "      --tls-cert file     present this certificate\n"
	    "      --tls-key file      the key of --tls-cert\n"
	    "      --tls-verify-client with -l, require a client certificate\n"
	    "      --tls-servername n  verify the sender's name n\n"
	    "      --tls-insecure      do not verify the sender\n"
	    "  -h, --help              this text\n"
	    "  -V, --version           the version and the receive paths\n",
	    out);
	exit(status);
}

/* -V: the version, and the paths and TLS library of this build. */
__dead void
recv_version(void)
{
	printf("%s %s\n", getprogname(), PACKAGE_VERSION);
	printf("paths: %sreadwrite\n", recv_has_splice ? "splice, " : "");
	printf("tls: %s\n", tls_library() != NULL ? tls_library() :
	    "none (built without OpenSSL)");
	exit(EXIT_OK);
}
