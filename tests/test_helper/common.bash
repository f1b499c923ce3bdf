# SPDX-License-Identifier: ISC
# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034: the variables set here are read by the test files that load
# this one; SC2154: $stderr and friends are set by bats' run.)
# Shared helpers for the zcsend bats suite.
#
# Every test file calls _common_setup from setup and _common_teardown from
# teardown. Receivers listen on a port the kernel picks and tell us which;
# everything started in the background is bounded by timeout(1) and killed
# in teardown; tests wait for lines, never for time to pass.
#
# Environment: ZCSEND (the binary under test), ZCPEER (tests/peer),
# BATS_LIB_PATH (where bats-support, bats-assert and bats-file live).

# Upper bound, in seconds, for any one process a test starts.
BOUND=60
# How late, in seconds, a timer of zcsend's (an idle, connect or close
# timeout, a signal's effect) may fire before a test says it did not
# fire as documented. Generous on purpose: CI and distribution builders
# run the suite beside other jobs, with the sanitizers, on two cores. It
# still tells a timer that fired from the longer wait it replaces (the
# 30 s default close timeout, the kernel's SYN retries, BOUND). Lower
# bounds, which load cannot break, stay exact.
LATE=10

_common_setup() {
	bats_require_minimum_version 1.7.0
	export BATS_LIB_PATH=${BATS_LIB_PATH:-/usr/lib/bats}
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	# Messages carry strerror() and gai_strerror() texts: pin them.
	export LC_ALL=C

	[[ -n ${ZCSEND-} && -x ${ZCSEND-} ]] ||
	    fail "ZCSEND must name the zcsend binary (it is '${ZCSEND-}')"
	BG_PIDS=()
	BG_SEQ=0
}

_common_teardown() {
	local pid

	# timeout(1) passes the TERM on and, thanks to -k, follows up with a
	# KILL: the wait is bounded even if a process ignores TERM.
	for pid in "${BG_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	BG_PIDS=()
}

# zc ARG...: zcsend, bounded. For use with run.
zc() {
	timeout -k 5 "$BOUND" "$ZCSEND" "$@"
}

# wait_for_line FILE REGEX [SECONDS]: returns once a line of FILE matches
# the extended REGEX; after SECONDS (default 10) fails and shows FILE.
wait_for_line() {
	local file=$1 re=$2 secs=${3:-10} i

	for ((i = 0; i < secs * 50; i++)); do
		if [[ -f $file ]] && grep -Eq -- "$re" "$file"; then
			return 0
		fi
		sleep 0.02
	done
	printf 'no line matching /%s/ in %s within %s s; it holds:\n' \
	    "$re" "$file" "$secs" >&2
	cat -- "$file" >&2 2>/dev/null || true
	return 1
}

# wait_until SECONDS CMD [ARG]...: returns once CMD succeeds; fails after
# SECONDS.
wait_until() {
	local secs=$1 i

	shift
	for ((i = 0; i < secs * 50; i++)); do
		"$@" && return 0
		sleep 0.02
	done
	fail "not true within $secs s: $*"
}

# unix_listening PATH: a socket bound to PATH listens. Its file appears at
# bind(2), a moment before listen(2), and a connect in between is refused,
# so where the kernel lists its Unix sockets (Linux's /proc/net/unix, flag
# __SO_ACCEPTCON) this waits for the listen itself.
unix_listening() {
	[[ -S $1 ]] || return 1
	[[ -r /proc/net/unix ]] || return 0
	awk -v path="$1" '$4 == "00010000" && $NF == path { found = 1 }
	    END { exit !found }' /proc/net/unix
}

# need CMD...: fails, naming the command, unless every CMD is installed.
need() {
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null ||
		    fail "$c is needed for this test (see scripts/bootstrap)"
	done
}

# bg_start OUT ERR CMD [ARG]...: runs CMD in the background with stdin
# from /dev/null, stdout to OUT and stderr to ERR, bounded by timeout(1).
# Sets BG_PID (timeout's pid: wait for it, it returns CMD's status) and
# BG_CMD_PID (CMD's own pid: send it signals). fd 3 is closed, or bats
# would wait for the job to end.
bg_start() {
	_bg_run timeout -k 5 "$BOUND" -- "$@"
}

# bg_start_tethered OUT ERR CMD [ARG]...: bg_start for a process that
# serves a whole test (a receiver taking a thousand connections, a
# listener serving hundreds of clients), which no wall-clock bound fits:
# how long the test runs depends on the build and on how busy the machine
# is. Such a process a 60 s bound once killed half-way through a slow
# sanitizer run, and every connection after that was refused. It lives
# until teardown stops it, or until the shell that started it dies: on
# Linux the kernel signals that death to it (setpriv --pdeathsig); where
# setpriv is missing, a watcher checks once a second that the shell is
# still there.
bg_start_tethered() {
	local shell=$BASHPID

	if setpriv --pdeathsig TERM true 2>/dev/null; then
		_bg_run setpriv --pdeathsig TERM -- "$@"
		return
	fi
	_bg_run env -- "$@"
	local job=$BG_PID
	# shellcheck disable=SC2016 # the inner shell expands these
	sh -c 'while kill -0 "$0" 2>/dev/null; do sleep 1; done; kill -TERM "$1"' \
	    "$shell" "$BG_CMD_PID" </dev/null >/dev/null 2>&1 3>&- &
	# Teardown stops the watcher too, before the pid it would signal can
	# be reused.
	BG_PIDS+=("$!")
	BG_PID=$job
}

# _bg_run WRAPPER... -- OUT ERR CMD [ARG]...: the body of bg_start and
# bg_start_tethered; WRAPPER (up to the --) runs CMD.
_bg_run() {
	local wrap=() out err pidfile

	while [[ $1 != -- ]]; do
		wrap+=("$1")
		shift
	done
	out=$2 err=$3
	shift 3
	pidfile=$BATS_TEST_TMPDIR/bg.$((++BG_SEQ)).pid
	: >"$pidfile"
	# shellcheck disable=SC2016 # the inner shell expands these
	"${wrap[@]}" sh -c 'echo $$ >"$0"; exec "$@"' \
	    "$pidfile" "$@" </dev/null >"$out" 2>"$err" 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
	wait_for_line "$pidfile" '^[0-9]+$' 10
	BG_CMD_PID=$(<"$pidfile")
}

# bg_wait PID: waits for a job from bg_start and sets BG_STATUS to its
# exit status without tripping set -e. The pid is then forgotten, so that
# teardown cannot signal whatever process reuses it.
bg_wait() {
	local i

	BG_STATUS=0
	wait "$1" || BG_STATUS=$?
	for i in "${!BG_PIDS[@]}"; do
		[[ ${BG_PIDS[i]} != "$1" ]] || unset 'BG_PIDS[i]'
	done
}

# start_nc [-6] [OUT]: OpenBSD nc listening on 127.0.0.1 (or ::1) on a
# free port, writing what arrives to OUT (default $BATS_TEST_TMPDIR/
# received). Sets RECV_PID, RECV_PORT, RECV_OUT and RECV_ERR.
start_nc() {
	local addr=127.0.0.1

	if [[ ${1-} == -6 ]]; then
		addr=::1
		shift
	fi
	RECV_OUT=${1:-$BATS_TEST_TMPDIR/received}
	RECV_ERR=$BATS_TEST_TMPDIR/recv.$((BG_SEQ + 1)).err
	bg_start "$RECV_OUT" "$RECV_ERR" nc.openbsd -d -l -n -v "$addr" 0
	RECV_PID=$BG_PID
	wait_for_line "$RECV_ERR" '^Listening on ' 10
	RECV_PORT=$(sed -n 's/^Listening on .* \([0-9][0-9]*\)$/\1/p' \
	    "$RECV_ERR")
	[[ $RECV_PORT =~ ^[0-9]+$ ]] ||
	    fail "nc printed no port: $(cat "$RECV_ERR")"
}

# start_peer [ZCPEER-ARG]...: the test receiver (see tests/helpers/
# peer.c) on a free loopback port. Sets RECV_PID (for wait), RECV_SIG_PID
# (for kill -USR1), RECV_PORT and RECV_ERR (its status lines).
start_peer() {
	[[ -n ${ZCPEER-} && -x ${ZCPEER-} ]] ||
	    fail "ZCPEER must name the test receiver tests/peer (it is '${ZCPEER-}')"
	RECV_ERR=$BATS_TEST_TMPDIR/recv.$((BG_SEQ + 1)).err
	bg_start /dev/null "$RECV_ERR" "$ZCPEER" -t "$BOUND" "$@"
	RECV_PID=$BG_PID
	RECV_SIG_PID=$BG_CMD_PID
	wait_for_line "$RECV_ERR" '^listening [0-9]+$' 10
	RECV_PORT=$(sed -n 's/^listening \([0-9][0-9]*\)$/\1/p' "$RECV_ERR")
}

# recv_wait: waits for the receiver to finish; fails unless it exited 0.
recv_wait() {
	bg_wait "$RECV_PID"
	[[ $BG_STATUS -eq 0 ]] ||
	    fail "receiver exited $BG_STATUS: $(cat "$RECV_ERR")"
}

# dead_port: sets DEAD_PORT to a loopback port nothing listens on: one a
# listener had until a moment ago.
dead_port() {
	start_nc "$BATS_TEST_TMPDIR/dead.out"
	DEAD_PORT=$RECV_PORT
	kill -TERM "$RECV_PID"
	bg_wait "$RECV_PID"
}

# sha_of FILE: the SHA-256 of FILE, in hex.
sha_of() {
	local sum

	if command -v sha256sum >/dev/null; then
		sum=$(sha256sum <"$1")
	elif command -v shasum >/dev/null; then
		sum=$(shasum -a 256 <"$1")
	else
		sum=$(sha256 -q <"$1")
	fi
	printf '%s\n' "${sum%% *}"
}

# size_of FILE: its size in bytes.
size_of() {
	wc -c <"$1" | tr -d ' '
}

# assert_same_bytes EXPECTED RECEIVED: both files hold the same bytes,
# compared by SHA-256.
assert_same_bytes() {
	local want got

	want=$(sha_of "$1")
	got=$(sha_of "$2")
	[[ $want == "$got" ]] ||
	    fail "$(printf '%s\n' 'received bytes differ from the expected ones' \
	    "expected: $want ($(size_of "$1") bytes, $1)" \
	    "received: $got ($(size_of "$2") bytes, $2)")"
}

# assert_one_line_stderr REGEX: stderr (from run --separate-stderr) is
# exactly one line and it matches the extended REGEX.
assert_one_line_stderr() {
	[[ $stderr != *$'\n'* && $stderr =~ $1 ]] ||
	    fail "$(printf '%s\n' 'stderr is not one line matching' "  /$1/" \
	    'it is:' "$stderr")"
}

# range_of FILE OFFSET [COUNT]: writes bytes OFFSET.. (COUNT of them, or
# to the end) of FILE to stdout.
range_of() {
	if [[ -n ${3-} ]]; then
		tail -c "+$(($2 + 1))" "$1" | head -c "$3"
	else
		tail -c "+$(($2 + 1))" "$1"
	fi
}

# assert_stderr_via BACKEND: the summary line on stderr (from run
# --separate-stderr) names BACKEND, alone, as the path that carried the
# bytes.
assert_stderr_via() {
	local line

	while IFS= read -r line; do
		[[ $line != "zcsend: sent "*" via $1" ]] || return 0
	done <<<"$stderr"
	fail "$(printf '%s\n' "no summary line ending in 'via $1'; stderr:" \
	    "$stderr")"
}

# start_listener [OPTION]...: zcsend -l in the background with OPTIONs
# (which end with [ADDRESS] 0 FILE), its output in $ZCOUT and $ZCERR (the
# test file's setup names them); sets ZPID (to wait for), ZCMD (to signal)
# and LPORT, the port it reports.
start_listener() {
	bg_start "$ZCOUT" "$ZCERR" "$ZCSEND" -l "$@"
	ZPID=$BG_PID
	ZCMD=$BG_CMD_PID
	wait_for_line "$ZCERR" '^zcsend: listening on .* port [0-9]+$' 10
	LPORT=$(sed -n 's/^zcsend: listening on .* port \([0-9]*\)$/\1/p' \
	    "$ZCERR")
}

# new_netns: a network namespace whose only interface is lo, up; sets
# NETNS (the test's teardown deletes it). Skips where namespaces cannot
# be made (not root, no ip(8)).
new_netns() {
	command -v ip >/dev/null || skip "no ip(8)"
	NETNS=zcsend-test-$$-$BATS_TEST_NUMBER
	ip netns add "$NETNS" 2>/dev/null || {
		NETNS=
		skip "cannot create a network namespace (needs root)"
	}
	ip netns exec "$NETNS" ip link set lo up
}

# loaded NAME COMMAND...: runs COMMAND with the dynamic loader's file log
# (glibc's LD_DEBUG=files) and sets LOADED to the libssl and libcrypto
# files it mapped, and ZC_STATUS to its exit status.
loaded() {
	local log=$BATS_TEST_TMPDIR/ld.$1

	shift
	ZC_STATUS=0
	LD_DEBUG=files LD_DEBUG_OUTPUT=$log timeout -k 5 "$BOUND" "$@" \
	    >/dev/null 2>&1 || ZC_STATUS=$?
	LOADED=$(cat "$log".* | sed -n 's/.*file=\(lib\(ssl\|crypto\)\.[^ ]*\) .*/\1/p' |
	    sort -u | tr '\n' ' ')
}

# unloadable LIB: sets BAD to a new directory holding an empty file named
# LIB, which the dynamic loader refuses ("file too short") when BAD comes
# first on LD_LIBRARY_PATH.
unloadable() {
	BAD=$BATS_TEST_TMPDIR/bad
	mkdir -p "$BAD"
	: >"$BAD/$1"
}
