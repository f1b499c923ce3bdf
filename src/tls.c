/* SPDX-License-Identifier: ISC */
/*
 * TLS with OpenSSL 3, non-blocking from end to end: every call here does
 * what the socket allows now and, when OpenSSL wants the socket readable or
 * writable first, says which (tls_events) so the caller's poll loop can
 * wait for it. Nothing here blocks, sleeps or exits.
 *
 * Zero copy where the kernel allows it: contexts ask for kernel TLS
 * (SSL_OP_ENABLE_KTLS). When OpenSSL moved the send side into the kernel
 * (BIO_get_ktls_send), file bytes go out with SSL_sendfile and never enter
 * user space; otherwise they are read into the transfer's buffer and
 * encrypted by SSL_write. Headers and trailers always go through SSL_write.
 *
 * SSL_write rules kept here (see SSL_write(3)): partial writes are enabled,
 * and a write that returned WANT_READ/WANT_WRITE is retried with at least
 * as many bytes of the same data, which the engine guarantees by keeping
 * unsent bytes where they were.
 *
 * The engine reaches the connection functions only through tls_ops (see
 * struct xfer_params): the program links this file, libzcsend does not.
 * The contexts connections are made from are tls-ctx.c's.
 */

#include "config.h"

#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"
#include "ossl.h"
#include "tls-int.h"

static struct tls_conn *tls_conn_new(struct tls_ctx *, int, const char *,
		    char *, size_t);
static void	tls_conn_free(struct tls_conn *);
static int	tls_handshake(struct tls_conn *, char *, size_t);
static short	tls_events(const struct tls_conn *);
static int	tls_ktls_send(const struct tls_conn *);
static int	tls_ktls_recv(const struct tls_conn *);
static int	tls_close(struct tls_conn *);
static ssize_t	tls_recv(struct tls_conn *, void *, size_t);
static int	tls_peer_notified(const struct tls_conn *);
static void	tls_info(const SSL *, int, int);
static const char *tls_error(const struct tls_conn *);
static void	tls_get_report(const struct tls_conn *, struct tls_report *);
static ssize_t	tls_send(const struct sf_chunk *, struct sf_scratch *);
static ssize_t	tls_sendfile(const struct sf_chunk *, struct sf_scratch *);
static ssize_t	tls_write(struct tls_conn *, const void *, size_t);
static ssize_t	tls_io_error(struct tls_conn *, int);
static void	tls_set_error(struct tls_conn *);
static void	tls_ktls_reason(struct tls_conn *);

/* No fallback under TLS: read/write would send the file in clear. */
static const struct backend tls_backend = { "tls-readwrite", tls_send, NULL };
static const struct backend ktls_sendfile_backend = {
	"ktls-sendfile", tls_sendfile, NULL
};
static const struct backend ktls_write_backend = {
	"ktls-readwrite", tls_send, NULL
};

const struct tls_ops tls_ops = {
	.write_backend = &tls_backend,
	.ktls_sendfile_backend = &ktls_sendfile_backend,
	.ktls_write_backend = &ktls_write_backend,
	.conn_new = tls_conn_new,
	.handshake = tls_handshake,
	.events = tls_events,
	.ktls_send = tls_ktls_send,
	.ktls_recv = tls_ktls_recv,
	.close = tls_close,
	.recv = tls_recv,
	.peer_notified = tls_peer_notified,
	.error = tls_error,
	.report = tls_get_report,
	.conn_free = tls_conn_free
};

/*
 * The library for zcsend -V, with whether it can do kernel TLS; loading it
 * (ossl.h) when that fails, with the loader's reason.
 */
const char *
tls_library(void)
{
	static char	name[256];
	char		why[200];

	if (ossl_load(OSSL_TLS, why, sizeof(why)) == -1) {
		snprintf(name, sizeof(name), "OpenSSL, which does not load: %s",
		    why);
		return name;
	}
	snprintf(name, sizeof(name), "%s, kTLS %s",
	    OpenSSL_version(OPENSSL_VERSION),
#ifdef OPENSSL_NO_KTLS
	    "not built in"
#else
	    "built in"
#endif
	    );
	return name;
}

/*
 * A TLS connection over the connected non-blocking sock. A client checks
 * the receiver's certificate against name (a host name, sent as SNI, or an
 * IP address); a server's name is NULL, and so may a client's be that
 * does not verify (--tls-insecure). Returns NULL with msg set.
 */
static struct tls_conn *
tls_conn_new(struct tls_ctx *ctx, int sock, const char *name, char *msg,
    size_t msglen)
{
	struct tls_conn		*c;
	X509_VERIFY_PARAM	*param;
	unsigned char		 addr[16];
	int			 is_ip, ok = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(msg, msglen, "%s", strerror(errno));
		return NULL;
	}
	ERR_clear_error();
	if ((c->ssl = SSL_new(ctx->ssl_ctx)) == NULL ||
	    SSL_set_fd(c->ssl, sock) != 1)
		ok = 0;
	c->insecure = ctx->insecure;
	c->events = POLLOUT;
	if (ok) {
		SSL_set_app_data(c->ssl, c);
		SSL_set_info_callback(c->ssl, tls_info);
	}
	if (ok && ctx->server)
		SSL_set_accept_state(c->ssl);
	else if (ok && name == NULL)
		SSL_set_connect_state(c->ssl);	/* --tls-insecure, no name */
	else if (ok) {
		SSL_set_connect_state(c->ssl);
		/* SSL_set_tlsext_host_name takes a non-const name. */
		snprintf(c->name, sizeof(c->name), "%s", name);
		is_ip = inet_pton(AF_INET, name, addr) == 1 ||
		    inet_pton(AF_INET6, name, addr) == 1;
		/* SNI carries host names only (RFC 6066, section 3). */
		if (!is_ip && SSL_set_tlsext_host_name(c->ssl, c->name) != 1)
			ok = 0;
		param = SSL_get0_param(c->ssl);
		if (ok && !c->insecure && (is_ip ?
		    X509_VERIFY_PARAM_set1_ip_asc(param, name) :
		    SSL_set1_host(c->ssl, name)) != 1)
			ok = 0;
	}
	if (!ok) {
		tls_ssl_reason(msg, msglen);
		tls_conn_free(c);
		return NULL;
	}
	return c;
}

static void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	SSL_free(c->ssl);
	free(c);
}

/* Record the failure OpenSSL queued, for tls_error(). */
static void
tls_set_error(struct tls_conn *c)
{
	long	vr;

	vr = SSL_get_verify_result(c->ssl);
	if (vr != X509_V_OK && !c->insecure) {
		snprintf(c->error, sizeof(c->error),
		    "certificate verify failed: %s",
		    X509_verify_cert_error_string(vr));
		ERR_clear_error();
	} else if (ERR_GET_LIB(ERR_peek_error()) == ERR_LIB_SSL &&
	    (ERR_GET_REASON(ERR_peek_error()) == SSL_R_HTTP_REQUEST ||
	    ERR_GET_REASON(ERR_peek_error()) == SSL_R_HTTPS_PROXY_REQUEST)) {
		/* OpenSSL's "http request": a client that skipped TLS. */
		snprintf(c->error, sizeof(c->error), "the client spoke plain "
		    "HTTP, not TLS");
		ERR_clear_error();
	} else
		tls_ssl_reason(c->error, sizeof(c->error));
}

/* The last failure in OpenSSL's words (after EPROTO or a handshake -1). */
static const char *
tls_error(const struct tls_conn *c)
{
	return c->error;
}

/* What the last call that could not go on waits for: POLLIN or POLLOUT. */
static short
tls_events(const struct tls_conn *c)
{
	return c->events;
}

/*
 * Turn a failed SSL_* call's return ret into -1 with errno: EAGAIN (wait
 * for tls_events), EPIPE or the socket's errno, or EPROTO (see tls_error).
 */
static ssize_t
tls_io_error(struct tls_conn *c, int ret)
{
	int	saved = errno;

	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		c->events = POLLIN;
		errno = EAGAIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		c->events = POLLOUT;
		errno = EAGAIN;
		break;
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		errno = EPIPE;
		break;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		errno = saved != 0 ? saved : EPIPE;
		break;
	default:
		tls_set_error(c);
		errno = EPROTO;
		break;
	}
	return -1;
}

/*
 * One step of the handshake. Returns 1 when it is done, 0 when it waits
 * (for tls_events), -1 with msg set to why it failed: OpenSSL's reason,
 * "certificate verify failed: ..." or what the socket said.
 */
static int
tls_handshake(struct tls_conn *c, char *msg, size_t msglen)
{
	int	r;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_do_handshake(c->ssl)) == 1) {
		c->done = 1;
		c->ktls_send = BIO_get_ktls_send(SSL_get_wbio(c->ssl)) != 0;
		c->ktls_recv = BIO_get_ktls_recv(SSL_get_rbio(c->ssl)) != 0;
		if (!c->ktls_send || !c->ktls_recv)
			tls_ktls_reason(c);
		return 1;
	}
	if (tls_io_error(c, r) == -1 && errno == EAGAIN)
		return 0;
	switch (errno) {
	case EPROTO:
		snprintf(msg, msglen, "%s", c->error);
		break;
	case EPIPE:
		snprintf(msg, msglen, "connection closed by peer");
		break;
	case ECONNRESET:
		snprintf(msg, msglen, "connection reset by peer");
		break;
	default:
		snprintf(msg, msglen, "%s", strerror(errno));
		break;
	}
	return -1;
}

/* Does the kernel encrypt what this connection sends? */
static int
tls_ktls_send(const struct tls_conn *c)
{
	return c->ktls_send;
}

/* Does the kernel decrypt what this connection receives (zcrecv)? */
static int
tls_ktls_recv(const struct tls_conn *c)
{
	return c->ktls_recv;
}

/*
 * Why OpenSSL left the send (or receive) side in user space: a library without kTLS, a
 * kernel without the tls module, a cipher the kernel cannot offload, or
 * the kernel refusing it for a reason of its own.
 */
static void
tls_ktls_reason(struct tls_conn *c)
{
#ifdef OPENSSL_NO_KTLS
	snprintf(c->reason, sizeof(c->reason), "OpenSSL built without kTLS");
#else
	const SSL_CIPHER	*cipher = SSL_get_current_cipher(c->ssl);
	char			 ulps[128] = "";
	FILE			*f;
	int			 nid;

	if ((f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r")) != NULL) {
		if (fgets(ulps, sizeof(ulps), f) == NULL)
			ulps[0] = '\0';
		ulps[strcspn(ulps, "\n")] = '\0';
		fclose(f);
		if (strstr(ulps, "tls") == NULL) {
			snprintf(c->reason, sizeof(c->reason), "kernel without "
			    "the tls module (tcp_available_ulp: %s)",
			    ulps[0] != '\0' ? ulps : "none");
			return;
		}
	}
	nid = cipher != NULL ? SSL_CIPHER_get_cipher_nid(cipher) : NID_undef;
	if (nid != NID_aes_128_gcm && nid != NID_aes_256_gcm &&
	    nid != NID_chacha20_poly1305 && nid != NID_aes_128_ccm) {
		snprintf(c->reason, sizeof(c->reason), "cipher %s not "
		    "offloadable", cipher != NULL ? SSL_CIPHER_get_name(cipher) :
		    "none");
		return;
	}
	snprintf(c->reason, sizeof(c->reason), "the kernel refused the "
	    "offload of %s with %s", SSL_CIPHER_get_name(cipher),
	    SSL_get_version(c->ssl));
#endif
}

static void
tls_get_report(const struct tls_conn *c, struct tls_report *r)
{
	r->version = c->done ? SSL_get_version(c->ssl) : NULL;
	r->cipher = c->done ? SSL_get_cipher_name(c->ssl) : NULL;
	r->ktls = c->ktls_send;
	r->reason = c->done && !c->ktls_send ? c->reason : NULL;
	r->ktls_rx = c->ktls_recv;
	r->rx_reason = c->done && !c->ktls_recv ? c->reason : NULL;
}

/*
 * SSL_write as the engine's backends write: bytes written, or -1 with
 * errno. A retry after EAGAIN repeats at least the length that blocked.
 */
static ssize_t
tls_write(struct tls_conn *c, const void *buf, size_t len)
{
	int	n;

	if (len > INT_MAX)
		len = INT_MAX;
	ERR_clear_error();
	errno = 0;
	if ((n = SSL_write(c->ssl, buf, (int)len)) > 0) {
		c->wpending = 0;
		return n;
	}
	c->wpending = len;
	return tls_io_error(c, n);
}

/*
 * The send of the SSL_write backends (struct backend): the header, then
 * file bytes through scratch (filled by rw_fill: pread, or read for a stream),
 * then the trailer, one part per call as rw_send does.
 */
static ssize_t
tls_send(const struct sf_chunk *ch, struct sf_scratch *s)
{
	struct tls_conn	*c = ch->tls;
	size_t		 pending;
	ssize_t		 n;

	s->input_failed = 0;
	if (ch->hdr_len > 0)
		return tls_write(c, ch->hdr, ch->hdr_len);
	if (ch->file_len > 0) {
		if ((n = rw_fill(ch, s)) <= 0)
			return n;
		pending = (size_t)n;
		/* Fewer than a blocked write had would break its retry. */
		if (pending > ch->file_len && ch->file_len >= c->wpending)
			pending = ch->file_len;
		if ((n = tls_write(c, s->buf + s->pos, pending)) > 0)
			s->pos += (size_t)n;
		return n;
	}
	if (ch->trl_len > 0)
		return tls_write(c, ch->trl, ch->trl_len);
	return 0;
}

/*
 * The kTLS backend's send: as tls_send, but file bytes go from the page
 * cache to the kernel's TLS socket with SSL_sendfile, never copied here.
 * Only for inputs with offsets, once tls_ktls_send() said yes.
 */
static ssize_t
tls_sendfile(const struct sf_chunk *ch, struct sf_scratch *s)
{
	struct tls_conn	*c = ch->tls;
	ossl_ssize_t	 n;

	s->input_failed = 0;
	if (ch->hdr_len > 0)
		return tls_write(c, ch->hdr, ch->hdr_len);
	if (ch->file_len > 0) {
		ERR_clear_error();
		errno = 0;
		if ((n = SSL_sendfile(c->ssl, ch->fd, ch->file_off,
		    ch->file_len, 0)) >= 0)
			return n;
		if (errno == EAGAIN || errno == EINTR || errno == EBUSY) {
			ERR_clear_error();
			c->events = POLLOUT;
			errno = EAGAIN;
			return -1;
		}
		if (errno == 0)
			return tls_io_error(c, (int)n);
		ERR_clear_error();
		return -1;
	}
	if (ch->trl_len > 0)
		return tls_write(c, ch->trl, ch->trl_len);
	return 0;
}

/*
 * Send close_notify. Returns 0 once it is out, or -1 with errno (EAGAIN:
 * wait for tls_events and call again).
 */
static int
tls_close(struct tls_conn *c)
{
	int	r;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_shutdown(c->ssl)) >= 0)
		return 0;
	return (int)tls_io_error(c, r);
}

/*
 * Read and decrypt like recv(2): bytes read, 0 once the peer closed (its
 * close_notify, or a plain end of file), or -1 with errno as tls_io_error.
 */
static ssize_t
tls_recv(struct tls_conn *c, void *buf, size_t len)
{
	int	n;

	if (len > INT_MAX)
		len = INT_MAX;
	ERR_clear_error();
	errno = 0;
	if ((n = SSL_read(c->ssl, buf, (int)len)) > 0)
		return n;
	switch (SSL_get_error(c->ssl, n)) {
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			return 0;
		break;
	default:
		break;
	}
	return tls_io_error(c, n);
}

/*
 * Did the peer send close_notify? tls_recv returns 0 for it and for a
 * plain end of file alike, and SSL_OP_IGNORE_UNEXPECTED_EOF marks either
 * as a received shutdown: only the alert tells (tls_info).
 */
static int
tls_peer_notified(const struct tls_conn *c)
{
	return c->notified;
}

/* OpenSSL's info callback: notes the peer's close_notify alert. */
static void
tls_info(const SSL *ssl, int where, int ret)
{
	struct tls_conn	*c;

	if ((where & SSL_CB_READ_ALERT) != SSL_CB_READ_ALERT ||
	    (ret & 0xff) != SSL_AD_CLOSE_NOTIFY)
		return;
	if ((c = SSL_get_app_data(ssl)) != NULL)
		c->notified = 1;
}
