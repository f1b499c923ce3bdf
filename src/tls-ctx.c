/* SPDX-License-Identifier: ISC */
/*
 * TLS contexts: a client's or a server's, with OpenSSL 3, TLS 1.2 or
 * later and kernel TLS asked for, and the files they need (trust anchors,
 * our certificate chain and key), each read once into memory, since a pipe
 * or a FIFO can be read only once. The connections made from a context
 * are tls.c's. Nothing here blocks on the network or exits.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"
#include "ossl.h"
#include "tls-int.h"

/* The largest certificate, key or CA file: ten times a system bundle. */
#define TLS_FILE_MAX	((size_t)16 * 1024 * 1024)

static BIO	*tls_read_file(const char *, const char *, int *, char *,
		    size_t);
static int	tls_load_ca(SSL_CTX *, BIO *, int);
static int	tls_load_chain(SSL_CTX *, BIO *);
static int	tls_load(SSL_CTX *, const struct tls_options *, int, int *,
		    char *, size_t);
static int	tls_no_password(char *, int, int, void *);

/* The reason of the oldest queued OpenSSL error, e.g. "wrong version number". */
void
tls_ssl_reason(char *buf, size_t size)
{
	unsigned long	 e;
	const char	*r;

	if ((e = ERR_peek_error()) == 0) {
		snprintf(buf, size, "unknown TLS error");
		return;
	}
	if (ERR_GET_LIB(e) == ERR_LIB_SYS)
		snprintf(buf, size, "%s", strerror(ERR_GET_REASON(e)));
	else if ((r = ERR_reason_error_string(e)) != NULL)
		snprintf(buf, size, "%s", r);
	else
		ERR_error_string_n(e, buf, size);
	ERR_clear_error();
}

/*
 * Never ask for a key's passphrase: a protected key is refused. arg, if
 * not NULL, is an int set to 1 when a passphrase was asked for.
 */
static int
tls_no_password(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	if (arg != NULL)
		*(int *)arg = 1;
	return 0;
}

/*
 * The whole of a certificate, key or CA file (what: "tls-ca" ...), read
 * once into memory: a pipe or a FIFO, as process substitution gives, can
 * be read only once. The BIO clears what it held (a key) when freed.
 * Returns a memory BIO, or NULL with *status and msg:
 * 66 with "tls-key PATH: why", or 129, 130 or 143 when a stop signal
 * ended the wait for a FIFO's writer or a read.
 */
static BIO *
tls_read_file(const char *what, const char *path, int *status, char *msg,
    size_t msglen)
{
	struct stat	 st;
	char		 buf[16384];
	BIO		*bio = NULL;
	size_t		 total = 0;
	ssize_t		 n;
	int		 fd, saved;

	*status = EXIT_NOINPUT;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 && errno == EINTR &&
	    loop_signalled()) {
		*status = loop_signal_status();
		snprintf(msg, msglen, "interrupted by %s: opening %s %s",
		    loop_signal_name(), what, path);
		return NULL;
	}
	if (fd == -1 || fstat(fd, &st) == -1 || S_ISDIR(st.st_mode)) {
		saved = fd != -1 && S_ISDIR(st.st_mode) ? EISDIR : errno;
		goto fail;
	}
	if ((bio = BIO_new(BIO_s_secmem())) == NULL) {
		*status = EXIT_OSERR;
		saved = ENOMEM;
		goto fail;
	}
	for (;;) {
		if ((n = read(fd, buf, sizeof(buf))) == -1 && errno == EINTR &&
		    loop_signalled()) {
			*status = loop_signal_status();
			snprintf(msg, msglen, "interrupted by %s: reading %s %s",
			    loop_signal_name(), what, path);
			goto out;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			saved = errno;
			goto fail;
		}
		if (n == 0)
			break;
		if ((total += (size_t)n) > TLS_FILE_MAX) {
			snprintf(msg, msglen, "%s %s: larger than %zu bytes",
			    what, path, TLS_FILE_MAX);
			goto out;
		}
		if (BIO_write(bio, buf, (int)n) != (int)n) {
			*status = EXIT_OSERR;
			saved = ENOMEM;
			goto fail;
		}
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return bio;
fail:
	snprintf(msg, msglen, "%s %s: %s", what, path, strerror(saved));
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	BIO_free(bio);
	if (fd != -1)
		close(fd);
	return NULL;
}

/*
 * The certificates (and CRLs) of a CA file as trust anchors, and with
 * client_ca as the authorities a server names to its clients. Returns the
 * number loaded, or -1 with OpenSSL's error queued.
 */
static int
tls_load_ca(SSL_CTX *sc, BIO *bio, int client_ca)
{
	STACK_OF(X509_INFO)	*infos;
	X509_INFO		*xi;
	X509_STORE		*store = SSL_CTX_get_cert_store(sc);
	int			 i, n = 0;

	if ((infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < sk_X509_INFO_num(infos) && n != -1; i++) {
		xi = sk_X509_INFO_value(infos, i);
		if ((xi->x509 != NULL && (X509_STORE_add_cert(store,
		    xi->x509) != 1 || (client_ca &&
		    SSL_CTX_add_client_CA(sc, xi->x509) != 1))) ||
		    (xi->crl != NULL && X509_STORE_add_crl(store,
		    xi->crl) != 1))
			n = -1;
		else if (xi->x509 != NULL || xi->crl != NULL)
			n++;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	return n;
}

/*
 * Our certificate chain, the leaf first, as SSL_CTX_use_certificate_chain_file
 * reads it. Returns 0, or -1 with OpenSSL's error queued.
 */
static int
tls_load_chain(SSL_CTX *sc, BIO *bio)
{
	X509		*x;
	unsigned long	 e;
	int		 ok;

	if ((x = PEM_read_bio_X509_AUX(bio, NULL, tls_no_password,
	    NULL)) == NULL)
		return -1;
	ok = SSL_CTX_use_certificate(sc, x) == 1 &&
	    SSL_CTX_clear_chain_certs(sc) == 1;
	X509_free(x);
	if (!ok)
		return -1;
	while ((x = PEM_read_bio_X509(bio, NULL, tls_no_password, NULL)) !=
	    NULL) {
		if (SSL_CTX_add0_chain_cert(sc, x) != 1) {
			X509_free(x);
			return -1;
		}
	}
	/* The end of the file is "no start line". */
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
	    ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
		return -1;
	ERR_clear_error();
	return 0;
}

/*
 * The trust anchors, our certificate and key, each file read once. Returns
 * -1 with *status and msg set.
 */
static int
tls_load(SSL_CTX *sc, const struct tls_options *t, int server, int *status,
    char *msg, size_t msglen)
{
	BIO		*ca = NULL, *cert = NULL, *key = NULL;
	EVP_PKEY	*pkey = NULL;
	char		 why[200];
	int		 asked = 0, ret = -1;

	if (t->ca != NULL && (ca = tls_read_file("tls-ca", t->ca, status,
	    msg, msglen)) == NULL)
		return -1;
	if (t->cert != NULL && ((cert = tls_read_file("tls-cert", t->cert,
	    status, msg, msglen)) == NULL || (key = tls_read_file("tls-key",
	    t->key, status, msg, msglen)) == NULL))
		goto out;
	*status = EXIT_NOINPUT;
	ERR_clear_error();
	if (ca != NULL) {
		switch (tls_load_ca(sc, ca, server && t->verify_client)) {
		case -1:
			tls_ssl_reason(why, sizeof(why));
			snprintf(msg, msglen, "tls-ca %s: cannot load: %s",
			    t->ca, why);
			goto out;
		case 0:
			snprintf(msg, msglen, "tls-ca %s: cannot load: no "
			    "certificate in it", t->ca);
			goto out;
		}
	} else if (!server && SSL_CTX_set_default_verify_paths(sc) != 1) {
		tls_ssl_reason(why, sizeof(why));
		snprintf(msg, msglen, "system trust store: %s", why);
		goto out;
	}
	if (cert == NULL) {
		ret = 0;
		goto out;
	}
	if (tls_load_chain(sc, cert) == -1) {
		tls_ssl_reason(why, sizeof(why));
		snprintf(msg, msglen, "tls-cert %s: cannot load: %s", t->cert,
		    why);
		goto out;
	}
	pkey = PEM_read_bio_PrivateKey(key, NULL, tls_no_password, &asked);
	if (pkey == NULL && asked) {
		ERR_clear_error();
		snprintf(msg, msglen, "tls-key %s: protected by a passphrase, "
		    "which zcsend does not support", t->key);
		goto out;
	}
	if (pkey == NULL || SSL_CTX_use_PrivateKey(sc, pkey) != 1 ||
	    SSL_CTX_check_private_key(sc) != 1) {
		tls_ssl_reason(why, sizeof(why));
		snprintf(msg, msglen, "tls-key %s: cannot load: %s", t->key,
		    why);
		goto out;
	}
	ret = 0;
out:
	EVP_PKEY_free(pkey);
	BIO_free(ca);
	BIO_free(cert);
	BIO_free(key);
	return ret;
}

/*
 * A client (server 0) or server context from the options: TLS 1.2 or
 * later, kernel TLS asked for, peers verified unless --tls-insecure.
 * Returns NULL with *status (66 for unreadable files) and msg set.
 */
struct tls_ctx *
tls_ctx_new(const struct tls_options *t, int server, int *status, char *msg,
    size_t msglen)
{
	struct tls_ctx	*ctx;
	SSL_CTX		*sc;
	char		 why[200];

	if (ossl_load(OSSL_TLS, why, sizeof(why)) == -1) {
		*status = EXIT_OSERR;
		snprintf(msg, msglen, "tls: %s", why);
		return NULL;
	}
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		*status = EXIT_OSERR;
		snprintf(msg, msglen, "tls: %s", strerror(errno));
		return NULL;
	}
	sc = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (sc == NULL || SSL_CTX_set_min_proto_version(sc,
	    TLS1_2_VERSION) != 1) {
		tls_ssl_reason(why, sizeof(why));
		*status = EXIT_OSERR;
		snprintf(msg, msglen, "tls: %s", why);
		SSL_CTX_free(sc);
		free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(sc, SSL_OP_ENABLE_KTLS |
	    SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(sc, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_default_passwd_cb(sc, tls_no_password);
	if (server) {
		/* One-shot clients: no session tickets to resume. */
		(void)SSL_CTX_set_num_tickets(sc, 0);
		SSL_CTX_set_verify(sc, t->verify_client ? SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_NONE, NULL);
	} else
		SSL_CTX_set_verify(sc, t->insecure ? SSL_VERIFY_NONE :
		    SSL_VERIFY_PEER, NULL);
	if (tls_load(sc, t, server, status, msg, msglen) == -1) {
		SSL_CTX_free(sc);
		free(ctx);
		return NULL;
	}
	ctx->ssl_ctx = sc;
	ctx->server = server;
	ctx->insecure = t->insecure;
	return ctx;
}

void
tls_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	free(ctx);
}
