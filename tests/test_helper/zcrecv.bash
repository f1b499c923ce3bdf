# SPDX-License-Identifier: ISC
# shellcheck shell=bash disable=SC2034
# (SC2034: the variables set here are read by the test files.)
# Helpers for the zcrecv tests (tests/98-zcrecv*.bats), on top of
# common.bash. Environment: ZCRECV (the zcrecv binary under test).

# zcrecv_setup: checks ZCRECV and names the usual files.
zcrecv_setup() {
	[[ -n ${ZCRECV-} && -x ${ZCRECV-} ]] ||
	    fail "ZCRECV must name the zcrecv binary (it is '${ZCRECV-}')"
	ZCERR=$BATS_TEST_TMPDIR/zcsend.err
	ZCOUT=$BATS_TEST_TMPDIR/zcsend.out
	RERR=$BATS_TEST_TMPDIR/zcrecv.err
	ROUT=$BATS_TEST_TMPDIR/zcrecv.out
	OUT=$BATS_TEST_TMPDIR/received
	MOUNTS=()
	# LeakSanitizer cannot run under ptrace: no leak check inside strace.
	NOLEAK="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
}

# zr ARG...: zcrecv, bounded. For use with run.
zr() {
	timeout -k 5 "$BOUND" "$ZCRECV" "$@"
}

# start_zcrecv ARG...: zcrecv -l with ARGs (which end with [ADDRESS] 0
# FILE) in the background, stdout to $ROUT and stderr to $RERR; sets RPID
# (to wait for), RCMD (to signal) and RPORT, the port it reports.
start_zcrecv() {
	bg_start "$ROUT" "$RERR" "$ZCRECV" -l "$@"
	zcrecv_listening
}

# zcrecv_listening: for the zcrecv -l that bg_start started last, its
# stderr in $RERR: waits for its listening line and sets RPID, RCMD and
# RPORT as start_zcrecv does.
zcrecv_listening() {
	RPID=$BG_PID
	RCMD=$BG_CMD_PID
	wait_for_line "$RERR" '^zcrecv: listening on .* port [0-9]+$' 10
	RPORT=$(sed -n 's/^zcrecv: listening on .* port \([0-9]*\)$/\1/p' \
	    "$RERR")
}

# zcrecv_wait STATUS: waits for the zcrecv of start_zcrecv; fails unless
# it exited STATUS.
zcrecv_wait() {
	bg_wait "$RPID"
	[[ $BG_STATUS -eq $1 ]] ||
	    fail "zcrecv exited $BG_STATUS, not $1: $(cat "$RERR")"
}

# fake_receiver REPLY [FIRST]: a receiver speaking the protocol wrongly on
# purpose, on a free loopback port: it sends FIRST (if given) at once,
# reads until the sender's end of stream (or its reset), counting bytes into
# $BATS_TEST_TMPDIR/fake.count, then sends REPLY (printf escapes) and
# closes; REPLY RESET resets the connection instead. Sets FPID and FPORT.
fake_receiver() {
	fake_start '
import socket, struct, sys
reply, first, count = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print("listening", s.getsockname()[1], file=sys.stderr, flush=True)
c, _ = s.accept()
if first:
    c.sendall(first.encode().decode("unicode_escape").encode("latin-1"))
n = 0
while True:
    # A sender that fails ends with a reset (zcsend(1), End of a transfer).
    try:
        b = c.recv(65536)
    except ConnectionResetError:
        break
    if not b:
        break
    n += len(b)
open(count, "w").write("%d\n" % n)
if reply == "RESET":
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
else:
    c.sendall(reply.encode().decode("unicode_escape").encode("latin-1"))
c.close()
' "$1" "${2-}" "$BATS_TEST_TMPDIR/fake.count"
}

# fake_start SCRIPT [ARG]...: python3 -c SCRIPT ARG... in the background,
# a fake receiver that says "listening PORT" on its stderr
# ($BATS_TEST_TMPDIR/fake.err) once it listens on loopback. Sets FPID (to
# wait for) and FPORT.
fake_start() {
	local err=$BATS_TEST_TMPDIR/fake.err

	need python3
	bg_start /dev/null "$err" python3 -c "$@"
	FPID=$BG_PID
	wait_for_line "$err" '^listening [0-9]+$' 10
	FPORT=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$err")
}

# reset_sender PORT N: connects to PORT, sends N random bytes (also kept
# in $BATS_TEST_TMPDIR/sent), and resets the connection (SO_LINGER 0).
reset_sender() {
	need python3
	head -c "$2" /dev/urandom >"$BATS_TEST_TMPDIR/sent"
	timeout -k 5 "$BOUND" python3 -c '
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(open(sys.argv[2], "rb").read())
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
' "$1" "$BATS_TEST_TMPDIR/sent"
}

# size_at_least FILE N: FILE exists and holds N bytes or more.
size_at_least() {
	[[ -f $1 && $(size_of "$1") -ge $2 ]]
}

# small_tmpfs SIZE: mounts a tmpfs of SIZE at $BATS_TEST_TMPDIR/small
# (teardown unmounts it: zcrecv_teardown); sets SMALL.
small_tmpfs() {
	SMALL=$BATS_TEST_TMPDIR/small
	mkdir -p "$SMALL"
	mount -t tmpfs -o "size=$1" zcrecv-test "$SMALL" ||
	    fail "cannot mount a tmpfs (the fault tests need root)"
	MOUNTS+=("$SMALL")
}

# zcrecv_teardown: stops what the test started, then unmounts its tmpfs.
zcrecv_teardown() {
	local m

	_common_teardown
	for m in "${MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	MOUNTS=()
}

# tls_key_req ARG...: openssl req with a new P-256 key, no passphrase.
zr_tls_key_req() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    "$@" 2>/dev/null
}

# zr_tls_certs DIR: a CA (ca.pem) and a leaf signed by it for localhost
# and 127.0.0.1 (srv.pem, srv.key), usable by either end.
zr_tls_certs() {
	local d=$1

	zr_tls_key_req -x509 -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
	    -subj "/CN=zcrecv test CA"
	zr_tls_key_req -keyout "$d/srv.key" -out "$d/srv.csr" -subj "/CN=srv"
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' \
	    "DNS:localhost,IP:127.0.0.1" >"$d/srv.ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" \
	    -CAkey "$d/ca.key" -set_serial 1 -out "$d/srv.pem" \
	    -extfile "$d/srv.ext" -days 2 2>/dev/null
}
