/* SPDX-License-Identifier: ISC */
/*
 * --json: the outcome of a run as one JSON object on one line of standard
 * output. With one destination its members stand at the top; with --to
 * they are in a "destinations" array. A run that fails before any
 * transfer exists still gives every member, from the options and the
 * count its caller hands in; listen mode first gives a "listening" line.
 * Everything it reports is handed in: the transfers (read through the
 * engine's accessors), the options, and the count of a run not begun.
 * The strings are valid UTF-8 whatever bytes they hold (json_string),
 * which zcrecv's report uses too.
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zcsend.h"

static size_t	utf8_len(const unsigned char *);
static const char *errno_name(int);
static void	json_xfer(FILE *, const struct xfer *);
static void	json_tls(FILE *, const struct xfer *);
static void	json_unstarted(FILE *, const char *, const char *, int,
		    const char *, int);
static void	json_deploy(FILE *, const struct options *,
		    const struct xfer *);
static void	json_ack(FILE *, const struct options *, const struct xfer *);
static void	json_run(FILE *, const struct options *, uint64_t,
		    struct xfer *const *, size_t, int, const char *);
static void	json_flush(FILE *);

/*
 * The length of the UTF-8 sequence at s (1 to 4 bytes), or 0 where the
 * bytes are not one: a stray or cut-short sequence, an overlong form, a
 * surrogate, or a code point above U+10FFFF.
 */
static size_t
utf8_len(const unsigned char *s)
{
	uint32_t	cp;
	size_t		len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fU;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0fU;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07U;
	} else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* the NUL at the end, too */
			return 0;
		cp = cp << 6 | (s[i] & 0x3fU);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * s as a JSON string, or null: always valid UTF-8, whatever bytes s holds
 * (a file name is any bytes): each byte that is not part of a UTF-8
 * sequence becomes U+FFFD.
 */
void
json_string(FILE *out, const char *s)
{
	const unsigned char	*u;
	size_t			 len;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (u = (const unsigned char *)s; *u != '\0'; u += len) {
		if ((len = utf8_len(u)) == 0) {
			fputs("\\ufffd", out);
			len = 1;
		} else if (*u == '"' || *u == '\\')
			fprintf(out, "\\%c", *u);
		else if (*u < 0x20 || *u == 0x7f)
			fprintf(out, "\\u%04x", *u);
		else
			fwrite(u, 1, len, out);
	}
	fputc('"', out);
}

/* The symbolic name of the errnos a fallback can come from. */
static const char *
errno_name(int err)
{
	switch (err) {
	case EINVAL:
		return "EINVAL";
	case ENOSYS:
		return "ENOSYS";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EPERM:
		return "EPERM";
	case ENOTSOCK:
		return "ENOTSOCK";
	case ENOPROTOOPT:		/* MSG_ZEROCOPY: not this kernel */
		return "ENOPROTOOPT";
	case ESPIPE:			/* mmap, MSG_ZEROCOPY, io_uring: a stream */
		return "ESPIPE";
	default:
		return "other";
	}
}

/* One transfer's outcome: the members of its JSON object. */
static void
json_xfer(FILE *out, const struct xfer *x)
{
	uint64_t	bytes = xfer_bytes_done(x);
	double		secs;
	int		status = xfer_status(x);

	secs = xfer_elapsed(x, loop_now_ns());
	fputs("\"host\":", out);
	json_string(out, xfer_host(x));
	fputs(",\"port\":", out);
	json_string(out, xfer_port(x) != NULL && *xfer_port(x) != '\0' ?
	    xfer_port(x) : NULL);
	fprintf(out, ",\"bytes\":%ju,\"file_bytes\":%ju,\"seconds\":%.6f,"
	    "\"rate\":%.1f,\"backend\":", (uintmax_t)bytes,
	    (uintmax_t)xfer_file_done(x), secs,
	    secs > 0 ? (double)bytes / secs : 0.0);
	/*
	 * A transfer that never had a connection used no backend, nor one
	 * whose TLS handshake did not finish.
	 */
	json_string(out, xfer_phase(x) == XFER_FAILED && (xfer_sock(x) == -1 ||
	    xfer_tls_report(x, NULL) == 0) ? NULL : xfer_backend_name(x));
	fputs(",\"fallback_errno\":", out);
	json_string(out, xfer_fallback(x, NULL) != 0 ?
	    errno_name(xfer_fallback(x, NULL)) : NULL);
	fprintf(out, ",\"status\":%d,\"error\":", status);
	json_string(out, status != EXIT_OK ? xfer_error(x) : NULL);
	if (xfer_tls_report(x, NULL) != -1)
		json_tls(out, x);
}

/*
 * --tls: the "tls" member: protocol, cipher, whether the kernel encrypted
 * (kTLS) and why not; null when no handshake finished.
 */
static void
json_tls(FILE *out, const struct xfer *x)
{
	struct tls_report	r;

	fputs(",\"tls\":", out);
	if (xfer_tls_report(x, &r) != 1) {
		fputs("null", out);
		return;
	}
	fputs("{\"version\":", out);
	json_string(out, r.version);
	fputs(",\"cipher\":", out);
	json_string(out, r.cipher);
	fprintf(out, ",\"ktls\":%s,\"ktls_reason\":",
	    r.ktls ? "true" : "false");
	json_string(out, r.reason);
	fputc('}', out);
}

/*
 * The members of a transfer that never began (the run failed first), to
 * host and port: nothing sent, and the run's status and error; with tls
 * (--tls) a null "tls", as no handshake finished.
 */
static void
json_unstarted(FILE *out, const char *host, const char *port, int status,
    const char *error, int tls)
{
	fputs("\"host\":", out);
	json_string(out, host);
	fputs(",\"port\":", out);
	json_string(out, port);
	fprintf(out, ",\"bytes\":0,\"file_bytes\":0,\"seconds\":0.000000,"
	    "\"rate\":0.0,\"backend\":null,\"fallback_errno\":null,"
	    "\"status\":%d,\"error\":", status);
	json_string(out, error);
	if (tls)
		fputs(",\"tls\":null", out);
}

/* End a line of JSON: it is out at once, and a failure is remembered. */
static void
json_flush(FILE *out)
{
	fputs("}\n", out);
	if (fflush(out) == EOF && out == stdout)
		msg_stdout_failed(errno);
}

/*
 * The members the deployment options add to a transfer's object: with
 * --retry the connects begun ("attempts"), with --checksum the digest of
 * what was sent ("sha256", null unless every byte went out), and with
 * --ack and --resume what the receiver said (json_ack); x NULL: a
 * transfer that never began.
 */
static void
json_deploy(FILE *out, const struct options *o, const struct xfer *x)
{
	if (o->retry_set)
		fprintf(out, ",\"attempts\":%d",
		    x != NULL ? xfer_attempts(x) : 0);
	if (o->checksum && !o->multi) {
		fputs(",\"sha256\":", out);
		json_string(out, x != NULL && xfer_phase(x) == XFER_DONE ?
		    checksum_hex() : NULL);
	}
	json_ack(out, o, x);
}

/*
 * The members of what the receiver said: with --resume the offset it
 * offered ("resume_offset", null if it offered none), with --ack its
 * answer ("ack": {"bytes", "sha256"} for an ok, {"error"} for an error,
 * null if no line of the protocol came); x NULL: a transfer that never
 * began.
 */
static void
json_ack(FILE *out, const struct options *o, const struct xfer *x)
{
	struct ack_report	r;

	if (x != NULL)
		xfer_ack_report(x, &r);
	else
		memset(&r, 0, sizeof(r));
	if (o->resume) {
		fputs(",\"resume_offset\":", out);
		if (r.offered)
			fprintf(out, "%ju", (uintmax_t)r.resume_off);
		else
			fputs("null", out);
	}
	if (!o->ack)
		return;
	fputs(",\"ack\":", out);
	if (r.answer == ACK_OK) {
		fprintf(out, "{\"bytes\":%ju,\"sha256\":", (uintmax_t)r.bytes);
		json_string(out, r.sha256);
		fputc('}', out);
	} else if (r.answer == ACK_ERROR) {
		fputs("{\"error\":", out);
		json_string(out, r.error);
		fputc('}', out);
	} else
		fputs("null", out);
}

/*
 * The n transfers of a run (n > 0) as one JSON object on one line: see
 * json_run.
 */
void
report_json(FILE *out, const struct options *o, struct xfer *const *xs,
    size_t n, int status, const char *error)
{
	json_run(out, o, xfer_count(xs[0]), xs, n, status, error);
}

/*
 * A run that failed before any transfer began, as one JSON object on one
 * line: status and error tell why, for the run and for each destination,
 * and host and port come from o. count is the count of file bytes worked
 * out from the input, or COUNT_TO_EOF if the input was not opened yet
 * (then o's --count is reported).
 */
void
report_json_unstarted(FILE *out, const struct options *o, uint64_t count,
    int status, const char *error)
{
	json_run(out, o, count != COUNT_TO_EOF ? count : o->count, NULL, 0,
	    status, error);
}

/*
 * The whole outcome as one JSON object on one line, with count as its
 * count. With one destination (and no --to) its members stand at the
 * top; with --to they are in a "destinations" array, one entry for each
 * --to. n is 0 when the run failed before any transfer began.
 */
static void
json_run(FILE *out, const struct options *o, uint64_t count,
    struct xfer *const *xs, size_t n, int status, const char *error)
{
	const char	*host, *port;
	size_t		 i;

	fputs("{\"file\":", out);
	json_string(out, o->path);
	fprintf(out, ",\"offset\":%ju,\"count\":", (uintmax_t)o->offset);
	if (count != COUNT_TO_EOF)
		fprintf(out, "%ju", (uintmax_t)count);
	else
		fputs("null", out);
	fputc(',', out);
	if (!o->multi) {
		if (n > 0) {
			json_xfer(out, xs[0]);
			json_deploy(out, o, xs[0]);
		} else {
			host = o->unix_socket ? o->unix_path : o->listen ?
			    o->listen_addr : o->host;
			port = o->unix_socket ? NULL : o->listen ?
			    o->listen_port : o->port;
			json_unstarted(out, host, port, status, error,
			    o->tls.enabled);
			json_deploy(out, o, NULL);
		}
		json_flush(out);
		return;
	}
	fprintf(out, "\"status\":%d,\"error\":", status);
	json_string(out, error);
	if (o->checksum) {
		fputs(",\"sha256\":", out);
		json_string(out, checksum_hex());
	}
	fputs(",\"destinations\":[", out);
	for (i = 0; i < (n > 0 ? n : o->ndests); i++) {
		fputs(i > 0 ? ",{" : "{", out);
		if (n > 0) {
			json_xfer(out, xs[i]);
			json_deploy(out, o, xs[i]);
		} else {
			json_unstarted(out, o->dests[i].host,
			    o->dests[i].port, status, error, o->tls.enabled);
			json_deploy(out, o, NULL);
		}
		fputc('}', out);
	}
	fputc(']', out);
	json_flush(out);
}

/*
 * Listen mode's first line of --json, as soon as it listens: the address
 * and port bound (port NULL: a Unix socket, host its path).
 */
void
report_json_listening(FILE *out, const char *host, const char *port)
{
	fputs("{\"listening\":{\"host\":", out);
	json_string(out, host);
	fputs(",\"port\":", out);
	json_string(out, port);
	fputc('}', out);
	json_flush(out);
}
