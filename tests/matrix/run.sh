#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/matrix/run.sh - the kernel matrix ("make kernel-matrix"): boot each
# kernel in KERNELS (default: every one in tests/matrix/kernels.sh) under
# qemu, with a busybox initramfs that holds smtpguard, the static sg-try
# probe and sg-listen, and run tests/matrix/guest-rows.sh inside, twice:
# with the kernel's BTF, and with /sys/kernel/btf/vmlinux hidden.
#
# Each kernel runs the smtpguard of the Debian release it ships with: 5.10
# the one built in the Debian 11 chroot (tests/matrix/userland.sh), 6.1
# this machine's build (Debian 12), 6.12 the Debian 13 chroot's.
#
# Nothing is installed on this machine: kernels are fetched with apt-get
# download and unpacked with dpkg-deb (cached under /var/cache/smtpguard/).
# Every guest has a time limit (GUEST_TIMEOUT, 300 s). Prints
# "N passed, N failed, N skipped" per kernel and pass, a table, and the
# totals as the last line.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kernels.sh"

GUEST_TIMEOUT=${GUEST_TIMEOUT:-300}
out="$top/build/matrix"

# The userland each kernel's guest runs (a chroot of tests/matrix/userland.sh, or host).
kernel_userland() {
	case $1 in
	5.10) echo bullseye ;;
	6.12) echo trixie ;;
	*) echo host ;;
	esac
}

cleanup() {
	matrix_cleanup_tmp
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r -a kernels <<<"${KERNELS:-$(kernel_names)}"
for k in "${kernels[@]}"; do
	[ -n "$(kernel_suite "$k")" ] || {
		echo "kernel-matrix: unknown kernel '$k' in KERNELS (known: $(kernel_names))" >&2
		exit 2
	}
done
[ "$(id -u)" = 0 ] || die "root is needed (apt-get download, chroots, mknod in the initramfs)"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 is missing (sh scripts/install-matrix-deps.sh)"
busybox=$(command -v busybox) || die "busybox is missing (sh scripts/install-matrix-deps.sh)"
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is not static (install busybox-static)"
command -v cpio >/dev/null || die "cpio is missing (sh scripts/install-matrix-deps.sh)"
nft=$(command -v nft) || die "nft is missing (sh scripts/install-deps.sh)"
for f in smtpguard tests/sg-try-static tests/sg-listen-static; do
	[ -x "$top/build/$f" ] || die "build/$f is missing: run 'make kernel-matrix'"
done
matrix_init_tmp
mkdir -p "$out"

# The dynamic libraries of ROOT's binary BIN (a path inside ROOT), one a line.
libs_of() {
	local root=$1 bin=$2
	if [ "$root" = / ]; then
		ldd "$bin"
	else
		chroot "$root" ldd "$bin"
	fi | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}

# initramfs KERNEL_DIR USERLAND OUT: build the guest's initramfs.
build_initramfs() {
	local kdir=$1 userland=$2 img=$3 root="$matrix_tmp/initramfs" sysroot bin lib real
	if [ "$userland" = host ]; then
		sysroot=/
		bin="$top/build/smtpguard"
	else
		sysroot="$cache/chroots/$userland"
		bin=/src/build/smtpguard
	fi
	rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,etc,lib,opt/sg} || return 1
	cp "$busybox" "$root/bin/busybox" &&
		install -m 0755 "$top/tests/matrix/guest-init.sh" "$root/init" &&
		install -m 0755 "$top/tests/matrix/guest-rows.sh" "$root/opt/sg/guest-rows.sh" &&
		cp "$top/build/tests/sg-try-static" "$root/opt/sg/sg-try" &&
		cp "$top/build/tests/sg-listen-static" "$root/opt/sg/sg-listen" &&
		cp "$kdir/veth.ko" "$root/lib/veth.ko" &&
		cp -R "$kdir/nf" "$root/lib/nf" &&
		cp "${sysroot%/}$bin" "$root/opt/sg/smtpguard" || return 1
	# smtpguard as built, with the libraries of the userland that built it.
	for lib in $(libs_of "$sysroot" "$bin") \
		$(cd "$sysroot" && ls lib/x86_64-linux-gnu/libnss_files.so.2 2>/dev/null | sed 's|^|/|'); do
		# Symlinks are absolute inside the userland: resolve them there.
		real=$(chroot "$sysroot" readlink -f "$lib") &&
			mkdir -p "$root$(dirname "$lib")" && cp "${sysroot%/}$real" "$root$lib" || return 1
	done
	# nft for the container's NAT rows: this machine's, with its own libraries
	# and loader under /opt/nft (the guest's userland may be older).
	mkdir -p "$root/opt/nft/lib" && cp "$nft" "$root/opt/nft/nft" || return 1
	for lib in $(libs_of / "$nft"); do
		cp -L "$lib" "$root/opt/nft/lib/" || return 1
	done
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\nmail:x:8:\n' >"$root/etc/group"
	printf 'passwd: files\ngroup: files\n' >"$root/etc/nsswitch.conf"
	mknod "$root/dev/console" c 5 1 && mknod "$root/dev/null" c 1 3 || return 1
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$img"
}

# Results: one row per kernel and pass, "KERNEL|USERLAND|RESULT|SECONDS".
total_p=0
total_f=0
total_s=0
rows=()

run_kernel() {
	local k=$1 kdir userland img log start secs pass line p f s
	start=$(now)
	kdir=$(kernel_fetch "$k") || {
		rows+=("$k|-|fetch failed|-")
		total_f=$((total_f + 1))
		return
	}
	userland=$(kernel_userland "$k")
	if [ "$userland" != host ] && ! "$top/tests/matrix/userland.sh" "$userland" >"$out/$k-userland.log" 2>&1; then
		echo "kernel $k: the $userland build failed (log: $out/$k-userland.log)" >&2
		tail -n 5 "$out/$k-userland.log" >&2
		rows+=("$k|$userland|build failed|-")
		total_f=$((total_f + 1))
		return
	fi
	img="$out/$k.initramfs.gz"
	build_initramfs "$kdir" "$userland" "$img" || {
		echo "kernel $k: cannot build the initramfs" >&2
		rows+=("$k|$userland|initramfs failed|-")
		total_f=$((total_f + 1))
		return
	}
	log="$out/$k.console.log"
	echo "# kernel $k ($(cat "$kdir/package")), userland $userland: booting (limit ${GUEST_TIMEOUT} s)"
	timeout -k 10 "$GUEST_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 1024 \
		-nographic -no-reboot -nic none -kernel "$kdir/vmlinuz" -initrd "$img" \
		-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=3" </dev/null 2>&1 |
		tr -d '\r' >"$log"
	secs=$(($(now) - start))
	sed -n '/^SGM-PASS /,/^SGM-END/p' "$log" | grep -E '^(ok|not ok|skip) - |^#|^SGM-(PASS|SUMMARY|NOTE)' |
		sed "s/^/[$k] /"
	for pass in btf nobtf; do
		line=$(sed -nE "s/^SGM-SUMMARY $pass ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p" "$log")
		if [ -z "$line" ]; then
			echo "[$k] $pass: the guest did not finish (timeout, panic or crash); last lines:"
			grep -v '^$' "$log" | tail -n 15 | sed "s/^/[$k]   /"
			rows+=("$k|$userland|$pass: did not finish|${secs}")
			total_f=$((total_f + 1))
			continue
		fi
		read -r p f s <<<"$line"
		echo "[$k] $pass: $p passed, $f failed, $s skipped"
		rows+=("$k|$userland|$pass: $p passed, $f failed, $s skipped|${secs}")
		total_p=$((total_p + p))
		total_f=$((total_f + f))
		total_s=$((total_s + s))
	done
}

for k in "${kernels[@]}"; do
	run_kernel "$k"
done

echo
printf '%-6s %-9s %-44s %s\n' kernel userland "result (BTF / BTF hidden)" "wall s"
for r in "${rows[@]}"; do
	IFS='|' read -r k u res secs <<<"$r"
	printf '%-6s %-9s %-44s %s\n' "$k" "$u" "$res" "$secs"
done
echo
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
