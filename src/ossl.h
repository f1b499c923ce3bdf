/* SPDX-License-Identifier: ISC */
/*
 * OpenSSL for the command's TLS module (tls*.c) and --checksum's hasher
 * (checksum.c), loaded on first use: --tls loads libssl (and libcrypto
 * with it), --checksum libcrypto, and a run with neither maps neither.
 * Their relocations cost every start more CPU than the rest of the
 * program does (README, Benchmarks). With ZC_LAZY_OPENSSL each function
 * below is a macro for a pointer that ossl_load fills with dlsym(3);
 * without it (configure could not tell the libraries' file names) the
 * functions are linked as usual and ossl_load has nothing to do.
 *
 * Include this instead of OpenSSL's headers, and after none of them.
 */

#ifndef ZC_OSSL_H
#define ZC_OSSL_H

#include <stddef.h>

#ifdef HAVE_LIBCRYPTO
#include <openssl/evp.h>
#endif
#ifdef HAVE_OPENSSL
#include <openssl/err.h>
#include <openssl/opensslv.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif

/* What a caller needs loaded. */
enum ossl_use {
	OSSL_HASH,	/* SHA-256 (libcrypto) */
	OSSL_TLS	/* TLS (libssl, and libcrypto through it) */
};

int	ossl_load(enum ossl_use, char *, size_t);

#ifdef ZC_LAZY_OPENSSL
/* --checksum's SHA-256, from libcrypto. */
#define OSSL_HASH_FUNCTIONS(F)						\
	F(EVP_DigestFinal_ex) F(EVP_DigestInit_ex) F(EVP_DigestUpdate)	\
	F(EVP_MD_CTX_free) F(EVP_MD_CTX_new) F(EVP_sha256)

/* What tls.c and tls-ctx.c call, looked up through libssl. */
#define OSSL_TLS_FUNCTIONS(F)						\
	F(BIO_ctrl) F(BIO_free) F(BIO_new) F(BIO_s_secmem) F(BIO_write)	\
	F(ERR_clear_error) F(ERR_error_string_n) F(ERR_peek_error)	\
	F(ERR_peek_last_error) F(ERR_reason_error_string)		\
	F(EVP_PKEY_free) F(OPENSSL_cleanse) F(OPENSSL_sk_num)		\
	F(OPENSSL_sk_pop_free) F(OPENSSL_sk_value) F(OpenSSL_version)	\
	F(PEM_X509_INFO_read_bio) F(PEM_read_bio_PrivateKey)		\
	F(PEM_read_bio_X509) F(PEM_read_bio_X509_AUX)			\
	F(SSL_CIPHER_get_cipher_nid) F(SSL_CIPHER_get_name)		\
	F(SSL_CTX_add_client_CA) F(SSL_CTX_check_private_key)		\
	F(SSL_CTX_ctrl) F(SSL_CTX_free) F(SSL_CTX_get_cert_store)	\
	F(SSL_CTX_new) F(SSL_CTX_set_default_passwd_cb)			\
	F(SSL_CTX_set_default_verify_paths) F(SSL_CTX_set_num_tickets)	\
	F(SSL_CTX_set_options) F(SSL_CTX_set_verify)			\
	F(SSL_CTX_use_PrivateKey) F(SSL_CTX_use_certificate)		\
	F(SSL_ctrl)							\
	F(SSL_do_handshake) F(SSL_free) F(SSL_get0_param)		\
	F(SSL_get_current_cipher) F(SSL_get_error) F(SSL_get_ex_data)	\
	F(SSL_get_rbio) F(SSL_get_verify_result) F(SSL_get_version)	\
	F(SSL_get_wbio) F(SSL_new) F(SSL_read) F(SSL_sendfile)		\
	F(SSL_set1_host) F(SSL_set_accept_state)			\
	F(SSL_set_connect_state)					\
	F(SSL_set_ex_data) F(SSL_set_fd) F(SSL_set_info_callback)	\
	F(SSL_shutdown) F(SSL_write) F(TLS_client_method)		\
	F(TLS_server_method) F(X509_INFO_free) F(X509_STORE_add_cert)	\
	F(X509_STORE_add_crl) F(X509_VERIFY_PARAM_set1_ip_asc)		\
	F(X509_free) F(X509_verify_cert_error_string)

/* Each function's pointer, declared here and defined in ossl.c. */
#ifdef OSSL_DEFINE_POINTERS
#define OSSL_POINTER(name)	__typeof__(name) *ossl_##name;
#else
#define OSSL_POINTER(name)	extern __typeof__(name) *ossl_##name;
#endif
#ifdef HAVE_LIBCRYPTO
OSSL_HASH_FUNCTIONS(OSSL_POINTER)
#endif
#ifdef HAVE_OPENSSL
OSSL_TLS_FUNCTIONS(OSSL_POINTER)
#endif

/* The calls go through the pointers, except in ossl.c, which fills them. */
#ifndef OSSL_DEFINE_POINTERS
#ifdef HAVE_LIBCRYPTO
#define EVP_DigestFinal_ex		(*ossl_EVP_DigestFinal_ex)
#define EVP_DigestInit_ex		(*ossl_EVP_DigestInit_ex)
#define EVP_DigestUpdate		(*ossl_EVP_DigestUpdate)
#define EVP_MD_CTX_free			(*ossl_EVP_MD_CTX_free)
#define EVP_MD_CTX_new			(*ossl_EVP_MD_CTX_new)
#define EVP_sha256			(*ossl_EVP_sha256)
#endif
#ifdef HAVE_OPENSSL
#define BIO_ctrl			(*ossl_BIO_ctrl)
#define BIO_free			(*ossl_BIO_free)
#define BIO_new				(*ossl_BIO_new)
#define BIO_s_secmem			(*ossl_BIO_s_secmem)
#define BIO_write			(*ossl_BIO_write)
#define ERR_clear_error			(*ossl_ERR_clear_error)
#define ERR_error_string_n		(*ossl_ERR_error_string_n)
#define ERR_peek_error			(*ossl_ERR_peek_error)
#define ERR_peek_last_error		(*ossl_ERR_peek_last_error)
#define ERR_reason_error_string		(*ossl_ERR_reason_error_string)
#define EVP_PKEY_free			(*ossl_EVP_PKEY_free)
#define OPENSSL_cleanse			(*ossl_OPENSSL_cleanse)
#define OPENSSL_sk_num			(*ossl_OPENSSL_sk_num)
#define OPENSSL_sk_pop_free		(*ossl_OPENSSL_sk_pop_free)
#define OPENSSL_sk_value		(*ossl_OPENSSL_sk_value)
#define OpenSSL_version			(*ossl_OpenSSL_version)
#define PEM_X509_INFO_read_bio		(*ossl_PEM_X509_INFO_read_bio)
#define PEM_read_bio_PrivateKey		(*ossl_PEM_read_bio_PrivateKey)
#define PEM_read_bio_X509		(*ossl_PEM_read_bio_X509)
#define PEM_read_bio_X509_AUX		(*ossl_PEM_read_bio_X509_AUX)
#define SSL_CIPHER_get_cipher_nid	(*ossl_SSL_CIPHER_get_cipher_nid)
#define SSL_CIPHER_get_name		(*ossl_SSL_CIPHER_get_name)
#define SSL_CTX_add_client_CA		(*ossl_SSL_CTX_add_client_CA)
#define SSL_CTX_check_private_key	(*ossl_SSL_CTX_check_private_key)
#define SSL_CTX_ctrl			(*ossl_SSL_CTX_ctrl)
#define SSL_CTX_free			(*ossl_SSL_CTX_free)
#define SSL_CTX_get_cert_store		(*ossl_SSL_CTX_get_cert_store)
#define SSL_CTX_new			(*ossl_SSL_CTX_new)
#define SSL_CTX_set_default_passwd_cb	(*ossl_SSL_CTX_set_default_passwd_cb)
#define SSL_CTX_set_default_verify_paths \
	(*ossl_SSL_CTX_set_default_verify_paths)
#define SSL_CTX_set_num_tickets		(*ossl_SSL_CTX_set_num_tickets)
#define SSL_CTX_set_options		(*ossl_SSL_CTX_set_options)
#define SSL_CTX_set_verify		(*ossl_SSL_CTX_set_verify)
#define SSL_CTX_use_PrivateKey		(*ossl_SSL_CTX_use_PrivateKey)
#define SSL_CTX_use_certificate		(*ossl_SSL_CTX_use_certificate)
#define SSL_ctrl			(*ossl_SSL_ctrl)
#define SSL_do_handshake		(*ossl_SSL_do_handshake)
#define SSL_free			(*ossl_SSL_free)
#define SSL_get0_param			(*ossl_SSL_get0_param)
#define SSL_get_current_cipher		(*ossl_SSL_get_current_cipher)
#define SSL_get_error			(*ossl_SSL_get_error)
#define SSL_get_ex_data			(*ossl_SSL_get_ex_data)
#define SSL_get_rbio			(*ossl_SSL_get_rbio)
#define SSL_get_verify_result		(*ossl_SSL_get_verify_result)
#define SSL_get_version			(*ossl_SSL_get_version)
#define SSL_get_wbio			(*ossl_SSL_get_wbio)
#define SSL_new				(*ossl_SSL_new)
#define SSL_read			(*ossl_SSL_read)
#define SSL_sendfile			(*ossl_SSL_sendfile)
#define SSL_set1_host			(*ossl_SSL_set1_host)
#define SSL_set_accept_state		(*ossl_SSL_set_accept_state)
#define SSL_set_connect_state		(*ossl_SSL_set_connect_state)
#define SSL_set_ex_data			(*ossl_SSL_set_ex_data)
#define SSL_set_fd			(*ossl_SSL_set_fd)
#define SSL_set_info_callback		(*ossl_SSL_set_info_callback)
#define SSL_shutdown			(*ossl_SSL_shutdown)
#define SSL_write			(*ossl_SSL_write)
#define TLS_client_method		(*ossl_TLS_client_method)
#define TLS_server_method		(*ossl_TLS_server_method)
#define X509_INFO_free			(*ossl_X509_INFO_free)
#define X509_STORE_add_cert		(*ossl_X509_STORE_add_cert)
#define X509_STORE_add_crl		(*ossl_X509_STORE_add_crl)
#define X509_VERIFY_PARAM_set1_ip_asc	(*ossl_X509_VERIFY_PARAM_set1_ip_asc)
#define X509_free			(*ossl_X509_free)
#define X509_verify_cert_error_string	(*ossl_X509_verify_cert_error_string)
#endif
#endif /* !OSSL_DEFINE_POINTERS */
#endif /* ZC_LAZY_OPENSSL */

#endif /* ZC_OSSL_H */
