#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/matrix/userland.sh [SUITE...] - build smtpguard and run its
# kernel-free unit tests with another Debian release's toolchain, in a
# debootstrap chroot cached under /var/cache/smtpguard/chroots/SUITE:
#   bullseye  Debian 11: clang 11, libbpf 0.3, bpftool 5.10 (no "gen object")
#   trixie    Debian 13: clang 19, libbpf 1.5
# (default: both). The sources are copied to /src in the chroot; the binary
# stays at CHROOT/src/build/smtpguard, where the kernel matrix takes the
# Debian 11 one for the 5.10 kernel. Packages are installed, with their
# maintainer scripts, only inside the chroot. Ends with
# "N passed, N failed, N skipped" (one per suite: build, unit tests).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

SUITES_KNOWN="bullseye trixie"
# What the build and the unit tests need (scripts/install-deps.sh, less the
# kernel-side test tools).
CHROOT_PACKAGES="make,gcc,libc6-dev,clang,llvm,pkg-config,libbpf-dev,libelf-dev,zlib1g-dev,libyaml-dev,bpftool,ca-certificates,jq,python3"

mounted=()
cleanup() {
	local m
	for m in "${mounted[@]}"; do
		umount -l "$m" 2>/dev/null
	done
	matrix_cleanup_tmp
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Create (or reuse) the chroot for a suite; prints its directory.
chroot_for() {
	local suite=$1 dir="$cache/chroots/$1" stamp
	stamp="$dir/.smtpguard-ready"
	if [ -e "$stamp" ] && [ "$(cat "$stamp")" = "$CHROOT_PACKAGES" ]; then
		echo "$dir"
		return 0
	fi
	command -v debootstrap >/dev/null || die "debootstrap is missing (sh scripts/install-matrix-deps.sh)"
	rm -rf "$dir" && mkdir -p "$cache/chroots" || die "cannot create $dir"
	echo "# $suite: debootstrap into $dir (first run only)" >&2
	if ! debootstrap --variant=minbase --include="$CHROOT_PACKAGES" "$suite" "$dir" \
		"$(debian_mirror)" >"$cache/chroots/$suite.log" 2>&1; then
		tail -n 5 "$cache/chroots/$suite.log" >&2
		rm -rf "$dir"
		die "$suite: debootstrap failed (log: $cache/chroots/$suite.log)"
	fi
	echo "$CHROOT_PACKAGES" >"$stamp"
	echo "$dir"
}

# The tracked and new (not ignored) files of the work tree, as they are now.
copy_sources() {
	local dir=$1
	rm -rf "$dir/src" && mkdir -p "$dir/src" || return 1
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - -cf - 2>/dev/null) | tar -xf - -C "$dir/src"
}

passed=0
failed=0
skipped=0
result() {
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
		echo "ok - $2"
	else
		failed=$((failed + 1))
		echo "not ok - $2"
	fi
}

run_suite() {
	local suite=$1 dir log
	dir=$(chroot_for "$suite") || {
		result fail "$suite: chroot"
		return
	}
	copy_sources "$dir" || die "cannot copy the sources into $dir/src"
	mount -t proc proc "$dir/proc" && mounted+=("$dir/proc") # ASan reads /proc/self/maps
	log="$dir/src/build-matrix.log"
	# shellcheck disable=SC2016
	if chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		sh -c 'cd /src && echo "# $(. /etc/os-release; echo "$PRETTY_NAME"):" \
			"$(clang --version | head -n 1), libbpf $(pkg-config --modversion libbpf)," \
			"$(bpftool version 2>/dev/null | head -n 1)" &&
			make -j2 build/smtpguard build/tests/unit_config build/tests/unit_config_edit \
			build/tests/unit_import build/tests/unit_incumbents build/tests/unit_who \
			build/tests/unit_diff build/tests/unit_describe build/tests/unit_json \
			build/tests/unit_uidtab build/tests/unit_alerts build/tests/unit_commit \
			build/tests/unit_guard_maps' \
		>"$log" 2>&1; then
		head -n 1 "$log"
		result ok "$suite: make (smtpguard, unit tests) with -Werror"
	else
		head -n 1 "$log"
		tail -n 20 "$log"
		result fail "$suite: make (log: $log)"
		return
	fi
	if chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		sh -c 'cd /src && build/tests/unit_config && build/tests/unit_config_edit &&
			build/tests/unit_import tests/import && build/tests/unit_incumbents tests/import &&
			build/tests/unit_who && build/tests/unit_diff && build/tests/unit_describe &&
			build/tests/unit_json && build/tests/unit_uidtab && build/tests/unit_alerts &&
			build/tests/unit_commit && build/tests/unit_guard_maps' \
			>"$log.unit" 2>&1; then
		result ok "$suite: unit tests ($(grep -E '^[0-9]+ passed' "$log.unit" | tr '\n' ' '))"
	else
		tail -n 20 "$log.unit"
		result fail "$suite: unit tests (log: $log.unit)"
	fi
	umount "$dir/proc" 2>/dev/null
}

[ "$(id -u)" = 0 ] || die "debootstrap and chroot need root"
suites=("$@")
[ ${#suites[@]} -gt 0 ] || read -r -a suites <<<"$SUITES_KNOWN"
for s in "${suites[@]}"; do
	case " $SUITES_KNOWN " in
	*" $s "*) ;;
	*) die "unknown suite '$s' (known: $SUITES_KNOWN)" ;;
	esac
done
for s in "${suites[@]}"; do
	start=$(now)
	run_suite "$s"
	echo "# $s: $(($(now) - start)) s"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
