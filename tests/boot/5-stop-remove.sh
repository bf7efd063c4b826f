# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh
#
# tests/boot/5-stop-remove.sh - check 5: what README ("Installing from
# packages", the unit's own comment) says each of these does, under systemd:
#   systemctl reload smtpguard   re-applies the file in place: same links
#   systemctl stop smtpguard     removes the guard: no pins, sgtenant connects
#   systemctl start / restart    loads it again from the file (restart is
#                                stop + start: new links), the edit applies
#   apt-get remove smtpguard     stops the units, unloads the guard, keeps
#                                /etc/smtpguard.conf (with the edit)
#   apt-get purge smtpguard      removes the file, the hooks, the units'
#                                enablement: no file named *smtpguard* left
# sgtenant is refused and sgallow (the edit) allowed whenever a guard runs.
# shellcheck source=tests/boot/guest-lib.sh
. /run/sg/guest-lib.sh

PINS=/sys/fs/bpf/smtpguard
t=$(uid_of sgtenant)
a=$(uid_of sgallow)
links() {
	status_field '"\(.hooks.connect4.link_id) \(.hooks.connect6.link_id)"'
}
guarded() { # what a guard with the file enforces: "1 0" (sgtenant EPERM, sgallow connects)
	echo "$(probe "$t" 4 198.51.100.25 25) $(probe "$a" 6 2001:db8:1::25 465)"
}

expect_eq "before: sgtenant refused, sgallow connects" "1 0" "$(guarded)"
l0=$(links)
expect "systemctl reload smtpguard" systemctl reload smtpguard.service
expect_eq "reload: in place, the same links ($l0)" "$l0" "$(links)"

expect "systemctl stop smtpguard" systemctl stop smtpguard.service
expect_eq "stop: smtpguard.service inactive" inactive "$(systemctl is-active smtpguard.service)"
expect "stop: the guard is removed (no $PINS)" test ! -e "$PINS"
expect_eq "stop: sgtenant connects (nothing guards)" 0 "$(probe "$t" 4 198.51.100.25 25)"
expect "stop: /etc/smtpguard.conf is untouched" grep -q '# boot test' "$CONF"
expect "systemctl start smtpguard" systemctl start smtpguard.service
expect_eq "start: the guard with the file" "1 0" "$(guarded)"
l1=$(links)
expect "systemctl restart smtpguard" systemctl restart smtpguard.service
l2=$(links)
expect_eq "restart: active" active "$(systemctl is-active smtpguard.service)"
expect "restart: stop + start, new links ($l1 -> $l2)" test -n "$l2" -a "$l2" != "$l1" -a "$l2" != "null null"
expect_eq "restart: the guard with the file" "1 0" "$(guarded)"

expect "apt-get remove smtpguard" apt-get remove -y -q smtpguard
for u in smtpguard.service smtpguard-monitor.service smtpguard-sync.path smtpguard-sync.timer; do
	expect_eq "remove: $u stopped" inactive "$(systemctl is-active "$u")"
done
expect "remove: the guard is unloaded (no $PINS)" test ! -e "$PINS"
expect_eq "remove: sgtenant connects" 0 "$(probe "$t" 4 198.51.100.25 25)"
expect "remove: the binary is gone" test ! -e /usr/sbin/smtpguard
expect "remove: /etc/smtpguard.conf stays, with the edit" grep -q '# boot test' "$CONF"

expect "apt-get purge smtpguard" apt-get purge -y -q smtpguard
expect "purge: /etc/smtpguard.conf is gone" test ! -e "$CONF"
expect "purge: the address hooks are gone" test ! -e /etc/NetworkManager/dispatcher.d/50-smtpguard \
	-a ! -e /etc/networkd-dispatcher/routable.d/50-smtpguard
left=$(find / -xdev -name '*smtpguard*' 2>/dev/null)
expect_eq "purge: no file named *smtpguard* left on the disk" "" "$left"
expect_eq "purge: dpkg knows no smtpguard" "" "$(dpkg-query -W -f='${db:Status-Abbrev}' smtpguard 2>/dev/null)"
tap 5 "stop, restart, remove, purge: reload in place, stop unloads, restart reloads anew, remove unloads and keeps the file, purge leaves nothing"
