# SPDX-License-Identifier: ISC
# shellcheck shell=bash disable=SC2034,SC2154
# TLS peers for the tests of --tls (tests/96-tls.bats, tests/vm/ktls.bats):
# certificates made with openssl(1), and openssl s_server and socat
# OPENSSL-LISTEN as receivers. $D names the directory of the certificates
# (the test file's BATS_FILE_TMPDIR).

# tls_key_req ARG...: openssl req with a new P-256 key, no passphrase.
tls_key_req() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    "$@" 2>/dev/null
}

# tls_leaf NAME SAN SERIAL ARG...: NAME.pem and NAME.key, signed by the CA.
tls_leaf() {
	local d=$BATS_FILE_TMPDIR name=$1 san=$2 serial=$3

	shift 3
	tls_key_req -keyout "$d/$name.key" -out "$d/$name.csr" -subj "/CN=$name"
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' \
	    "$san" >"$d/$name.ext"
	openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" \
	    -CAkey "$d/ca.key" -set_serial "$serial" -out "$d/$name.pem" \
	    -extfile "$d/$name.ext" "$@" 2>/dev/null
}

# tls_ca_and_server: ca.pem and ca.key, a test CA, and srv.pem and
# srv.key, signed by it, for localhost, 127.0.0.1 and ::1, in
# BATS_FILE_TMPDIR.
tls_ca_and_server() {
	local d=$BATS_FILE_TMPDIR

	tls_key_req -x509 -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
	    -subj "/CN=zcsend test CA"
	tls_leaf srv "DNS:localhost,IP:127.0.0.1,IP:::1" 1 -days 2
}

# listening_or_gone PID PORT: PORT has a TCP listener, or PID ended.
listening_or_gone() {
	[[ -n $(ss -Hltn "sport = :$2") ]] || ! kill -0 "$1" 2>/dev/null
}

# start_on_free_port WHAT CMD...: runs CMD (in which the word PORT is
# replaced by a port free a moment ago) until it listens; for receivers
# that cannot report a port the kernel chose. Sets RECV_PID, RECV_PORT
# and RECV_ERR.
start_on_free_port() {
	local what=$1 _ out arg args

	out=$2
	shift 2
	for _ in 1 2 3 4 5; do
		dead_port
		args=()
		for arg in "$@"; do
			args+=("${arg//PORT/$DEAD_PORT}")
		done
		RECV_ERR=$BATS_TEST_TMPDIR/recv.$((BG_SEQ + 1)).err
		bg_start "$out" "$RECV_ERR" "${args[@]}"
		RECV_PID=$BG_PID
		RECV_PORT=$DEAD_PORT
		wait_until 10 listening_or_gone "$RECV_PID" "$RECV_PORT"
		kill -0 "$RECV_PID" 2>/dev/null && return 0
		bg_wait "$RECV_PID"
	done
	fail "$what found no free port: $(cat "$RECV_ERR")"
}

# start_s_server OUT [S_SERVER-ARG]...: openssl s_server with the CA's
# server certificate, writing what arrives to OUT. It ends when its input
# ends, so its input is a FIFO this test holds open.
start_s_server() {
	local out=$1 fifo

	shift
	need openssl ss
	fifo=$BATS_TEST_TMPDIR/s_server.$((BG_SEQ + 1)).in
	mkfifo "$fifo"
	exec {S_SERVER_IN}<>"$fifo"
	# shellcheck disable=SC2016 # the inner shell expands these
	start_on_free_port "openssl s_server" "$out" sh -c \
	    'exec openssl s_server "$@" <"$0"' "$fifo" \
	    -accept 127.0.0.1:PORT -naccept 1 -quiet \
	    -cert "$D/srv.pem" -key "$D/srv.key" "$@"
}

# start_ncat_ssl OUT: ncat --ssl -l with the server certificate.
start_ncat_ssl() {
	need ncat ss
	start_on_free_port "ncat --ssl" "$1" ncat -l --recv-only --ssl \
	    --ssl-cert "$D/srv.pem" --ssl-key "$D/srv.key" 127.0.0.1 PORT
}

# start_socat_ssl OUT [CERT KEY]: socat OPENSSL-LISTEN on a kernel-chosen
# port (it logs which), the server certificate unless CERT and KEY.
start_socat_ssl() {
	local cert=${2:-$D/srv.pem} key=${3:-$D/srv.key}

	need socat
	RECV_ERR=$BATS_TEST_TMPDIR/recv.$((BG_SEQ + 1)).err
	bg_start /dev/null "$RECV_ERR" socat -d -d -u \
	    "OPENSSL-LISTEN:0,bind=127.0.0.1,cert=$cert,key=$key,verify=0" \
	    "CREATE:$1"
	RECV_PID=$BG_PID
	wait_for_line "$RECV_ERR" 'listening on AF=2 127\.0\.0\.1:[0-9]+$' 10
	RECV_PORT=$(sed -n 's/.*listening on AF=2 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$RECV_ERR")
}
