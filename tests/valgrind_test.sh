#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/valgrind_test.sh - "make valgrind": the user-space paths of load,
# sync, status, list, allow, revoke, monitor, stats and unload, each run once
# under valgrind against the real kernel, in the test world of tests/world.sh
# (removed again on exit). A memory error, or a leak valgrind calls
# definite, fails the command (--error-exitcode=99), and so the row.
#
# Output: "ok - NAME" or "not ok - NAME: why", then "N passed, N failed,
# N skipped"; exit 1 if anything failed.
set -u

. "$(dirname "$0")/world.sh"
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/testlib.sh"
trap world_cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "the guard is loaded for real: run as root"
command -v valgrind >/dev/null || die "valgrind is missing: run scripts/install-deps.sh"
[ -x "$build/smtpguard" ] && [ -x "$build/tests/sg-listen" ] && [ -x "$build/tests/sg-connect" ] ||
	die "run 'make tests' first"

vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
	--show-leak-kinds=definite --suppressions="$(dirname "$0")/valgrind.supp")

WORLD_LISTEN_LOG=0 setup_world
conf="$workdir/valgrind.conf"
printf '%s\n' 'allow_users = root 64202' 'allow_groups = none' 'alert_threshold = 1/60s' \
	'allow_user_dest = 64201 198.51.100.26:587 localhost:465' 'allow_dest = 198.51.100.26:25' >"$conf"
chmod 644 "$conf"
log="$workdir/valgrind.log"

# Errors in a valgrind log ("==PID== Invalid read ..."); its warnings about
# bpf(2) commands it does not model are not errors.
vg_errors() {
	grep -qE '^==[0-9]+== [A-Z]' "$1"
}

# row NAME WANT_EXIT WANT_TEXT smtpguard-args...
row() {
	local name=$1 want=$2 text=$3 code
	shift 3
	"${vg[@]}" --log-file="$log" "$build/smtpguard" "$@" --pin-dir "$pin_dir" \
		>"$workdir/out" 2>&1
	code=$?
	if [ "$code" = "$want" ] && grep -q -- "$text" "$workdir/out" && ! vg_errors "$log"; then
		ok "valgrind: smtpguard $name: exit $code, no memory errors"
	else
		not_ok "valgrind: smtpguard $name: exit $code (expected $want)"
		sed 's/^/# /' "$workdir/out" "$log" | head -n 60
	fi
}

# A refused connect from the test cgroup, so that there are events and counts.
refused_connect() {
	nsenter --net="/run/netns/$ns_host" sh -c "echo \$\$ >'$cgroup/cgroup.procs' &&
		exec setpriv --reuid 64201 --regid 64201 --clear-groups \
		'$build/tests/sg-connect' 4 198.51.100.25 25" >/dev/null 2>&1
}

in_host() {
	nsenter --net="/run/netns/$ns_host" "$@"
}

row "load" 0 "guarding 3 ports" load --config "$conf" --cgroup "$cgroup"
row "load (again, replacing the generation)" 0 "no changes" load --config "$conf" \
	--cgroup "$cgroup"
row "status" 0 "loaded, enforcing" status
row "status --json" 0 '"loaded":true' status --json
row "list --json" 0 '"uid":64202' list --json
row "allow --runtime" 0 "allowed uid 64203" allow user 64203 --runtime
row "revoke --runtime" 0 "revoked uid 64203" revoke user 64203 --runtime
row "allow (edits the file, syncs)" 0 "+uid 64204" allow user 64204 --config "$conf"
row "allow --to (a scoped exception: edits the file, syncs)" 0 "+scoped uid 64205" \
	allow user 64205 --to 198.51.100.26:465 --config "$conf"
row "allow --to --runtime (a new generation)" 0 "allowed uid 64206 to" \
	allow user 64206 --to '[2001:db8:1::26]:587' --runtime
row "revoke --to --runtime" 0 "revoked uid 64206 to" revoke user 64206 --to 2001:db8:1::26 --runtime
row "sync" 0 "in sync, nothing changed" sync --config "$conf"

# monitor: under valgrind, with a refused connect to report, then SIGTERM.
"${vg[@]}" --log-file="$workdir/monitor.vg" "$build/smtpguard" monitor --json \
	--pin-dir "$pin_dir" --config "$conf" >"$workdir/monitor.out" 2>"$workdir/monitor.err" &
monitor=$!
for _ in $(seq 100); do
	grep -q monitoring "$workdir/monitor.err" 2>/dev/null && break
	sleep 0.1
done
refused_connect
for _ in $(seq 100); do
	grep -q '"action":"blocked"' "$workdir/monitor.out" 2>/dev/null && break
	sleep 0.1
done
kill -TERM "$monitor"
wait "$monitor"
code=$?
if [ "$code" = 0 ] && grep -q '"uid":64201' "$workdir/monitor.out" &&
	grep -q '"scope":"uid 64201 may reach' "$workdir/monitor.out" && ! vg_errors "$workdir/monitor.vg"; then
	ok "valgrind: smtpguard monitor --json: reported the refused connect (and what it may reach), exit 0 on SIGTERM"
else
	not_ok "valgrind: smtpguard monitor --json: exit $code"
	sed 's/^/# /' "$workdir/monitor.out" "$workdir/monitor.err" "$workdir/monitor.vg" | head -n 60
fi

# monitor --syslog with journal entries (fields, escaping), to a socket that
# is not there: every entry is built, and dropped and counted.
SMTPGUARD_JOURNAL_SOCKET="$workdir/no-journal" "${vg[@]}" --log-file="$workdir/monitor-journal.vg" \
	"$build/smtpguard" monitor --syslog --pin-dir "$pin_dir" --config "$conf" \
	>"$workdir/monitor-journal.out" 2>"$workdir/monitor-journal.err" &
monitor=$!
sleep 2 # under valgrind, it attaches within a tick or two
refused_connect
for _ in $(seq 100); do
	grep -q 'log messages dropped' "$workdir/monitor-journal.err" 2>/dev/null && break
	sleep 0.1
done
kill -TERM "$monitor"
wait "$monitor"
code=$?
if [ "$code" = 0 ] && grep -q 'log messages dropped (the journal at' "$workdir/monitor-journal.err" &&
	! vg_errors "$workdir/monitor-journal.vg"; then
	ok "valgrind: smtpguard monitor --syslog (journal entries, dropped): exit 0 on SIGTERM"
else
	not_ok "valgrind: smtpguard monitor --syslog (journal entries): exit $code"
	sed 's/^/# /' "$workdir/monitor-journal.err" "$workdir/monitor-journal.vg" | head -n 60
fi

row "stats --prometheus" 0 'smtpguard_attempts_total{action="blocked",uid="64201"' stats --prometheus
row "check-config" 0 "is valid" check-config --config "$conf"
row "check --json (the host probes)" 0 '"can_work":true' check --json --cgroup "$cgroup"
row "import csf" 0 "SMTP_ALLOWGROUP" import csf "$top/tests/import/csf.conf"
row "import imunify (YAML through libyaml)" 0 "SMTP_BLOCKING.allow_groups" import imunify \
	"$top/tests/import/imunify360.config"
row "unload" 0 "unloaded" unload
row "status (not loaded)" 3 "not loaded" status
finish
