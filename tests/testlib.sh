# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# testlib.sh - what every shell suite shares: its counters, how a row
# reports, and the last line tests/run.sh reads. Sourced, never run:
#
#   . "$(dirname "$0")/testlib.sh"      (tests/pkg/: "$(dirname "$0")/../testlib.sh")
#   ok "what held"
#   not_ok "what failed" "why"         (why is optional)
#   skip "what could not run here"
#   check "what" CMD ARGS...           ok when CMD succeeds; else not ok, with
#                                      the last 20 lines of its output
#   bail "why"                         a setup failure: report and exit 1
#   finish                             "N passed, N failed, N skipped"; exit
#                                      0 when nothing failed, else 1
#   require_test_guard                 SG_PIN_DIR and SG_CGROUP must be a
#                                      test pin dir and a test cgroup
#   require_vars NAME...               bail unless each variable is set
#
# A suite sets its own "set -u" and traps; this file sets nothing else.

passed=0
failed=0
skipped=0

ok() {
	echo "ok - $1"
	passed=$((passed + 1))
}

not_ok() {
	echo "not ok - $1${2:+: $2}"
	failed=$((failed + 1))
}

skip() {
	echo "skip - $1"
	skipped=$((skipped + 1))
}

check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$what"
	else
		not_ok "$what"
		sed 's/^/    /' <<<"$out" | tail -n 20
	fi
}

finish() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

bail() {
	not_ok "setup" "$1"
	finish
}

# Never the real guard: only a test pin dir, only a test cgroup.
require_test_guard() {
	case "${SG_PIN_DIR:-}" in
	/sys/fs/bpf/smtpguard-test-*) ;;
	*) bail "SG_PIN_DIR=${SG_PIN_DIR:-} is not a test pin dir (/sys/fs/bpf/smtpguard-test-*)" ;;
	esac
	case "${SG_CGROUP:-}" in
	*/smtpguard-test-*) ;;
	*) bail "SG_CGROUP=${SG_CGROUP:-} is not a test cgroup" ;;
	esac
}

require_vars() {
	local v
	for v in "$@"; do
		[ -n "${!v:-}" ] || bail "$v is not set"
	done
}
