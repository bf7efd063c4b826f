#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/json_keys_test.sh - the keys smtpguard prints in JSON are the keys
# smtpguard(8) documents (section JSON OUTPUT), no more and no fewer. Run by
# tests/run.sh inside the test host's network namespace, with:
#   SG_BIN, SG_PIN_DIR, SG_CGROUP, SG_WORKDIR  as for badinput_test.sh
#   SG_MAN      dist/man/smtpguard.8
#
# It makes the guard show every key: loaded with an allow_dest, scoped
# exceptions (a user's literal and named relay, anyone's port), a refused
# account in the counters, a monitor event of an account with scoped
# exceptions (from a live process in a cgroup named like a unit, so that
# cgroup, unit, exe, cmdline and cwd have values) and a "not_sent" line (a
# burst over the event budget), then damaged, then not loaded. A key is written as
# its path: "hooks.connect4.link_id", "users[].origin[]".
set -u
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/testlib.sh"

for v in SG_BIN SG_PIN_DIR SG_CGROUP SG_WORKDIR SG_MAN; do
	[ -n "${!v:-}" ] || bail "$v is not set"
done
require_test_guard
command -v jq >/dev/null || bail "jq is missing (scripts/install-deps.sh)"

dir=$(mktemp -d "$SG_WORKDIR/json.XXXXXX")
chmod 755 "$dir"
pin="$SG_PIN_DIR-json"
conf="$dir/json.conf"
mon=""
cleanup() {
	[ -n "$mon" ] && kill "$mon" 2>/dev/null && wait "$mon" 2>/dev/null
	"$SG_BIN" unload --pin-dir "$pin" >/dev/null 2>&1
	rm -rf "$pin" "$dir"
}
trap cleanup EXIT

# The documented paths of one document: the ".B path" lines of its .SS.
documented() {
	awk -v want="$1" '
		/^\.S[SH] / { inside = (index($0, want) > 0 && $1 == ".SS") ; next }
		inside && /^\.B / { print $2 }' "$SG_MAN" | sed 's/\\-/-/g' | sort -u
}

# Every leaf path of the JSON documents on stdin (one per line).
printed() {
	# Scalars, and empty arrays as "key[]" (a list of strings with nothing in it).
	jq -r '(paths(type != "object" and type != "array") | map(if type == "number" then "[]" else . end)
		| join(".")), (paths(. == []) | map(if type == "number" then "[]" else . end)
		| join(".") + "[]") | gsub("\\.\\[\\]"; "[]")' | sort -u
}

# compare NAME DOC-SECTION FILE: FILE's keys are the documented ones.
compare() {
	local name=$1 doc got want
	doc=$(documented "$2")
	got=$(printed <"$3")
	if [ -z "$doc" ]; then
		not_ok "$name" "no keys documented under .SS \"$2\" in $SG_MAN"
		return
	fi
	want=$(comm -13 <(echo "$doc") <(echo "$got"))
	[ -z "$want" ] || { not_ok "$name: printed but not documented" "$(echo $want)"; return; }
	want=$(comm -23 <(echo "$doc") <(echo "$got"))
	[ -z "$want" ] || { not_ok "$name: documented but never printed" "$(echo $want)"; return; }
	ok "$name: $(echo "$got" | wc -l) keys, each documented, each printed"
}

# attempts UID N: N refused connects by UID from the test cgroup.
attempts() {
	(
		echo "$BASHPID" >"$SG_CGROUP/cgroup.procs"
		exec setpriv --reuid="$1" --regid="$1" --clear-groups -- bash -c '
			for ((i = 0; i < '"$2"'; i++)); do
				(exec 3<>/dev/tcp/198.51.100.25/25) 2>/dev/null
			done'
	)
}

# live UID: one refused connect by a process that lives on, from {CG}/sgt-json.service.
live() {
	mkdir -p "$SG_CGROUP/sgt-json.service"
	(
		echo "$BASHPID" >"$SG_CGROUP/sgt-json.service/cgroup.procs"
		cd "$dir" || exit
		exec setpriv --reuid="$1" --regid="$1" --clear-groups -- bash -c '
			: 3<>/dev/tcp/198.51.100.25/25
			sleep 2; :' 2>/dev/null
	) &
	live_pid=$!
}

printf '%s\n' 'allow_users = root 64202' 'allow_groups = 64210' 'allow_dest = 198.51.100.64/28' \
	'allow_dest = 198.51.100.80:465' 'allow_user_dest = 64201 198.51.100.26:587 localhost:587' >"$conf"
"$SG_BIN" load --pin-dir "$pin" --cgroup "$SG_CGROUP" --config "$conf" >/dev/null ||
	{ not_ok setup "cannot load"; finish; }
"$SG_BIN" monitor --json --pin-dir "$pin" --config "$conf" >"$dir/monitor.out" 2>"$dir/monitor.err" &
mon=$!
for _ in $(seq 50); do grep -q monitoring "$dir/monitor.err" 2>/dev/null && break; sleep 0.1; done
live 64201
for _ in $(seq 50); do grep -q '"uid":64201,' "$dir/monitor.out" && break; sleep 0.1; done
# Over the event budget in one second: events, then a "not_sent" line.
attempts 64203 80
for _ in $(seq 50); do grep -q '"type":"not_sent"' "$dir/monitor.out" && break; sleep 0.1; done
# The monitor writes what it saw of each account for status once a second.
accounts="/run/smtpguard-monitor$(tr / _ <<<"$pin").accounts"
for _ in $(seq 30); do grep -q '^64201	' "$accounts" 2>/dev/null && break; sleep 0.1; done

"$SG_BIN" status --json --pin-dir "$pin" >"$dir/status.json"
"$SG_BIN" list --json --pin-dir "$pin" >"$dir/list.json"
rm "$pin/link_connect6"
"$SG_BIN" status --json --pin-dir "$pin" >>"$dir/status.json"
"$SG_BIN" unload --pin-dir "$pin" >/dev/null
"$SG_BIN" status --json --pin-dir "$pin" >>"$dir/status.json"

wait "$live_pid"
# The values, not only the keys: the event and status name the process.
jq -se 'map(select(.uid == 64201)) | length == 1 and (.[0] | .cgroup != null and
	.unit == "sgt-json.service" and .exe != null and .cmdline != null and .cwd != null and
	.gone == null)' "$dir/monitor.out" >/dev/null 2>&1 &&
	ok "the event of a live process in sgt-json.service has its cgroup, unit, exe, cmdline, cwd" ||
	not_ok "the event's cgroup, unit, exe, cmdline, cwd" "$(grep '"uid":64201,' "$dir/monitor.out")"
jq -se '.[0].top | map(select(.uid == 64201)) | .[0] | .last_unit == "sgt-json.service" and
	.last_exe != null and .last_cmdline != null and .last_cwd != null and
	.last_process_time != null' "$dir/status.json" >/dev/null 2>&1 &&
	ok "status --json: the account's last unit, exe, cmdline and cwd" ||
	not_ok "status --json: top[] of uid 64201" "$(head -c 2000 "$dir/status.json")"
grep -q '"state":"enforcing"' "$dir/status.json" && grep -q '"state":"damaged"' "$dir/status.json" &&
	grep -q '"state":"not loaded"' "$dir/status.json" &&
	ok "status --json in the three states: enforcing, damaged, not loaded" ||
	not_ok "status --json in the three states" "$(cat "$dir/status.json")"
compare "status --json" "status \\-\\-json" "$dir/status.json"
compare "list --json" "list \\-\\-json" "$dir/list.json"
grep '"type":"event"' "$dir/monitor.out" >"$dir/events.json"
grep '"type":"not_sent"' "$dir/monitor.out" >"$dir/not_sent.json"
compare "monitor --json, events" "monitor \\-\\-json, events" "$dir/events.json"
compare "monitor --json, not_sent" "monitor \\-\\-json, not_sent" "$dir/not_sent.json"
bad=""
for f in status list events not_sent; do
	# -s: every document of the file, each must have it.
	jq -se 'length > 0 and all(.schema == 1)' "$dir/$f.json" >/dev/null || bad="$bad $f"
done
[ -z "$bad" ] && ok "every document says \"schema\": 1" ||
	not_ok "schema" "documents without \"schema\": 1 in:$bad"
finish
