#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# /init of a kernel-matrix guest (tests/matrix/run.sh builds the initramfs):
# mount what a host has, load veth.ko and nftables' NAT, run the rows twice, once with the
# kernel's BTF and once with /sys/kernel/btf/vmlinux hidden (what libbpf
# sees on a kernel built without CONFIG_DEBUG_INFO_BTF), then power off.
# The host reads the console: SGM-* lines frame the rows' output.
/bin/busybox --install -s /bin
export PATH=/opt/sg:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mkdir -p /sys/fs/cgroup /root
mount -t cgroup2 cgroup2 /sys/fs/cgroup || echo "SGM-NOTE cannot mount cgroup2"
# bpffs stays unmounted: "smtpguard load" mounts it, as on a host without it.
echo "SGM-KERNEL $(uname -r)"
insmod /lib/veth.ko || echo "SGM-NOTE veth.ko did not load"
# nftables' NAT, dependencies first, for the container rows (kernels.sh).
for m in $(cat /lib/nf/order); do
	insmod "/lib/nf/$m.ko" || echo "SGM-NOTE $m.ko did not load"
done

for pass in btf nobtf; do
	if [ "$pass" = nobtf ]; then
		: >/tmp/no-btf
		mount --bind /tmp/no-btf /sys/kernel/btf/vmlinux ||
			echo "SGM-NOTE cannot hide /sys/kernel/btf/vmlinux"
	fi
	echo "SGM-PASS $pass"
	sh /opt/sg/guest-rows.sh "$pass" 2>&1
done
echo "SGM-END"
sync
poweroff -f
