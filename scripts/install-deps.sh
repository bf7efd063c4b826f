#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# scripts/install-deps.sh - install what smtpguard needs to build and test:
# clang, bpftool, libbpf, libelf, zlib, libyaml (build) and iproute2, util-linux,
# liburing, passwd tools, systemd-analyze, man and valgrind (tests),
# iptables and nftables (make bench compares against them), promtool (unpacked
# from Debian's prometheus package, not installed). Debian/Ubuntu use apt,
# AlmaLinux/Rocky/CloudLinux dnf.
# Does nothing when everything is already there. Run as root.
set -eu

have_all() {
	for cmd in make cc clang bpftool pkg-config ip nsenter useradd systemd-analyze man \
		iptables-restore nft valgrind setpriv findmnt jq; do
		command -v "$cmd" >/dev/null 2>&1 || return 1
	done
	pkg-config --exists libbpf liburing yaml-0.1 2>/dev/null || return 1
	for h in gelf.h zlib.h; do
		echo "#include <$h>" | cc -E -x c - >/dev/null 2>&1 || return 1
	done
	have_fuzzer && have_promtool
}

# promtool (tests/prometheus_test.sh) from Debian's prometheus package,
# unpacked into a cache: installing the package would start a Prometheus
# server. On hosts without apt it is not needed (the test says it skipped).
PROMTOOL_DIR=/var/cache/smtpguard/promtool
have_promtool() {
	command -v promtool >/dev/null 2>&1 || [ -x "$PROMTOOL_DIR/usr/bin/promtool" ] ||
		! command -v apt-get >/dev/null 2>&1
}

fetch_promtool() {
	local_tmp=$(mktemp -d)
	# Root's private directory: apt's _apt user cannot write there, so say
	# that apt downloads as root rather than have it warn.
	if (cd "$local_tmp" && apt-get download -q -o APT::Sandbox::User=root prometheus) &&
		dpkg-deb -x "$local_tmp"/prometheus_*.deb "$local_tmp/x" &&
		install -D -m 0755 "$local_tmp/x/usr/bin/promtool" "$PROMTOOL_DIR/usr/bin/promtool"; then
		rm -rf "$local_tmp"
		return 0
	fi
	rm -rf "$local_tmp"
	return 1
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
		man-db iptables nftables valgrind jq ca-certificates
	have_fuzzer || apt-get install -y -q --no-install-recommends libclang-rt-dev ||
		apt-get install -y -q --no-install-recommends \
			"libclang-rt-$(clang --version | sed -n 's/.*version \([0-9]*\).*/\1/p' | head -n 1)-dev"
	have_promtool || fetch_promtool
	# Debian ships bpftool on its own; Ubuntu inside linux-tools for the running kernel.
	if ! command -v bpftool >/dev/null 2>&1; then
		apt-get install -y -q --no-install-recommends bpftool ||
			apt-get install -y -q --no-install-recommends linux-tools-common \
				"linux-tools-$(uname -r)"
	fi
elif command -v dnf >/dev/null 2>&1; then
	# libbpf-devel and libyaml-devel live in CRB (EL9) or PowerTools (EL8), liburing-devel in
	# EPEL on some releases: enable them first. The repository ids differ
	# between derivatives (powertools, PowerTools, crb, a vendor prefix), so
	# take whichever the system lists.
	dnf install -y epel-release >/dev/null 2>&1 || true
	dnf install -y dnf-plugins-core >/dev/null 2>&1 || true
	repos=$(dnf repolist --all -q 2>/dev/null |
		awk 'tolower($1) ~ /(^|-)(crb|powertools)$/ { print $1 }')
	if [ -n "$repos" ]; then
		# shellcheck disable=SC2086 # one id per word
		dnf config-manager --set-enabled $repos
	else
		echo "install-deps: no CRB or PowerTools repository found; libbpf-devel is" \
			"there: enable it by hand (dnf config-manager --set-enabled crb)" >&2
	fi
	dnf install -y make gcc clang llvm pkgconf-pkg-config libbpf-devel elfutils-libelf-devel \
		zlib-devel bpftool liburing-devel libyaml-devel iproute util-linux shadow-utils systemd man-db \
		iptables-nft nftables valgrind compiler-rt jq
else
	echo "install-deps: no apt-get or dnf; install clang, bpftool, libbpf, libelf, zlib," \
		"libyaml, liburing, iproute2 and util-linux by hand" >&2
	exit 1
fi
have_all || { echo "install-deps: some dependencies are still missing" >&2; exit 1; }
echo "install-deps: done"
