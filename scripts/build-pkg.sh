#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# scripts/build-pkg.sh deb|rpm [--source DIR] [--out DIR] [--date DATE] [--no-lintian]
#
# Build the Debian package (dpkg-buildpackage, debhelper) or the RPM
# (rpmbuild) of the tree in DIR (default: this checkout) into OUT (default:
# build/pkg/). "make deb" and "make rpm" run this.
#
# The build runs in a staging copy under OUT/work-*/, never in the tree:
# dist/debian/ becomes debian/ there, debian/changelog is written from
# VERSION and NEWS, the spec from dist/rpm/smtpguard.spec.in. A tree older
# than the packaging (the upgrade test builds the previous release) has no
# VERSION file and no dist/debian/: its version is read from its Makefile and
# this checkout's packaging is used. DATE (RFC 2822) dates the changelog
# entry; by default the tree's last commit, else now.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-}
shift || true
src=$here
out=$here/build/pkg
date=""
lintian=1

usage() {
	echo "usage: scripts/build-pkg.sh deb|rpm [--source DIR] [--out DIR] [--date DATE] [--no-lintian]" >&2
	exit 2
}
die() {
	echo "build-pkg: $*" >&2
	exit 1
}

case $kind in deb | rpm) ;; *) usage ;; esac
while [ $# -gt 0 ]; do
	case $1 in
	--source | --out | --date) [ $# -ge 2 ] || usage ;;&
	--source)
		src=$(cd "$2" 2>/dev/null && pwd) ||
			{ echo "build-pkg: --source $2: no such directory" >&2 && exit 2; }
		shift 2
		;;
	--out) out=$2 && shift 2 ;;
	--date) date=$2 && shift 2 ;;
	--no-lintian) lintian=0 && shift ;;
	*) usage ;;
	esac
done

# A tool missing from PATH: say which package has it, on either family.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 not found: install $2 (or run 'sh scripts/pkg-deps.sh' as root)"
}

# The version: VERSION, or the Makefile's "VERSION := x" before there was one.
if [ -f "$src/VERSION" ]; then
	version=$(cat "$src/VERSION")
else
	version=$(sed -n 's/^VERSION := *//p' "$src/Makefile")
fi
[[ "$version" =~ ^[0-9]+(\.[0-9]+)+$ ]] ||
	die "$src: no usable version (VERSION or the Makefile's VERSION :=), got '$version'"
# NEWS must describe the release being packaged.
if [ -f "$src/NEWS" ]; then
	top=$(sed -n 's/^smtpguard \([0-9][0-9.]*\)$/\1/p' "$src/NEWS" | head -n 1)
	[ "$top" = "$version" ] ||
		die "$src/NEWS: the newest entry is '${top:-none}', but VERSION is $version: add 'smtpguard $version' at the top"
fi
if [ -z "$date" ]; then
	date=$(git -C "$src" log -1 --format=%cD 2>/dev/null || true)
	[ -n "$date" ] || date=$(date -R)
fi

packaging=$here
[ -d "$src/dist/debian" ] && packaging=$src

# The tree's files into $1: git's view of the checkout (tracked and new,
# not ignored, as they are now), or everything but build/ for an export.
stage_tree() {
	local to=$1
	mkdir -p "$to"
	if git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1 &&
		[ "$(git -C "$src" rev-parse --show-toplevel)" = "$src" ]; then
		(cd "$src" && git ls-files -z -co --exclude-standard |
			while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
			tar --null -T - -cf -) | tar -xf - -C "$to"
	else
		(cd "$src" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$to"
	fi
	[ -f "$to/NEWS" ] || printf 'smtpguard %s\n%s\n\nReleased before NEWS was kept.\n' \
		"$version" "$(printf '%s' "smtpguard $version" | tr '[:print:]' '-')" >"$to/NEWS"
}

build_deb() {
	need dpkg-buildpackage dpkg-dev
	need dh debhelper
	[ "$lintian" = 0 ] || need lintian lintian
	local work="$out/work-deb" tree
	tree="$work/smtpguard-$version"
	rm -rf "$work"
	stage_tree "$tree"
	rm -rf "$tree/debian"
	cp -a "$packaging/dist/debian" "$tree/debian"
	cat >"$tree/debian/changelog" <<-EOF
		smtpguard ($version) unstable; urgency=medium

		  * Release $version. What an admin must know about it (ABI of the pinned
		    guard, new keys, changed defaults) is in /usr/share/doc/smtpguard/NEWS.

		 -- smtpguard developers <smtpguard@example.org>  $date
	EOF
	# -b: binary packages only (a native source package is the git tree).
	# dpkg-checkbuilddeps names any missing Build-Depends.
	(cd "$tree" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 || {
		grep -E 'Unmet build dependencies|error|Error' "$work/build.log" | tail -n 20 >&2
		die "dpkg-buildpackage failed; the whole log is $work/build.log"
	}
	mkdir -p "$out"
	local f
	for f in "$work"/*.deb "$work"/*.ddeb "$work"/*.buildinfo "$work"/*.changes; do
		[ -e "$f" ] && mv -f "$f" "$out/"
	done
	local changes
	changes="$out/smtpguard_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).changes"
	rm -rf "$work"
	echo "build-pkg: built $(cd "$out" && ls smtpguard*_"${version}"_*.deb | tr '\n' ' ')in $out"
	if [ "$lintian" = 1 ]; then
		echo "build-pkg: lintian $changes"
		# Errors fail the build; warnings are printed (and explained in dist/debian/).
		lintian --fail-on error --info "$changes" || die "lintian reports errors (above)"
	fi
}

build_rpm() {
	need rpmbuild "rpm (Debian) or rpm-build (EL)"
	local work="$out/work-rpm" tree nodeps=()
	tree="$work/smtpguard-$version"
	rm -rf "$work"
	mkdir -p "$work/SOURCES" "$work/SPECS"
	stage_tree "$tree"
	tar -C "$work" -czf "$work/SOURCES/smtpguard-$version.tar.gz" "smtpguard-$version"
	rm -rf "$tree"
	local cdate
	cdate=$(LC_ALL=C date -d "$date" '+%a %b %d %Y')
	sed -e "s|@VERSION@|$version|g" -e "s|@DATE@|$cdate|g" \
		"$packaging/dist/rpm/smtpguard.spec.in" >"$work/SPECS/smtpguard.spec"
	# An RPM-based system checks BuildRequires against its rpm database
	# (rpmbuild names what is missing). Debian's rpm has an empty one:
	# there the Debian build dependencies are checked instead.
	if ! rpm -q rpm >/dev/null 2>&1; then
		nodeps=(--nodeps)
		local missing=() p
		for p in make gcc clang bpftool libbpf-dev libelf-dev zlib1g-dev pkgconf; do
			dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
				missing+=("$p")
		done
		[ ${#missing[@]} -eq 0 ] ||
			die "missing build dependencies: apt-get install ${missing[*]} (or run 'sh scripts/install-deps.sh')"
	fi
	rpmbuild -ba "${nodeps[@]}" --define "_topdir $work" "$work/SPECS/smtpguard.spec" \
		>"$work/build.log" 2>&1 || {
		grep -E 'error|Error|needed by' "$work/build.log" | tail -n 20 >&2
		die "rpmbuild failed; the whole log is $work/build.log"
	}
	mkdir -p "$out"
	find "$work/RPMS" "$work/SRPMS" -name '*.rpm' -exec mv -f {} "$out/" \;
	rm -rf "$work"
	echo "build-pkg: built $(cd "$out" && ls smtpguard*-"${version}"-*.rpm | tr '\n' ' ')in $out"
}

"build_$kind"
