#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# --tls against real TLS peers: openssl s_server, socat OPENSSL-LISTEN and
# ncat --ssl as receivers, curl as a client of listen mode. setup_file
# makes a CA and certificates with openssl(1). Every received byte is
# checked by SHA-256; every failure by its exit code and its one line.
#
# Where the kernel can encrypt (the tls module), OpenSSL hands it the keys
# and the file goes by SSL_sendfile: ZCSEND_EXPECT_KTLS=1 makes the tests
# insist on that ("ktls": true), =0 on the user-space path; unset, they
# expect kTLS exactly when the kernel lists the tls module.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
setup_file() {
	local d=$BATS_FILE_TMPDIR

	load test_helper/tls
	head -c 4194304 /dev/urandom >"$d/r4m"
	# A CA, leaves it signed (a server and a client), a self-signed one
	# and one that expired in 2020.
	tls_ca_and_server
	tls_leaf client "DNS:client.test" 2 -days 2
	tls_key_req -x509 -keyout "$d/self.key" -out "$d/self.pem" -days 2 \
	    -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1"
	mkdir "$d/cadb"
	: >"$d/cadb/index.txt"
	echo 03 >"$d/cadb/serial"
	printf '%s\n' '[ca]' 'default_ca = test' '[test]' \
	    "database = $d/cadb/index.txt" "new_certs_dir = $d/cadb" \
	    "serial = $d/cadb/serial" 'default_md = sha256' 'policy = any' \
	    '[any]' 'commonName = supplied' >"$d/ca.cnf"
	tls_key_req -keyout "$d/exp.key" -out "$d/exp.csr" -subj "/CN=localhost"
	openssl ca -batch -config "$d/ca.cnf" -cert "$d/ca.pem" \
	    -keyfile "$d/ca.key" -in "$d/exp.csr" -out "$d/exp.pem" \
	    -startdate 20200101000000Z -enddate 20200102000000Z \
	    -extfile "$d/srv.ext" 2>/dev/null
	printf 'not a key\n' >"$d/garbage.key"
}

setup() {
	load test_helper/common
	load test_helper/tls
	_common_setup
	D=$BATS_FILE_TMPDIR
	R4M=$D/r4m
	CA=$D/ca.pem
	ZCERR=$BATS_TEST_TMPDIR/zcsend.err
	ZCOUT=$BATS_TEST_TMPDIR/zcsend.out
}

teardown() {
	_common_teardown
}

# fetch_with_client_cert: curl, with the client certificate, gets the file
# from the listener on $LPORT, which then exits 0.
fetch_with_client_cert() {
	run -0 timeout 30 curl -sS --http0.9 --cacert "$CA" \
	    --cert "$D/client.pem" --key "$D/client.key" \
	    --resolve "localhost:$LPORT:127.0.0.1" \
	    -o "$BATS_TEST_TMPDIR/got" "https://localhost:$LPORT/"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/got"
}

# assert_nothing_received FILE: the receiver wrote no byte (or no file).
assert_nothing_received() {
	[[ ! -s $1 ]] || fail "the receiver got $(size_of "$1") bytes"
}

# expect_ktls: true if the kernel is to encrypt (see the top of the file).
expect_ktls() {
	case ${ZCSEND_EXPECT_KTLS-} in
	1) return 0 ;;
	0) return 1 ;;
	esac
	grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp 2>/dev/null
}

# assert_tls_json JSON: one transfer's JSON object reports TLS 1.2 or 1.3,
# a cipher, and kTLS as expect_ktls says, with the reason when it is off;
# and the backend that goes with it.
assert_tls_json() {
	local ulp

	need jq
	jq -e '.tls.version | test("^TLSv1\\.[23]$")' <<<"$1" >/dev/null ||
	    fail "no TLS version in $1"
	jq -e '.tls.cipher | test("^[A-Z0-9_-]+$")' <<<"$1" >/dev/null ||
	    fail "no cipher in $1"
	if expect_ktls; then
		assert_equal "$(jq -c '[.tls.ktls, .tls.ktls_reason, .backend]' \
		    <<<"$1")" '[true,null,"ktls-sendfile"]'
	else
		ulp=$(cat /proc/sys/net/ipv4/tcp_available_ulp)
		assert_equal "$(jq -c '[.tls.ktls, .tls.ktls_reason, .backend]' \
		    <<<"$1")" \
		    "[false,\"kernel without the tls module (tcp_available_ulp: $ulp)\",\"tls-readwrite\"]"
	fi
}

@test "a push to openssl s_server arrives intact and --json reports the protocol, cipher and kTLS" {
	start_s_server "$BATS_TEST_TMPDIR/got"
	run -0 --separate-stderr zc --json --tls --tls-ca "$CA" 127.0.0.1 \
	    "$RECV_PORT" "$R4M"
	recv_wait
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/got"
	assert_tls_json "$output"
	assert_equal "$(jq -c '[.status, .bytes]' <<<"$output")" '[0,4194304]'
}

@test "header, file and trailer reach socat OPENSSL-LISTEN in order" {
	start_socat_ssl "$BATS_TEST_TMPDIR/got"
	run -0 --separate-stderr zc --tls --tls-ca "$CA" -H 'HEAD\r\n' \
	    -T '\r\nTAIL' localhost "$RECV_PORT" "$R4M"
	recv_wait
	{ printf 'HEAD\r\n'; cat "$R4M"; printf '\r\nTAIL'; } \
	    >"$BATS_TEST_TMPDIR/want"
	assert_same_bytes "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	if expect_ktls; then
		assert_stderr_via ktls-sendfile
	else
		assert_stderr_via tls-readwrite
	fi
}

@test "a byte range reaches ncat --ssl -l" {
	start_ncat_ssl "$BATS_TEST_TMPDIR/got"
	run -0 --separate-stderr zc --tls --tls-ca "$CA" -o 12345 -n 1000001 \
	    127.0.0.1 "$RECV_PORT" "$R4M"
	recv_wait
	range_of "$R4M" 12345 1000001 >"$BATS_TEST_TMPDIR/want"
	assert_same_bytes "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "--to three TLS receivers: s_server, socat and ncat each get every byte" {
	local pids=() ports=() i

	start_s_server "$BATS_TEST_TMPDIR/got.0"
	pids+=("$RECV_PID")
	ports+=("$RECV_PORT")
	start_socat_ssl "$BATS_TEST_TMPDIR/got.1"
	pids+=("$RECV_PID")
	ports+=("$RECV_PORT")
	start_ncat_ssl "$BATS_TEST_TMPDIR/got.2"
	pids+=("$RECV_PID")
	ports+=("$RECV_PORT")
	run -0 --separate-stderr zc --json --tls --tls-ca "$CA" -H 'H\n' "$R4M" \
	    --to "127.0.0.1:${ports[0]}" --to "localhost:${ports[1]}" \
	    --to "127.0.0.1:${ports[2]}"
	{ printf 'H\n'; cat "$R4M"; } >"$BATS_TEST_TMPDIR/want"
	for i in 0 1 2; do
		bg_wait "${pids[i]}"
		assert_equal "$BG_STATUS" 0
		assert_same_bytes "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got.$i"
		assert_tls_json "$(jq -c ".destinations[$i]" <<<"$output")"
	done
}

@test "-v names the protocol, the cipher and whether kTLS is on" {
	local re

	start_socat_ssl "$BATS_TEST_TMPDIR/got"
	run -0 --separate-stderr zc -v --tls --tls-ca "$CA" 127.0.0.1 \
	    "$RECV_PORT" "$R4M"
	recv_wait
	re="^zcsend: 127\\.0\\.0\\.1 port $RECV_PORT: TLSv1\\.[23] [A-Z0-9_-]+, "
	if expect_ktls; then
		re+='kTLS on$'
	else
		re+='kTLS off: kernel without the tls module \(tcp_available_ulp: [^)]*\)$'
	fi
	grep -Eq -- "$re" <<<"$stderr" || fail "no line /$re/ in: $stderr"
}

@test "a client certificate is presented to a receiver that requires one" {
	start_s_server "$BATS_TEST_TMPDIR/got" -Verify 1 -CAfile "$CA" \
	    -verify_return_error
	run -0 --separate-stderr zc --tls --tls-ca "$CA" \
	    --tls-cert "$D/client.pem" --tls-key "$D/client.key" 127.0.0.1 \
	    "$RECV_PORT" "$R4M"
	recv_wait
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/got"
}

@test "a push over a Unix socket to openssl s_server checks --tls-servername, or nothing with --tls-insecure" {
	local sock=tls.sock fifo=$BATS_TEST_TMPDIR/s_server.in
	local opts

	need openssl
	# s_server -unix refuses some longer paths: a short relative one.
	cd "$BATS_TEST_TMPDIR"
	mkfifo "$fifo"
	exec {S_SERVER_IN}<>"$fifo"
	for opts in "--tls-ca $CA --tls-servername localhost" --tls-insecure; do
		rm -f "$sock" "$BATS_TEST_TMPDIR/got"
		RECV_ERR=$BATS_TEST_TMPDIR/recv.$((BG_SEQ + 1)).err
		# shellcheck disable=SC2016 # the inner shell expands these
		bg_start "$BATS_TEST_TMPDIR/got" "$RECV_ERR" sh -c \
		    'exec openssl s_server "$@" <"$0"' "$fifo" -unix "$sock" \
		    -naccept 1 -quiet -cert "$D/srv.pem" -key "$D/srv.key"
		RECV_PID=$BG_PID
		wait_until 10 unix_listening "$sock"
		# shellcheck disable=SC2086 # options and their values
		run -0 --separate-stderr zc -q --tls $opts -U "$sock" "$R4M"
		recv_wait
		assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/got"
	done
}

@test "listen mode serves curl --cacert over TLS, an HTTP header first" {
	need curl
	start_listener --tls --tls-cert "$D/srv.pem" --tls-key "$D/srv.key" \
	    -H "HTTP/1.0 200 OK\\r\\nContent-Length: 4194304\\r\\n\\r\\n" \
	    127.0.0.1 0 "$R4M"
	run -0 timeout 30 curl -sS --cacert "$CA" \
	    --resolve "localhost:$LPORT:127.0.0.1" \
	    -o "$BATS_TEST_TMPDIR/got" "https://localhost:$LPORT/file"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/got"
	grep -Eq "^zcsend: 127\\.0\\.0\\.1 port [0-9]+: sent 4194348 bytes in .* via (tls-readwrite|ktls-sendfile)\$" \
	    "$ZCERR" || fail "no summary: $(cat "$ZCERR")"
}

@test "listen mode with --tls-verify-client serves a client with a certificate and refuses one without" {
	need curl
	start_listener --tls --tls-cert "$D/srv.pem" --tls-key "$D/srv.key" \
	    --tls-ca "$CA" --tls-verify-client 127.0.0.1 0 "$R4M"
	fetch_with_client_cert

	start_listener --tls --tls-cert "$D/srv.pem" --tls-key "$D/srv.key" \
	    --tls-ca "$CA" --tls-verify-client 127.0.0.1 0 "$R4M"
	run ! timeout 30 curl -sS --http0.9 --cacert "$CA" \
	    --resolve "localhost:$LPORT:127.0.0.1" \
	    -o "$BATS_TEST_TMPDIR/got2" "https://localhost:$LPORT/"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 76
	assert_equal "$(sed 1d "$ZCERR")" \
	    "zcsend: TLS handshake with 127.0.0.1 port $(sed -n 's/.* port \([0-9]*\):.*/\1/p' "$ZCERR"): peer did not return a certificate"
}

@test "--checksum on a pipe over --tls is the receiver's sha256, pushed or served" {
	local want writer

	need jq
	want=$(sha_of "$R4M")
	pipe_push() {
		cat "$R4M" | timeout -k 5 "$BOUND" "$ZCSEND" -v --json --tls \
		    --tls-ca "$CA" --checksum sha256 127.0.0.1 "$RECV_PORT" -
	}
	start_socat_ssl "$BATS_TEST_TMPDIR/got"
	run -0 --separate-stderr pipe_push
	recv_wait
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/got"
	grep -qx "zcsend: sha256 $want" <<<"$stderr" ||
	    fail "no digest line $want: $stderr"
	grep -Eq '^zcsend: hashed 4194304 bytes in [0-9.]+ s \(' <<<"$stderr" ||
	    fail "not every byte hashed: $stderr"
	assert_equal "$(jq -r .sha256 <<<"$output")" "$want"

	# Listen mode with a pipe input takes the same path.
	mkfifo "$BATS_TEST_TMPDIR/in"
	timeout 30 cat "$R4M" >"$BATS_TEST_TMPDIR/in" 3>&- &
	writer=$!
	start_listener --tls --tls-cert "$D/srv.pem" --tls-key "$D/srv.key" \
	    -v --checksum sha256 127.0.0.1 0 "$BATS_TEST_TMPDIR/in"
	timeout 30 openssl s_client -quiet -verify_return_error \
	    -CAfile "$CA" -connect "127.0.0.1:$LPORT" \
	    -servername localhost </dev/null >"$BATS_TEST_TMPDIR/got2" \
	    2>/dev/null
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	wait "$writer"
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/got2"
	grep -qx "zcsend: sha256 $want" "$ZCERR" ||
	    fail "no digest line $want: $(cat "$ZCERR")"
}

@test "--json --tls of a run that fails before it connects has \"tls\": null" {
	local none=$BATS_TEST_TMPDIR/none

	need jq
	run -66 --separate-stderr zc --json --tls --tls-ca "$CA" 127.0.0.1 9 \
	    "$none"
	assert_equal "$stderr" "zcsend: $none: No such file or directory"
	assert_equal "$(jq -c '[has("tls"), .tls, .status]' <<<"$output")" \
	    '[true,null,66]'
	run -66 --separate-stderr zc --json --tls --tls-ca "$CA" "$none" \
	    --to 127.0.0.1:9 --to 127.0.0.1:10
	assert_equal "$(jq -c '[.destinations[] | [has("tls"), .tls]]' \
	    <<<"$output")" '[[true,null],[true,null]]'
}

@test "a certificate from an unknown CA fails verification: 76" {
	start_socat_ssl "$BATS_TEST_TMPDIR/got"
	run -76 --separate-stderr zc --tls 127.0.0.1 "$RECV_PORT" "$R4M"
	assert_one_line_stderr "^zcsend: TLS handshake with 127\\.0\\.0\\.1 port $RECV_PORT: certificate verify failed: unable to get local issuer certificate\$"
	assert_nothing_received "$BATS_TEST_TMPDIR/got"
}

@test "a self-signed certificate fails verification: 76" {
	start_socat_ssl "$BATS_TEST_TMPDIR/got" "$D/self.pem" "$D/self.key"
	run -76 --separate-stderr zc --tls 127.0.0.1 "$RECV_PORT" "$R4M"
	assert_one_line_stderr "^zcsend: TLS handshake with 127\\.0\\.0\\.1 port $RECV_PORT: certificate verify failed: self-signed certificate\$"
	assert_nothing_received "$BATS_TEST_TMPDIR/got"
}

@test "--tls-insecure accepts a self-signed certificate and says so on stderr, -q or not" {
	start_socat_ssl "$BATS_TEST_TMPDIR/got" "$D/self.pem" "$D/self.key"
	run -0 --separate-stderr zc -q --tls --tls-insecure 127.0.0.1 \
	    "$RECV_PORT" "$R4M"
	recv_wait
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/got"
	assert_equal "$stderr" "zcsend: warning: --tls-insecure: the receiver's certificate is not verified"
}

@test "a name the certificate does not carry fails verification: 76" {
	start_socat_ssl "$BATS_TEST_TMPDIR/got"
	run -76 --separate-stderr zc --tls --tls-ca "$CA" \
	    --tls-servername other.test 127.0.0.1 "$RECV_PORT" "$R4M"
	assert_one_line_stderr "^zcsend: TLS handshake with 127\\.0\\.0\\.1 port $RECV_PORT: certificate verify failed: hostname mismatch\$"
	assert_nothing_received "$BATS_TEST_TMPDIR/got"
}

@test "--tls-servername names the certificate to expect" {
	start_socat_ssl "$BATS_TEST_TMPDIR/got"
	run -0 --separate-stderr zc --tls --tls-ca "$CA" \
	    --tls-servername localhost 127.0.0.1 "$RECV_PORT" "$R4M"
	recv_wait
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/got"
}

@test "an expired certificate fails verification: 76, and --json says why" {
	start_socat_ssl "$BATS_TEST_TMPDIR/got" "$D/exp.pem" "$D/exp.key"
	run -76 --separate-stderr zc --json --tls --tls-ca "$CA" 127.0.0.1 \
	    "$RECV_PORT" "$R4M"
	assert_one_line_stderr "^zcsend: TLS handshake with 127\\.0\\.0\\.1 port $RECV_PORT: certificate verify failed: certificate has expired\$"
	# No backend carried a byte: null, as for a transfer never begun.
	assert_equal "$(jq -c '[.status, .tls, .bytes, .backend]' <<<"$output")" \
	    '[76,null,0,null]'
}

@test "a receiver that does not speak TLS fails the handshake: 76" {
	need nc.openbsd
	# OpenBSD nc sends its input on connect: an HTTP answer, not TLS.
	RECV_ERR=$BATS_TEST_TMPDIR/recv.err
	printf 'HTTP/1.0 400 Bad Request\r\n\r\n' >"$BATS_TEST_TMPDIR/answer"
	bg_start "$BATS_TEST_TMPDIR/got" "$RECV_ERR" sh -c \
	    'exec nc.openbsd -l -n -v 127.0.0.1 0 <"$0"' \
	    "$BATS_TEST_TMPDIR/answer"
	wait_for_line "$RECV_ERR" '^Listening on ' 10
	RECV_PORT=$(sed -n 's/^Listening on .* \([0-9][0-9]*\)$/\1/p' "$RECV_ERR")
	run -76 --separate-stderr zc --tls --tls-ca "$CA" 127.0.0.1 \
	    "$RECV_PORT" "$R4M"
	assert_one_line_stderr "^zcsend: TLS handshake with 127\\.0\\.0\\.1 port $RECV_PORT: wrong version number\$"
}

@test "a receiver that resets mid-handshake: 76, connection reset by peer" {
	start_peer -r 1
	run -76 --separate-stderr zc --tls --tls-ca "$CA" 127.0.0.1 \
	    "$RECV_PORT" "$R4M"
	assert_one_line_stderr "^zcsend: TLS handshake with 127\\.0\\.0\\.1 port $RECV_PORT: connection reset by peer\$"
	recv_wait
}

@test "--retry: a reset during the handshake is retried, and the file arrives" {
	local port peer zpid

	need socat jq
	start_peer -r 1
	port=$RECV_PORT
	peer=$RECV_PID
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" --json --retry 6 --retry-delay 1 \
	    --tls --tls-ca "$CA" 127.0.0.1 "$port" "$R4M"
	zpid=$BG_PID
	bg_wait "$peer"
	grep -qx 'reset after 1' "$RECV_ERR" || fail "peer: $(cat "$RECV_ERR")"
	# The next attempt finds a TLS receiver on the same port.
	RECV_ERR=$BATS_TEST_TMPDIR/socat.err
	bg_start /dev/null "$RECV_ERR" socat -u \
	    "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,cert=$D/srv.pem,key=$D/srv.key,verify=0" \
	    "CREATE:$BATS_TEST_TMPDIR/got"
	RECV_PID=$BG_PID
	bg_wait "$zpid"
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend exited $BG_STATUS: $(cat "$ZCERR")"
	recv_wait
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/got"
	grep -Eq "^zcsend: TLS handshake with 127\\.0\\.0\\.1 port $port: Connection reset by peer: retry 1 of 6 in " \
	    "$ZCERR" || fail "no retry line: $(cat "$ZCERR")"
	jq -e '.status == 0 and .attempts >= 2' "$ZCOUT" >/dev/null ||
	    fail "JSON: $(cat "$ZCOUT")"
}

@test "--retry 2 against a receiver that always resets the handshake: 3 attempts, 76" {
	local port

	need python3 jq
	RECV_ERR=$BATS_TEST_TMPDIR/resetter.err
	# shellcheck disable=SC2016 # python, not shell
	bg_start /dev/null "$RECV_ERR" python3 -c '
import socket, struct, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
s.settimeout(30)
print("listening", s.getsockname()[1], file=sys.stderr, flush=True)
for _ in range(3):
    c, _ = s.accept()
    c.recv(1)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    print("reset", file=sys.stderr, flush=True)
'
	RECV_PID=$BG_PID
	wait_for_line "$RECV_ERR" '^listening [0-9]+$' 10
	port=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$RECV_ERR")
	run -76 --separate-stderr zc --json --retry 2 --retry-delay 0.05 \
	    --tls --tls-ca "$CA" 127.0.0.1 "$port" "$R4M"
	recv_wait
	assert_equal "$(grep -c '^reset$' "$RECV_ERR")" 3
	assert_equal "$(grep -c ': retry ' <<<"$stderr")" 2
	assert_equal "$(tail -n 1 <<<"$stderr")" \
	    "zcsend: TLS handshake with 127.0.0.1 port $port: connection reset by peer (3 attempts)"
	assert_equal "$(jq -c '[.status, .attempts, .bytes]' <<<"$output")" \
	    '[76,3,0]'
}

@test "--retry: a reset after the handshake, before any byte, starts the next attempt with a new handshake" {
	local port st=0

	need python3
	RECV_ERR=$BATS_TEST_TMPDIR/resetter.err
	# The first connection is reset once its handshake is done; the
	# second is served. zcsend reads a pipe that gives nothing until the
	# reset, so no byte of the file can have gone out before it.
	# shellcheck disable=SC2016 # python, not shell
	bg_start /dev/null "$RECV_ERR" python3 -c '
import socket, ssl, struct, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
s.settimeout(30)
print("listening", s.getsockname()[1], file=sys.stderr, flush=True)
c, _ = s.accept()
t = ctx.wrap_socket(c, server_side=True)
t.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
t.close()
print("reset", file=sys.stderr, flush=True)
c, _ = s.accept()
c.settimeout(30)
try:
    t = ctx.wrap_socket(c, server_side=True)
except ssl.SSLError as e:
    print("second handshake:", e.reason, file=sys.stderr, flush=True)
    sys.exit(1)
with open(sys.argv[3], "wb") as f:
    while True:
        b = t.recv(65536)
        if not b:
            break
        f.write(b)
t.close()
print("served", file=sys.stderr, flush=True)
' "$D/srv.pem" "$D/srv.key" "$BATS_TEST_TMPDIR/got"
	RECV_PID=$BG_PID
	wait_for_line "$RECV_ERR" '^listening [0-9]+$' 10
	port=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$RECV_ERR")
	{ wait_for_line "$RECV_ERR" '^reset$' 30 && cat "$R4M"; } |
	    zc --retry 3 --retry-delay 0.05 --tls --tls-ca "$CA" 127.0.0.1 \
	    "$port" - 2>"$ZCERR" || st=$?
	recv_wait
	[[ $st -eq 0 ]] || fail "zcsend exited $st: $(cat "$ZCERR") / receiver: $(cat "$RECV_ERR")"
	grep -qx served "$RECV_ERR" || fail "receiver: $(cat "$RECV_ERR")"
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/got"
	grep -Eq "^zcsend: send to 127\\.0\\.0\\.1 port $port: (Connection reset by peer|connection closed by peer): retry 1 of 3 in " \
	    "$ZCERR" || fail "no retry line: $(cat "$ZCERR")"
}

@test "a handshake that never finishes is bounded by --connect-timeout: 75" {
	start_peer -s
	run -75 --separate-stderr zc --tls --tls-ca "$CA" --connect-timeout 1 \
	    127.0.0.1 "$RECV_PORT" "$R4M"
	assert_one_line_stderr "^zcsend: TLS handshake with 127\\.0\\.0\\.1 port $RECV_PORT: timed out after 1 s\$"
}

@test "SIGINT during the handshake: 130, naming the handshake" {
	start_peer -s
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" -v --tls --tls-ca "$CA" \
	    127.0.0.1 "$RECV_PORT" "$R4M"
	wait_for_line "$ZCERR" '^zcsend: connected to 127\.0\.0\.1 port ' 10
	kill -INT "$BG_CMD_PID"
	bg_wait "$BG_PID"
	assert_equal "$BG_STATUS" 130
	assert_equal "$(tail -n 1 "$ZCERR")" \
	    "zcsend: interrupted by SIGINT: TLS handshake with 127.0.0.1 port $RECV_PORT"
}

@test "a stalled handshake holds back no other --to destination" {
	local stall

	need jq
	start_peer -s
	stall=$RECV_PORT
	start_socat_ssl "$BATS_TEST_TMPDIR/got"
	run -75 --separate-stderr zc --json --tls --tls-ca "$CA" \
	    --connect-timeout 4 "$R4M" --to "127.0.0.1:$stall" \
	    --to "127.0.0.1:$RECV_PORT"
	bg_wait "$RECV_PID"
	assert_same_bytes "$R4M" "$BATS_TEST_TMPDIR/got"
	assert_equal "$(jq -c '[.destinations[].status]' <<<"$output")" '[75,0]'
	# The good one finished before the stalled one timed out (an order
	# of events, not a time: a busy machine slows both).
	jq -e '.destinations[1].seconds < .destinations[0].seconds' \
	    <<<"$output" >/dev/null ||
	    fail "the second destination took too long: $output"
}

@test "--idle-timeout bounds a TLS receiver that stops reading: 75" {
	local big=$BATS_TEST_TMPDIR/r32m

	need socat
	head -c 33554432 /dev/urandom >"$big"
	# socat decrypts into a program that never reads: once the pipe and
	# the socket buffers are full, zcsend waits for POLLOUT in vain.
	RECV_ERR=$BATS_TEST_TMPDIR/recv.err
	bg_start /dev/null "$RECV_ERR" socat -d -d -u \
	    "OPENSSL-LISTEN:0,bind=127.0.0.1,cert=$D/srv.pem,key=$D/srv.key,verify=0" \
	    "EXEC:sleep $BOUND"
	wait_for_line "$RECV_ERR" 'listening on AF=2 127\.0\.0\.1:[0-9]+$' 10
	RECV_PORT=$(sed -n 's/.*listening on AF=2 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$RECV_ERR")
	run -75 --separate-stderr zc --tls --tls-ca "$CA" --idle-timeout 1 \
	    127.0.0.1 "$RECV_PORT" "$big"
	assert_one_line_stderr "^zcsend: send to 127\\.0\\.0\\.1 port $RECV_PORT: idle timeout \\(1 s\\) after [0-9]+ of 33554432 bytes\$"
}

@test "an unreadable or unusable key or certificate: 66" {
	run -66 --separate-stderr zc --tls --tls-cert "$D/client.pem" \
	    --tls-key "$D/missing.key" 127.0.0.1 9 "$R4M"
	assert_one_line_stderr "^zcsend: tls-key $D/missing\\.key: No such file or directory\$"
	run -66 --separate-stderr zc --tls --tls-cert "$D/client.pem" \
	    --tls-key "$D/garbage.key" 127.0.0.1 9 "$R4M"
	assert_one_line_stderr "^zcsend: tls-key $D/garbage\\.key: cannot load: .+\$"
	run -66 --separate-stderr zc --tls --tls-cert "$D/client.pem" \
	    --tls-key "$D/srv.key" 127.0.0.1 9 "$R4M"
	assert_one_line_stderr "^zcsend: tls-key $D/srv\\.key: cannot load: key values mismatch\$"
	openssl pkey -in "$D/client.key" -aes256 -passout pass:secret \
	    -out "$BATS_TEST_TMPDIR/enc.key"
	run -66 --separate-stderr zc --tls --tls-cert "$D/client.pem" \
	    --tls-key "$BATS_TEST_TMPDIR/enc.key" 127.0.0.1 9 "$R4M"
	assert_one_line_stderr "^zcsend: tls-key $BATS_TEST_TMPDIR/enc\\.key: protected by a passphrase, which zcsend does not support\$"
	run -66 --separate-stderr zc --tls --tls-ca "$D" 127.0.0.1 9 "$R4M"
	assert_one_line_stderr "^zcsend: tls-ca $D: Is a directory\$"
	run -66 --separate-stderr zc -l --tls --tls-cert "$D/nocert.pem" \
	    --tls-key "$D/srv.key" 127.0.0.1 0 "$R4M"
	assert_one_line_stderr "^zcsend: tls-cert $D/nocert\\.pem: No such file or directory\$"
}

@test "--tls-* options without --tls: 64" {
	local opt

	for opt in "--tls-ca $CA" "--tls-cert $D/srv.pem" "--tls-key $D/srv.key" \
	    "--tls-servername x" --tls-insecure --tls-verify-client; do
		# shellcheck disable=SC2086 # the option and its value
		run -64 --separate-stderr zc $opt 127.0.0.1 9 "$R4M"
		assert_one_line_stderr '^zcsend: command line: --tls-ca, --tls-cert, --tls-key, --tls-servername, --tls-insecure and --tls-verify-client go with --tls$'
	done
}

@test "TLS options that do not fit together: 64" {
	run -64 --separate-stderr zc -l --tls 127.0.0.1 0 "$R4M"
	assert_one_line_stderr '^zcsend: command line: -l --tls needs --tls-cert and --tls-key$'
	run -64 --separate-stderr zc --tls --tls-cert "$D/srv.pem" 127.0.0.1 9 \
	    "$R4M"
	assert_one_line_stderr '^zcsend: command line: --tls-cert and --tls-key go together$'
	run -64 --separate-stderr zc --tls --tls-verify-client 127.0.0.1 9 "$R4M"
	assert_one_line_stderr '^zcsend: command line: --tls-verify-client goes with -l$'
	# A CA a server would not use: no client certificate is asked for.
	run -64 --separate-stderr zc -l --tls --tls-cert "$D/srv.pem" \
	    --tls-key "$D/srv.key" --tls-ca "$CA" 127.0.0.1 0 "$R4M"
	assert_one_line_stderr '^zcsend: command line: -l --tls-ca needs --tls-verify-client$'
	run -64 --separate-stderr zc --tls -U "$BATS_TEST_TMPDIR/sock" "$R4M"
	assert_one_line_stderr '^zcsend: command line: -U --tls needs --tls-servername \(the name to verify\) or --tls-insecure$'
	run -64 --separate-stderr zc --bench --tls
	assert_one_line_stderr '^zcsend: command line: --bench does not take --tls$'
}

@test "--tls-servername that cannot be a name, empty or over 255 bytes: 64 before connecting" {
	local name

	start_socat_ssl "$BATS_TEST_TMPDIR/got"
	name=$(printf 'a%.0s' {1..256})
	for name in "" "$name"; do
		run -64 --separate-stderr zc --tls --tls-ca "$CA" \
		    --tls-servername "$name" 127.0.0.1 "$RECV_PORT" "$R4M"
		assert_one_line_stderr '^zcsend: command line: --tls-servername needs a name of 1 to 255 bytes$'
		run -64 --separate-stderr zc --tls --tls-insecure \
		    --tls-servername "$name" -U "$BATS_TEST_TMPDIR/sock" "$R4M"
		assert_one_line_stderr '^zcsend: command line: --tls-servername needs a name of 1 to 255 bytes$'
	done
	assert_nothing_received "$BATS_TEST_TMPDIR/got"
}

@test "zcsend -V names the TLS library" {
	run -0 zc -V
	assert_line --regexp '^tls: OpenSSL 3\.[0-9]+\.[0-9]+.*, kTLS (built in|not built in)$'
}

@test "listen mode reads --tls-ca, --tls-cert and --tls-key from pipes, each once" {
	need curl
	# Process substitution: each pipe can be read once, as secrets kept
	# off the disk are.
	start_listener --tls --tls-cert <(cat "$D/srv.pem") \
	    --tls-key <(cat "$D/srv.key") --tls-ca <(cat "$CA") \
	    --tls-verify-client 127.0.0.1 0 "$R4M"
	fetch_with_client_cert
}

# tls_fifo_signal OPTION SIGNAL STATUS ARG...: zcsend ARG... OPTION FIFO
# waits in open(2) for the FIFO's writer; SIGNAL ends it with STATUS and
# one line naming the file.
tls_fifo_signal() {
	local opt=$1 sig=$2 status=$3 fifo=$BATS_TEST_TMPDIR/fifo

	shift 3
	load test_helper/defects
	mkfifo "$fifo"
	start_zc "$ZCOUT" "$ZCERR" "$@" "$opt" "$fifo" 127.0.0.1 9 "$R4M"
	wait_until 10 blocked_in_fifo_open "$ZCMD"
	kill -"$sig" "$ZCMD"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" "$status"
	assert_equal "$(cat "$ZCERR")" \
	    "zcsend: interrupted by SIG$sig: opening ${opt#--} $fifo"
}

@test "SIGINT while a --tls-ca FIFO waits for its writer: 130" {
	tls_fifo_signal --tls-ca INT 130 --tls
}

@test "SIGTERM while a --tls-cert FIFO waits for its writer: 143" {
	tls_fifo_signal --tls-cert TERM 143 --tls --tls-key "$D/client.key"
}

@test "a client that speaks plain HTTP to a TLS listener is named as such: 76" {
	need curl
	start_listener --tls --tls-cert "$D/srv.pem" --tls-key "$D/srv.key" \
	    127.0.0.1 0 "$R4M"
	run ! timeout 30 curl -sS -o /dev/null "http://127.0.0.1:$LPORT/"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 76
	sed 1d "$ZCERR" | grep -Eqx 'zcsend: TLS handshake with 127\.0\.0\.1 port [0-9]+: the client spoke plain HTTP, not TLS' ||
	    fail "unexpected: $(cat "$ZCERR")"
}

@test "-l -k: SIGINT during a client's handshake names the client once: 130" {
	local cport

	need nc.openbsd
	start_listener -k -v --tls --tls-cert "$D/srv.pem" \
	    --tls-key "$D/srv.key" 127.0.0.1 0 "$R4M"
	# A client that connects and never starts its handshake.
	bg_start /dev/null /dev/null nc.openbsd 127.0.0.1 "$LPORT"
	wait_for_line "$ZCERR" '^zcsend: 127\.0\.0\.1 port [0-9]+ connected$' 10
	cport=$(sed -n 's/^zcsend: 127\.0\.0\.1 port \([0-9]*\) connected$/\1/p' \
	    "$ZCERR")
	kill -INT "$ZCMD"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 130
	assert_equal "$(tail -n 1 "$ZCERR")" \
	    "zcsend: interrupted by SIGINT: TLS handshake with 127.0.0.1 port $cport"
}

