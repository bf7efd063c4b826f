# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh
#
# tests/boot/guest.sh - the boot test inside the guest, run at every boot by
# sg-boot.service (tests/boot/image.sh) with its output on ttyS1, which the
# host reads. The stage, on the guest's disk, says where the last boot left:
#   1  (first boot)  0-setup.sh: the test MX, the accounts, the tenant's
#                    unit, the package installed with apt; reboot
#   2  checks 1, 2, 3, 5, 4 and 7 (5 removes and purges the package, 4
#      installs the previous release and upgrades it), then the first half
#      of 6: an error in /etc/smtpguard.conf; reboot
#   3  the second half of 6, after the boot; power off
# "SGB-REBOOT", "SGB-DONE" and "Bail out!" tell the host what comes next.
# Each step has STEP_LIMIT seconds; one that runs over is killed and its
# check is missing, which the host reports as failed.
# shellcheck source=tests/boot/guest-lib.sh
. /run/sg/guest-lib.sh
STEP_LIMIT=300

mkdir -p "$STATE"
stage=$(cat "$STATE/stage" 2>/dev/null || echo 1)
echo "SGB-BOOT $stage $(cut -d' ' -f1 /proc/uptime)"
note "boot $stage: $(uname -r), systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p'), up $(cut -d' ' -f1 /proc/uptime) s when the test started"

step() {
	t0=$(date +%s)
	rc=0
	timeout -k 5 "$STEP_LIMIT" sh "$SG/$1" "${2:-}" || rc=$?
	[ "$rc" = 124 ] && echo "# $1: killed after $STEP_LIMIT s"
	echo "# $1${2:+ $2}: $(($(date +%s) - t0)) s"
	return "$rc"
}

reboot_into() {
	echo "$1" >"$STATE/stage"
	sync
	echo "SGB-REBOOT $(cut -d' ' -f1 /proc/uptime)"
	systemctl --check-inhibitors=no reboot 2>/dev/null
	exit 0
}

case $stage in
1)
	if ! step 0-setup.sh; then
		echo "Bail out! the setup failed (above): no check can run"
		systemctl --check-inhibitors=no poweroff 2>/dev/null
		exit 0
	fi
	reboot_into 2
	;;
2)
	step 1-boot-order.sh
	step 2-journal.sh
	step 3-follow-host.sh
	step 5-stop-remove.sh
	step 4-upgrade.sh
	step 7-monitor-dies.sh
	step 6-broken-config.sh before-reboot
	reboot_into 3
	;;
3)
	step 6-broken-config.sh after-reboot
	echo "SGB-DONE"
	sync
	systemctl --check-inhibitors=no poweroff 2>/dev/null
	;;
*)
	echo "Bail out! unknown stage '$stage' in $STATE/stage"
	systemctl --check-inhibitors=no poweroff 2>/dev/null
	;;
esac
