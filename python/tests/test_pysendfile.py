# SPDX-License-Identifier: ISC
"""pysendfile 2.0.1's own test suite, case by case, against this module.

Each test below restates one case of pysendfile's test/test_sendfile.py
(named in its docstring) as a drop-in check: the same calls, the same
file sizes and the same assertions, written anew. pysendfile's client
socket has a timeout, so its descriptor is non-blocking and its loop
retries EAGAIN; so do these. Where this module deliberately behaves
otherwise (nbytes 0 on FreeBSD, header and trailer without nbytes), the
test asserts this module's documented behaviour and says why; the README
lists those differences.
"""

import errno
import os
import socket
import sys
import tempfile
import unittest

import sendfile

from test_sendfile import Receiver, tcp_pair

DATA = b"12345abcde" * 1024 * 1024     # 10 MiB, as pysendfile's DATA
BUFFER_LEN = 4096                      # pysendfile's nbytes per call
BIGFILE_SIZE = 2500000000              # pysendfile's "> 2GB file"


def wrapper(sock, fd, offset, nbytes=BUFFER_LEN, header="", trailer=""):
    """pysendfile's sendfile_wrapper: one call, retried on EAGAIN only,
    never more file bytes than asked."""
    while True:
        try:
            sent = sendfile.sendfile(sock, fd, offset, nbytes, header,
                                     trailer)
        except OSError as e:
            if e.errno == errno.EAGAIN:
                continue
            raise
        assert sent <= nbytes + len(header) + len(trailer), (sent, nbytes)
        return sent


class PortBase(unittest.TestCase):
    """A TCP connection whose far end a thread reads, and pysendfile's
    10 MiB test file open for reading."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.testfn = os.path.join(self.tmp.name, "testfile")
        self.testfn2 = self.testfn + "2"
        with open(self.testfn, "wb") as f:
            f.write(DATA)
        self.client, server = tcp_pair()
        self.client.settimeout(1)      # as pysendfile: O_NONBLOCK
        self.sockno = self.client.fileno()
        self.receiver = Receiver(server)
        self.file = open(self.testfn, "rb")
        self.fileno = self.file.fileno()

    def tearDown(self):
        self.file.close()
        self.client.close()
        self.receiver.join(10)
        self.tmp.cleanup()

    def received(self):
        self.client.close()
        return self.receiver.data()

    def small_file(self, data):
        with open(self.testfn2, "wb") as f:
            f.write(data)
        return open(self.testfn2, "rb")


class TestSendfilePort(PortBase):

    def test_send_whole_file(self):
        """test_send_whole_file"""
        total = offset = 0
        while True:
            sent = wrapper(self.sockno, self.fileno, offset)
            if sent == 0:
                break
            total += sent
            offset += sent
            self.assertEqual(offset, total)
        self.assertEqual(total, len(DATA))
        data = self.received()
        self.assertEqual(len(data), len(DATA))
        self.assertEqual(data, DATA)

    def test_send_from_certain_offset(self):
        """test_send_from_certain_offset"""
        total = 0
        offset = len(DATA) // 2
        while True:
            sent = wrapper(self.sockno, self.fileno, offset)
            if sent == 0:
                break
            total += sent
            offset += sent
        expected = DATA[len(DATA) // 2:]
        self.assertEqual(total, len(expected))
        self.assertEqual(self.received(), expected)

    def test_header(self):
        """test_header: pysendfile's test leaves nbytes out, which its own
        argument parsing refuses (TypeError, as here); it then goes on
        from offset BUFFER_LEN, so the first call is one of BUFFER_LEN."""
        header = b"x" * 512
        with self.assertRaises(TypeError):
            sendfile.sendfile(self.sockno, self.fileno, 0, header=header)
        total = wrapper(self.sockno, self.fileno, 0, BUFFER_LEN,
                        header=header)
        self.assertEqual(total, len(header) + BUFFER_LEN)
        offset = BUFFER_LEN
        while True:
            sent = wrapper(self.sockno, self.fileno, offset)
            if sent == 0:
                break
            offset += sent
            total += sent
        expected = header + DATA
        self.assertEqual(total, len(expected))
        data = self.received()
        self.assertEqual(len(data), len(expected))
        self.assertEqual(data, expected)

    def test_trailer(self):
        """test_trailer: nbytes given (see test_header)."""
        with self.small_file(b"abcde") as f:
            self.assertEqual(wrapper(self.sockno, f.fileno(), 0,
                                     trailer=b"12345"), 10)
        self.assertEqual(self.received(), b"abcde12345")

    def test_header_and_trailer_as_str(self):
        """sendfile_wrapper's defaults: header="" and trailer="" (str),
        given positionally."""
        self.assertEqual(sendfile.sendfile(self.sockno, self.fileno, 0, 10,
                                           "", ""), 10)
        self.assertEqual(sendfile.sendfile(self.sockno, self.fileno, 10, 10,
                                           "<", ">"), 12)
        self.assertEqual(self.received(), DATA[:10] + b"<" + DATA[10:20] +
                         b">")

    def test_header_trailer_probe(self):
        """The suite's probe sendfile(0, 0, 0, 0, 0): an int is no header,
        TypeError, as in pysendfile everywhere."""
        with self.assertRaises(TypeError):
            sendfile.sendfile(0, 0, 0, 0, 0)

    def test_non_socket(self):
        """test_non_socket: the descriptors the wrong way round."""
        with open(self.testfn, "rb") as fd_in, \
                open(self.testfn2, "wb") as fd_out:
            with self.assertRaises(OSError) as cm:
                sendfile.sendfile(fd_in.fileno(), fd_out.fileno(), 0,
                                  BUFFER_LEN)
        self.assertEqual(cm.exception.errno, errno.EBADF)

    def test_send_nbytes_0(self):
        """test_send_nbytes_0 (FreeBSD only in pysendfile, where nbytes 0
        sent the whole file): here nbytes 0 means no file bytes on every
        platform, as Linux's sendfile(2) has it."""
        self.assertEqual(sendfile.sendfile(self.sockno, self.fileno, 0, 0),
                         0)
        self.assertEqual(self.received(), b"")

    def test_flags(self):
        """test_flags: SF_NODISKIO may say EBUSY or EAGAIN where it
        exists; where it does not, a flag is EINVAL."""
        if hasattr(sendfile, "SF_NODISKIO"):
            try:
                sendfile.sendfile(self.sockno, self.fileno, 0, BUFFER_LEN,
                                  flags=sendfile.SF_NODISKIO)
            except OSError as e:
                self.assertIn(e.errno, (errno.EBUSY, errno.EAGAIN))
        else:
            self.assertFalse(sys.platform.startswith("freebsd"))
            with self.assertRaises(OSError) as cm:
                sendfile.sendfile(self.sockno, self.fileno, 0, BUFFER_LEN,
                                  flags=1)
            self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_offset_overflow(self):
        """test_offset_overflow: an offset past the file's size."""
        sent = sendfile.sendfile(self.sockno, self.fileno,
                                 len(DATA) + BUFFER_LEN, BUFFER_LEN)
        self.assertEqual(sent, 0)
        self.assertEqual(self.received(), b"")

    def test_invalid_offset(self):
        """test_invalid_offset"""
        with self.assertRaises(OSError) as cm:
            sendfile.sendfile(self.sockno, self.fileno, -1, BUFFER_LEN)
        self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_small_file(self):
        """test_small_file"""
        with self.small_file(b"foo bar") as f:
            offset = 0
            while True:
                sent = wrapper(self.sockno, f.fileno(), offset)
                if sent == 0:
                    break
                offset += sent
        self.assertEqual(self.received(), b"foo bar")

    def test_small_file_and_offset_overflow(self):
        """test_small_file_and_offset_overflow"""
        with self.small_file(b"foo bar") as f:
            self.assertEqual(wrapper(self.sockno, f.fileno(), 4096), 0)
        self.assertEqual(self.received(), b"")

    def test_empty_file(self):
        """test_empty_file"""
        with self.small_file(b"") as f:
            self.assertEqual(wrapper(self.sockno, f.fileno(), 0), 0)
        self.assertEqual(self.received(), b"")

    def test_offset_none(self):
        """test_offset_none (Linux only in pysendfile; everywhere here):
        the file position is used and moved."""
        while True:
            sent = wrapper(self.sockno, self.fileno, None)
            if sent == 0:
                break
        self.assertEqual(os.lseek(self.fileno, 0, os.SEEK_CUR), len(DATA))
        data = self.received()
        self.assertEqual(len(data), len(DATA))
        self.assertEqual(data, DATA)


class CountingReceiver(Receiver):
    """Counts what arrives, and keeps the bytes at the marked offsets."""

    def __init__(self, sock, marks):
        self.marks = marks
        self.seen = {}
        super().__init__(sock, keep=False)

    def run(self):
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        while True:
            n = self.sock.recv_into(buf)
            if n == 0:
                break
            for at, mark in self.marks.items():
                lo = max(at, self.count)
                hi = min(at + len(mark), self.count + n)
                if lo < hi:
                    self.seen[at] = self.seen.get(at, b"") + bytes(
                        view[lo - self.count:hi - self.count])
            self.count += n
        self.sock.close()


class TestLargeFilePort(unittest.TestCase):
    """TestLargeFile.test_big_file: a file over 2 GB (sparse here, with
    marks around 2**31 and at its end), 65536 bytes a call, offsets kept
    by the caller."""

    def test_big_file(self):
        marks = {0: b"first", 2 ** 31 - 3: b"across 2**31",
                 BIGFILE_SIZE - 4: b"last"}
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "testfile3")
            with open(path, "wb") as f:
                f.truncate(BIGFILE_SIZE)
                for at, mark in marks.items():
                    f.seek(at)
                    f.write(mark)
            client, server = tcp_pair()
            client.settimeout(1)
            receiver = CountingReceiver(server, marks)
            total = offset = 0
            with open(path, "rb") as f:
                file_size = os.path.getsize(path)
                while True:
                    sent = wrapper(client.fileno(), f.fileno(), offset,
                                   65536)
                    if sent == 0:
                        break
                    total += sent
                    offset += sent
                    self.assertEqual(offset, total)
            client.close()
            receiver.join(120)
            self.assertFalse(receiver.is_alive())
        self.assertEqual(total, file_size)
        self.assertEqual(receiver.count, file_size)
        self.assertEqual(receiver.seen, marks)


if __name__ == "__main__":
    unittest.main()
