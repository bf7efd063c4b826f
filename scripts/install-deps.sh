#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# scripts/install-deps.sh - install what smtpguard needs to build and test:
# clang, bpftool, libbpf, libelf, zlib, libyaml (build) and iproute2, util-linux,
# liburing, passwd tools, systemd-analyze, man and valgrind (tests),
# iptables and nftables (make bench compares against them). Debian/Ubuntu use apt,
# AlmaLinux/Rocky/CloudLinux dnf.
# Does nothing when everything is already there. Run as root.
set -eu

have_all() {
	for cmd in make cc clang bpftool pkg-config ip nsenter useradd systemd-analyze man \
		iptables-restore nft valgrind setpriv findmnt; do
		command -v "$cmd" >/dev/null 2>&1 || return 1
	done
	pkg-config --exists libbpf liburing yaml-0.1 2>/dev/null || return 1
	for h in gelf.h zlib.h; do
		echo "#include <$h>" | cc -E -x c - >/dev/null 2>&1 || return 1
	done
	have_fuzzer
}

# make fuzz links clang's libFuzzer, which Debian only recommends.
have_fuzzer() {
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' |
		clang -fsanitize=fuzzer,address -x c - -o /dev/null >/dev/null 2>&1
}

if have_all; then
	echo "install-deps: all dependencies present"
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install-deps: run as root to install packages" >&2; exit 1; }

if command -v apt-get >/dev/null 2>&1; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends make gcc libc6-dev clang llvm pkg-config \
		libbpf-dev libelf-dev zlib1g-dev liburing-dev libyaml-dev iproute2 util-linux passwd systemd \
		man-db iptables nftables valgrind ca-certificates
	have_fuzzer || apt-get install -y -q --no-install-recommends libclang-rt-dev ||
		apt-get install -y -q --no-install-recommends \
			"libclang-rt-$(clang --version | sed -n 's/.*version \([0-9]*\).*/\1/p' | head -n 1)-dev"
	# Debian ships bpftool on its own; Ubuntu inside linux-tools for the running kernel.
	if ! command -v bpftool >/dev/null 2>&1; then
		apt-get install -y -q --no-install-recommends bpftool ||
			apt-get install -y -q --no-install-recommends linux-tools-common \
				"linux-tools-$(uname -r)"
	fi
elif command -v dnf >/dev/null 2>&1; then
	# liburing-devel comes from EPEL on some EL releases, libyaml-devel from CRB
	# (PowerTools on EL 8).
	dnf install -y epel-release >/dev/null 2>&1 || true
	dnf config-manager --set-enabled crb >/dev/null 2>&1 ||
		dnf config-manager --set-enabled powertools >/dev/null 2>&1 || true
	dnf install -y make gcc clang llvm pkgconf-pkg-config libbpf-devel elfutils-libelf-devel \
		zlib-devel bpftool liburing-devel libyaml-devel iproute util-linux shadow-utils systemd man-db \
		iptables-nft nftables valgrind compiler-rt
else
	echo "install-deps: no apt-get or dnf; install clang, bpftool, libbpf, libelf, zlib," \
		"libyaml, liburing, iproute2 and util-linux by hand" >&2
	exit 1
fi
have_all || { echo "install-deps: some dependencies are still missing" >&2; exit 1; }
echo "install-deps: done"
