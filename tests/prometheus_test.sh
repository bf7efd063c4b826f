#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/prometheus_test.sh - the metrics and the alerting rules, judged by
# Prometheus's own promtool: "promtool check metrics" on the real output of
# "smtpguard stats --prometheus" (a test guard that refused an account, and
# no guard at all), "promtool check rules" and "promtool test rules" on
# dist/prometheus/, and every smtpguard metric the rules name is one the
# guard prints. Run by tests/run.sh in the test host's network namespace,
# with SG_BIN, SG_PIN_DIR, SG_CGROUP, SG_WORKDIR, SG_HELPER, SG_TOP.
# promtool comes from Debian's prometheus package: scripts/install-deps.sh
# unpacks it into /var/cache/smtpguard/promtool (nothing is installed).
set -u
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/testlib.sh"

require_vars SG_BIN SG_PIN_DIR SG_CGROUP SG_WORKDIR SG_HELPER SG_TOP
require_test_guard
rules="$SG_TOP/dist/prometheus/smtpguard.rules.yml"
rules_test="$SG_TOP/dist/prometheus/smtpguard.rules.test.yml"
promtool=$(command -v promtool || echo /var/cache/smtpguard/promtool/usr/bin/promtool)
if [ ! -x "$promtool" ]; then
	skip "promtool is not installed (scripts/install-deps.sh unpacks Debian's)"
	finish
fi
dir=$(mktemp -d "$SG_WORKDIR/prom.XXXXXX")
chmod 755 "$dir"
pin="$SG_PIN_DIR-prom"
cleanup() {
	"$SG_BIN" unload --pin-dir "$pin" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT

check "promtool check rules dist/prometheus/smtpguard.rules.yml" "$promtool" check rules "$rules"
check "promtool test rules dist/prometheus/smtpguard.rules.test.yml" "$promtool" test rules "$rules_test"

# A loaded guard that refused one account: every series kind has a value.
printf 'ports = 25 465 587\nallow_users = root\nallow_groups = none\n' >"$dir/prom.conf"
"$SG_BIN" load --pin-dir "$pin" --cgroup "$SG_CGROUP" --config "$dir/prom.conf" >"$dir/out" 2>&1 ||
	bail "cannot load: $(head -c 300 "$dir/out")"
bash -c 'echo $$ >"$0/cgroup.procs" && exec setpriv --reuid=64299 --regid=64299 --clear-groups -- \
	"$1" 4 198.51.100.25 25' "$SG_CGROUP" "$SG_HELPER"
rc=$?
[ "$rc" != 0 ] || not_ok "setup: uid 64299 was not refused"
"$SG_BIN" stats --prometheus --pin-dir "$pin" >"$dir/loaded.prom" 2>"$dir/err" ||
	not_ok "stats --prometheus (loaded)" "$(cat "$dir/err")"
if grep -q '^smtpguard_attempts_total{action="blocked",uid="64299",user="[^"]*"} 1$' "$dir/loaded.prom"; then
	ok "stats --prometheus counts the refused attempt"
else
	not_ok "stats --prometheus counts the refused attempt" "$(grep attempts_total "$dir/loaded.prom")"
fi
check "promtool check metrics: stats --prometheus of a loaded guard" \
	sh -c '"$0" check metrics <"$1"' "$promtool" "$dir/loaded.prom"
"$SG_BIN" unload --pin-dir "$pin" >/dev/null 2>&1
"$SG_BIN" stats --prometheus --pin-dir "$pin" >"$dir/unloaded.prom" 2>"$dir/err" ||
	not_ok "stats --prometheus (not loaded)" "$(cat "$dir/err")"
check "promtool check metrics: stats --prometheus with no guard loaded" \
	sh -c '"$0" check metrics <"$1"' "$promtool" "$dir/unloaded.prom"

# The rules judge only what the guard really prints.
missing=""
for m in $(grep -o 'smtpguard_[a-z_]*' "$rules" | sort -u); do
	grep -q "^${m}[{ ]" "$dir/loaded.prom" || missing="$missing $m"
done
if [ -z "$missing" ]; then
	ok "every smtpguard metric the rules use is in stats --prometheus"
else
	not_ok "metrics the rules use that stats --prometheus does not print" "$missing"
fi
finish
