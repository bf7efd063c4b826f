#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# scripts/check-layout.sh [TOP] - hold the loader's includes to its layers
# ("make check-layout"; tests/run.sh and .ci/run run it too).
#
# Each folder under loader/ is a layer and may include only the headers of
# the layers the table below names for it, its own, and include/ (the
# BPF/user-space contract). Lower layers never include higher ones, and
# nothing includes cmd/. The BPF skeleton (build/smtpguard.skel.h) belongs
# to guard/, the only layer that loads programs. tests/ may include any
# layer but cmd/. A header name is unique across the loader, so that an
# include names one file. From the objects: no call up a layer, no circle,
# and no command (cmd/cmd_*.c) calling another.
#
# Every broken rule is one line, "FILE:LINE: RULE" ("OBJECT: RULE" for the
# calls), and the exit status is 1; with none, one line saying what was
# checked and exit 0.
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2

# layer: the layers it may include besides itself (lowest first).
declare -A may=(
	[lib]=""
	[config]="lib"
	[guard]="config lib"
	[import]="config lib"
	[observe]="guard config lib"
	[host]="guard import config lib"
	[cmd]="host observe import guard config lib"
	[tests]="host observe import guard config lib"
)

# Header name -> the layer that holds it.
declare -A home=()
errors=0
fail() {
	echo "$1"
	errors=$((errors + 1))
}

for dir in loader/*/; do
	layer=$(basename "$dir")
	[ -n "${may[$layer]+set}" ] || fail "$dir: a folder that is no layer (add it to scripts/check-layout.sh)"
done
for h in loader/*/*.h; do
	name=$(basename "$h")
	layer=$(basename "$(dirname "$h")")
	if [ -n "${home[$name]:-}" ]; then
		fail "$h:1: the header name $name is also in loader/${home[$name]}/"
	else
		home[$name]=$layer
	fi
done
for f in loader/*.[ch]; do
	[ -e "$f" ] && fail "$f:1: a loader file outside the layers' folders"
done

# check FILE LAYER: each of FILE's quoted includes is its layer's, a layer
# it may include, or outside the loader.
check() {
	local file=$1 from=$2 n=0 line name to
	while IFS= read -r line; do
		n=$((n + 1))
		[[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
		name=${BASH_REMATCH[1]##*/}
		if [ "$name" = smtpguard.skel.h ]; then
			[ "$from" = guard ] ||
				fail "$file:$n: $from/ includes the BPF skeleton, which only guard/ may load"
			continue
		fi
		to=${home[$name]:-}
		[ -n "$to" ] || continue # include/, tests/, or a system header in quotes
		[ "$to" = "$from" ] && continue
		[[ " ${may[$from]} " == *" $to "* ]] && continue
		if [ "$to" = cmd ]; then
			fail "$file:$n: $from/ includes $name from cmd/: nothing includes a command"
		else
			fail "$file:$n: $from/ includes $name from $to/, a layer above it or beside it ($from/ may include: ${may[$from]:-nothing but include/})"
		fi
	done <"$file"
}

files=0
for f in loader/*/*.[ch]; do
	check "$f" "$(basename "$(dirname "$f")")"
	files=$((files + 1))
done
while IFS= read -r f; do
	check "$f" tests
	files=$((files + 1))
done < <(find tests -name '*.[ch]' | sort)

# Calls, from the built objects (when there are any): an object may call
# only into its own layer or one it may include (an extern declaration
# cannot hide an arrow that runs up), and no module calls back into one
# that calls it (tsort finds the circles). A module is one .c file.
objs=()
for o in build/loader/*/*.o; do
	src=${o#build/}
	[ -e "${src%.o}.c" ] && objs+=("$o") # an object left from a removed file says nothing
done
calls=0
if [ "${#objs[@]}" -gt 0 ]; then
	edges=$(for o in "${objs[@]}"; do nm -g --defined-only "$o" | awk -v o="$o" 'NF == 3 { print "D", $3, o }'; done
		for o in "${objs[@]}"; do nm -u "$o" | awk -v o="$o" '{ print "U", $NF, o }'; done)
	edges=$(awk '$1 == "D" { def[$2] = $3; next } ($2 in def) && def[$2] != $3 { print $3, def[$2] }' \
		<<<"$edges" | sort -u)
	while read -r caller callee; do
		[ -n "$caller" ] || continue
		calls=$((calls + 1))
		from=$(basename "$(dirname "$caller")") to=$(basename "$(dirname "$callee")")
		[ "$to" = "$from" ] || [[ " ${may[$from]} " == *" $to "* ]] ||
			fail "${caller#build/}: $from/ calls into $(basename "$callee" .o) in $to/, a layer above it or beside it"
		# Commands never reach sideways (nor through the commands[] table):
		# what two share lives a layer down.
		if [ "$from" = cmd ] && [ "$to" = cmd ] && [[ "$(basename "$caller")" == cmd_* ]] &&
			[[ "$(basename "$callee")" == cmd_* || "$(basename "$callee")" == commands.o ]]; then
			fail "${caller#build/}: a command calls into another, $(basename "$callee" .o): move what they share below cmd/"
		fi
	done <<<"$edges"
	# tsort prints each circle as "input contains a loop:" and then its members.
	while IFS= read -r loop; do
		[ -n "$loop" ] && fail "loader: modules that call each other in a circle: $loop"
	done < <(tsort <<<"$edges" 2>&1 >/dev/null | sed -n '/^tsort: /{ s|^tsort: ||; s|build/loader/||; s|\.o$||; p; }' |
		awk '/input contains a loop/ { if (l != "") print l; l = ""; next } { l = l (l == "" ? "" : " -> ") $0 } END { if (l != "") print l }')
fi

if [ "$errors" -gt 0 ]; then
	echo "check-layout: $errors break(s) of the layer rules (scripts/check-layout.sh)" >&2
	exit 1
fi
echo "check-layout: $files files, ${#home[@]} loader headers in $(ls -d loader/*/ | wc -l) layers, $calls calls between modules: every include and call follows the layer rules, no circles"
