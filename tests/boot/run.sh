#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/boot/run.sh - "make boot-test": the .deb under a real systemd. A
# Debian 12 guest (tests/boot/image.sh: debootstrap, Debian's cloud kernel,
# cached under /var/cache/smtpguard/boot/) boots under qemu with systemd as
# PID 1; tests/boot/guest.sh runs the steps in it (one file each, here) and
# writes TAP to its second serial port, a file here. Seven checks, one TAP
# line each, printed in order at the end, then "N passed, N failed".
#
# KVM is used when a short boot under it reaches the kernel's root mount
# (here /dev/kvm is kvm_pvm, on which Debian's kernels hang or qemu aborts):
# else TCG. Each boot of the guest is its own qemu process (-no-reboot: the
# guest's "systemctl reboot" ends it, and this script starts the next on
# the same disk), with BOOT_LIMIT seconds (600) each; a boot that runs over,
# panics or stops early fails the run, with its console shown. Prints
# "skipped: REASON" and exits 0 when it cannot run here: no qemu, or TCG
# too slow (the probe boot over PROBE_LIMIT_TCG, 60 s).
#
# Environment: BOOT_ACCEL=kvm|tcg forces one; BOOT_KEEP=1 keeps the work
# directory (disk, console logs) under build/boot/.
set -uo pipefail
# shellcheck source=tests/matrix/lib.sh
. "$(dirname "$0")/../matrix/lib.sh"
# shellcheck source=tests/boot/image.sh
. "$(dirname "$0")/image.sh"

BOOT_LIMIT=${BOOT_LIMIT:-600}
PROBE_LIMIT_TCG=${PROBE_LIMIT_TCG:-60}
out="$top/build/boot"
here="$top/tests/boot"
checks=(
	"boot order"
	"journal"
	"following the host"
	"upgrade under probes"
	"stop, restart, remove, purge"
	"a broken config at boot"
	"the monitor dies"
)

skip() {
	echo "skipped: $*"
	exit 0
}

[ "$(id -u)" = 0 ] || die "root is needed (debootstrap, the image's chroot)"
command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 is not installed (sh scripts/install-matrix-deps.sh)"
for f in smtpguard tests/sg-connect tests/sg-listen tests/sg-probe-loop; do
	[ -x "$top/build/$f" ] || die "build/$f is missing: run 'make boot-test'"
done
new_version=$(cat "$top/VERSION")
new_deb="$top/build/pkg/smtpguard_${new_version}_amd64.deb"
[ -e "$new_deb" ] || die "$new_deb is missing: run 'make boot-test' (it runs 'make deb')"

t_start=$(now)
rm -rf "$out" && mkdir -p "$out" || die "cannot create $out"
trap 'exit 130' INT TERM

# -- the image, cached; one builder at a time
mkdir -p "$cache" && exec 9>"$cache/boot.lock" || die "cannot open $cache/boot.lock"
flock 9
t0=$(now)
img=$(boot_image) || die "cannot build the boot image"
t_image=$(($(now) - t0))
flock -u 9
echo "# image: $img ($(cat "$img/release"); $([ "$t_image" -le 2 ] && echo cached || echo "built in $t_image s"))"

old_deb=$("$top/scripts/prev-deb.sh") || die "cannot build the previous release's package"
old_version=$(dpkg-deb -f "$old_deb" Version)
echo "# packages: $(basename "$new_deb") over $old_version ($(basename "$old_deb"))"

# -- KVM or TCG: a boot of the kernel alone, to its root mount panic
probe_accel() {
	local accel=$1 limit=$2 log="$out/probe-$1.log"
	shift 2
	# In a subshell whose stderr is dropped: bash's "Aborted" for a qemu that
	# aborts goes there (qemu's own messages go to probe-ACCEL.err).
	(
		timeout -k 2 "$limit" qemu-system-x86_64 -accel "$accel" "$@" -smp 1 -m 256 \
			-nodefaults -display none -no-reboot -kernel "$img/vmlinuz" \
			-append "console=ttyS0 panic=-1 root=/dev/sgb-none" -serial "file:$log" \
			>>"$out/probe-$accel.err" 2>&1
		:
	) 2>/dev/null
	grep -aq 'VFS: Unable to mount root' "$log"
}
accel=${BOOT_ACCEL:-}
cpu=(-cpu max)
t0=$(now)
if [ -z "$accel" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	for c in host default; do
		if [ "$c" = host ]; then cpu=(-cpu host); else cpu=(); fi
		if probe_accel kvm 10 "${cpu[@]}"; then
			accel=kvm
			break
		fi
	done
	[ -n "$accel" ] || echo "# KVM: /dev/kvm opens, but the kernel does not boot under it" \
		"(qemu aborted with -cpu host, or it hung for 10 s; $out/probe-kvm.err): TCG"
fi
if [ -z "$accel" ] || [ "$accel" = tcg ]; then
	accel=tcg
	cpu=(-cpu max)
	probe_accel tcg "$PROBE_LIMIT_TCG" "${cpu[@]}" ||
		skip "TCG too slow: the kernel did not reach its root mount in $PROBE_LIMIT_TCG s"
fi
echo "# accelerator: $accel (probe $(($(now) - t0)) s)"

# -- the payload disk: a tar archive the guest unpacks
mkdir -p "$out/payload"
cp "$here"/guest.sh "$here"/guest-lib.sh "$here"/[0-9]-*.sh "$here"/mx-up.sh \
	"$here"/sg-mx.service "$here"/sg-tenant.service "$out/payload/" &&
	cp "$top/build/tests/sg-connect" "$top/build/tests/sg-listen" \
		"$top/build/tests/sg-probe-loop" "$out/payload/" &&
	cp "$new_deb" "$out/payload/" && cp "$old_deb" "$out/payload/smtpguard_${old_version}_amd64.deb" &&
	basename "$new_deb" >"$out/payload/new.name" && echo "$new_version" >"$out/payload/new.version" &&
	echo "smtpguard_${old_version}_amd64.deb" >"$out/payload/old.name" &&
	echo "$old_version" >"$out/payload/old.version" &&
	tar -cf "$out/payload.tar" -C "$out/payload" . || die "cannot build the payload disk"
t0=$(now)
cp --sparse=always "$img/rootfs.img" "$out/disk.img" || die "cannot copy the disk image"
echo "# disk copied in $(($(now) - t0)) s"

# -- the boots
boot=0
state=""
boot_secs=()
while [ "$boot" -lt 4 ]; do
	boot=$((boot + 1))
	tap="$out/tap-$boot.log"
	console="$out/console-$boot.log"
	t0=$(now)
	timeout -k 10 "$BOOT_LIMIT" qemu-system-x86_64 -accel "$accel" "${cpu[@]}" -smp 2 -m 1536 \
		-nodefaults -display none -no-reboot -nic none \
		-kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 quiet panic=-1 systemd.show_status=error" \
		-drive "file=$out/disk.img,if=virtio,format=raw" \
		-drive "file=$out/payload.tar,if=virtio,format=raw,readonly=on" \
		-serial "file:$console" -serial "file:$tap" </dev/null >"$out/qemu-$boot.err" 2>&1 &
	qpid=$!
	# The guest's lines as they come: its notes and check lines.
	tail -s 0.5 -n +1 -F --pid="$qpid" "$tap" 2>/dev/null | sed -u -e 's/\r$//' -e '/^SGB-/d'
	wait "$qpid"
	rc=$?
	boot_secs+=("$(($(now) - t0))")
	state=$(tr -d '\r' <"$tap" 2>/dev/null | grep -aoE '^(SGB-REBOOT|SGB-DONE|Bail out!)' | tail -n 1)
	echo "# boot $boot: $(($(now) - t0)) s (qemu exit $rc), up $(tr -d '\r' <"$tap" |
		sed -n 's/^SGB-BOOT [0-9]* //p') s when the test started"
	case $state in
	SGB-REBOOT) continue ;;
	SGB-DONE) break ;;
	*)
		[ "$rc" = 124 ] && echo "# boot $boot: killed after $BOOT_LIMIT s"
		echo "# boot $boot did not finish (timeout, panic or crash); its console's last lines:"
		tr -d '\r' <"$console" | grep -av '^$' | tail -n 25 | sed 's/^/#   | /'
		break
		;;
	esac
done

# -- the checks, in order
echo "1..${#checks[@]}"
passed=0
failed=0
cat "$out"/tap-*.log 2>/dev/null | tr -d '\r' >"$out/tap.log"
for i in "${!checks[@]}"; do
	n=$((i + 1))
	line=$(grep -aE "^(not )?ok $n - " "$out/tap.log" | tail -n 1)
	[ -n "$line" ] || line="not ok $n - ${checks[$i]}: did not run (see above)"
	echo "$line"
	case $line in ok*) passed=$((passed + 1)) ;; *) failed=$((failed + 1)) ;; esac
done
echo "# wall time: $(($(now) - t_start)) s ($accel; boots: ${boot_secs[*]} s; image $t_image s)"
[ "${BOOT_KEEP:-0}" = 1 ] || rm -f "$out/disk.img"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
