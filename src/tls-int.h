/* SPDX-License-Identifier: ISC */
/*
 * What the TLS module's files share and nobody else sees: a context
 * (tls-ctx.c makes it, with the trust anchors and our credentials) and a
 * connection (tls.c: handshake, I/O, close). The command and the engine
 * see only the opaque types and struct tls_ops of zcsend.h and engine.h.
 */

#ifndef ZC_TLS_INT_H
#define ZC_TLS_INT_H

struct tls_ctx {
	SSL_CTX		*ssl_ctx;
	int		 server;
	int		 insecure;
};

struct tls_conn {
	SSL		*ssl;
	int		 insecure;
	int		 done;		/* the handshake finished */
	short		 events;	/* what the last call waits for */
	int		 ktls_send;	/* the kernel encrypts what is sent */
	int		 ktls_recv;	/* the kernel decrypts what arrives */
	size_t		 wpending;	/* a write to retry: its length */
	int		 notified;	/* the peer's close_notify came */
	char		 reason[200];	/* why no kTLS */
	char		 error[256];	/* the last failure, as OpenSSL says */
	char		 name[1025];	/* a client's name for the receiver */
};

/* tls-ctx.c */
void		 tls_ssl_reason(char *, size_t);

#endif /* ZC_TLS_INT_H */
