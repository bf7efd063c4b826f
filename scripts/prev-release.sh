#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# scripts/prev-release.sh - print "COMMIT VERSION" of the previous release:
# the last commit that still carried the version before this tree's, found
# from git history alone (no tags: a clone may not carry them). Walking the
# first-parent history back from HEAD, the commit that brought this tree's
# version in is found; its first parent is the previous release's last
# commit. Before the VERSION file existed the version was the Makefile's
# "VERSION := x" line. Exit 1 with a message when there is none.
set -eu
cd "$(dirname "$0")/.."

version_at() {
	git show "$1:VERSION" 2>/dev/null ||
		git show "$1:Makefile" 2>/dev/null | sed -n 's/^VERSION := *//p'
}

git rev-parse --verify -q HEAD >/dev/null ||
	{ echo "prev-release: not a git checkout with history" >&2; exit 1; }
current=$(cat VERSION)
# The tree's VERSION bumped but not committed: HEAD is the previous release.
if [ "$(version_at HEAD)" != "$current" ]; then
	echo "$(git rev-parse HEAD) $(version_at HEAD)"
	exit 0
fi
bump=""
for c in $(git rev-list --first-parent HEAD -- VERSION Makefile); do
	v=$(version_at "$c")
	if [ "$v" != "$current" ]; then
		[ -n "$bump" ] || break
		prev=$(git rev-parse "$bump^1")
		echo "$prev $(version_at "$prev")"
		exit 0
	fi
	bump=$c
done
# The oldest commit that has this version may have a parent with no version.
if [ -n "$bump" ] && git rev-parse -q --verify "$bump^1" >/dev/null; then
	prev=$(git rev-parse "$bump^1")
	v=$(version_at "$prev")
	[ -z "$v" ] || [ "$v" = "$current" ] || { echo "$prev $v"; exit 0; }
fi
echo "prev-release: no earlier version than $current in the history of HEAD" >&2
exit 1
