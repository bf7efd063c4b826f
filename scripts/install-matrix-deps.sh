#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# scripts/install-matrix-deps.sh - what the kernel and userland matrices
# need on top of scripts/install-deps.sh: qemu (the guests), busybox-static
# and cpio (their initramfs), debootstrap (the Debian 11 and 13 chroots),
# xz (Debian's compressed modules). Debian and Ubuntu only (apt-get).
# Does nothing when everything is there. Run as root.
set -eu

have_all() {
	for cmd in qemu-system-x86_64 debootstrap cpio xz dpkg-deb; do
		command -v "$cmd" >/dev/null 2>&1 || return 1
	done
	# busybox-static, not a dynamic busybox: the guests have no libc.
	[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1
}

if have_all; then
	echo "install-matrix-deps: all dependencies present"
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install-matrix-deps: run as root to install packages" >&2; exit 1; }
command -v apt-get >/dev/null 2>&1 ||
	{ echo "install-matrix-deps: needs apt-get (the matrix uses Debian's kernels and debootstrap)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends qemu-system-x86 busybox-static cpio debootstrap \
	xz-utils debian-archive-keyring
have_all || { echo "install-matrix-deps: some dependencies are still missing" >&2; exit 1; }
echo "install-matrix-deps: done"
