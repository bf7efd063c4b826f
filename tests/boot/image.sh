# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash disable=SC2154,SC2016 # cache: lib.sh's; sh -c '...' "$@"
#
# tests/boot/image.sh - the boot test's Debian 12 machine, sourced after
# tests/matrix/lib.sh: a debootstrap'ed bookworm with systemd as PID 1,
# udev and Debian's cloud kernel (installed in the image, with its own
# initramfs), made into an ext4 disk image with "mkfs.ext4 -d" (no loop
# mount). Kept under /var/cache/smtpguard/boot/bookworm/:
#   rootfs.img  the disk (sparse; every run boots a copy of it)
#   vmlinuz, initrd.img, release   the image's kernel, booted with -kernel
#   stamp       this file's checksum: editing it builds the image again
#
# Lean on purpose (2 cores, TCG): no getty, no apt timers, no e2scrub or
# fstrim, no dbus, no network configuration. What the test runs comes on a
# second disk (a tar archive, /dev/vdb): sg-boot.service, the only unit
# baked in, unpacks it into /run/sg and runs its guest.sh with its output on
# the second serial port (ttyS1), which the host reads.

# What the package and the test need: smtpguard's libraries, ip, modprobe, jq,
# liburing for tests/e2e/sg-connect.
BOOT_PACKAGES="systemd,systemd-sysv,udev,linux-image-cloud-amd64,initramfs-tools,kmod,iproute2,libbpf1,libyaml-0-2,jq,liburing2"

boot_image_dir() {
	echo "$cache/boot/bookworm"
}

# Write the test's entry point and the lean-boot settings into ROOT.
boot_image_configure() {
	local root=$1 u
	echo sgboot >"$root/etc/hostname"
	printf '127.0.0.1 localhost\n127.0.1.1 sgboot\n' >"$root/etc/hosts"
	printf '/dev/vda / ext4 defaults,noatime 0 1\n' >"$root/etc/fstab"
	ln -sf /lib/systemd/system/multi-user.target "$root/etc/systemd/system/default.target"
	for u in getty@.service serial-getty@.service apt-daily.timer apt-daily-upgrade.timer \
		e2scrub_all.timer e2scrub_reap.service fstrim.timer getty-static.service systemd-timesyncd.service \
		systemd-networkd.service systemd-resolved.service console-getty.service; do
		ln -sf /dev/null "$root/etc/systemd/system/$u"
	done
	# No journal on disk to flush at every boot (the test reads it live).
	mkdir -p "$root/etc/systemd/journald.conf.d"
	printf '[Journal]\nStorage=volatile\n' >"$root/etc/systemd/journald.conf.d/sg.conf"
	mkdir -p "$root/usr/local/sbin"
	cat >"$root/usr/local/sbin/sg-boot-entry" <<-'EOF'
		#!/bin/sh
		# The boot test's entry point (tests/boot/image.sh): unpack the
		# payload disk and run its guest.sh, output on the host's ttyS1 file.
		exec >/dev/ttyS1 2>&1
		i=0
		while [ ! -b /dev/vdb ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		rm -rf /run/sg && mkdir -p /run/sg &&
			tar -xf /dev/vdb -C /run/sg && exec sh /run/sg/guest.sh
		echo "SGB-FATAL cannot unpack the payload disk /dev/vdb"
		systemctl poweroff
	EOF
	chmod 0755 "$root/usr/local/sbin/sg-boot-entry"
	cat >"$root/etc/systemd/system/sg-boot.service" <<-'EOF'
		[Unit]
		Description=smtpguard boot test (tests/boot/guest.sh from the payload disk)
		After=multi-user.target

		[Service]
		Type=exec
		ExecStart=/usr/local/sbin/sg-boot-entry

		[Install]
		WantedBy=multi-user.target
	EOF
	mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
	ln -sf /etc/systemd/system/sg-boot.service \
		"$root/etc/systemd/system/multi-user.target.wants/sg-boot.service"
	# Only the drivers a qemu guest needs in the initramfs: smaller, faster.
	printf 'MODULES=list\nCOMPRESS=gzip\n' >"$root/etc/initramfs-tools/conf.d/sg.conf"
	printf 'virtio_pci\nvirtio_blk\n' >>"$root/etc/initramfs-tools/modules"
}

# Build the image unless the cache holds one of this file's version; prints
# the directory. Progress goes to stderr, the debootstrap log to the cache.
boot_image() {
	local dir stamp want work rel
	dir=$(boot_image_dir)
	stamp="$dir/stamp"
	want=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
	if [ -s "$dir/rootfs.img" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		echo "$dir"
		return 0
	fi
	command -v debootstrap >/dev/null || {
		echo "debootstrap is missing (sh scripts/install-matrix-deps.sh)" >&2
		return 1
	}
	mkdir -p "$cache/boot" || return 1
	work="$cache/boot/bookworm.work"
	rm -rf "$work" && mkdir -p "$work" || return 1
	echo "# boot image: debootstrap bookworm into $work (first run only, minutes)" >&2
	# Its own mount namespace: what debootstrap and the kernel's postinst
	# mount in the chroot goes with it.
	if ! unshare --mount --propagation private sh -c '
		debootstrap --variant=minbase --include="$1" bookworm "$2/root" "$3" &&
			mount -t proc proc "$2/root/proc"' sh "$BOOT_PACKAGES" "$work" "$(debian_mirror)" \
		>"$cache/boot/bookworm.log" 2>&1; then
		tail -n 5 "$cache/boot/bookworm.log" >&2
		rm -rf "$work"
		echo "debootstrap failed (log: $cache/boot/bookworm.log)" >&2
		return 1
	fi
	boot_image_configure "$work/root" || return 1
	rel=$(ls "$work/root/lib/modules" | head -n 1)
	# The initramfs again, with the lean settings; in the image's chroot.
	unshare --mount --propagation private sh -c 'mount -t proc proc "$1/proc" &&
		chroot "$1" update-initramfs -u -k "$2"' sh "$work/root" "$rel" \
		>>"$cache/boot/bookworm.log" 2>&1 || {
		echo "update-initramfs failed (log: $cache/boot/bookworm.log)" >&2
		return 1
	}
	rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*_Packages
	mkdir -p "$work/out" &&
		cp "$work/root/boot/vmlinuz-$rel" "$work/out/vmlinuz" &&
		cp "$work/root/boot/initrd.img-$rel" "$work/out/initrd.img" &&
		echo "$rel" >"$work/out/release" &&
		mkfs.ext4 -q -F -L sgroot -d "$work/root" "$work/out/rootfs.img" 2G \
			>>"$cache/boot/bookworm.log" 2>&1 &&
		echo "$want" >"$work/out/stamp" || {
		echo "cannot make the disk image (log: $cache/boot/bookworm.log)" >&2
		return 1
	}
	rm -rf "$dir" && mv "$work/out" "$dir" && rm -rf "$work" && echo "$dir"
}
