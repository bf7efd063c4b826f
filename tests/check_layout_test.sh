#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/check_layout_test.sh - scripts/check-layout.sh passes on the tree and
# fails, naming the file, the line and the rule, on each kind of break: an
# include up a layer, an include of cmd/, the BPF skeleton outside guard/, a
# header name in two layers, a loader file outside the folders, and (from
# the objects) a call up a layer that no include shows, a circle of
# calls, and a command calling another. (An object is read only beside
# its source: the broken copies get an empty one.) Each break is made in a copy of loader/ and build/loader/, never
# in the tree. Kernel-free; run by tests/run.sh after the build.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/testlib.sh
. "$top/tests/testlib.sh"

work=$(mktemp -d /tmp/sg-layout.XXXXXX) || bail "cannot make a temporary directory"
trap 'rm -rf "$work"' EXIT
script=$top/scripts/check-layout.sh

out=$("$script" "$top" 2>&1)
rc=$?
[ "$rc" = 0 ] && ok "the tree follows its layer rules ($out)" ||
	not_ok "the tree breaks its layer rules" "$out"

# fresh: a copy of the sources and the built objects to break.
fresh() {
	rm -rf "$work/t" && mkdir -p "$work/t/build" "$work/t/tests" &&
		cp -R "$top/loader" "$work/t/loader" &&
		if [ -d "$top/build/loader" ]; then cp -R "$top/build/loader" "$work/t/build/loader"; fi
}

# expect WHAT PATTERN: check-layout fails on the copy with a line matching PATTERN.
expect() {
	local what=$1 pattern=$2 out rc
	out=$("$script" "$work/t" 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && grep -qE "$pattern" <<<"$out"; then
		ok "$what: $(grep -E "$pattern" <<<"$out" | head -n 1)"
	else
		not_ok "$what" "exit $rc, wanted a line matching '$pattern': $out"
	fi
}

# A line number: the include goes after the file's first line.
fresh && sed -i '1a #include "guard.h"' "$work/t/loader/lib/json.c"
expect "lib/ including a guard header fails" \
	'^loader/lib/json\.c:2: lib/ includes guard\.h from guard/, a layer above it'

fresh && sed -i '1a #include "cli.h"' "$work/t/loader/config/config.c"
expect "an include of cmd/ fails" '^loader/config/config\.c:2: config/ includes cli\.h from cmd/: nothing includes a command'

fresh && sed -i '1a #include "smtpguard.skel.h"' "$work/t/loader/observe/counters.c"
expect "the BPF skeleton outside guard/ fails" '^loader/observe/counters\.c:2: observe/ includes the BPF skeleton'

fresh && sed -i '1a #include "import.h"' "$work/t/loader/guard/plan.c"
expect "a layer including one beside it fails" '^loader/guard/plan\.c:2: guard/ includes import\.h from import/'

fresh && cp "$work/t/loader/lib/json.h" "$work/t/loader/config/json.h"
expect "a header name in two layers fails" 'the header name json\.h is also in loader/'

fresh && touch "$work/t/loader/stray.c"
expect "a loader file outside the layers' folders fails" '^loader/stray\.c:1: a loader file outside'

if [ -d "$top/build/loader/lib" ] && command -v cc >/dev/null; then
	# A lib object that calls guard_open() through its own extern declaration.
	fresh && printf 'int guard_open(void);\nint sneak(void);\nint sneak(void) { return guard_open(); }\n' |
		cc -c -x c - -o "$work/t/build/loader/lib/sneak.o" && touch "$work/t/loader/lib/sneak.c"
	expect "a call up a layer that no include shows fails" \
		'^loader/lib/sneak\.o: lib/ calls into guard_open in guard/'
	# Two lib objects that call each other.
	fresh && printf 'int ping(int);\nint pong(int n) { return n ? ping(n - 1) : 0; }\n' |
		cc -c -x c - -o "$work/t/build/loader/lib/pong.o" && touch "$work/t/loader/lib/pong.c" &&
		printf 'int pong(int);\nint ping(int n) { return n ? pong(n - 1) : 0; }\n' |
		cc -c -x c - -o "$work/t/build/loader/lib/ping.o" && touch "$work/t/loader/lib/ping.c"
	expect "modules that call each other fail" 'call each other in a circle: lib/p[io]ng -> lib/p[io]ng'
	# A command that calls another command's function.
	fresh && printf 'int cmd_status(const void *o);\nint cmd_sneak(void);\nint cmd_sneak(void) { return cmd_status(0); }\n' |
		cc -c -x c - -o "$work/t/build/loader/cmd/cmd_sneak.o" && touch "$work/t/loader/cmd/cmd_sneak.c"
	expect "a command calling another fails" \
		'^loader/cmd/cmd_sneak\.o: a command calls into another, cmd_status'
else
	skip "the call rules: no build/loader objects (run after make)"
	skip "the circle rule: no build/loader objects (run after make)"
	skip "the sideways rule: no build/loader objects (run after make)"
fi
finish
