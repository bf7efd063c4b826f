#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# scripts/pkg-deps.sh - install what "make deb", "make rpm" and "make pkgtest"
# need on top of the build dependencies (scripts/install-deps.sh, run first):
#   Debian/Ubuntu  debhelper, dpkg-dev, lintian (make deb), rpm (make rpm:
#                  Debian's rpmbuild checks the spec), debootstrap (make pkgtest)
#   EL 8/9         rpm-build and the systemd RPM macros (make rpm)
# Does nothing when everything is already there. Run as root.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh

if command -v apt-get >/dev/null 2>&1; then
	have() { command -v dpkg-buildpackage && command -v dh && command -v lintian &&
		command -v rpmbuild && command -v debootstrap; }
	if have >/dev/null 2>&1; then
		echo "pkg-deps: all packaging tools present"
		exit 0
	fi
	[ "$(id -u)" = 0 ] || { echo "pkg-deps: run as root to install packages" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends debhelper dpkg-dev lintian rpm debootstrap
elif command -v dnf >/dev/null 2>&1; then
	if command -v rpmbuild >/dev/null 2>&1 && rpm --eval '%systemd_post x' | grep -qv '^%'; then
		echo "pkg-deps: all packaging tools present"
		exit 0
	fi
	[ "$(id -u)" = 0 ] || { echo "pkg-deps: run as root to install packages" >&2; exit 1; }
	# EL8 keeps the macros in systemd itself, EL9 in systemd-rpm-macros.
	dnf install -y rpm-build systemd-rpm-macros || dnf install -y rpm-build systemd
else
	echo "pkg-deps: no apt-get or dnf; install debhelper, dpkg-dev and lintian" \
		"(Debian) or rpm-build (EL) by hand" >&2
	exit 1
fi
echo "pkg-deps: done"
