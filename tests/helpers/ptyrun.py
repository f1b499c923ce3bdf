#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Terminal helpers for zcsend's progress tests.

  ptyrun.py run COLS OUT CMD [ARG]...
      Runs CMD on a new pseudo-terminal of COLS columns and 24 rows (its
      standard input, output and error), copies every byte it writes to
      OUT as it comes, and exits with CMD's status (128 + N for signal N).

  ptyrun.py screen COLS FILE
      Replays the bytes of FILE on a model terminal of COLS columns that
      wraps at the right margin, as xterm does, and prints the rows left
      on it, without trailing blanks. It knows carriage return, newline,
      backspace and ESC [ K (erase to the end of the line); any other
      escape sequence is an error (exit 2).

  ptyrun.py segments FILE
      Prints, one a line, each stretch of FILE between carriage returns,
      newlines and ESC [ K: what each redraw put on the screen.
"""

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios

CSI = re.compile(rb"\x1b\[([0-9;?]*)([@-~])")


def run(cols, out, argv):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    with open(out, "wb", buffering=0) as f:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:     # EIO: every writer is gone
                break
            if not data:
                break
            f.write(data)
    status = proc.wait()
    return 128 - status if status < 0 else status


def screen(cols, data):
    rows = [[]]
    r = c = 0
    pending = False     # the cursor sits past the last column
    i = 0
    while i < len(data):
        b = data[i]
        if b == 0x1b:
            m = CSI.match(data, i)
            if m is None or m.group(2) != b"K" or m.group(1) not in (b"", b"0"):
                sys.stderr.write("unknown escape at byte %d: %r\n" %
                                 (i, data[i:i + 8]))
                sys.exit(2)
            del rows[r][c:]
            pending = False
            i = m.end()
            continue
        i += 1
        if b == 0x0d:
            c = 0
            pending = False
        elif b == 0x0a:
            r += 1
            pending = False
        elif b == 0x08:
            c = max(c - 1, 0)
            pending = False
        else:
            if pending:
                r += 1
                c = 0
                pending = False
            while len(rows) <= r:
                rows.append([])
            row = rows[r]
            while len(row) < c:
                row.append(" ")
            if c < len(row):
                row[c] = chr(b)
            else:
                row.append(chr(b))
            c += 1
            if c == cols:
                c = cols - 1
                pending = True
        while len(rows) <= r:
            rows.append([])
    lines = ["".join(row).rstrip() for row in rows]
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "run":
        sys.exit(run(int(sys.argv[2]), sys.argv[3], sys.argv[4:]))
    if len(sys.argv) == 4 and sys.argv[1] == "screen":
        with open(sys.argv[3], "rb") as f:
            data = f.read()
        for line in screen(int(sys.argv[2]), data):
            print(line)
        return
    if len(sys.argv) == 3 and sys.argv[1] == "segments":
        with open(sys.argv[2], "rb") as f:
            data = f.read()
        for seg in re.split(rb"\r|\n|\x1b\[K", data):
            if seg:
                print(seg.decode("utf-8", "replace"))
        return
    sys.stderr.write(__doc__)
    sys.exit(2)


if __name__ == "__main__":
    main()
