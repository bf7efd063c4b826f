# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh
#
# tests/boot/2-journal.sh - check 2: smtpguard-monitor.service runs, and a
# refused attempt by account sgjournal is in the journal: identifier
# smtpguard, the SMTPGUARD_* fields, MESSAGE_ID 9bf6f080... (loader/log_sink.h),
# found by "journalctl SMTPGUARD_UID=N" (journald indexes the field), and
# "journalctl -x" prints the catalog's text for it (the package's catalog,
# compiled by systemd's dpkg trigger).
# shellcheck source=tests/boot/guest-lib.sh
. /run/sg/guest-lib.sh

msgid=9bf6f080d7e2a4c32bd63e9b1c6aac6a
u=$(uid_of sgjournal)
expect_eq "smtpguard-monitor.service is running" "active running" \
	"$(systemctl is-active smtpguard-monitor.service) $(prop smtpguard-monitor.service SubState)"
expect_eq "probe: sgjournal (uid $u) to 198.51.100.25:587 refused (EPERM)" 1 \
	"$(probe "$u" 4 198.51.100.25 587)"
found() {
	journalctl -q -o json -t smtpguard "SMTPGUARD_UID=$u" | grep -q "$msgid"
}
expect "within 10 s, journalctl -t smtpguard -o json SMTPGUARD_UID=$u shows the attempt" \
	wait_for 10 found
entry=$(journalctl -q -o json -t smtpguard "SMTPGUARD_UID=$u" -n 1)
field() {
	printf '%s\n' "$entry" | jq -r ".$1 // empty"
}
note "the entry: $(printf '%s\n' "$entry" | jq -c '{MESSAGE, MESSAGE_ID, SMTPGUARD_ACTION, SMTPGUARD_USER, SMTPGUARD_DST, SMTPGUARD_PORT, _SYSTEMD_UNIT}' 2>&1)"
expect_eq "MESSAGE_ID" "$msgid" "$(field MESSAGE_ID)"
expect_eq "SYSLOG_IDENTIFIER" smtpguard "$(field SYSLOG_IDENTIFIER)"
expect_eq "from smtpguard-monitor.service" smtpguard-monitor.service "$(field _SYSTEMD_UNIT)"
expect_eq "SMTPGUARD_ACTION, _USER, _DST, _PORT, _FAMILY" "blocked sgjournal 198.51.100.25 587 ipv4" \
	"$(field SMTPGUARD_ACTION) $(field SMTPGUARD_USER) $(field SMTPGUARD_DST) $(field SMTPGUARD_PORT) $(field SMTPGUARD_FAMILY)"
expect "SMTPGUARD_PID, _COMM, _CGROUP_ID, _TIME are set" test -n "$(field SMTPGUARD_PID)" -a \
	-n "$(field SMTPGUARD_COMM)" -a -n "$(field SMTPGUARD_CGROUP_ID)" -a -n "$(field SMTPGUARD_TIME)"
expect_eq "journalctl SMTPGUARD_UID=$u (the field match alone) finds it" "$msgid" \
	"$(journalctl -q -o json "SMTPGUARD_UID=$u" -n 1 | jq -r .MESSAGE_ID)"
expect "journalctl -x shows the catalog's text" sh -c \
	"journalctl -q -x SMTPGUARD_UID=$u | grep -q 'All of this account.s attempts: journalctl SMTPGUARD_UID=$u'"
journalctl -q -x "SMTPGUARD_UID=$u" -n 1 | head -n 4 | sed 's/^/#   /'
tap 2 "journal: the monitor's entry for a refused attempt has the SMTPGUARD_* fields and MESSAGE_ID, journalctl SMTPGUARD_UID=N finds it, -x shows the catalog"
