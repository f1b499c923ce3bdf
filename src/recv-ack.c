/* SPDX-License-Identifier: ISC */
/*
 * zcrecv's side of the opt-in line protocol (--ack, --resume), which
 * zcsend speaks in xfer-ack.c and both man pages give under PROTOCOL:
 * the lines zcrecv sends ("resume OFFSET" before any data, "ok BYTES
 * [sha256:HEX]" or "error MESSAGE" at the sender's end of stream), and,
 * after an error line, the drain that keeps closing from resetting the
 * connection before the sender has read it.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "zcrecv.h"

/*
 * --ack: answer line (an ok or an error, ended by a newline) and keep it,
 * without the newline, for -v and --json. Returns what recv_send_line
 * returns.
 */
int
recv_answer(struct receiver *r, const char *line)
{
	snprintf(r->ack_line, sizeof(r->ack_line), "%.*s",
	    (int)strcspn(line, "\n"), line);
	return recv_send_line(r, line);
}

/*
 * Send one protocol line (resume, ok, error) on the connection, bounded
 * by the connect timeout. Returns 0, or the status with r->error set.
 */
int
recv_send_line(struct receiver *r, const char *line)
{
	struct sf_chunk		 c;
	struct sf_scratch	 s;
	struct pollfd		 pfd;
	size_t			 len = strlen(line), done = 0;
	int64_t			 deadline;
	ssize_t			 n;

	deadline = loop_now_ns() + (int64_t)r->o->connect_timeout_ms * 1000000;
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	c.sock = r->sock;
	c.fd = -1;
	c.tls = r->tls;
	while (done < len) {
		if (r->tls != NULL) {
			c.hdr = (const unsigned char *)line + done;
			c.hdr_len = len - done;
			n = tls_ops.write_backend->send(&c, &s);
		} else
			n = send(r->sock, line + done, len - done,
			    MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (errno == EINTR && !loop_signalled())
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return recv_fail(r, EXIT_IOERR, "send \"%.*s\" to %s: %s",
			    (int)strcspn(line, "\n"), line, r->peer,
			    strerror(errno == ENOTCONN ? EPIPE : errno));
		if (loop_signalled())
			return recv_fail(r, loop_signal_status(),
			    "interrupted by %s: answering %s",
			    loop_signal_name(), r->peer);
		if (loop_now_ns() >= deadline)
			return recv_fail(r, EXIT_TEMPFAIL, "send \"%.*s\" to "
			    "%s: timed out", (int)strcspn(line, "\n"), line,
			    r->peer);
		pfd.fd = r->sock;
		pfd.events = recv_events(r, POLLOUT);
		pfd.revents = 0;
		(void)loop_wait(&pfd, 1, 100);
	}
	return 0;
}

/*
 * --ack after a failure: the error line is out; shut the write side and
 * read (and drop) what the sender still sends until its end of stream,
 * so that closing does not reset the connection and lose the line.
 * Bounded by the idle timeout (or the connect timeout) and
 * RECV_DISCARD_MAX bytes.
 */
void
recv_discard(struct receiver *r)
{
	struct pollfd	pfd;
	char		buf[65536];
	uint64_t	dropped = 0;
	int64_t		deadline;
	int		ms;
	ssize_t		n;

	ms = r->o->idle_timeout_ms > 0 ? r->o->idle_timeout_ms :
	    r->o->connect_timeout_ms;
	if (r->tls == NULL)
		(void)shutdown(r->sock, SHUT_WR);
	deadline = loop_now_ns() + (int64_t)ms * 1000000;
	while (dropped < RECV_DISCARD_MAX && loop_now_ns() < deadline) {
		n = r->tls != NULL ? tls_ops.recv(r->tls, buf, sizeof(buf)) :
		    recv(r->sock, buf, sizeof(buf), 0);
		if (n == 0)
			return;
		if (n > 0) {
			dropped += (uint64_t)n;
			deadline = loop_now_ns() + (int64_t)ms * 1000000;
			continue;
		}
		if (errno == EINTR && !loop_signalled())
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return;
		pfd.fd = r->sock;
		pfd.events = recv_events(r, POLLIN);
		pfd.revents = 0;
		if (loop_wait(&pfd, 1, 100) == -1)
			return;
	}
}
