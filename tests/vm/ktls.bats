#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Kernel TLS for real: zcsend --tls on a kernel with the tls module (the
# guest of make check-vm, see tests/vm/guest, which loads it). Each run
# sends a header, a range of a sparse 5 GiB file that starts past 4 GiB,
# and a trailer, under TLS 1.3 with AES-128-GCM, AES-256-GCM and
# CHACHA20-POLY1305 and under TLS 1.2, pushed to openssl s_server and
# socat and served (-l) to curl and socat. Each one must say "ktls": true
# in --json, move the kernel's TlsTxSw counter by one, and deliver exact
# bytes. zcrecv -l --tls receives the same range: under TLS 1.2 the kernel
# decrypts (TlsRxSw moves, the bytes are spliced); under TLS 1.3 --json
# says whether OpenSSL handed the kernel the receive keys, and why not.
# The last test unloads the tls module: the same pushes then say "ktls":
# false and why, and still deliver exact bytes.
#
# The peers get their protocol and cipher from an OpenSSL configuration
# file (OPENSSL_CONF) or, for curl, its own options; zcsend is left to
# negotiate.

# The range sent: past 4.5 GiB, an odd count.
OFF=$((4608 * 1048576 + 12345))
CNT=1048577

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
setup_file() {
	local d=$BATS_FILE_TMPDIR v

	[[ -n ${ZC_VM_KROOT-} ]] ||
	    skip "kernel TLS tests run in the guest of make check-vm"
	load ../test_helper/common
	load ../test_helper/tls
	tls_ca_and_server
	# 5 GiB, all holes but 2 MiB of random bytes at 4.5 GiB.
	truncate -s 5G "$d/sparse"
	head -c 2097152 /dev/urandom >"$d/patch"
	dd if="$d/patch" of="$d/sparse" bs=1048576 seek=4608 conv=notrunc \
	    status=none
	# What every run sends: a header, 1 MiB + 1 from past 4.5 GiB, a
	# trailer.
	{
		printf 'HEAD\r\n'
		range_of "$d/sparse" "$OFF" "$CNT"
		printf '\r\nTAIL'
	} >"$d/want"
	for v in 13-aes128 13-aes256 13-chacha 12-aes256; do
		{
			printf '%s\n' 'openssl_conf = conf' '[conf]' \
			    'ssl_conf = ssl' '[ssl]' 'system_default = sys' \
			    '[sys]'
			case $v in
			13-*) printf 'MinProtocol = TLSv1.3\nCiphersuites = %s\n' \
			    "$(variant_cipher "$v")" ;;
			12-*) printf 'MaxProtocol = TLSv1.2\nCipherString = %s\n' \
			    "$(variant_cipher "$v")" ;;
			esac
		} >"$d/$v.cnf"
	done
}

teardown_file() {
	# The fallback test unloads tls: back as it was for what follows.
	if [[ -n ${ZC_VM_KROOT-} ]]; then
		modprobe -d "$ZC_VM_KROOT" -S "$ZC_VM_KREL" tls
	fi
}

setup() {
	load ../test_helper/common
	load ../test_helper/tls
	_common_setup
	need jq openssl socat curl
	D=$BATS_FILE_TMPDIR
	CA=$D/ca.pem
	ZCERR=$BATS_TEST_TMPDIR/zcsend.err
	ZCOUT=$BATS_TEST_TMPDIR/zcsend.out
	GOT=$BATS_TEST_TMPDIR/got
	WANT=$D/want
	SEND_ARGS=(-H 'HEAD\r\n' -T '\r\nTAIL' -o "$OFF" -n "$CNT")
}

teardown() {
	_common_teardown
}

# variant_cipher VARIANT: the OpenSSL name of the variant's cipher.
variant_cipher() {
	case $1 in
	13-aes128) echo TLS_AES_128_GCM_SHA256 ;;
	13-aes256) echo TLS_AES_256_GCM_SHA384 ;;
	13-chacha) echo TLS_CHACHA20_POLY1305_SHA256 ;;
	12-aes256) echo ECDHE-ECDSA-AES256-GCM-SHA384 ;;
	esac
}

# tls_tx_sw: the kernel's count of TLS send sides it encrypts in software.
tls_tx_sw() {
	awk '$1 == "TlsTxSw" { print $2 }' /proc/net/tls_stat
}

# assert_ktls_json JSON VARIANT: the transfer's JSON reports the variant's
# protocol and cipher, kTLS on and the ktls-sendfile backend, status 0 and
# every byte.
assert_ktls_json() {
	local version=TLSv1.3

	[[ $2 != 12-* ]] || version=TLSv1.2
	assert_equal "$2: $(jq -c '[.status, .bytes, .tls.version,
	    .tls.cipher, .tls.ktls, .tls.ktls_reason, .backend]' <<<"$1")" \
	    "$2: [0,$(size_of "$WANT"),\"$version\",\"$(variant_cipher "$2")\",true,null,\"ktls-sendfile\"]"
}

# push_ktls PEER VARIANT: pushes the range to PEER (s_server or socat)
# speaking only VARIANT; checks the bytes, the JSON and TlsTxSw.
push_ktls() {
	local before start=start_s_server

	[[ $1 != socat ]] || start=start_socat_ssl
	OPENSSL_CONF=$D/$2.cnf "$start" "$GOT"
	before=$(tls_tx_sw)
	run -0 --separate-stderr zc --json --tls --tls-ca "$CA" \
	    "${SEND_ARGS[@]}" 127.0.0.1 "$RECV_PORT" "$D/sparse"
	recv_wait
	assert_same_bytes "$WANT" "$GOT" || fail "$2: bytes differ"
	assert_ktls_json "$output" "$2"
	assert_equal "$2: TlsTxSw +$(($(tls_tx_sw) - before))" "$2: TlsTxSw +1"
	rm -f "$GOT"
}

# serve_ktls CLIENT VARIANT: zcsend -l --tls serves the range to CLIENT
# (curl or socat) speaking only VARIANT; checks as push_ktls.
serve_ktls() {
	local before

	before=$(tls_tx_sw)
	start_listener --json --tls --tls-cert "$D/srv.pem" \
	    --tls-key "$D/srv.key" "${SEND_ARGS[@]}" 127.0.0.1 0 "$D/sparse"
	"fetch_$1" "$2"
	bg_wait "$ZPID"
	[[ $BG_STATUS -eq 0 ]] ||
	    fail "zcsend -l exited $BG_STATUS: $(cat "$ZCERR")"
	assert_same_bytes "$WANT" "$GOT" || fail "$2: bytes differ"
	assert_ktls_json "$(tail -n 1 "$ZCOUT")" "$2"
	assert_equal "$2: TlsTxSw +$(($(tls_tx_sw) - before))" "$2: TlsTxSw +1"
	rm -f "$GOT"
}

# fetch_curl VARIANT: curl --cacert from the listener, only VARIANT
# offered. The reply is no HTTP: --http0.9 takes it as the body.
fetch_curl() {
	local opts=(--tlsv1.3 --tls13-ciphers "$(variant_cipher "$1")")

	[[ $1 != 12-* ]] ||
	    opts=(--tlsv1.2 --tls-max 1.2 --ciphers "$(variant_cipher "$1")")
	run -0 timeout 30 curl -sS --http0.9 --cacert "$CA" "${opts[@]}" \
	    --resolve "localhost:$LPORT:127.0.0.1" -o "$GOT" \
	    "https://localhost:$LPORT/"
}

# fetch_socat VARIANT: socat OPENSSL: from the listener, verifying it.
fetch_socat() {
	OPENSSL_CONF=$D/$1.cnf run -0 timeout 30 socat -u \
	    "OPENSSL:127.0.0.1:$LPORT,cafile=$CA" "CREATE:$GOT"
}

# every_variant CMD ARG...: CMD ARG... VARIANT for each variant in turn;
# a failure names the variant.
every_variant() {
	local v

	for v in 13-aes128 13-aes256 13-chacha 12-aes256; do
		"$@" "$v"
	done
}

@test "push to openssl s_server: kTLS with TLS 1.3 AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305 and TLS 1.2, past 4 GiB" {
	every_variant push_ktls s_server
}

@test "push to socat: kTLS with TLS 1.3 AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305 and TLS 1.2, past 4 GiB" {
	every_variant push_ktls socat
}

@test "-l serves curl --cacert: kTLS with TLS 1.3 AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305 and TLS 1.2, past 4 GiB" {
	every_variant serve_ktls curl
}

@test "-l serves socat: kTLS with TLS 1.3 AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305 and TLS 1.2, past 4 GiB" {
	every_variant serve_ktls socat
}

# tls_rx_sw: the kernel's count of TLS receive sides it decrypts in
# software.
tls_rx_sw() {
	awk '$1 == "TlsRxSw" { print $2 }' /proc/net/tls_stat
}

# recv_ktls VARIANT: zcsend --tls pushes the range to zcrecv -l --tls
# --json speaking only VARIANT (zcrecv reads OPENSSL_CONF); sets ROUT,
# the JSON zcrecv printed, and RX, by how much TlsRxSw moved, and checks
# the bytes stored.
recv_ktls() {
	local before out=$BATS_TEST_TMPDIR/stored

	ROUT=$BATS_TEST_TMPDIR/zcrecv.out
	before=$(tls_rx_sw)
	OPENSSL_CONF=$D/$1.cnf bg_start "$ROUT" "$BATS_TEST_TMPDIR/zcrecv.err" \
	    "$ZCRECV" -l --json --tls --tls-cert "$D/srv.pem" \
	    --tls-key "$D/srv.key" 127.0.0.1 0 "$out"
	local rpid=$BG_PID
	wait_for_line "$BATS_TEST_TMPDIR/zcrecv.err" \
	    '^zcrecv: listening on .* port [0-9]+$'
	run -0 --separate-stderr zc --tls --tls-ca "$CA" "${SEND_ARGS[@]}" \
	    127.0.0.1 "$(sed -n 's/^zcrecv: listening on .* port \([0-9]*\)$/\1/p' \
	    "$BATS_TEST_TMPDIR/zcrecv.err")" "$D/sparse"
	bg_wait "$rpid"
	[[ $BG_STATUS -eq 0 ]] ||
	    fail "$1: zcrecv exited $BG_STATUS: $(cat "$BATS_TEST_TMPDIR/zcrecv.err")"
	assert_same_bytes "$WANT" "$out" || fail "$1: bytes differ"
	RX=$(($(tls_rx_sw) - before))
}

@test "zcrecv -l --tls under TLS 1.2: the kernel decrypts (TlsRxSw), zcrecv splices, exact bytes" {
	[[ -x ${ZCRECV-} ]] || fail "ZCRECV must name zcrecv"
	recv_ktls 12-aes256
	assert_equal "$(jq -c 'select(.bytes) | [.status, .bytes, .tls.version,
	    .tls.ktls_rx, .tls.ktls_rx_reason, .backend]' "$ROUT")" \
	    "[0,$(size_of "$WANT"),\"TLSv1.2\",true,null,\"ktls-splice\"]"
	# Two receive sides: zcrecv's, and zcsend's, which OpenSSL offloads
	# too under TLS 1.2 (it reads the receiver's close_notify there).
	assert_equal "TlsRxSw +$RX" "TlsRxSw +2"
}

@test "zcrecv -l --tls under TLS 1.3: what OpenSSL offloads, --json says, and the bytes are exact" {
	local v

	[[ -x ${ZCRECV-} ]] || fail "ZCRECV must name zcrecv"
	for v in 13-aes128 13-chacha; do
		recv_ktls "$v"
		# Either the kernel decrypts (and TlsRxSw moves), or --json
		# says why not and the bytes went through OpenSSL.
		if [[ $(jq -r 'select(.bytes) | .tls.ktls_rx' "$ROUT") == true ]]; then
			assert_equal "$v: $(jq -r 'select(.bytes) | .backend' "$ROUT") +$RX" \
			    "$v: ktls-splice +1"
		else
			assert_equal "$v: $(jq -c 'select(.bytes) | [.backend,
			    (.tls.ktls_rx_reason | length > 0)]' "$ROUT") +$RX" \
			    "$v: [\"tls-readwrite\",true] +0"
		fi
	done
}

@test "with the tls module unloaded: ktls false and why, in a push and in -l, and exact bytes" {
	local want_json

	# The sockets of the tests above may hold the module a moment longer.
	wait_until 10 rmmod tls
	! grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp ||
	    fail "tls still listed: $(cat /proc/sys/net/ipv4/tcp_available_ulp)"
	want_json="[0,$(size_of "$WANT"),false,\"kernel without the tls module (tcp_available_ulp: $(cat /proc/sys/net/ipv4/tcp_available_ulp))\",\"tls-readwrite\"]"

	OPENSSL_CONF=$D/13-aes128.cnf start_s_server "$GOT"
	run -0 --separate-stderr zc --json --tls --tls-ca "$CA" \
	    "${SEND_ARGS[@]}" 127.0.0.1 "$RECV_PORT" "$D/sparse"
	recv_wait
	assert_same_bytes "$WANT" "$GOT"
	assert_equal "$(jq -c '[.status, .bytes, .tls.ktls, .tls.ktls_reason,
	    .backend]' <<<"$output")" "$want_json"

	rm -f "$GOT"
	start_listener --json --tls --tls-cert "$D/srv.pem" \
	    --tls-key "$D/srv.key" "${SEND_ARGS[@]}" 127.0.0.1 0 "$D/sparse"
	fetch_curl 13-aes128
	bg_wait "$ZPID"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$WANT" "$GOT"
	assert_equal "$(tail -n 1 "$ZCOUT" | jq -c '[.status, .bytes,
	    .tls.ktls, .tls.ktls_reason, .backend]')" "$want_json"
}
