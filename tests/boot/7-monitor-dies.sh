# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh
#
# tests/boot/7-monitor-dies.sh - check 7: "systemctl kill -s KILL
# smtpguard-monitor" is recovered by systemd (Restart=always, RestartSec=2),
# and three refused attempts by sgdown made while no monitor runs are
# counted by the kernel (smtpguard status) and reported to the journal
# once the new monitor is up: the guard keeps its ring buffer and counters
# in bpffs, whoever reads them.
# shellcheck source=tests/boot/guest-lib.sh
. /run/sg/guest-lib.sh

msgid=9bf6f080d7e2a4c32bd63e9b1c6aac6a
d=$(uid_of sgdown)
pid0=$(prop smtpguard-monitor.service MainPID)
n0=$(prop smtpguard-monitor.service NRestarts)
expect_eq "the monitor runs" active "$(systemctl is-active smtpguard-monitor.service)"
expect "systemctl kill -s KILL smtpguard-monitor" systemctl kill -s KILL smtpguard-monitor.service
down() {
	[ "$(prop smtpguard-monitor.service SubState)" = auto-restart ]
}
expect "the monitor is down, systemd about to restart it (auto-restart)" wait_for 2 down
r=""
for p in 25 465 587; do
	r="$r$(probe "$d" 4 198.51.100.25 "$p")"
done
s1=$(prop smtpguard-monitor.service SubState)
expect_eq "3 attempts by sgdown (uid $d) refused while it was down (still $s1)" "111 auto-restart" "$r $s1"
up() {
	[ "$(systemctl is-active smtpguard-monitor.service)" = active ] &&
		[ "$(prop smtpguard-monitor.service NRestarts)" = $((n0 + 1)) ]
}
expect "within 10 s systemd restarted it (NRestarts $n0 -> $((n0 + 1)), new PID)" wait_for 10 up
expect "... a new process" test "$(prop smtpguard-monitor.service MainPID)" != "$pid0"
expect_eq "the kernel counted the 3 attempts (smtpguard status)" 3 \
	"$(status_field "[.top[] | select(.uid == $d) | .blocked] | add // 0")"
# Each attempt is an entry, or part of a summary's SMTPGUARD_COUNT.
reported() {
	journalctl -q -o json "SMTPGUARD_UID=$d" | jq -s --arg id "$msgid" \
		'map(if .MESSAGE_ID == $id then 1 elif .SMTPGUARD_COUNT then (.SMTPGUARD_COUNT | tonumber) else 0 end) | add // 0'
}
three() {
	[ "$(reported)" = 3 ]
}
expect "within 10 s the journal reports all 3 (the new monitor read them)" wait_for 10 three
note "journal for uid $d: $(reported) attempt(s) reported"
journalctl -q -o short-monotonic "SMTPGUARD_UID=$d" | sed 's/^/#   /'
tap 7 "the monitor dies: systemd restarts it, and attempts made while it was down are reported afterwards"
