/* SPDX-License-Identifier: ISC */
/*
 * The --tls options: parsed into a struct tls_options, checked against
 * the rest of the command line, and made into the run's context. Built
 * with or without OpenSSL, so that a build without TLS still names the
 * options it cannot honour.
 */

#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zcsend.h"

/*
 * Record one --tls* option (ch from getopt_long, arg its value). Returns 1
 * if ch was a TLS option, 0 if it is someone else's.
 */
int
tls_option(struct tls_options *t, int ch, const char *arg)
{
	switch (ch) {
	case OPT_TLS:
		t->enabled = 1;
		return 1;
	case OPT_TLS_CA:
		t->ca = arg;
		break;
	case OPT_TLS_CERT:
		t->cert = arg;
		break;
	case OPT_TLS_KEY:
		t->key = arg;
		break;
	case OPT_TLS_SERVERNAME:
		t->servername = arg;
		break;
	case OPT_TLS_INSECURE:
		t->insecure = 1;
		break;
	case OPT_TLS_VERIFY_CLIENT:
		t->verify_client = 1;
		break;
	default:
		return 0;
	}
	t->any = 1;
	return 1;
}

/*
 * Check the TLS options against the mode (listen, a Unix socket). Returns
 * 0, or EXIT_USAGE with msg set to the one line to print.
 */
int
tls_options_check(const struct tls_options *t, int listen, int unix_socket,
    char *msg, size_t msglen)
{
	if (!t->enabled) {
		if (!t->any)
			return 0;
		snprintf(msg, msglen, "command line: --tls-ca, --tls-cert, "
		    "--tls-key, --tls-servername, --tls-insecure and "
		    "--tls-verify-client go with --tls");
		return EXIT_USAGE;
	}
	if (tls_library() == NULL) {
		/* zcsend's or zcrecv's: the program that was run. */
		snprintf(msg, msglen, "command line: --tls: this %s was built "
		    "without TLS (see %s -V)", getprogname(), getprogname());
		return EXIT_USAGE;
	}
	/* SNI carries 1 to 255 bytes (RFC 6066): refuse before connecting. */
	if (t->servername != NULL && (*t->servername == '\0' ||
	    strlen(t->servername) > 255)) {
		snprintf(msg, msglen, "command line: --tls-servername needs "
		    "a name of 1 to 255 bytes");
		return EXIT_USAGE;
	}
	if ((t->cert == NULL) != (t->key == NULL)) {
		snprintf(msg, msglen, "command line: --tls-cert and --tls-key "
		    "go together");
		return EXIT_USAGE;
	}
	if (listen) {
		if (t->cert == NULL) {
			snprintf(msg, msglen, "command line: -l --tls needs "
			    "--tls-cert and --tls-key");
			return EXIT_USAGE;
		}
		if (t->verify_client && t->ca == NULL) {
			snprintf(msg, msglen, "command line: "
			    "--tls-verify-client needs --tls-ca");
			return EXIT_USAGE;
		}
		/* A CA alone would verify nothing: no certificate is asked. */
		if (t->ca != NULL && !t->verify_client) {
			snprintf(msg, msglen, "command line: -l --tls-ca needs "
			    "--tls-verify-client");
			return EXIT_USAGE;
		}
		if (t->servername != NULL || t->insecure) {
			snprintf(msg, msglen, "command line: --tls-servername "
			    "and --tls-insecure are for pushes, not -l");
			return EXIT_USAGE;
		}
		return 0;
	}
	if (t->verify_client) {
		snprintf(msg, msglen, "command line: --tls-verify-client goes "
		    "with -l");
		return EXIT_USAGE;
	}
	if (unix_socket && t->servername == NULL && !t->insecure) {
		snprintf(msg, msglen, "command line: -U --tls needs "
		    "--tls-servername (the name to verify) or --tls-insecure");
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * --tls: make the run's context (a server's with -l) once the input is
 * open, plug the TLS module into par, and warn that --tls-insecure
 * verifies nothing. Exits 66 for unreadable certificate, key or CA files,
 * 71 when OpenSSL cannot start. Free with tls_ctx_free(par->tls_ctx).
 */
void
tls_setup(const struct options *o, struct xfer_params *par)
{
	char	msg[512];
	int	status;

	if (!o->tls.enabled)
		return;
	if ((par->tls_ctx = tls_ctx_new(&o->tls, o->listen, &status, msg,
	    sizeof(msg))) == NULL)
		msg_exit(o, status, "%s", msg);
	par->tls = &tls_ops;
	par->tls_name = o->tls.servername;
	if (o->tls.insecure)
		msg_warnx("warning: --tls-insecure: the receiver's "
		    "certificate is not verified");
}
