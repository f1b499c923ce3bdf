#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
#
# Socket options: -s and -p (the source address and port), --sndbuf and
# --tos, on connected and accepted sockets; with them, the -h lines and
# the usage errors of every deployment option. Every test checks the
# bytes at a real receiver (OpenBSD nc) and what zcsend says.

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
# setup_file, setup and teardown are deploy.bash's.
load test_helper/common
load test_helper/deploy

@test "-h lists the deployment options" {
	run -0 "$ZCSEND" -h
	for opt in '--checksum sha256' '-p, --source-port port' '--retry n' \
	    '--retry-delay s' '-s, --source addr' '--sndbuf size' \
	    '--tos value' '--to-file file'; do
		[[ $output == *"$opt"* ]] || fail "-h does not show $opt: $output"
	done
}

@test "bad values of the deployment options are usage errors" {
	run -64 --separate-stderr "$ZCSEND" --retry -1 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: retry -1: too small$'
	run -64 --separate-stderr "$ZCSEND" --tos af99 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: tos af99: not a number or a DSCP name'
	run -64 --separate-stderr "$ZCSEND" --tos 256 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: tos 256: too large$'
	# ECN bits would be dropped by the kernel for TCP: refused, not lost.
	run -64 --separate-stderr "$ZCSEND" --tos 0x8b 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: tos 0x8b: sets the ECN bits \(the low two\), which TCP sets itself: give a multiple of 4 or a DSCP name$'
	# The backoff is capped at 60 s: a first wait over it is refused.
	run -64 --separate-stderr "$ZCSEND" --retry 1 --retry-delay 61 \
	    127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: retry delay 61: more than 60 s, the longest wait between tries$'
	# One source port connects to a destination once: refused, not
	# failed at the second connect with "Cannot assign requested address".
	run -64 --separate-stderr "$ZCSEND" -p 40000 "$R1M" \
	    --to 127.0.0.1:1 --to 127.0.0.1:tcpmux
	assert_one_line_stderr '^zcsend: command line: -p 40000: 127\.0\.0\.1 port 1 twice: one source port connects to an address and port once$'
	run -64 --separate-stderr "$ZCSEND" --checksum md5 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: checksum md5: not sha256$'
	run -64 --separate-stderr "$ZCSEND" -p 70000 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: source port 70000: '
	run -64 --separate-stderr "$ZCSEND" --sndbuf 0 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: sndbuf 0: out of range$'
	run -64 --separate-stderr "$ZCSEND" -l --retry 2 0 "$R1M"
	assert_one_line_stderr '^zcsend: command line: --retry, -s and -p go with a push, not -l$'
	run -64 --separate-stderr "$ZCSEND" --tos ef -U "$BATS_TEST_TMPDIR/s" "$R1M"
	assert_one_line_stderr '^zcsend: command line: --retry, -s, -p and --tos go with TCP, not -U$'
}

@test "-s and -p: the receiver sees the connection come from 127.0.0.2 and the chosen port" {
	dead_port
	local sport=$DEAD_PORT
	start_nc
	run -0 --separate-stderr zc -s 127.0.0.2 -p "$sport" \
	    127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	grep -qx "Connection received on 127.0.0.2 $sport" "$RECV_ERR" ||
	    fail "the receiver saw: $(cat "$RECV_ERR")"
}

@test "-s and -p with --to: every destination sees the same source address and port" {
	local nc1 out1 err1 port1

	dead_port
	local sport=$DEAD_PORT
	start_nc "$BATS_TEST_TMPDIR/received.1"
	nc1=$RECV_PID
	out1=$RECV_OUT
	err1=$RECV_ERR
	port1=$RECV_PORT
	start_nc "$BATS_TEST_TMPDIR/received.2"
	run -0 --separate-stderr zc -s 127.0.0.2 -p "$sport" "$R1M" \
	    --to "127.0.0.1:$port1" --to "127.0.0.1:$RECV_PORT"
	bg_wait "$nc1"
	assert_same_bytes "$R1M" "$out1"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	grep -qx "Connection received on 127.0.0.2 $sport" "$err1" ||
	    fail "receiver 1 saw: $(cat "$err1")"
	grep -qx "Connection received on 127.0.0.2 $sport" "$RECV_ERR" ||
	    fail "receiver 2 saw: $(cat "$RECV_ERR")"
}

# free_service: sets SVC_NAME and SVC_PORT to a TCP service of services(5)
# on an unprivileged port that nothing uses now.
free_service() {
	local name port

	while read -r name port; do
		if [[ -z $(ss -Htan "sport = :$port") ]]; then
			SVC_NAME=$name
			SVC_PORT=$port
			return 0
		fi
	done < <(awk '$2 ~ /^[0-9]+\/tcp$/ { split($2, p, "/");
	    if (p[1] > 1023 && p[1] < 32768) print $1, p[1] }' /etc/services)
	fail "no free TCP service port in /etc/services"
}

@test "-p takes a service name, as a port does, and binds its port" {
	need ss
	free_service
	start_nc
	run -0 --separate-stderr zc -p "$SVC_NAME" 127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	grep -qx "Connection received on 127.0.0.1 $SVC_PORT" "$RECV_ERR" ||
	    fail "the receiver saw: $(cat "$RECV_ERR")"
}

@test "-s: an address not on this host exits 69 with the reason" {
	start_nc
	run -69 --separate-stderr zc -s 192.0.2.1 127.0.0.1 "$RECV_PORT" "$R1M"
	assert_one_line_stderr "^zcsend: connect 127\\.0\\.0\\.1 port $RECV_PORT: bind 192\\.0\\.2\\.1 port 0: Cannot assign requested address\$"
}

@test "-p: a port in use exits 69 with the reason, and is not retried" {
	start_nc
	run -69 --separate-stderr zc --retry 3 -s 127.0.0.1 -p "$RECV_PORT" \
	    127.0.0.1 "$RECV_PORT" "$R1M"
	assert_one_line_stderr "^zcsend: connect 127\\.0\\.0\\.1 port $RECV_PORT: bind 127\\.0\\.0\\.1 port $RECV_PORT: Address already in use\$"
}

@test "--tos af41 and --sndbuf are set on the socket and reported by -v" {
	local trace=$BATS_TEST_TMPDIR/trace

	need strace
	start_nc
	run -0 --separate-stderr timeout -k 5 "$BOUND" env "$NOLEAK" \
	    strace -f -o "$trace" -e trace=setsockopt \
	    "$ZCSEND" -v --tos af41 --sndbuf 64K 127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	grep -Eq 'setsockopt\([0-9]+, SOL_IP, IP_TOS, \[136\], 4\) = 0' "$trace" ||
	    fail "no IP_TOS 136: $(cat "$trace")"
	grep -Eq 'setsockopt\([0-9]+, SOL_SOCKET, SO_SNDBUF, \[65536\], 4\) = 0' "$trace" ||
	    fail "no SO_SNDBUF 65536: $(cat "$trace")"
	stderr_has "zcsend: 127\\.0\\.0\\.1 port $RECV_PORT: sndbuf [0-9]+ \\(asked 65536\\), tos 0x88 \\(af41\\)"
}

@test "--sndbuf takes the largest size documented, 1G" {
	local trace=$BATS_TEST_TMPDIR/trace

	need strace
	start_nc
	run -0 --separate-stderr timeout -k 5 "$BOUND" env "$NOLEAK" \
	    strace -f -o "$trace" -e trace=setsockopt \
	    "$ZCSEND" --sndbuf 1G 127.0.0.1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	grep -Eq 'setsockopt\([0-9]+, SOL_SOCKET, SO_SNDBUF, \[1073741824\], 4\) = 0' "$trace" ||
	    fail "no SO_SNDBUF 1073741824: $(cat "$trace")"
	run -64 --separate-stderr "$ZCSEND" --sndbuf 1073741825 127.0.0.1 1 "$R1M"
	assert_one_line_stderr '^zcsend: sndbuf 1073741825: out of range$'
}

@test "--tos ef on IPv6 sets the traffic class" {
	local trace=$BATS_TEST_TMPDIR/trace

	need strace
	start_nc -6
	run -0 --separate-stderr timeout -k 5 "$BOUND" env "$NOLEAK" \
	    strace -f -o "$trace" -e trace=setsockopt \
	    "$ZCSEND" -v --tos ef ::1 "$RECV_PORT" "$R1M"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	grep -Eq 'setsockopt\([0-9]+, SOL_IPV6, IPV6_TCLASS, \[184\], 4\) = 0' "$trace" ||
	    fail "no IPV6_TCLASS 184: $(cat "$trace")"
	stderr_has "zcsend: ::1 port $RECV_PORT: tclass 0xb8 \\(ef\\)"
}

@test "--tos and --sndbuf are set on every --to socket and every accepted one" {
	local trace=$BATS_TEST_TMPDIR/trace nc1 out1 port1 zpid

	need strace
	start_nc "$BATS_TEST_TMPDIR/received.1"
	nc1=$RECV_PID
	out1=$RECV_OUT
	port1=$RECV_PORT
	start_nc "$BATS_TEST_TMPDIR/received.2"
	run -0 --separate-stderr timeout -k 5 "$BOUND" env "$NOLEAK" \
	    strace -f -o "$trace" -e trace=setsockopt \
	    "$ZCSEND" --tos 0x20 --sndbuf 128K "$R1M" \
	    --to "127.0.0.1:$port1" --to "127.0.0.1:$RECV_PORT"
	bg_wait "$nc1"
	assert_same_bytes "$R1M" "$out1"
	recv_wait
	assert_same_bytes "$R1M" "$RECV_OUT"
	assert_equal "$(grep -Ec 'IP_TOS, \[32\], 4\) = 0' "$trace")" 2
	assert_equal "$(grep -Ec 'SO_SNDBUF, \[131072\], 4\) = 0' "$trace")" 2

	# Listen mode: the accepted socket.
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" -l -v --tos cs1 --sndbuf 32K \
	    127.0.0.1 0 "$R1M"
	zpid=$BG_PID
	wait_for_line "$ZCERR" '^zcsend: listening on .* port [0-9]+$' 10
	local lport
	lport=$(sed -n 's/^zcsend: listening on .* port \([0-9]*\)$/\1/p' "$ZCERR")
	timeout 30 nc.openbsd -d -n 127.0.0.1 "$lport" >"$BATS_TEST_TMPDIR/got" </dev/null
	bg_wait "$zpid"
	assert_equal "$BG_STATUS" 0
	assert_same_bytes "$R1M" "$BATS_TEST_TMPDIR/got"
	grep -Eq '^zcsend: 127\.0\.0\.1 port [0-9]+: sndbuf [0-9]+ \(asked 32768\), tos 0x20 \(cs1\)$' "$ZCERR" ||
	    fail "no socket option line: $(cat "$ZCERR")"
}
