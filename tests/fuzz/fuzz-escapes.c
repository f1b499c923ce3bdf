/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for parse_escapes, the decoder behind --header and
 * --trailer (src/parse.c).
 *
 * Decoding never makes a string longer, so the result must fit in
 * strlen(input) bytes; text without a backslash must come out unchanged;
 * and any bytes written as the C escapes --header documents (\\ \n \xHH
 * \ooo ...) must decode to those bytes. The decoded buffer is freed, so a
 * leak shows up too.
 */

#include "config.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zcsend.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Writes the len bytes of s into enc (4 * len + 1 bytes) as a C string a
 * user could pass to --header: printable bytes as they are, a backslash
 * doubled, the usual named escapes, and every other byte in octal or hex
 * by turns, so that both forms meet every kind of neighbour.
 */
static void
encode(char *enc, const unsigned char *s, size_t len)
{
	static const char	 ctl[] = "\a\b\f\n\r\t\v", letter[] = "abfnrtv";
	static const char	 hex[] = "0123456789abcdef";
	const char		*q;
	size_t			 i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\') {
			*enc++ = '\\';
			*enc++ = '\\';
		} else if ((q = memchr(ctl, s[i], sizeof(ctl) - 1)) != NULL) {
			*enc++ = '\\';
			*enc++ = letter[q - ctl];
		} else if (s[i] >= 0x20 && s[i] < 0x7f)
			*enc++ = (char)s[i];
		else if (i % 2 == 0) {
			*enc++ = '\\';
			*enc++ = (char)('0' + (s[i] >> 6));
			*enc++ = (char)('0' + ((s[i] >> 3) & 7));
			*enc++ = (char)('0' + (s[i] & 7));
		} else {
			*enc++ = '\\';
			*enc++ = 'x';
			*enc++ = hex[s[i] >> 4];
			*enc++ = hex[s[i] & 15];
		}
	}
	*enc = '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bytes	 out;
	const char	*errstr;
	char		*s, *enc;
	size_t		 len;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);

	errstr = NULL;
	out.data = NULL;
	out.len = 0;
	if (parse_escapes(s, &out, &errstr) == 0) {
		if (out.data == NULL || out.len > len)
			abort();
		if (strchr(s, '\\') == NULL &&
		    (out.len != len || memcmp(out.data, s, len) != 0))
			abort();
		free(out.data);
	} else if (errstr == NULL || *errstr == '\0')
		abort();

	/* Round trip: every byte up to the first NUL, encoded as C escapes. */
	if ((enc = malloc(4 * len + 1)) == NULL) {
		free(s);
		return 0;
	}
	encode(enc, (const unsigned char *)s, len);
	errstr = NULL;
	if (parse_escapes(enc, &out, &errstr) != 0)
		abort();
	if (out.len != len || memcmp(out.data, s, len) != 0)
		abort();
	free(out.data);

	free(enc);
	free(s);
	return 0;
}
