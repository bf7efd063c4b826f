#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/layout_test.sh - the README's "Layout:" block names every file a
# newcomer would look for: each loader layer folder and each loader/*/*.c
# (by its name, with or without .c), each BPF source, each script, each shell suite and each folder under
# tests/ and dist/. A file added without a line there fails this test; so
# does a name in the block that no longer exists in the tree.
# Kernel-free; run by tests/run.sh, or alone from the top of the tree.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=tests/testlib.sh
. tests/testlib.sh

block=$(awk '/^Layout/ { on = 1; next } on && /^```$/ { n++; if (n == 2) exit; next } on' README.md)
[ -n "$block" ] || bail "README.md has no Layout: block"

# named NAME...: every NAME appears in the block as a word (a .c may be left off).
missing() {
	local f stem out=""
	for f in "$@"; do
		stem=${f%.c}
		grep -qE "(^|[^A-Za-z0-9_.-])($f|$stem)([^A-Za-z0-9_-]|$)" <<<"$block" || out+=" $f"
	done
	echo "$out"
}

names() { for f in "$@"; do basename "$f"; done; }

for group in "loader:loader/*/*.c" "loader folders:loader/*/" "bpf:bpf/*.bpf.c" "scripts:scripts/*" "tests:tests/*.sh" \
	"tests folders:tests/*/" "dist:dist/*"; do
	label=${group%%:*}
	# shellcheck disable=SC2086
	m=$(missing $(names ${group#*:}))
	[ -z "$m" ] && ok "README layout names every file of $label" ||
		not_ok "README layout misses files of $label" "$m"
done

# The other way: a *.c, *.sh or *.h named in the block exists somewhere in the tree.
stale=""
for f in $(grep -oE '[A-Za-z0-9_.-]+\.(c|sh|h)\b' <<<"$block" | sort -u); do
	[ -n "$(find bpf include loader tests scripts dist vmlinux -name "$f" -print -quit)" ] || stale+=" $f"
done
[ -z "$stale" ] && ok "every file the README layout names exists" ||
	not_ok "the README layout names files that are gone" "$stale"
finish
