#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/run.sh - run the whole suite against the real kernel (root only).
# Called by "make test" after the build. The world it builds (tests/world.sh)
# is always removed again, even on failure.
#
# The last line is "N passed, N failed, N skipped"; the exit status is 0
# only if nothing failed.
#
# SG_TEST_FILTER=PATTERN ("make test T=PATTERN"): a suite whose name or
# program holds PATTERN runs whole; in the others that report case by case
# (the unit tests, the e2e rows) only the cases whose name holds it are
# reported (e2e_guard: see select_rows()); the other shell suites are left out.
set -u

. "$(dirname "$0")/world.sh"
passed=0
failed=0
skipped=0

# Accounts the e2e rows create (and rename: sgt-mta plays "mailnull" for a while).
remove_test_accounts() {
	local user
	for user in sgt-acct sgt-mta sgt-pfx sgt-imp-usr sgt-imp-gm sgt-imp-ml sgt-imp-oth sgt-imp-mta \
		sgt-who sgt-kill sgt-kmem; do
		userdel "$user" 2>/dev/null
	done
	for user in mailnull exim; do # only the ones the tests made
		[ "$(getent passwd "$user" | cut -d: -f5)" = smtpguard-test ] && userdel "$user"
	done
	groupdel sgt-grp 2>/dev/null
	groupdel sgt-imp-grp 2>/dev/null
	groupdel sgt-kgrp 2>/dev/null
}

cleanup() {
	world_cleanup
	remove_test_accounts
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# "N passed, N failed, N skipped" from the last line of a test program.
tally() {
	local line=$1 p f s
	read -r p f s <<<"$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1 \2 \4/p' <<<"$line")"
	if [ -z "${p:-}" ]; then
		failed=$((failed + 1))
		echo "not ok - $2 did not finish (no summary line)"
		return
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
}

# Stream a program's output and keep a copy to read its closing line from.
# (Not "tee /dev/stderr": that reopens a log file with O_TRUNC.)
run_program() {
	local name=$1 log="$workdir/program.log"
	shift
	echo "# $name"
	"$@" 2>&1 | tee "$log"
	tally "$(tail -n 1 "$log")" "$name"
}

filter=${SG_TEST_FILTER:-}
suites=0
suites_whole=0
suites_by_case=0

# The test program in a command line ("env ... nsenter ... PROG ARGS"): its file name.
program_of() {
	local word
	for word in "$@"; do
		if [[ "$word" == "$build"/tests/* || "$word" == "$top"/tests/*.sh ]]; then
			echo "${word##*/}"
			return
		fi
	done
}

# suite whole|cases NAME COMMAND...: run_program, as the filter says. What
# T=PATTERN matches is NAME and the program's file name.
suite() {
	local how=$1 name=$2
	shift 2
	suites=$((suites + 1))
	if [ -z "$filter" ]; then
		run_program "$name" "$@"
	elif [[ "$name $(program_of "$@")" == *"$filter"* ]]; then
		suites_whole=$((suites_whole + 1))
		SG_TEST_FILTER='' run_program "$name" "$@"
	elif [ "$how" = cases ] && selects_cases "$@"; then
		suites_by_case=$((suites_by_case + 1))
		SG_TEST_FILTER=$filter run_program "$name (the cases matching T=$filter)" "$@"
	fi
}

# Does the filter select any case of this program? e2e_guard says without
# running a row; a unit program is quick enough to run twice.
selects_cases() {
	local prog
	prog=$(program_of "$@")
	if [ "$prog" = e2e_guard ]; then
		[ "$(SG_TEST_FILTER=$filter "$build/tests/e2e_guard" --count)" != 0 ]
		return
	fi
	[ "$(SG_TEST_FILTER=$filter "$@" 2>&1 | tail -n 1)" != "0 passed, 0 failed, 0 skipped" ]
}

import_suite="import: CSF, APF, cPanel, Imunify360 policies decide as before; check finds them"
e2e_suite="e2e: guard in the real kernel"
badinput_suite="bad input: malformed configurations and arguments"
json_suite="JSON: the keys printed are the keys documented"
prom_suite="Prometheus: promtool accepts the metrics, the rules and their tests"

# Does any suite that needs the world (netns, cgroup, listeners) run?
world_wanted() {
	local name
	[ -z "$filter" ] && return 0
	for name in "$import_suite import_test.sh" "$e2e_suite e2e_guard" \
		"$badinput_suite badinput_test.sh" "$json_suite json_keys_test.sh" \
		"$prom_suite prometheus_test.sh"; do
		[[ "$name" == *"$filter"* ]] && return 0
	done
	[ "$(SG_TEST_FILTER=$filter "$build/tests/e2e_guard" --count)" != 0 ]
}

[ "$(id -u)" = 0 ] || die "the suite loads BPF programs: run it as root"
for prog in smtpguard tests/unit_config tests/unit_config_edit tests/unit_import \
	tests/unit_incumbents tests/unit_who tests/unit_diff tests/unit_describe tests/unit_json \
	tests/unit_uidtab tests/unit_alerts tests/unit_commit tests/unit_guard_maps tests/e2e_guard \
	tests/sg-listen tests/sg-connect; do
	[ -x "$build/$prog" ] || die "$build/$prog is missing: run 'make tests' first"
done

# Not below /tmp: the alert_command scripts the rows run live here, and
# smtpguard runs none from a directory others may write, sticky or not.
workdir=$(mktemp -d /run/smtpguard-test.XXXXXX)
echo "# smtpguard test suite on $(uname -sr)"
suite cases "unit: configuration" "$build/tests/unit_config"
suite cases "unit: configuration edits" "$build/tests/unit_config_edit"
suite cases "unit: import from CSF, APF, Imunify360, cPanel" "$build/tests/unit_import" \
	"$top/tests/import"
suite cases "unit: old SMTP blocks in captured firewall rules" "$build/tests/unit_incumbents" \
	"$top/tests/import"
suite cases "unit: which script (units, escaping, the accounts file)" "$build/tests/unit_who"
suite cases "unit: what load and sync print as changes" "$build/tests/unit_diff"
suite cases "unit: how allowlist entries are named" "$build/tests/unit_describe"
suite cases "unit: the JSON writer" "$build/tests/unit_json"
suite cases "unit: the monitor's per-UID table" "$build/tests/unit_uidtab"
suite cases "unit: alert thresholds" "$build/tests/unit_alerts"
suite cases "unit: the commit point's generations and slots" "$build/tests/unit_commit"
suite cases "unit: the registry of maps and pins" "$build/tests/unit_guard_maps"
suite whole "install: make install, units, man pages" "$top/tests/install_test.sh"
suite whole "layout: the README names every file" "$top/tests/layout_test.sh"
suite whole "layout: every include and call follows the layer rules" "$top/tests/check_layout_test.sh"

if world_wanted; then
	remove_test_accounts # left over by an earlier run that was killed
	setup_world
	echo "# world: netns $ns_host + $ns_mx, cgroup $cgroup, pin dir $pin_dir"
	# First, while the world's listeners are fresh (they stop after 15 minutes).
	suite whole "$import_suite" env SG_BIN="$build/smtpguard" SG_PIN_DIR="$pin_dir" SG_CGROUP="$cgroup" \
		SG_WORKDIR="$workdir" SG_HELPER="$build/tests/sg-connect" SG_TOP="$top" \
		nsenter --net="/run/netns/$ns_host" "$top/tests/import_test.sh"
	suite cases "$e2e_suite" env SG_BIN="$build/smtpguard" \
		SG_PIN_DIR="$pin_dir" SG_CGROUP="$cgroup" SG_WORKDIR="$workdir" SG_VETH="$veth_host" \
		SG_FREE_CGROUP="$cgroup-free" SG_CT_NETNS="/run/netns/$ns_ct" \
		SG_MX_NETNS="/run/netns/$ns_mx" SG_HELPER="$build/tests/sg-connect" \
		nsenter --net="/run/netns/$ns_host" "$build/tests/e2e_guard"
	suite whole "$badinput_suite" env SG_BIN="$build/smtpguard" \
		SG_PIN_DIR="$pin_dir" SG_CGROUP="$cgroup" SG_WORKDIR="$workdir" \
		nsenter --net="/run/netns/$ns_host" "$top/tests/badinput_test.sh"
	suite whole "$json_suite" env SG_BIN="$build/smtpguard" \
		SG_PIN_DIR="$pin_dir" SG_CGROUP="$cgroup" SG_WORKDIR="$workdir" \
		SG_MAN="$top/dist/man/smtpguard.8" \
		nsenter --net="/run/netns/$ns_host" "$top/tests/json_keys_test.sh"
	suite whole "$prom_suite" env SG_BIN="$build/smtpguard" \
		SG_PIN_DIR="$pin_dir" SG_CGROUP="$cgroup" SG_WORKDIR="$workdir" \
		SG_HELPER="$build/tests/sg-connect" SG_TOP="$top" \
		nsenter --net="/run/netns/$ns_host" "$top/tests/prometheus_test.sh"
else
	suites=$((suites + 5))
fi

if [ -n "$filter" ]; then
	echo "# T=$filter: $suites_whole of $suites suites selected whole, $suites_by_case more" \
		"run for their matching cases"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
