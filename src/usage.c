/* SPDX-License-Identifier: ISC */
/*
 * What zcsend says about itself: the -h text, in step with zcsend.1, and
 * the -V version with the backends, TLS library and modes of this build.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "zcsend.h"

/*
 * -h: the synopsis, then every option with a line of its own, in groups,
 * as nc, curl and pv list theirs; in step with zcsend.1.
 */
__dead void
usage_help(int status)
{
	FILE		*out = status == 0 ? stdout : stderr;
	const char	*p = getprogname();

	fprintf(out,
	    "usage: %s [options] host port file\n"
	    "       %s [options] file --to host:port [--to host:port ...]\n"
	    "       %s [options] file --to-file file [--to host:port ...]\n"
	    "       %s [options] -U path file\n"
	    "       %s [options] -l [-k] [address] port file\n"
	    "       %s [options] -l -U path file\n"
	    "       %s --bench [options] [host port] [file]\n",
	    p, p, p, p, p, p, p);
	/* Longer than stdio's buffer: a failed write is seen only here. */
	if (fputs(
	    "\n"
	    "Transfer:\n"
	    "  -o, --offset offset      start at byte offset of file (default 0)\n"
	    "  -n, --count count        send count bytes (default: to the end)\n"
	    "  -H, --header header      send header first (C escapes decoded)\n"
	    "  -T, --trailer trailer    send trailer last (C escapes decoded)\n"
	    "      --header-file file   send the bytes of file first\n"
	    "      --trailer-file file  send the bytes of file last\n"
	    "      --mode mode          sendfile (default), splice, readwrite, "
	    "mmap,\n"
	    "                           msg_zerocopy, io_uring-splice or "
	    "io_uring-sendzc\n"
	    "      --no-sendfile        the same as --mode readwrite\n"
	    "      --block-size size    read/write buffer size (default 64K)\n"
	    "      --max-chunk size     most file bytes per call (default 512K)\n"
	    "      --rate rate          send at most rate bytes a second\n"
	    "      --sf-flags list      FreeBSD sendfile flags, comma-separated\n"
	    "      --checksum sha256    print the SHA-256 of the file bytes sent\n"
	    "      --ack                exit 0 only on the receiver's ok "
	    "(zcrecv --ack)\n"
	    "      --resume             send from the receiver's offset "
	    "(zcrecv --resume)\n"
	    "  -4                       use IPv4 addresses only\n"
	    "  -6                       use IPv6 addresses only\n"
	    "\n"
	    "Destinations:\n"
	    "      --to host:port       send to host:port; once per receiver\n"
	    "  -U path                  send to the Unix domain socket path\n"
	    "      --to-file file       send to each host:port line of file\n"
	    "      --fail-fast          stop every transfer at the first failure\n"
	    "      --retry n            retry a refused or timed-out connect n "
	    "times\n"
	    "      --retry-delay s      first wait between tries (default 1)\n"
	    "  -s, --source addr        connect from local address addr\n"
	    "  -p, --source-port port   connect from local port port\n"
	    "      --sndbuf size        socket send buffer size (SO_SNDBUF)\n"
	    "      --tos value          IP TOS/traffic class: DSCP name or "
	    "number\n"
	    "\n"
	    "Listen:\n"
	    "  -l, --listen             wait for a receiver to connect instead\n"
	    "  -k, --keep-open          with -l, serve every client, not one\n"
	    "      --max-clients n      with -l -k, exit after n clients\n"
	    "      --max-conns n        with -l, clients at a time (default 1; "
	    "-k: 64)\n"
	    "\n"
	    "TLS:\n"
	    "      --tls                encrypt with TLS: pushes, --to, -U, -l\n"
	    "      --tls-ca file        trust the CAs in file, not the system's\n"
	    "      --tls-cert file      present this certificate (-l: required)\n"
	    "      --tls-key file       the key of --tls-cert\n"
	    "      --tls-servername n   verify n and send it as SNI, not the "
	    "host\n"
	    "      --tls-insecure       do not verify the receiver's certificate\n"
	    "      --tls-verify-client  with -l, require a client certificate\n"
	    "\n"
	    "Timeouts in seconds:\n"
	    "      --connect-timeout s  connecting may take s (default 30)\n"
	    "      --idle-timeout s     fail when nothing moves for s (default 0, "
	    "none);\n"
	    "                           set one with -l -k: clients that never read\n"
	    "                           hold their --max-conns slots until they "
	    "leave\n"
	    "      --close-timeout s    wait s for the receiver to close "
	    "(default 30)\n"
	    "\n"
	    "Output:\n"
	    "      --progress mode      auto (default), tty, plain or none\n"
	    "  -q, --quiet              print only errors: no progress, no "
	    "summary\n"
	    "  -v, --verbose            tell connects, fallbacks and segments\n"
	    "      --json               print the outcome as JSON on stdout\n"
	    "  -h, --help               print this help and exit\n"
	    "  -V, --version            print the version and backends and exit\n"
	    "\n"
	    "Bench:\n"
	    "      --bench              measure the ways of sending instead\n"
	    "      --size list          with --bench, the file sizes to make "
	    "(default 1G)\n"
	    "      --cache state        with --bench, warm (default), cold or "
	    "both\n"
	    "      --csv                with --bench, one CSV row per run\n"
	    "      --recv               with --bench, measure zcrecv's paths\n"
	    "      --rounds n           with --bench, rounds to run (default 5)\n"
	    "      --block-sizes list   read/write sizes to measure "
	    "(default 16K,64K,128K)\n"
	    "\n"
	    "Sizes take K, M, G or T (powers of 1024). See zcsend(1).\n",
	    out) == EOF && out == stdout)
		msg_stdout_failed(errno);
	exit(status);
}

/* -V: the version, and what this build can send with. */
__dead void
usage_version(void)
{
	printf("%s %s\n", getprogname(), PACKAGE_VERSION);
	printf("backends:");
	if (sf_backend.send != rw_backend.send)
		printf(" %s (%s),", sf_backend.name, SF_BACKEND);
	if (splice_backend.send != NULL)
		printf(" %s,", splice_backend.name);
	printf(" %s\n", rw_backend.name);
	printf("tls: %s\n", tls_library() != NULL ? tls_library() :
	    "none (built without OpenSSL)");
	printf("more modes: %s%s\n", mmap_backend.name,
	    zerocopy_backend.send != NULL ? ", msg_zerocopy" : "");
	if (uring_library() != NULL)
		printf("io_uring: %s (io_uring-splice, io_uring-sendzc)\n",
		    uring_library());
	else
		printf("io_uring: not built\n");
	exit(EXIT_OK);
}
