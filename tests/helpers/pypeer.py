#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Peers that misbehave the way real receivers and clients do, for the
delivery tests (tests/31-delivery.bats). Each listener binds a port on
127.0.0.1 the kernel picks and prints "listening PORT" on stderr; each
then prints one line per connection saying what it saw.

  pypeer.py tls-unread CERT KEY N BYTES
      N times: accept, finish the TLS handshake, wait until at least
      BYTES are queued unread, send close_notify (unwrap) and close:
      the unread data resets the connection.
  pypeer.py tls-unread-client PORT CAFILE BYTES
      The same, as a client of zcsend -l --tls.
  pypeer.py tls-unwrap-client PORT CAFILE BYTES
      A client of zcsend -l --tls that reads BYTES, then sends
      close_notify and waits for the server's (unwrap) before it closes:
      "unwrapped N" (N bytes read).
  pypeer.py reader OUT [pause]
      Accept one connection and read it to its end: "eof N" after a
      normal end of stream, "reset N" after ECONNRESET (N bytes read).
      "reading" once the first bytes came; with pause, it then stops
      ("paused") until SIGUSR1.
  pypeer.py stall-then-tls CERT KEY OUT
      A TLS service that is starting: the first connection is accepted
      and never answered; the second gets a handshake and its bytes go to
      OUT ("got N").
  pypeer.py reset-then-read OUT
      The first connection is reset, before anything is read, once
      SIGUSR1 comes ("accepted" before); the second is read to its end
      into OUT ("got N").
  pypeer.py reset-client PORT
      Connect to zcsend -l, read one byte and reset the connection.
  pypeer.py hello-close N
      N times: accept, read the client's first bytes (its TLS hello),
      then close cleanly, with nothing unread: an end of file, no reset.
  pypeer.py silent
      Listen and never accept: connects complete, handshakes never do.
  pypeer.py urllib URL CAFILE OUT
      Fetch URL over HTTPS with urllib, which stops at Content-Length and
      closes without reading the server's close_notify.
"""

import fcntl
import signal
import socket
import ssl
import struct
import sys
import termios
import time
import urllib.request


def say(*words):
    print(*words, file=sys.stderr, flush=True)


def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    s.settimeout(60)
    say("listening", s.getsockname()[1])
    return s


def server_ctx(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def wait_queued(c, want):
    """Until at least want bytes are in c's receive queue (60 s at most)."""
    for _ in range(6000):
        got = struct.unpack("i", fcntl.ioctl(c.fileno(), termios.FIONREAD,
                                             b"\0\0\0\0"))[0]
        if got >= want:
            return
        time.sleep(0.01)
    raise TimeoutError("only %d of %d bytes queued" % (got, want))


def unread_close(t, want):
    # Without TCP_NODELAY, Nagle may hold the close_notify back until the
    # reset discards it: then nothing tells this receiver from an HTTP
    # client that read all and closed (see zcsend(1), End of a transfer).
    t.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    wait_queued(t, int(want))
    try:
        t.unwrap().close()
    except (OSError, ssl.SSLError):
        t.close()
    say("closed unread")


def read_all(c, out=None):
    n = 0
    with open(out or "/dev/null", "wb") as f:
        while True:
            b = c.recv(65536)
            if not b:
                return n
            f.write(b)
            n += len(b)


def tls_unread(cert, key, count, want):
    s = listener()
    ctx = server_ctx(cert, key)
    for _ in range(int(count)):
        c, _ = s.accept()
        unread_close(ctx.wrap_socket(c, server_side=True), want)


def tls_unread_client(port, cafile, want):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    c = socket.create_connection(("127.0.0.1", int(port)), timeout=60)
    unread_close(ctx.wrap_socket(c), want)


def tls_unwrap_client(port, cafile, want):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    c = socket.create_connection(("127.0.0.1", int(port)), timeout=60)
    t = ctx.wrap_socket(c)
    n = 0
    while n < int(want):
        b = t.recv(65536)
        if not b:
            break
        n += len(b)
    t.unwrap().close()
    say("unwrapped", n)


def reader(out, pause=None):
    # Held from the start, SIGUSR1 waits for sigwait: none is lost.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    s = listener()
    c, _ = s.accept()
    n = 0
    with open(out, "wb") as f:
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    say("eof", n)
                    return
                if n == 0:
                    say("reading")
                    if pause:
                        say("paused")
                        signal.sigwait({signal.SIGUSR1})
                f.write(b)
                n += len(b)
        except ConnectionResetError:
            say("reset", n)


def stall_then_tls(cert, key, out):
    s = listener()
    held, _ = s.accept()
    say("stalled")
    c, _ = s.accept()
    t = server_ctx(cert, key).wrap_socket(c, server_side=True)
    say("got", read_all(t, out))
    held.close()


def reset_then_read(out):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    s = listener()
    c, _ = s.accept()
    say("accepted")
    signal.sigwait({signal.SIGUSR1})
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    say("reset")
    c, _ = s.accept()
    say("got", read_all(c, out))


def reset_client(port):
    c = socket.create_connection(("127.0.0.1", int(port)), timeout=60)
    c.recv(1)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    say("reset")


def hello_close(count):
    s = listener()
    for _ in range(int(count)):
        c, _ = s.accept()
        c.recv(65536)
        c.close()
        say("closed")


def silent():
    s = listener()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    signal.sigtimedwait({signal.SIGUSR1}, 60)
    s.close()


def fetch(url, cafile, out):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    with urllib.request.urlopen(url, context=ctx, timeout=60) as r:
        body = r.read()
    with open(out, "wb") as f:
        f.write(body)
    say("fetched", len(body))


ROLES = {
    "tls-unread": tls_unread,
    "tls-unread-client": tls_unread_client,
    "tls-unwrap-client": tls_unwrap_client,
    "reader": reader,
    "stall-then-tls": stall_then_tls,
    "reset-then-read": reset_then_read,
    "reset-client": reset_client,
    "hello-close": hello_close,
    "silent": silent,
    "urllib": fetch,
}

if __name__ == "__main__":
    ROLES[sys.argv[1]](*sys.argv[2:])
