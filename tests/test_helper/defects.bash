# SPDX-License-Identifier: ISC
# shellcheck shell=bash disable=SC2034,SC2154
# Helpers for the regression tests of the 85-90 files, on top of common.bash
# (load that first).

# blocked_in_fifo_open PID: PID sleeps in open(2) of a FIFO that has no
# writer yet (Linux: its wait channel).
blocked_in_fifo_open() {
	[[ $(cat "/proc/$1/wchan" 2>/dev/null) == wait_for_partner ]]
}

# start_zc OUT ERR ARG...: zcsend ARG... in the background; sets ZPID (to
# wait for) and ZCMD (to signal).
start_zc() {
	bg_start "$1" "$2" "$ZCSEND" "${@:3}"
	ZPID=$BG_PID
	ZCMD=$BG_CMD_PID
}

# start_unix_nc PATH [OUT]: OpenBSD nc listening on the Unix socket PATH,
# writing what arrives to OUT (default $BATS_TEST_TMPDIR/received). Sets
# RECV_PID and RECV_OUT.
start_unix_nc() {
	RECV_OUT=${2:-$BATS_TEST_TMPDIR/received}
	RECV_ERR=$BATS_TEST_TMPDIR/recv.$((BG_SEQ + 1)).err
	bg_start "$RECV_OUT" "$RECV_ERR" nc.openbsd -d -l -U "$1"
	RECV_PID=$BG_PID
	wait_until 10 unix_listening "$1"
}

# JSON_TRANSFER: a jq filter true of an object with exactly the members
# the man page gives a transfer (push and listen mode), each of its type.
JSON_TRANSFER='type == "object" and
    (keys == ["backend", "bytes", "count", "error", "fallback_errno",
	"file", "file_bytes", "host", "offset", "port", "rate", "seconds",
	"status"]) and
    ((.host | type) == "string" or .host == null) and
    ((.port | type) == "string" or .port == null) and
    (.file | type) == "string" and (.offset | type) == "number" and
    ((.count | type) == "number" or .count == null) and
    (.bytes | type) == "number" and (.file_bytes | type) == "number" and
    (.seconds | type) == "number" and .seconds >= 0 and
    (.rate | type) == "number" and .rate >= 0 and
    ((.backend | type) == "string" or .backend == null) and
    ((.fallback_errno | type) == "string" or .fallback_errno == null) and
    (.status | type) == "number" and
    ((.error | type) == "string" or .error == null) and
    ((.status == 0) == (.error == null))'

# JSON_DEST: the same for one entry of "destinations" with --to.
JSON_DEST='type == "object" and
    (keys == ["backend", "bytes", "error", "fallback_errno", "file_bytes",
	"host", "port", "rate", "seconds", "status"]) and
    (.host | type) == "string" and (.port | type) == "string" and
    (.bytes | type) == "number" and (.file_bytes | type) == "number" and
    (.seconds | type) == "number" and (.rate | type) == "number" and
    ((.backend | type) == "string" or .backend == null) and
    ((.fallback_errno | type) == "string" or .fallback_errno == null) and
    (.status | type) == "number" and
    ((.error | type) == "string" or .error == null)'

# JSON_MULTI: the object of a --to run.
JSON_MULTI='type == "object" and
    (keys == ["count", "destinations", "error", "file", "offset",
	"status"]) and
    (.file | type) == "string" and (.offset | type) == "number" and
    ((.count | type) == "number" or .count == null) and
    (.status | type) == "number" and
    ((.error | type) == "string" or .error == null) and
    (.destinations | type) == "array"'

# assert_utf8 TEXT: TEXT is valid UTF-8.
assert_utf8() {
	iconv -f UTF-8 -t UTF-8 <<<"$1" >/dev/null 2>&1 ||
	    fail "not valid UTF-8: $(od -c <<<"$1" | head -n 5)"
}

# assert_json_line TEXT SHAPE [FILTER [JQ-ARG]...]: TEXT is one line of one
# valid UTF-8 JSON value of the jq SHAPE, and FILTER is true of it.
assert_json_line() {
	local text=$1 shape=$2 filter=${3:-true}

	shift 3 2>/dev/null || shift $#
	need jq
	[[ -n $text && $text != *$'\n'* ]] ||
	    fail "not exactly one line of JSON: '$text'"
	assert_utf8 "$text"
	jq -e -s 'length == 1' <<<"$text" >/dev/null ||
	    fail "not exactly one JSON value: $text"
	jq -e "$shape" <<<"$text" >/dev/null ||
	    fail "not the documented JSON shape: $text"
	jq -e "$@" "$filter" <<<"$text" >/dev/null ||
	    fail "JSON does not satisfy $filter: $text"
}

# check_pacing LOG RATE BURST: the "SECONDS BYTES" lines of tests/peer -L LOG
# show that no interval of a second or more got more than RATE bytes a
# second plus BURST. The bytes of the read that opens an interval are left
# out (they may have arrived before it, a late read), which keeps this an
# upper bound a slow, noisy machine cannot break. The receiver's clock
# starts at its accept, which a busy machine can note up to a second after
# zcsend's rate clock started: intervals from that origin get the second.
check_pacing() {
	awk -v rate="$2" -v burst="$3" '
	    { t[NR] = $1; b[NR] = $2 }
	    END {
		t[0] = 0; b[0] = 0
		for (j = 1; j <= NR; j++)
			for (i = 0; i < j; i++) {
				len = t[j] - t[i] + (i == 0)
				if (len < 1)
					len = 1
				if (b[j] - b[i] > rate * len + burst) {
					printf "%d bytes in %.3f s (from %.3f s to %.3f s): over %d B/s + %d\n", b[j] - b[i], t[j] - t[i], t[i], t[j], rate, burst
					exit 1
				}
			}
	    }' "$1"
}
