# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh
#
# tests/boot/1-boot-order.sh - check 1, after the reboot: smtpguard.service
# is active and the guard was enforcing before a tenant's service could run.
# sg-tenant.service (WantedBy=multi-user.target, After=network.target, as
# account sgtenant) recorded at its start that "smtpguard status" found the
# guard loaded and that root reached the MX, then its own direct connect was
# refused (exit 1, EPERM). systemd's monotonic timestamps show the order:
# smtpguard.service active before network-pre.target and before the
# tenant's service left "inactive".
# shellcheck source=tests/boot/guest-lib.sh
. /run/sg/guest-lib.sh

ts() {
	prop "$1" "$2"
}
sg_active=$(ts smtpguard.service ActiveEnterTimestampMonotonic)
pre=$(ts network-pre.target ActiveEnterTimestampMonotonic)
net=$(ts network.target ActiveEnterTimestampMonotonic)
tenant_start=$(ts sg-tenant.service InactiveExitTimestampMonotonic)
for u in smtpguard.service network-pre.target network.target sg-tenant.service; do
	note "$(printf '%-20s' "$u") $(systemctl show -P ActiveEnterTimestamp "$u")" \
		"(monotonic: active at $(ts "$u" ActiveEnterTimestampMonotonic) us," \
		"started at $(ts "$u" InactiveExitTimestampMonotonic) us)"
done
expect_eq "smtpguard.service is active" active "$(systemctl is-active smtpguard.service)"
expect_eq "smtpguard.service's load succeeded at boot" "success 0" \
	"$(ts smtpguard.service Result) $(ts smtpguard.service ExecMainStatus)"
expect "smtpguard.service was active (t=$sg_active) before network-pre.target (t=$pre)" \
	test "$sg_active" -gt 0 -a "$sg_active" -le "$pre"
expect "network.target (t=$net) was reached before the tenant's service started (t=$tenant_start)" \
	test "$net" -gt 0 -a "$net" -le "$tenant_start"
expect "smtpguard.service (t=$sg_active) was active before the tenant's service started (t=$tenant_start)" \
	test "$sg_active" -gt 0 -a "$sg_active" -lt "$tenant_start"
expect_eq "the tenant's service ran this boot and finished" "active exited" \
	"$(systemctl is-active sg-tenant.service) $(ts sg-tenant.service SubState)"
expect_eq "at the tenant's start, smtpguard status found the guard loaded (exit 0)" 0 \
	"$(cat "$STATE/tenant-status.rc" 2>/dev/null)"
expect "... and enforcing" grep -q '^smtpguard: loaded, enforcing' "$STATE/tenant-status.out"
expect_eq "at the tenant's start, root reached the MX (so what refused the tenant is the guard)" 0 \
	"$(cat "$STATE/tenant-root.rc" 2>/dev/null)"
expect_eq "the tenant's direct connect to 198.51.100.25:25 was refused with EPERM (exit 1)" 1 \
	"$(ts sg-tenant.service ExecMainStatus)"
tap 1 "boot order: smtpguard.service active before network-pre.target and before a tenant's service (After=network.target), whose connect was refused"
