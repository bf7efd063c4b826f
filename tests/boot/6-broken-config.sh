# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh
#
# tests/boot/6-broken-config.sh before-reboot|after-reboot - check 6: an
# error in /etc/smtpguard.conf, then a reboot. bpffs lives in memory, so at
# boot no earlier guard exists to keep: "smtpguard load" installs the
# built-in defaults (root, @mta, @mailman, group mail) and exits 2, as
# README ("Running in production", "At boot") and smtpguard.service say.
# Checked: the unit is in "systemctl --failed", the journal names the file
# and the line, and what is enforced is the defaults: root and @mta
# (sgmta2) allowed, sgallow (allowed by the file before the error) refused
# like sgtenant. Then README's way out: fix the file, "smtpguard load",
# "systemctl reset-failed smtpguard".
# shellcheck source=tests/boot/guest-lib.sh
. /run/sg/guest-lib.sh

a=$(uid_of sgallow)
t=$(uid_of sgtenant)
case ${1:-} in
before-reboot)
	echo "bogus_key = 1" >>"$CONF"
	wc -l <"$CONF" >"$STATE/bad-line"
	expect_eq "before the reboot the running guard (the file before the error) allows sgallow" 0 \
		"$(probe "$a" 4 198.51.100.25 25)"
	note "added 'bogus_key = 1' at $CONF:$(cat "$STATE/bad-line"); rebooting"
	# No TAP line yet: the check ends after the reboot. Its failures so far:
	echo "$bad" >"$STATE/bad-before"
	;;
after-reboot)
	bad=$(cat "$STATE/bad-before" 2>/dev/null || echo 1)
	line=$(cat "$STATE/bad-line")
	systemctl --failed --no-legend --plain --no-pager | sed 's/^/#   failed: /'
	expect "systemctl --failed lists smtpguard.service" sh -c \
		'systemctl --failed --no-legend --plain --no-pager | grep -q "^smtpguard.service "'
	expect_eq "smtpguard.service: Result, exit status (2: configuration error)" "exit-code 2" \
		"$(prop smtpguard.service Result) $(prop smtpguard.service ExecMainStatus)"
	journalctl -q -b -u smtpguard.service --no-pager | sed 's/^/#   /' | tail -n 6
	expect "the journal names $CONF:$line" sh -c \
		"journalctl -q -b -u smtpguard.service | grep -q '$CONF:$line:'"
	expect "... and says the built-in defaults were loaded" sh -c \
		"journalctl -q -b -u smtpguard.service | grep -q 'loaded the built-in defaults instead'"
	expect_eq "the guard is loaded and whole (smtpguard status exits 0)" 0 \
		"$(smtpguard status >/dev/null 2>&1; echo $?)"
	expect_eq "the built-in defaults: root and @mta (sgmta2) allowed, nobody else" \
		"0 $(uid_of sgmta2)" "$(allowed_uids)"
	expect_eq "probe: root connects, sgallow and sgtenant refused" "0 1 1" \
		"$(probe 0 4 198.51.100.25 25) $(probe "$a" 4 198.51.100.25 25) $(probe "$t" 6 2001:db8:1::25 587)"
	sed -i '/^bogus_key = 1$/d' "$CONF"
	expect "with the file fixed, smtpguard load succeeds" smtpguard load
	expect "systemctl reset-failed smtpguard" systemctl reset-failed smtpguard.service
	expect "smtpguard.service is no longer listed as failed" sh -c \
		'! systemctl --failed --no-legend --plain | grep -q "^smtpguard.service "'
	expect_eq "probe: sgallow connects again" 0 "$(probe "$a" 4 198.51.100.25 25)"
	tap 6 "a broken config at boot: smtpguard.service failed and named $CONF:$line, the built-in defaults enforced"
	;;
*)
	echo "usage: 6-broken-config.sh before-reboot|after-reboot" >&2
	exit 2
	;;
esac
