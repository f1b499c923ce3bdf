#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# zcsend against zcrecv with the opt-in protocol: --ack (push, --to,
# listen mode), --checksum on both ends, --resume (with --retry after a
# receiver dies mid-stream) and --tls. Every received byte is checked by
# SHA-256, every outcome by both exit statuses.
#
# Kernel TLS receive needs the tls module: ZCRECV_EXPECT_KTLS_RX=1 makes
# the --tls test insist that the kernel decrypted and zcrecv spliced
# (backend ktls-splice); without the module, it insists on the reason.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
setup_file() {
	head -c 4194304 /dev/urandom >"$BATS_FILE_TMPDIR/r4m"
	head -c 65536 /dev/urandom >"$BATS_FILE_TMPDIR/r64k"
}

setup() {
	load test_helper/common
	load test_helper/zcrecv
	_common_setup
	zcrecv_setup
	R4M=$BATS_FILE_TMPDIR/r4m
	R64K=$BATS_FILE_TMPDIR/r64k
}

teardown() {
	zcrecv_teardown
}

@test "zcsend --ack to zcrecv --ack: ok with the byte count, both exit 0" {
	start_zcrecv -v --ack 127.0.0.1 0 "$OUT"
	run -0 --separate-stderr zc -v --ack 127.0.0.1 "$RPORT" "$R4M"
	[[ $stderr == *"zcsend: 127.0.0.1 port $RPORT: acknowledged: ok 4194304"$'\n'* ]] ||
	    fail "no acknowledgement: $stderr"
	zcrecv_wait 0
	grep -qx 'zcrecv: answered: ok 4194304' "$RERR" ||
	    fail "no answer: $(cat "$RERR")"
	assert_same_bytes "$R4M" "$OUT"
}

@test "--ack --checksum on both ends: the digests agree, both exit 0" {
	local sum

	sum=$(sha_of "$R4M")
	start_zcrecv --ack --checksum sha256 127.0.0.1 0 "$OUT"
	run -0 --separate-stderr zc --ack --checksum sha256 127.0.0.1 "$RPORT" "$R4M"
	[[ $stderr == *"zcsend: sha256 $sum"* ]] || fail "stderr: $stderr"
	zcrecv_wait 0
	grep -qx "zcrecv: sha256 $sum" "$RERR" || fail "zcrecv: $(cat "$RERR")"
	assert_same_bytes "$R4M" "$OUT"
}

@test "zcsend --ack --checksum: an ok without a digest exits 74" {
	start_zcrecv --ack 127.0.0.1 0 "$OUT"
	run -74 --separate-stderr zc --ack --checksum sha256 127.0.0.1 "$RPORT" "$R64K"
	[[ $stderr == *"zcsend: the receiver's acknowledgement has no sha256 digest (zcrecv --checksum sha256)"* ]] ||
	    fail "stderr: $stderr"
	zcrecv_wait 0
}

@test "zcsend --ack --checksum: another digest exits 74" {
	local zero

	zero=$(printf '%064d' 0)
	fake_receiver "ok 65536 sha256:$zero\\n"
	run -74 --separate-stderr zc --ack --checksum sha256 127.0.0.1 "$FPORT" "$R64K"
	[[ $stderr == *"zcsend: the receiver stored sha256 $zero, not $(sha_of "$R64K")"* ]] ||
	    fail "stderr: $stderr"
}

@test "without --ack a digest-less zcrecv --ack answer is not waited for by nc-style senders" {
	need nc.openbsd
	start_zcrecv --ack 127.0.0.1 0 "$OUT"
	run -0 timeout -k 5 "$BOUND" nc.openbsd -N 127.0.0.1 "$RPORT" <"$R64K"
	assert_output 'ok 65536'
	zcrecv_wait 0
	assert_same_bytes "$R64K" "$OUT"
}

@test "--to: each zcrecv --ack acknowledges on its own" {
	local p1 p2 e1

	start_zcrecv --ack 127.0.0.1 0 "$OUT.1"
	p1=$RPORT e1=$RERR
	RERR=$BATS_TEST_TMPDIR/zcrecv2.err
	start_zcrecv --ack 127.0.0.1 0 "$OUT.2"
	p2=$RPORT
	run -0 zc --ack "$R4M" --to "127.0.0.1:$p1" --to "127.0.0.1:$p2"
	zcrecv_wait 0
	grep -q '^zcrecv: listening' "$e1" || fail "first receiver: $(cat "$e1")"
	assert_same_bytes "$R4M" "$OUT.1"
	assert_same_bytes "$R4M" "$OUT.2"
}

@test "listen mode: zcsend -l --ack serves zcrecv HOST PORT --ack" {
	start_listener --ack --checksum sha256 127.0.0.1 0 "$R4M"
	run -0 --separate-stderr zr --ack --checksum sha256 127.0.0.1 "$LPORT" "$OUT"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$R4M" "$OUT"
	[[ $stderr == "zcrecv: sha256 $(sha_of "$R4M")" ]] || fail "stderr: $stderr"
}

@test "listen mode: zcsend -l --resume serves zcrecv HOST PORT --resume" {
	head -c 1000000 "$R4M" >"$OUT"
	start_listener --resume --ack 127.0.0.1 0 "$R4M"
	run -0 zr --resume --ack 127.0.0.1 "$LPORT" "$OUT"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$R4M" "$OUT"
}

@test "--resume: zcsend sends from where zcrecv stands; the digest covers the whole file" {
	head -c 1000000 "$R4M" >"$OUT"
	start_zcrecv --json --resume --ack --checksum sha256 127.0.0.1 0 "$OUT"
	run -0 --separate-stderr zc -v --resume --ack --checksum sha256 127.0.0.1 "$RPORT" "$R4M"
	[[ $stderr == *"resuming at byte 1000000 of 4194304"* ]] ||
	    fail "stderr: $stderr"
	[[ $stderr == *"zcsend: sent 3194304 bytes in "* ]] || fail "stderr: $stderr"
	zcrecv_wait 0
	assert_same_bytes "$R4M" "$OUT"
	need jq
	run jq -e -c 'select(.bytes) | [.offset, .bytes, .file_bytes, .sha256 == "'"$(sha_of "$R4M")"'"]' "$ROUT"
	assert_output '[1000000,3194304,4194304,true]'
}

@test "--resume on a file already whole sends nothing and still acknowledges" {
	cp "$R64K" "$OUT"
	start_zcrecv --resume --ack 127.0.0.1 0 "$OUT"
	run -0 zc --resume --ack 127.0.0.1 "$RPORT" "$R64K"
	zcrecv_wait 0
	assert_same_bytes "$R64K" "$OUT"
}

@test "--resume --retry: a receiver killed mid-stream, restarted, gets the rest" {
	local port

	start_zcrecv --resume --ack 127.0.0.1 0 "$OUT"
	port=$RPORT
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" --resume --ack --retry 20 \
	    --retry-delay 0.2 --rate 2M 127.0.0.1 "$port" "$R4M"
	local zpid=$BG_PID
	wait_until 30 size_at_least "$OUT" 500000
	kill -KILL "$RCMD"
	bg_wait "$RPID"
	start_zcrecv --resume --ack 127.0.0.1 "$port" "$OUT"
	zcrecv_wait 0
	bg_wait "$zpid"
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend exited $BG_STATUS: $(cat "$ZCERR")"
	assert_same_bytes "$R4M" "$OUT"
}

# resume_then_reset LINE GO: a receiver on a free loopback port that
# takes one connection, waits until a line can be read from the FIFO GO,
# then sends LINE (printf escapes) and resets the connection without
# reading a byte. Sets FPID and FPORT.
resume_then_reset() {
	fake_start '
import socket, struct, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print("listening", s.getsockname()[1], file=sys.stderr, flush=True)
c, _ = s.accept()
open(sys.argv[2]).readline()
c.sendall(sys.argv[1].encode().decode("unicode_escape").encode("latin-1"))
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
' "$1" "$2"
}

@test "--resume --retry: a reset after the resume line, before any byte, waits for the next receiver's line" {
	local go=$BATS_TEST_TMPDIR/go zpid zcmd

	mkfifo "$go"
	resume_then_reset 'resume 2000000\n' "$go"
	head -c 1000000 "$R4M" >"$OUT"
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" -v --resume --ack --retry 5 \
	    --retry-delay 0.1 127.0.0.1 "$FPORT" "$R4M"
	zpid=$BG_PID zcmd=$BG_CMD_PID
	# Stopped once connected, zcsend finds the line and the reset both
	# waiting when it goes on: its first send fails, none went out.
	wait_for_line "$ZCERR" "^zcsend: connected to 127\.0\.0\.1 port $FPORT\$" 10
	kill -STOP "$zcmd"
	timeout -k 5 "$BOUND" sh -c 'echo go >"$1"' sh "$go"
	bg_wait "$FPID"
	start_zcrecv --resume --ack 127.0.0.1 "$FPORT" "$OUT"
	kill -CONT "$zcmd"
	bg_wait "$zpid"
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend exited $BG_STATUS: $(cat "$ZCERR")"
	zcrecv_wait 0
	grep -q "resuming at byte 2000000 of 4194304" "$ZCERR" ||
	    fail "no first offer: $(cat "$ZCERR")"
	grep -q "resuming at byte 1000000 of 4194304" "$ZCERR" ||
	    fail "no second offer: $(cat "$ZCERR")"
	assert_same_bytes "$R4M" "$OUT"
}

@test "--resume --retry: a reset in the middle of the resume line is retried; the next line is read afresh" {
	local go=$BATS_TEST_TMPDIR/go zpid

	mkfifo "$go"
	resume_then_reset 'resume 20' "$go"
	head -c 1000000 "$R4M" >"$OUT"
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" -v --resume --ack --retry 20 \
	    --retry-delay 0.1 127.0.0.1 "$FPORT" "$R4M"
	zpid=$BG_PID
	wait_for_line "$ZCERR" "^zcsend: connected to 127\.0\.0\.1 port $FPORT\$" 10
	timeout -k 5 "$BOUND" sh -c 'echo go >"$1"' sh "$go"
	bg_wait "$FPID"
	start_zcrecv --resume --ack 127.0.0.1 "$FPORT" "$OUT"
	bg_wait "$zpid"
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend exited $BG_STATUS: $(cat "$ZCERR")"
	zcrecv_wait 0
	grep -q "resuming at byte 1000000 of 4194304" "$ZCERR" ||
	    fail "no offer: $(cat "$ZCERR")"
	assert_same_bytes "$R4M" "$OUT"
}

@test "--resume --retry: a receiver that held it all and reset instead of answering; the next one's offer counts" {
	local zpid

	fake_receiver RESET 'resume 4194304\n'
	head -c 1000000 "$R4M" >"$OUT"
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" --resume --ack --retry 20 \
	    --retry-delay 0.2 127.0.0.1 "$FPORT" "$R4M"
	zpid=$BG_PID
	bg_wait "$FPID"
	run cat "$BATS_TEST_TMPDIR/fake.count"
	assert_output 0
	start_zcrecv --resume --ack 127.0.0.1 "$FPORT" "$OUT"
	bg_wait "$zpid"
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend exited $BG_STATUS: $(cat "$ZCERR")"
	zcrecv_wait 0
	assert_same_bytes "$R4M" "$OUT"
}

@test "--tls --resume --retry: a TLS receiver that held it all and reset; the next session waits for its own offer" {
	local d=$BATS_TEST_TMPDIR err=$BATS_TEST_TMPDIR/fake.err zpid

	need openssl python3
	zr_tls_certs "$d"
	head -c 1000000 "$R4M" >"$OUT"
	# In the TLS session: "resume 4194304", then read to zcsend's
	# close_notify and reset the connection instead of answering.
	fake_start '
import socket, ssl, struct, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print("listening", s.getsockname()[1], file=sys.stderr, flush=True)
raw, _ = s.accept()
c = ctx.wrap_socket(raw, server_side=True)
c.sendall(b"resume 4194304\n")
while c.recv(65536):
    pass
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
' "$d/srv.pem" "$d/srv.key"
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" --tls --tls-ca "$d/ca.pem" \
	    --resume --ack --retry 20 --retry-delay 0.2 127.0.0.1 "$FPORT" "$R4M"
	zpid=$BG_PID
	bg_wait "$FPID"
	[[ $BG_STATUS -eq 0 ]] || fail "the TLS receiver failed: $(cat "$err")"
	start_zcrecv --resume --ack --tls --tls-cert "$d/srv.pem" \
	    --tls-key "$d/srv.key" 127.0.0.1 "$FPORT" "$OUT"
	bg_wait "$zpid"
	[[ $BG_STATUS -eq 0 ]] || fail "zcsend exited $BG_STATUS: $(cat "$ZCERR")"
	zcrecv_wait 0
	assert_same_bytes "$R4M" "$OUT"
}

@test "--tls: zcsend --tls --ack --checksum to zcrecv -l --tls; --json says why no kTLS receive" {
	local d=$BATS_TEST_TMPDIR

	need openssl
	zr_tls_certs "$d"
	start_zcrecv --json --ack --checksum sha256 --tls --tls-cert "$d/srv.pem" \
	    --tls-key "$d/srv.key" 127.0.0.1 0 "$OUT"
	run -0 zc --tls --tls-ca "$d/ca.pem" --ack --checksum sha256 \
	    127.0.0.1 "$RPORT" "$R4M"
	zcrecv_wait 0
	assert_same_bytes "$R4M" "$OUT"
	need jq
	run jq -e -c 'select(.bytes) | .tls | [.version != null, .ktls_rx, (.ktls_rx or (.ktls_rx_reason | length > 0))]' "$ROUT"
	if [[ ${ZCRECV_EXPECT_KTLS_RX-} == 1 ]]; then
		# A kernel with the tls module and an OpenSSL that hands it
		# the receive keys (the VM harness sets this).
		assert_output '[true,true,true]'
		run jq -r 'select(.bytes) | .backend' "$ROUT"
		assert_output 'ktls-splice'
	elif grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp 2>/dev/null; then
		# The module is there; whether OpenSSL offloads the receive
		# side depends on its version and the cipher: either way
		# --json says which, and why not.
		[[ $output == '[true,true,true]' || $output == '[true,false,true]' ]] ||
		    fail "tls: $output"
	else
		assert_output '[true,false,true]'
		run jq -r 'select(.bytes) | .tls.ktls_rx_reason' "$ROUT"
		assert_output --partial 'kernel without the tls module'
		run jq -r 'select(.bytes) | .backend' "$ROUT"
		assert_output 'tls-readwrite'
	fi
}

@test "--tls: zcrecv HOST PORT --tls takes what zcsend -l --tls serves" {
	local d=$BATS_TEST_TMPDIR

	need openssl
	zr_tls_certs "$d"
	start_listener --tls --tls-cert "$d/srv.pem" --tls-key "$d/srv.key" \
	    --ack 127.0.0.1 0 "$R4M"
	run -0 zr --tls --tls-ca "$d/ca.pem" --ack 127.0.0.1 "$LPORT" "$OUT"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$R4M" "$OUT"
}

@test "--tls: zcrecv refuses a sender whose certificate it cannot verify: 76" {
	local d=$BATS_TEST_TMPDIR

	need openssl
	zr_tls_certs "$d"
	zr_tls_key_req -x509 -keyout "$d/self.key" -out "$d/self.pem" -days 2 \
	    -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1"
	start_listener --tls --tls-cert "$d/self.pem" --tls-key "$d/self.key" \
	    127.0.0.1 0 "$R64K"
	run -76 --separate-stderr zr --tls --tls-ca "$d/ca.pem" 127.0.0.1 "$LPORT" "$OUT"
	assert_one_line_stderr "^zcrecv: TLS handshake with 127\.0\.0\.1 port $LPORT: certificate verify failed: .*\$"
}

@test "--checksum of standard output hashes the bytes as they pass" {
	bg_start "$OUT" "$RERR" "$ZCRECV" -v --json --checksum sha256 -l \
	    127.0.0.1 0 -
	zcrecv_listening
	run -0 zc 127.0.0.1 "$RPORT" "$R4M"
	zcrecv_wait 0
	assert_same_bytes "$R4M" "$OUT"
	grep -qx "zcrecv: sha256 $(sha_of "$R4M")" "$RERR" ||
	    fail "no digest: $(cat "$RERR")"
	need jq
	run sh -c "grep '^{' '$RERR' | jq -e -c 'select(.bytes) | [.backend, .fallback_reason]'"
	assert_output '["readwrite","--checksum of a stream"]'
}

@test "--append --checksum --ack: the count and digest are of what this sender added" {
	cp "$R64K" "$OUT"
	start_zcrecv --append --ack --checksum sha256 127.0.0.1 0 "$OUT"
	run -0 zc --ack --checksum sha256 127.0.0.1 "$RPORT" "$R4M"
	zcrecv_wait 0
	cat "$R64K" "$R4M" >"$BATS_TEST_TMPDIR/want"
	assert_same_bytes "$BATS_TEST_TMPDIR/want" "$OUT"
}

@test "--tls --resume --ack: the protocol lines travel inside the TLS session" {
	local d=$BATS_TEST_TMPDIR

	need openssl
	zr_tls_certs "$d"
	head -c 1000000 "$R4M" >"$OUT"
	start_zcrecv --resume --ack --checksum sha256 --tls \
	    --tls-cert "$d/srv.pem" --tls-key "$d/srv.key" 127.0.0.1 0 "$OUT"
	run -0 --separate-stderr zc -v --tls --tls-ca "$d/ca.pem" --resume \
	    --ack --checksum sha256 127.0.0.1 "$RPORT" "$R4M"
	[[ $stderr == *"resuming at byte 1000000 of 4194304"* ]] ||
	    fail "stderr: $stderr"
	zcrecv_wait 0
	assert_same_bytes "$R4M" "$OUT"
}

@test "--resume with -o and -n: from -o plus the offset, -n reduced to match" {
	range_of "$R4M" 1000 50000 >"$BATS_TEST_TMPDIR/want"
	head -c 20000 "$BATS_TEST_TMPDIR/want" >"$OUT"
	start_zcrecv --resume --ack 127.0.0.1 0 "$OUT"
	run -0 --separate-stderr zc -v --resume --ack -o 1000 -n 50000 \
	    127.0.0.1 "$RPORT" "$R4M"
	[[ $stderr == *"resuming at byte 20000 of 50000"* ]] ||
	    fail "stderr: $stderr"
	[[ $stderr == *"acknowledged: ok 50000"* ]] || fail "stderr: $stderr"
	zcrecv_wait 0
	assert_same_bytes "$BATS_TEST_TMPDIR/want" "$OUT"
}

# The members a transfer's --json object has without --ack and --resume.
JSON_BASE='["backend","bytes","count","error","fallback_errno","file",
    "file_bytes","host","offset","port","rate","seconds","status"]'

# fake_json STATUS FILTER REPLY FIRST OPTION...: zcsend -q --json
# OPTION... pushes R64K to a fake_receiver REPLY FIRST and exits STATUS;
# the output is FILTER (jq -c) of its JSON.
fake_json() {
	local status=$1 filter=$2

	need jq
	fake_receiver "$3" "$4"
	shift 4
	run "-$status" --separate-stderr zc -q --json "$@" 127.0.0.1 "$FPORT" "$R64K"
	run -0 jq -c "$filter" <<<"$output"
}

@test "--json --ack: the object holds the count and digest zcrecv acknowledged" {
	local json

	need jq
	start_zcrecv --ack --checksum sha256 127.0.0.1 0 "$OUT"
	run -0 --separate-stderr zc -q --json --ack 127.0.0.1 "$RPORT" "$R64K"
	json=$output
	zcrecv_wait 0
	assert_same_bytes "$R64K" "$OUT"
	run -0 jq -c "[keys - $JSON_BASE, .ack, .status]" <<<"$json"
	assert_output '[["ack"],{"bytes":65536,"sha256":"'"$(sha_of "$R64K")"'"},0]'
}

@test "--json --ack: an ok without a digest gives the ack's sha256 null" {
	need jq
	start_zcrecv --ack 127.0.0.1 0 "$OUT"
	run -0 --separate-stderr zc -q --json --ack 127.0.0.1 "$RPORT" "$R64K"
	zcrecv_wait 0
	run -0 jq -c .ack <<<"$output"
	assert_output '{"bytes":65536,"sha256":null}'
}

@test "--json --ack: the receiver's error line is the ack's error, status 74" {
	fake_json 74 '[.ack, .status, .error]' \
	    'error No space left on device\n' '' --ack
	assert_output '[{"error":"No space left on device"},74,"send to 127.0.0.1 port '"$FPORT"': the receiver failed: No space left on device"]'
}

@test "--json --ack: an ok with another count is in the ack, status 74" {
	fake_json 74 '[.ack, .status]' 'ok 5\n' '' --ack
	assert_output '[{"bytes":5,"sha256":null},74]'
}

@test "--json --ack: a receiver that closes without a line gives ack null" {
	fake_json 74 '[has("ack"), .ack, .status]' '' '' --ack
	assert_output '[true,null,74]'
}

@test "--json --resume: resume_offset is where zcrecv stood, the ack counts the whole file" {
	local json

	need jq
	head -c 1000000 "$R4M" >"$OUT"
	start_zcrecv --resume --ack 127.0.0.1 0 "$OUT"
	run -0 --separate-stderr zc -q --json --resume --ack 127.0.0.1 "$RPORT" "$R4M"
	json=$output
	zcrecv_wait 0
	assert_same_bytes "$R4M" "$OUT"
	run -0 jq -c "[keys - $JSON_BASE, .resume_offset, .file_bytes, .ack.bytes]" <<<"$json"
	assert_output '[["ack","resume_offset"],1000000,3194304,4194304]'
}

@test "--json --resume: a receiver that offers no resume point gives resume_offset null" {
	fake_json 69 "[keys - $JSON_BASE, .resume_offset, .status]" '' '' \
	    --resume
	assert_output '[["resume_offset"],null,69]'
}

@test "--json --resume: an offset past the range is reported with status 65" {
	fake_json 65 '[.resume_offset, .bytes, .status]' '' \
	    'resume 99999999\n' --resume
	assert_output '[99999999,0,65]'
}

@test "--json --to --resume --ack: each destination has its own resume_offset and ack" {
	local p1 json

	need jq
	head -c 1000000 "$R4M" >"$OUT.1"
	start_zcrecv --resume --ack 127.0.0.1 0 "$OUT.1"
	p1=$RPORT
	RERR=$BATS_TEST_TMPDIR/zcrecv2.err
	start_zcrecv --resume --ack --checksum sha256 127.0.0.1 0 "$OUT.2"
	run -0 --separate-stderr zc -q --json --resume --ack "$R4M" \
	    --to "127.0.0.1:$p1" --to "127.0.0.1:$RPORT"
	json=$output
	zcrecv_wait 0
	assert_same_bytes "$R4M" "$OUT.1"
	assert_same_bytes "$R4M" "$OUT.2"
	run -0 jq -c '[has("ack"), has("resume_offset"),
	    (.destinations[] | [.resume_offset, .ack])]' <<<"$json"
	assert_output '[false,false,[1000000,{"bytes":4194304,"sha256":null}],[0,{"bytes":4194304,"sha256":"'"$(sha_of "$R4M")"'"}]]'
}

@test "--json --ack --resume: a run that fails before connecting has ack and resume_offset null" {
	need jq
	run -66 --separate-stderr zc -q --json --ack --resume 127.0.0.1 9 \
	    "$BATS_TEST_TMPDIR/nonexistent"
	run -0 jq -c "[keys - $JSON_BASE, .ack, .resume_offset]" <<<"$output"
	assert_output '[["ack","resume_offset"],null,null]'
}

@test "--json listen mode: zcsend -l --ack reports what zcrecv HOST PORT acknowledged" {
	need jq
	start_listener --json --ack 127.0.0.1 0 "$R64K"
	run -0 zr --ack 127.0.0.1 "$LPORT" "$OUT"
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	run -0 jq -c 'select(.listening == null) | .ack' "$ZCOUT"
	assert_output '{"bytes":65536,"sha256":null}'
}
