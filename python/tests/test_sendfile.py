# SPDX-License-Identifier: ISC
"""Tests of the sendfile module over real sockets.

Each test sends through a connected socket pair (TCP over loopback, or a
Unix socket pair) whose far end a thread reads, and compares the bytes
that arrived with what was asked for.
"""

import errno
import hashlib
import os
import signal
import socket
import sys
import tempfile
import threading
import time
import unittest

import sendfile

DATA = bytes(range(256)) * 4096 + b"tail"     # 1 MiB + 4 bytes
BIG = 4 * 1024 ** 3 + 64 * 1024                # over 4 GiB, sparse
MARK = b"<mark past four GiB>"


class Receiver(threading.Thread):
    """Reads a socket to its end, keeping the bytes (or only a digest)."""

    def __init__(self, sock, keep=True):
        super().__init__(daemon=True)
        self.sock = sock
        self.keep = keep
        self.chunks = []
        self.count = 0
        self.digest = hashlib.sha256()
        self.start()

    def run(self):
        while True:
            data = self.sock.recv(1 << 20)
            if not data:
                break
            self.count += len(data)
            if self.keep:
                self.chunks.append(data)
            else:
                self.digest.update(data)
        self.sock.close()

    def data(self, timeout=60):
        self.join(timeout)
        if self.is_alive():
            raise AssertionError("receiver still running")
        return b"".join(self.chunks)


def tcp_pair():
    """A connected TCP socket pair over 127.0.0.1."""
    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        client = socket.create_connection(lsock.getsockname())
        server, _ = lsock.accept()
    return client, server


def send_loop(out, fd, offset, nbytes=65536, header=b""):
    """pysendfile's README loop: call until 0; returns the bytes sent."""
    total = 0
    while True:
        try:
            sent = sendfile.sendfile(out, fd, offset, nbytes, header=header)
        except BlockingIOError:
            time.sleep(0.001)
            continue
        if sent == 0:
            return total
        total += sent
        used = min(sent, len(header))
        header = header[used:]
        offset += sent - used


class Base(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "data")
        with open(self.path, "wb") as f:
            f.write(DATA)
        self.file = open(self.path, "rb")
        self.fd = self.file.fileno()
        self.client, server = tcp_pair()
        self.client.settimeout(None)
        self.out = self.client.fileno()
        self.receiver = Receiver(server)

    def tearDown(self):
        self.client.close()
        self.receiver.join(10)
        self.file.close()
        self.tmp.cleanup()

    def received(self):
        self.client.close()
        return self.receiver.data()


class TestArguments(Base):

    def test_positional(self):
        self.assertEqual(send_loop(self.out, self.fd, 0), len(DATA))
        self.assertEqual(self.received(), DATA)

    def test_keywords(self):
        sent = sendfile.sendfile(out=self.out, offset=10, nbytes=1000,
                                 flags=0, trailer=b"T", header=b"H",
                                 **{"in": self.fd})
        self.assertEqual(sent, 1002)
        self.assertEqual(self.received(), b"H" + DATA[10:1010] + b"T")

    def test_offset_none_uses_and_moves_the_position(self):
        self.file.seek(5000)
        self.assertEqual(sendfile.sendfile(self.out, self.fd, None, 100), 100)
        self.assertEqual(os.lseek(self.fd, 0, os.SEEK_CUR), 5100)
        self.assertEqual(sendfile.sendfile(self.out, self.fd, None, 50), 50)
        self.assertEqual(os.lseek(self.fd, 0, os.SEEK_CUR), 5150)
        self.assertEqual(self.received(), DATA[5000:5150])

    def test_offset_given_leaves_the_position(self):
        self.file.seek(7)
        self.assertEqual(sendfile.sendfile(self.out, self.fd, 100, 10), 10)
        self.assertEqual(os.lseek(self.fd, 0, os.SEEK_CUR), 7)
        self.assertEqual(self.received(), DATA[100:110])

    def test_missing_nbytes(self):
        with self.assertRaises(TypeError):
            sendfile.sendfile(self.out, self.fd, 0)

    def test_unknown_keyword(self):
        with self.assertRaises(TypeError):
            sendfile.sendfile(self.out, self.fd, 0, 10, headers=b"x")

    def test_offset_not_an_int(self):
        with self.assertRaises(TypeError):
            sendfile.sendfile(self.out, self.fd, 1.5, 10)

    def test_offset_too_large(self):
        with self.assertRaises(OverflowError):
            sendfile.sendfile(self.out, self.fd, 2 ** 64, 10)

    def test_descriptor_types(self):
        # As pysendfile's "i": ints and objects with __index__, not
        # objects with fileno().
        class Index:
            def __init__(self, value):
                self.value = value

            def __index__(self):
                return self.value

        for out, fd in ((self.client, self.fd), (self.out, self.file)):
            with self.assertRaises(TypeError):
                sendfile.sendfile(out, fd, 0, 10)
        self.assertEqual(sendfile.sendfile(Index(self.out), Index(self.fd),
                                           Index(3), Index(5)), 5)
        self.assertEqual(self.received(), DATA[3:8])

    def test_limits_of_offset_and_nbytes(self):
        for offset in (2 ** 63, -2 ** 63 - 1):
            with self.assertRaises(OverflowError):
                sendfile.sendfile(self.out, self.fd, offset, 10)
        with self.assertRaises(OverflowError):
            sendfile.sendfile(self.out, self.fd, 0, 2 ** 63)
        with self.assertRaises(OSError) as cm:
            sendfile.sendfile(self.out, self.fd, -2 ** 63, 10)
        self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_nbytes_zero_sends_no_file_bytes(self):
        self.assertEqual(sendfile.sendfile(self.out, self.fd, 0, 0), 0)
        self.assertEqual(sendfile.sendfile(self.out, self.fd, 0, 0,
                                           header=b"H", trailer=b"T"), 2)
        self.assertEqual(self.received(), b"HT")


class TestHeaderTrailer(Base):

    def test_header_then_file(self):
        header = b"x" * 512
        sent = sendfile.sendfile(self.out, self.fd, 0, 4096, header=header)
        self.assertEqual(sent, 512 + 4096)
        sent += send_loop(self.out, self.fd, 4096)
        self.assertEqual(sent, len(header) + len(DATA))
        self.assertEqual(self.received(), header + DATA)

    def test_trailer_after_the_whole_file(self):
        with open(os.path.join(self.tmp.name, "small"), "wb") as f:
            f.write(b"abcde")
        with open(os.path.join(self.tmp.name, "small"), "rb") as f:
            sent = sendfile.sendfile(self.out, f.fileno(), 0, 4096,
                                     trailer=b"12345")
        self.assertEqual(sent, 10)
        self.assertEqual(self.received(), b"abcde12345")

    def test_header_and_trailer_types(self):
        parts = [("str", "S"), ("bytes", b"B"), ("bytearray", bytearray(b"A")),
                 ("memoryview", memoryview(b"M"))]
        expect = b""
        for off, (_, value) in enumerate(parts):
            self.assertEqual(sendfile.sendfile(self.out, self.fd, off, 1,
                                               header=value, trailer=value), 3)
            v = value.encode() if isinstance(value, str) else bytes(value)
            expect += v + DATA[off:off + 1] + v
        self.assertEqual(self.received(), expect)

    def test_header_at_end_of_file(self):
        sent = sendfile.sendfile(self.out, self.fd, len(DATA), 10,
                                 header=b"HDR")
        self.assertEqual(sent, 3)
        self.assertEqual(self.received(), b"HDR")

    def test_bad_header_type(self):
        with self.assertRaises(TypeError):
            sendfile.sendfile(self.out, self.fd, 0, 10, header=12)

    def test_none_is_no_header_or_trailer(self):
        # As pysendfile on Linux took them, and as a wrapper written
        # def f(..., header=None, trailer=None) passes them on.
        def wrapper(out, fd, offset, nbytes, header=None, trailer=None):
            return sendfile.sendfile(out, fd, offset, nbytes, header=header,
                                     trailer=trailer)
        self.assertEqual(wrapper(self.out, self.fd, 0, 10), 10)
        self.assertEqual(wrapper(self.out, self.fd, 10, 10, header=b"H"), 11)
        self.assertEqual(sendfile.sendfile(self.out, self.fd, 20, 10, None,
                                           None), 10)
        self.assertEqual(self.received(), DATA[:10] + b"H" + DATA[10:30])

    @unittest.skipUnless(os.path.exists("/sys/class/net/lo/mtu"),
                         "no sysfs")
    def test_file_shorter_than_its_size_gets_its_trailer(self):
        # sysfs says 4096 bytes and holds a few: the call that finds the
        # end sends the trailer.
        fd = os.open("/sys/class/net/lo/mtu", os.O_RDONLY)
        try:
            content = os.pread(fd, 4096, 0)
            sent = sendfile.sendfile(self.out, fd, 0, 65536, trailer=b"<END>")
            self.assertEqual(sent, len(content))
            self.assertEqual(sendfile.sendfile(self.out, fd, sent, 65536,
                                               trailer=b"<END>"), 5)
        finally:
            os.close(fd)
        self.assertEqual(self.received(), content + b"<END>")

    @unittest.skipUnless(os.path.exists("/proc/self/status"), "no /proc")
    def test_proc_file_with_a_trailer_is_not_taken_for_empty(self):
        fd = os.open("/proc/self/status", os.O_RDONLY)
        try:
            sent = sendfile.sendfile(self.out, fd, 0, 65536, trailer=b"T")
        except OSError as e:
            self.assertEqual(e.errno, errno.EINVAL)
            sent = 0
        finally:
            os.close(fd)
        self.assertNotEqual(sent, 1, "the trailer alone went")
        self.assertEqual(len(self.received()), sent)


class TestCornerCases(Base):

    def test_offset_past_end(self):
        self.assertEqual(sendfile.sendfile(self.out, self.fd,
                                           len(DATA) + 4096, 4096), 0)
        self.assertEqual(sendfile.sendfile(self.out, self.fd, len(DATA),
                                           4096), 0)
        self.assertEqual(self.received(), b"")

    def test_offset_past_what_the_kernel_addresses(self):
        # Linux's sendfile(2) fails these with EOVERFLOW or EINVAL; they
        # are past the end of the file all the same.
        for off in (2 ** 44, 2 ** 62, 2 ** 63 - 1):
            self.assertEqual(sendfile.sendfile(self.out, self.fd, off, 4096),
                             0, off)
            self.assertEqual(sendfile.sendfile(self.out, self.fd, off, 4096,
                                               header=b"H", trailer=b"T"),
                             2, off)
        self.assertEqual(self.received(), b"HT" * 3)

    def test_small_file_and_offset_past_end(self):
        with open(os.path.join(self.tmp.name, "small"), "wb") as f:
            f.write(b"foo bar")
        with open(os.path.join(self.tmp.name, "small"), "rb") as f:
            self.assertEqual(sendfile.sendfile(self.out, f.fileno(), 4096,
                                               4096), 0)
            self.assertEqual(send_loop(self.out, f.fileno(), 0), 7)
        self.assertEqual(self.received(), b"foo bar")

    def test_range_past_end_is_cut(self):
        self.assertEqual(sendfile.sendfile(self.out, self.fd, len(DATA) - 10,
                                           4096), 10)
        self.assertEqual(self.received(), DATA[-10:])

    def test_negative_offset(self):
        with self.assertRaises(OSError) as cm:
            sendfile.sendfile(self.out, self.fd, -1, 4096)
        self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_negative_nbytes(self):
        # pysendfile on Linux passed it to sendfile(2), which said EINVAL.
        for nbytes in (-1, -4096):
            with self.assertRaises(OSError) as cm:
                sendfile.sendfile(self.out, self.fd, 0, nbytes,
                                  header=b"H", trailer=b"T")
            self.assertEqual(cm.exception.errno, errno.EINVAL)
        self.assertEqual(self.received(), b"")

    def test_non_socket(self):
        out = os.path.join(self.tmp.name, "out")
        with open(self.path, "rb") as fin, open(out, "wb") as fout:
            with self.assertRaises(OSError) as cm:
                sendfile.sendfile(fin.fileno(), fout.fileno(), 0, 4096)
        self.assertEqual(cm.exception.errno, errno.EBADF)

    def test_closed_descriptor(self):
        fd = os.dup(self.fd)
        os.close(fd)
        with self.assertRaises(OSError) as cm:
            sendfile.sendfile(self.out, fd, 0, 10)
        self.assertEqual(cm.exception.errno, errno.EBADF)

    def test_closed_descriptor_with_header(self):
        # The error comes before the header goes out.
        fd = os.dup(self.fd)
        os.close(fd)
        with self.assertRaises(OSError) as cm:
            sendfile.sendfile(self.out, fd, 0, 10, header=b"HEAD")
        self.assertEqual(cm.exception.errno, errno.EBADF)
        self.assertEqual(self.received(), b"")

    def test_flags(self):
        if hasattr(sendfile, "SF_NODISKIO"):
            try:
                sendfile.sendfile(self.out, self.fd, 0, 4096,
                                  flags=sendfile.SF_NODISKIO)
            except OSError as e:
                self.assertIn(e.errno, (errno.EBUSY, errno.EAGAIN))
        else:
            with self.assertRaises(OSError) as cm:
                sendfile.sendfile(self.out, self.fd, 0, 4096, flags=1)
            self.assertEqual(cm.exception.errno, errno.EINVAL)
        with self.assertRaises(OSError) as cm:
            sendfile.sendfile(self.out, self.fd, 0, 4096, flags=0x4000)
        self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_what_pysendfile_on_linux_ignored(self):
        # The README's list: pysendfile 2.0.1 on Linux ignored every
        # keyword and sent the file bytes; here each is checked.
        for kw, exc in ((dict(header=5), TypeError),
                        (dict(trailer=5), TypeError),
                        (dict(flags="x"), TypeError),
                        (dict(bogus=1), TypeError),
                        (dict(header=memoryview(b"abcd")[::2]), BufferError),
                        (dict(trailer=memoryview(b"abcd")[::2]),
                         BufferError)):
            with self.assertRaises(exc, msg=repr(kw)):
                sendfile.sendfile(self.out, self.fd, 0, 4096, **kw)
        out = os.path.join(self.tmp.name, "out")
        with open(out, "wb") as f:
            with self.assertRaises(OSError) as cm:
                sendfile.sendfile(f.fileno(), self.fd, 0, 4096, header=b"H")
        self.assertEqual(cm.exception.errno, errno.ENOTSOCK)
        self.assertEqual(os.path.getsize(out), 0)
        self.assertEqual(self.received(), b"")

    def test_constants_where_pysendfile_has_them(self):
        names = {"SF_NODISKIO", "SF_MNOWAIT", "SF_SYNC"}
        have = {n for n in names if hasattr(sendfile, n)}
        if sys.platform.startswith("freebsd"):
            self.assertEqual(have, names)
            self.assertEqual(sendfile.SF_NODISKIO, 1)
        else:
            self.assertEqual(have, set())

    def test_version(self):
        self.assertRegex(sendfile.__version__, r"^\d+\.\d+\.\d+")


class TestNonBlocking(unittest.TestCase):

    def test_eagain_raises_blocking_io_error(self):
        with tempfile.TemporaryFile() as f:
            f.write(DATA * 8)
            f.flush()
            a, b = socket.socketpair()
            try:
                a.setblocking(False)
                offset = 0
                with self.assertRaises(BlockingIOError) as cm:
                    for _ in range(100000):
                        sent = sendfile.sendfile(a.fileno(), f.fileno(),
                                                 offset, 65536)
                        self.assertGreater(sent, 0)
                        offset += sent
                self.assertIn(cm.exception.errno,
                              (errno.EAGAIN, errno.EWOULDBLOCK))
                self.assertGreater(offset, 0)
                # Nothing went with the error: the far end has offset bytes.
                b.setblocking(False)
                got = b""
                while True:
                    try:
                        data = b.recv(1 << 20)
                    except BlockingIOError:
                        break
                    got += data
                self.assertEqual(got, (DATA * 8)[:offset])
            finally:
                a.close()
                b.close()


class TestSignals(unittest.TestCase):
    """A signal that interrupts a call which sent nothing (PEP 475): the
    call goes on after the handler, unless the handler raised."""

    def blocked_call(self, handler):
        with tempfile.TemporaryFile() as f:
            f.write(DATA)
            f.flush()
            a, b = socket.socketpair()
            old = signal.signal(signal.SIGALRM, handler)
            try:
                a.setblocking(False)
                try:
                    while True:
                        a.send(DATA)
                except BlockingIOError:
                    pass
                # Before Linux 6.5, sendfile to a Unix socket could still
                # add pages to the last buffer queued: fill that too.
                try:
                    while True:
                        sendfile.sendfile(a.fileno(), f.fileno(), 0, 4096)
                except BlockingIOError:
                    pass
                a.setblocking(True)
                # Room comes only after the signal: the call blocks first.
                drain = threading.Timer(0.6, lambda: b.recv(1 << 22))
                drain.start()
                signal.setitimer(signal.ITIMER_REAL, 0.2)
                try:
                    return sendfile.sendfile(a.fileno(), f.fileno(), 0, 4096)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    drain.join(10)
            finally:
                signal.signal(signal.SIGALRM, old)
                a.close()
                b.close()

    def test_retried_after_the_handler(self):
        hits = []
        self.assertEqual(self.blocked_call(lambda *a: hits.append(1)), 4096)
        self.assertEqual(hits, [1])

    def test_handler_that_raises(self):
        class Stop(Exception):
            pass

        def handler(*args):
            raise Stop()

        with self.assertRaises(Stop):
            self.blocked_call(handler)


class TestLargeFile(unittest.TestCase):
    """A sparse file over 4 GiB: offsets past 2**32 work both ways."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "big")
        with open(cls.path, "wb") as f:
            f.truncate(BIG)
            f.seek(2 ** 32 + 100)
            f.write(MARK)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def expect(self, start, end):
        """The bytes of the sparse file from start to end."""
        out = bytearray(end - start)
        lo, hi = 2 ** 32 + 100, 2 ** 32 + 100 + len(MARK)
        for i in range(max(lo, start), min(hi, end)):
            out[i - start] = MARK[i - lo]
        return bytes(out)

    def test_offset_past_four_gib(self):
        a, b = tcp_pair()
        r = Receiver(b)
        with open(self.path, "rb") as f:
            off = 2 ** 32 - 1000
            sent = send_loop(a.fileno(), f.fileno(), off, 100000)
        a.close()
        self.assertEqual(sent, BIG - off)
        self.assertEqual(r.data(), self.expect(off, BIG))

    def test_offset_none_past_four_gib(self):
        a, b = tcp_pair()
        r = Receiver(b)
        with open(self.path, "rb") as f:
            f.seek(2 ** 32 + 50)
            self.assertEqual(sendfile.sendfile(a.fileno(), f.fileno(), None,
                                               200, header=b"H"), 201)
            self.assertEqual(os.lseek(f.fileno(), 0, os.SEEK_CUR),
                             2 ** 32 + 250)
        a.close()
        self.assertEqual(r.data(), b"H" + self.expect(2 ** 32 + 50,
                                                      2 ** 32 + 250))

    def test_past_end_of_big_file(self):
        a, b = tcp_pair()
        r = Receiver(b)
        with open(self.path, "rb") as f:
            self.assertEqual(sendfile.sendfile(a.fileno(), f.fileno(),
                                               BIG + 1, 10), 0)
        a.close()
        self.assertEqual(r.data(), b"")


class TestThreads(unittest.TestCase):
    """The GIL is released while the kernel sends."""

    def test_blocked_send_lets_other_threads_run(self):
        # A thread blocks in sendfile on a socket nobody reads yet. If the
        # GIL were held, this thread could not go on to start the reader.
        with tempfile.TemporaryFile() as f:
            f.write(DATA * 16)
            f.flush()
            a, b = socket.socketpair()
            result = {}

            def push():
                result["sent"] = send_loop(a.fileno(), f.fileno(), 0,
                                           len(DATA) * 16)
                a.close()

            t = threading.Thread(target=push, daemon=True)
            t.start()
            time.sleep(0.3)
            self.assertTrue(t.is_alive(), "sendfile did not block")
            ticks = 0
            deadline = time.monotonic() + 0.2
            while time.monotonic() < deadline:
                ticks += 1
            self.assertGreater(ticks, 1000)
            r = Receiver(b, keep=False)
            t.join(60)
            self.assertFalse(t.is_alive())
            r.join(60)
            self.assertEqual(result["sent"], len(DATA) * 16)
            self.assertEqual(r.digest.hexdigest(),
                             hashlib.sha256(DATA * 16).hexdigest())

    def test_two_threads_at_once(self):
        with tempfile.TemporaryFile() as f:
            f.write(DATA * 8)
            f.flush()
            results = {}
            pairs = [tcp_pair() for _ in range(2)]
            receivers = [Receiver(b, keep=False) for _, b in pairs]
            barrier = threading.Barrier(2)

            def push(i):
                barrier.wait()
                results[i] = send_loop(pairs[i][0].fileno(), f.fileno(), 0,
                                       32768, header=b"%d" % i)
                pairs[i][0].close()

            threads = [threading.Thread(target=push, args=(i,))
                       for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            for i, r in enumerate(receivers):
                r.join(60)
                self.assertEqual(results[i], 1 + len(DATA) * 8)
                self.assertEqual(r.digest.hexdigest(), hashlib.sha256(
                    b"%d" % i + DATA * 8).hexdigest())


if __name__ == "__main__":
    unittest.main()
