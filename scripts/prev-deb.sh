#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# scripts/prev-deb.sh - print the path of the previous release's .deb,
# building it first if the cache has none: the release scripts/prev-release.sh
# finds in the history, exported with "git archive" and built by
# scripts/build-pkg.sh with this tree's packaging when it has none of its own.
# Cached as /var/cache/smtpguard/pkgtest/smtpguard_VERSION_COMMIT_KEY.deb
# (SMTPGUARD_CACHE overrides the top), KEY a checksum of the packaging that
# builds it: the name "make pkgtest" gives it too. Progress on stderr.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${SMTPGUARD_CACHE:-/var/cache/smtpguard}/pkgtest

read -r commit version < <("$top/scripts/prev-release.sh") ||
	{ echo "prev-deb: no previous release in the git history (a shallow clone?)" >&2; exit 1; }
# (cat fails on dist/debian/source, a directory, after printing the rest.)
key=$({ cat "$top"/dist/debian/* "$top"/dist/debian/*/* "$top/scripts/build-pkg.sh" 2>/dev/null || true; } |
	sha256sum | cut -c1-16)
deb="$dir/smtpguard_${version}_${commit:0:12}_$key.deb"
if [ ! -e "$deb" ]; then
	work=$(mktemp -d /tmp/smtpguard-prev-deb.XXXXXX)
	trap 'rm -rf "$work"' EXIT
	echo "prev-deb: building $version from ${commit:0:12}" >&2
	mkdir -p "$dir" "$work/src"
	git -C "$top" archive "$commit" | tar -x -C "$work/src"
	"$top/scripts/build-pkg.sh" deb --source "$work/src" --out "$work/out" --no-lintian \
		--date "$(git -C "$top" log -1 --format=%cD "$commit")" >"$work/build.log" 2>&1 ||
		{ tail -n 20 "$work/build.log" >&2; echo "prev-deb: the build of $version failed" >&2; exit 1; }
	# Whole or not at all: a concurrent run finds the old name or the new file.
	cp "$work/out/smtpguard_${version}_amd64.deb" "$deb.tmp.$$" && mv "$deb.tmp.$$" "$deb"
fi
echo "$deb"
