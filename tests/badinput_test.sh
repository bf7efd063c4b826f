#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/badinput_test.sh - malformed configurations and bad command lines
# against a loaded guard, for real. Run by tests/run.sh with:
#   SG_BIN      the smtpguard binary
#   SG_PIN_DIR  a test pin dir on bpffs (/sys/fs/bpf/smtpguard-test-*)
#   SG_CGROUP   a test cgroup (load attaches there, never to the root)
#   SG_WORKDIR  scratch space (this test works in its own directory below it)
#
# It loads a good configuration, takes a snapshot of the live guard
# ("list --json" and "status --json" without the counters), then feeds each
# malformed file to check-config, load and sync: exit 2, the right FILE:LINE
# message, and the snapshot byte for byte the same. Rows marked "canary" also
# allow UID 64201 on a line before the bad one: it must not reach the guard
# (nothing is half-applied). Then bad command lines: exit 2, one line on
# stderr naming the argument, the guard still unchanged.
#
# Output: "ok - NAME" or "not ok - NAME: why" per check (see testlib.h), then
# "N passed, N failed, N skipped". Exit 1 if anything failed.

# The rows' MAKE column is shell code run later by eval, single-quoted on purpose.
# shellcheck disable=SC2016
set -u
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/testlib.sh"

for v in SG_BIN SG_PIN_DIR SG_CGROUP SG_WORKDIR; do
	[ -n "${!v:-}" ] || bail "$v is not set"
done
require_test_guard
[ "$(id -u)" = 0 ] || bail "needs root (it loads the guard)"

pin=$SG_PIN_DIR
dir=$(mktemp -d "$SG_WORKDIR/badinput.XXXXXX") || bail "cannot create a directory in $SG_WORKDIR"
chmod 755 "$dir" # the unprivileged check-config row reads here
out="$dir/stdout"
err="$dir/stderr"
good="$dir/good.conf"
was_loaded=0

cleanup() {
	# Only what this test made: its directory, and the guard if it loaded it.
	[ "$was_loaded" = 1 ] || "$SG_BIN" unload --pin-dir "$pin" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# sg ARGS...: run smtpguard with a time limit; sets $rc, output in $out and $err.
# With wrap_sg=(COMMAND...) set, smtpguard runs under it.
wrap_sg=()
sg() {
	timeout 10 "${wrap_sg[@]}" "$SG_BIN" "$@" >"$out" 2>"$err"
	rc=$?
}

# The live guard, minus what moves on its own (attempt counters).
snapshot() {
	"$SG_BIN" list --json --pin-dir "$pin" --config "$good" 2>&1
	if command -v jq >/dev/null; then
		"$SG_BIN" status --json --pin-dir "$pin" --config "$good" 2>&1 | jq -cS 'del(.totals, .top)'
	else
		# "top" comes last and may hold "[2001:db8::1]:25".
		"$SG_BIN" status --json --pin-dir "$pin" --config "$good" 2>&1 |
			sed -E 's/,"totals":\{[^}]*\}//; s/,"top":\[.*\]\}$/}/'
	fi
}

# The good configuration; the "same as good" rows below mean exactly this.
good_text=$'ports = 25, 465\nallow_users = root 64202\nallow_groups = 64210\nallow_local = yes\n'

baseline=""
load_good() {
	printf '%s' "$good_text" >"$good"
	sg load --pin-dir "$pin" --cgroup "$SG_CGROUP" --config "$good"
	[ "$rc" = 0 ] || bail "cannot load $good (exit $rc): $(cat "$err")"
	baseline=$(snapshot)
	baseline_list=$("$SG_BIN" list --json --pin-dir "$pin" --config "$good")
}

# unchanged NAME: the live guard is what the baseline says.
unchanged() {
	local now
	now=$(snapshot)
	if [ "$now" = "$baseline" ]; then
		ok "$1: live guard unchanged"
	else
		not_ok "$1: live guard unchanged" "$(diff <(echo "$baseline") <(echo "$now") | tr '\n' ' ')"
	fi
}

# same_as_good NAME: the live allowlists are what the good file gives.
same_as_good() {
	local list
	list=$("$SG_BIN" list --json --pin-dir "$pin" --config "$good")
	if [ "$list" = "$baseline_list" ]; then
		ok "$1"
	else
		not_ok "$1" "list --json: $list"
	fi
}

# has NAME TEXT: $err holds TEXT (a literal substring).
has() {
	if grep -qF -- "$2" "$err"; then
		return 0
	fi
	not_ok "$1" "no '$2' in: $(head -c 600 "$err" | tr '\n' ' ')"
	return 1
}

# expect NAME RC TEXT...: exit status RC, stderr holds each TEXT and stays short.
expect() {
	local name=$1 want=$2 t size
	shift 2
	if [ "$rc" != "$want" ]; then
		not_ok "$name" "exit $rc, expected $want; stderr: $(head -c 600 "$err" | tr '\n' ' ')"
		return
	fi
	for t in "$@"; do
		[ -z "$t" ] || has "$name" "$t" || return
	done
	# A message quotes what was wrong, not a megabyte of it.
	size=$(wc -c <"$err")
	if [ "$size" -gt 4096 ]; then
		not_ok "$name" "$size bytes on stderr"
		return
	fi
	ok "$name"
}

# ---- How the rows make their file ($f is the path) ----

text() { printf '%s\n' "$@" >"$f"; }
# The canary line 1 allows UID 64201; the bad line comes after it.
canary() { printf '%s\n' "allow_users = root 64201" "$@" >"$f"; }
# shellcheck disable=SC2059 # the argument is a printf format: \000, \377, \r
raw() { printf "$1" >"$f"; }
big_line() {
	{
		printf 'allow_users = root 64201\nallow_users = '
		head -c 1048576 /dev/zero | tr '\0' a
		printf '\n'
	} >"$f"
}
big_comment() {
	{
		printf '# '
		head -c 1048576 /dev/zero | tr '\0' c
		printf '\nallow_users = root 64201\nports = 25 0\n'
	} >"$f"
}
crlf() { printf '%s\r\n' "$@" >"$f"; }
# The good file with Latin-1 and stray bytes in its comments.
latin1_comments() {
	printf '# caf\351 \377\376\n%s # \377\n' "${good_text%$'\n'}" >"$f"
}
no_final_newline() { printf '%s' "${good_text%$'\n'}" >"$f"; }
symlink_loop() {
	ln -s "$f.other" "$f"
	ln -s "$f" "$f.other"
}
# Owned by root, mode 000: unreadable once CAP_DAC_OVERRIDE is gone.
unreadable() {
	printf '%s' "$good_text" >"$f"
	chmod 000 "$f"
}
unix_socket() {
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$f"
}
too_big() { truncate -s $((64 * 1024 * 1024 + 1)) "$f"; }
mode_666() {
	canary "ports = 25"
	chmod 666 "$f"
}
group_writable() {
	canary "ports = 25"
	chmod 664 "$f"
}
not_root_owned() {
	canary "ports = 25"
	chown 65534 "$f"
}
too_many() {
	printf 'max_identities = 16\nallow_users = root %s\n' "$(seq -s ' ' 64300 64315)" >"$f"
}

# Commands run as root without the capabilities that override file modes.
# shellcheck disable=SC2054 # the commas belong to setpriv's capability lists
nodac=(setpriv --bounding-set=-dac_override,-dac_read_search
	--inh-caps=-dac_override,-dac_read_search --)

# ---- Malformed files: exit 2 from check-config, load and sync ----
#
# bad NAME FLAGS MAKE MESSAGE...
#   FLAGS: "canary" (the file also allows UID 64201 on a line before the bad
#   one, which must stay out of the guard), "nodac" (run without
#   CAP_DAC_OVERRIDE, needs setpriv), "python3" (MAKE needs it), "-" for none.
#   MAKE: shell code that writes $f.
#   MESSAGE: what stderr must hold; FILE stands for the path. A problem with a
#   line is FILE:LINE: ...; one with the whole file (a directory, a FIFO, an
#   unreadable file, a symlink loop) is FILE: reason.
# load and sync must also say "the loaded guard is unchanged".
bad() {
	local name=$1 flags=$2 make=$3 f wrap=() c m msgs=()
	shift 3
	if [[ $flags == *nodac* ]] && ! command -v setpriv >/dev/null; then
		skip "$name (no setpriv)"
		return
	fi
	if [[ $flags == *python3* ]] && ! command -v python3 >/dev/null; then
		skip "$name (no python3)"
		return
	fi
	f="$dir/$(tr -c 'a-zA-Z0-9\n' - <<<"$name").conf"
	eval "$make" || {
		not_ok "$name" "cannot make the file"
		return
	}
	for m in "$@"; do
		msgs+=("${m//FILE/$f}")
	done
	[[ $flags == *nodac* ]] && wrap=("${nodac[@]}")
	for c in check-config load sync; do
		if [ "$c" = load ]; then
			timeout 10 "${wrap[@]}" "$SG_BIN" load --pin-dir "$pin" --cgroup "$SG_CGROUP" \
				--config "$f" >"$out" 2>"$err"
		else
			timeout 10 "${wrap[@]}" "$SG_BIN" "$c" --pin-dir "$pin" --config "$f" \
				>"$out" 2>"$err"
		fi
		rc=$?
		case $c in
		check-config) expect "$name: check-config" 2 "${msgs[@]}" ;;
		*) expect "$name: $c" 2 "${msgs[@]}" "the loaded guard is unchanged" ;;
		esac
	done
	if [[ $flags == *canary* ]]; then
		if snapshot | grep -q 64201; then
			not_ok "$name: nothing half-applied" "UID 64201 from the file is in the guard"
		else
			ok "$name: nothing half-applied (UID 64201 not allowed)"
		fi
	fi
	unchanged "$name"
}

# good NAME MAKE: a file that must be accepted and mean what $good means.
# Loading it changes only the recorded file name and the program IDs; the
# good file is loaded again afterwards.
good() {
	local name=$1 make=$2 f list
	f="$dir/$(tr -c 'a-zA-Z0-9\n' - <<<"$name").conf"
	eval "$make"
	sg check-config --pin-dir "$pin" --config "$f"
	expect "$name: check-config" 0
	grep -q "is valid" "$out" || not_ok "$name: check-config" "no 'is valid' in $(cat "$out")"
	sg load --pin-dir "$pin" --cgroup "$SG_CGROUP" --config "$f"
	expect "$name: load" 0
	sg sync --pin-dir "$pin" --config "$f"
	expect "$name: sync" 0
	grep -q "in sync, nothing changed" "$out" || not_ok "$name: sync" "$(cat "$out")"
	same_as_good "$name: means the same as the good file"
	load_good
}

if "$SG_BIN" status --pin-dir "$pin" >/dev/null 2>&1; then
	was_loaded=1
fi
load_good
ok "setup: good configuration loaded at $pin on $SG_CGROUP"

# Ports
bad "port 0" canary 'canary "ports = 0"' \
	"FILE:2: bad port '0' (expected a number from 1 to 65535)"
bad "port 65536" - 'text "ports = 65536"' "FILE:1: bad port '65536'"
bad "port -1" - 'text "ports = -1"' "FILE:1: bad port '-1'"
bad "port out of range in a list" canary 'canary "ports = 25, 70000, 587"' \
	"FILE:2: bad port '70000'"
bad "port 0x19" - 'text "ports = 0x19"' "FILE:1: bad port '0x19'"
bad "list of separators only" - 'text "ports = , ,"' "FILE:1: empty value for 'ports'"
# Keys and values
bad "empty value" canary 'canary "allow_users ="' "FILE:2: empty value for 'allow_users'"
bad "unknown key" canary 'canary "colour = blue"' "FILE:2: unknown key 'colour'"
bad "no '='" - 'text "ports 25"' "FILE:1: expected 'key = value', got 'ports 25'"
bad "duplicate allow_local" canary 'canary "allow_local = yes" "# x" "allow_local = yes"' \
	"FILE:4: allow_local is given twice (first on line 2)"
bad "duplicate mode" - 'text "mode = enforce" "mode = enforce"' \
	"FILE:2: mode is given twice (first on line 1)"
bad "bad mode" - 'text "mode = loud"' "FILE:1: bad mode 'loud'"
bad "max_identities below 16" canary 'canary "max_identities = 8"' \
	"FILE:2: bad max_identities '8' (expected 16 to 4194304)"
bad "max_identities above 4194304" - 'text "max_identities = 4194305"' \
	"FILE:1: bad max_identities '4194305'"
bad "more identities than max_identities" - too_many \
	"FILE:1: max_identities = 16, but 17 users resolved"
bad "UID out of range" - 'text "allow_users = root 4294967295"' \
	"FILE:1: bad user ID '4294967295'"
bad "'none' with other items" canary 'canary "allow_groups = none 12"' \
	"FILE:2: 'none' must stand alone"
# Scoped exceptions (allow_user_dest, allow_group_dest, allow_dest DEST[:PORTS]).
# Guarding 25 and 465, a rule on 587 would allow nothing. The canary user
# 64201 is also the rules' user, so nothing of them may reach the guard.
bad "scoped: a port that is not guarded" canary \
	'canary "ports = 25, 465" "allow_user_dest = 64201 198.51.100.25:587"' \
	"FILE:3: port 587 of '198.51.100.25:587' is not guarded (see 'ports'): the rule would allow nothing"
bad "scoped: a name with a port that is not guarded" canary \
	'canary "ports = 25, 465" "allow_dest = relay.sgt-bad.test:465,587"' \
	"FILE:3: port 587 of 'relay.sgt-bad.test:465,587' is not guarded"
bad "scoped: an unknown port" canary 'canary "allow_user_dest = 64201 198.51.100.25:70000"' \
	"FILE:2: bad allow_user_dest '198.51.100.25:70000': a port is a number from 1 to 65535"
bad "scoped: port 0" canary 'canary "allow_group_dest = 64210 relay.sgt-bad.test:0"' \
	"FILE:2: bad allow_group_dest 'relay.sgt-bad.test:0': a port is a number from 1 to 65535"
bad "scoped: a CIDR with host bits" canary 'canary "allow_user_dest = 64201 198.51.100.9/24:25"' \
	"FILE:2: bad allow_user_dest '198.51.100.9/24:25': host bits are set past the prefix length"
bad "scoped: [::1] without a port" canary 'canary "allow_user_dest = 64201 [::1]"' \
	"FILE:2: bad allow_user_dest '[::1]': brackets are for an IPv6 address with a port"
bad "scoped: a 300-character name" canary \
	'canary "allow_user_dest = 64201 $(printf "relayhost.%.0s" $(seq 30))test:25"' \
	"FILE:2: bad allow_user_dest 'relayhost.relayhost." "a DNS name is at most 253 characters"
bad "scoped: a port with no destination before it" canary 'canary "allow_dest = 25"' \
	"FILE:2: bad allow_dest '25': a port must follow a destination"
bad "scoped: a user and no destination" canary 'canary "allow_user_dest = 64201"' \
	"FILE:2: allow_user_dest needs a destination after the user"
bad "scoped: a name getaddrinfo would read as an address" canary \
	'canary "allow_dest = 0x7f000001:25"' "FILE:2: bad allow_dest '0x7f000001:25': not an IPv4"

# Bytes. A value is quoted back escaped and cut short: one short line per error.
bad "1 MiB line" canary big_line \
	"FILE:2: bad user name 'aaaaaaaa" "...': longer than 255 characters"
bad "1 MiB comment, then an error on line 3" canary big_comment "FILE:3: bad port '0'"
# NUL anywhere, even in a comment, is an error: the file is binary or damaged.
bad "NUL byte in a line" canary "raw 'allow_users = root 64201\nports = 2\\0005\n'" \
	"FILE:2: NUL byte in line"
bad "NUL byte in a comment" - "raw 'ports = 25 # \\000\n'" "FILE:1: NUL byte in line"
# Bytes outside ASCII: fine in a comment (see the accepted rows below), an
# error in a name or a key, shown as \xHH.
bad "non-UTF-8 bytes in a user name" canary \
	"raw 'allow_users = root 64201\nallow_users = caf\\351 \\377\\376\n'" \
	"FILE:2: bad user name 'caf\\xe9': invalid character"
bad "non-UTF-8 bytes in a key" - "raw 'p\\377rts = 25\n'" "FILE:1: unknown key 'p\\xffrts'"
# CR LF is accepted; an error in such a file still names its line, without the CR.
bad "CRLF file with an error keeps its line" canary \
	'crlf "allow_users = root 64201" "ports = 25" "ports = 0"' "FILE:3: bad port '0' (expected"
bad "stray CR is shown, not printed" - "raw 'ports = 25\r\r\n'" "FILE:1: bad port '25\\x0d'"
bad "no trailing newline, error on the last line" canary \
	"raw 'allow_users = root 64201\nports = 0'" "FILE:2: bad port '0'"
# The file itself
bad "a directory in place of the file" - 'mkdir "$f"' "FILE: not a regular file (a directory)"
bad "a FIFO in place of the file (no hang)" - 'mkfifo "$f"' "FILE: not a regular file (a FIFO)"
bad "a device in place of the file" - 'ln -s /dev/zero "$f"' "FILE: not a regular file (a device)"
bad "a socket in place of the file" python3 unix_socket "FILE: not a regular file (a socket)"
bad "a symlink loop" - symlink_loop "FILE: cannot open: Too many levels of symbolic links"
# Root reads anything: drop CAP_DAC_OVERRIDE to make a file unreadable to load and sync.
bad "an unreadable file (root without CAP_DAC_OVERRIDE)" nodac unreadable \
	"FILE: cannot open: Permission denied"
bad "a world-writable file" canary mode_666 \
	"FILE: must be owned by root and not writable by group or others"
bad "a group-writable file" - group_writable "FILE: must be owned by root and not writable"
bad "a file owned by another user" canary not_root_owned "FILE: must be owned by root"
bad "a file over 64 MiB" - too_big "FILE: larger than 64 MiB"
bad "a missing file named with --config" - ':' "FILE: no such file"
# alert_command runs as root: it is trusted like the file itself, with every
# directory above it (a sticky one like /tmp too: issue 22).
alert_cmd() { # alert_cmd DIR-MODE FILE-OWNER FILE-MODE
	mkdir -p "$f.d" && chmod "$1" "$f.d" &&
		printf '#!/bin/sh\n' >"$f.d/alert" && chown "$2" "$f.d/alert" && chmod "$3" "$f.d/alert" &&
		canary "alert_threshold = 1/60s" "alert_command = $f.d/alert"
}
bad "alert_command owned by another user" canary 'alert_cmd 755 65534 755' \
	"FILE:3: alert_command FILE.d/alert: must be owned by root and not writable by group or others"
bad "alert_command writable by its group" canary 'alert_cmd 755 0 775' \
	"FILE:3: alert_command FILE.d/alert: must be owned by root"
bad "alert_command in a directory others may write" canary 'alert_cmd 777 0 755' \
	"FILE:3: alert_command FILE.d/alert: FILE.d is writable by others"
bad "alert_command in a sticky directory others may write, as /tmp" canary 'alert_cmd 1777 0 755' \
	"FILE:3: alert_command FILE.d/alert: FILE.d is writable by others"
bad "alert_command through a symlink into such a directory" canary \
	'alert_cmd 777 0 755 && mv "$f.d" "$f.e" && mkdir "$f.d" && ln -s "$f.e/alert" "$f.d/alert"' \
	"FILE:3: alert_command FILE.d/alert: FILE.e is writable by others"
bad "alert_command that does not exist" canary \
	'canary "alert_threshold = 1/60s" "alert_command = $f.none"' \
	"FILE:3: alert_command FILE.none: No such file or directory"
# The monitor, which runs it, refuses such a file too.
f="$dir/alert-monitor.conf"
alert_cmd 777 0 755
sg monitor --pin-dir "$pin" --config "$f"
expect "alert_command in a directory others may write: monitor refuses to start" 2 \
	"$f:3: alert_command $f.d/alert: $f.d is writable by others"

# An unreadable file, as an unprivileged user (check-config needs no root).
if command -v setpriv >/dev/null; then
	f="$dir/unreadable-by-nobody.conf"
	printf '%s' "$good_text" >"$f"
	chmod 600 "$f"
	timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups -- "$SG_BIN" check-config \
		--pin-dir "$pin" --config "$f" >"$out" 2>"$err"
	rc=$?
	expect "an unreadable file, check-config as nobody" 2 "$f: cannot open: Permission denied"
else
	skip "an unreadable file, check-config as nobody (no setpriv)"
fi

# ---- Files that are accepted (decisions, see smtpguard.conf(5)) ----
# CR LF line ends are accepted: admins edit on Windows.
good "CRLF file is accepted" \
	'crlf "ports = 25, 465" "allow_users = root 64202" "allow_groups = 64210" "allow_local = yes"'
# The last line needs no newline.
good "no trailing newline is accepted" no_final_newline
# Bytes outside ASCII are harmless in a comment (a Latin-1 or UTF-8 note).
good "non-UTF-8 bytes in a comment are accepted" latin1_comments

# ---- A name that does not resolve ----
# Deliberately not exit 2 everywhere: load and sync warn (FILE:LINE) and leave
# the name out, so that a deleted account cannot keep a host from booting
# guarded, and it fails closed (never allowed). check-config, run after an
# edit, treats it as an error. Here the rest of the file equals the good one,
# so the live allowlists must come out the same.
f="$dir/unresolvable.conf"
printf '%sallow_users = nosuchuser-sgt\n' "$good_text" >"$f"
sg check-config --pin-dir "$pin" --config "$f"
expect "unresolvable name: check-config is an error" 2 "$f:5: no such user nosuchuser-sgt" \
	"1 error"
sg load --pin-dir "$pin" --cgroup "$SG_CGROUP" --config "$f"
expect "unresolvable name: load warns and skips it" 0 "$f:5: warning: no such user nosuchuser-sgt"
sg sync --pin-dir "$pin" --config "$f"
expect "unresolvable name: sync warns and skips it" 0 "$f:5: warning: no such user nosuchuser-sgt"
same_as_good "unresolvable name: the allowlists are the good file's"
load_good

# ---- A scoped exception's name that does not resolve ----
# As for a user name: load and sync warn (FILE:LINE) and the rule allows
# nothing; check-config calls it an error. The resolver is this test's own
# (names from a hosts file of its own, in a mount namespace of the command):
# nothing shared is touched and the answer does not depend on the network.
files_only=(unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1/nss" /etc/nsswitch.conf &&
	mount --bind "$1/hosts" /etc/hosts && shift && exec "$@"' sh "$dir")
{ grep -v '^hosts:' /etc/nsswitch.conf; echo 'hosts: files'; } >"$dir/nss"
printf '127.0.0.1 localhost\n' >"$dir/hosts"
f="$dir/scoped-unresolvable.conf"
printf '%sallow_user_dest = 64201 nowhere.sgt-bad.test:25\n' "$good_text" >"$f"
timeout 10 "${files_only[@]}" "$SG_BIN" check-config --pin-dir "$pin" --config "$f" >"$out" 2>"$err"
rc=$?
expect "scoped name that does not resolve: check-config is an error" 2 \
	"$f:5: nowhere.sgt-bad.test does not resolve" "1 error"
timeout 10 "${files_only[@]}" "$SG_BIN" load --pin-dir "$pin" --cgroup "$SG_CGROUP" --config "$f" >"$out" 2>"$err"
rc=$?
expect "scoped name that does not resolve: load warns" 0 \
	"$f:5: warning: nowhere.sgt-bad.test does not resolve (no A or AAAA record): it allows nothing"
if "$SG_BIN" status --json --pin-dir "$pin" | grep -q '"dest":"nowhere.sgt-bad.test",.*"state":"no address","addresses":\[\]'; then
	ok "scoped name that does not resolve: in the guard with no address"
else
	not_ok "scoped name that does not resolve: in the guard with no address" \
		"$("$SG_BIN" status --json --pin-dir "$pin")"
fi
load_good

# ---- Bad command lines: exit 2, one line on stderr naming the argument ----
# cli NAME RC MESSAGE ARGS...: global options first, then ARGS.
cp "$good" "$dir/good.copy"
# A command that fails changes nothing: after each one, the live maps and the
# file are byte for byte what they were.
cli() {
	local name=$1 want=$2 msg=$3 lines
	shift 3
	sg --pin-dir "$pin" --config "$good" "$@"
	expect "args: $name" "$want" "$msg"
	[ "$want" = 0 ] && return
	if [ "$(snapshot)" != "$baseline" ]; then
		not_ok "args: $name" "the live guard changed"
	elif ! cmp -s "$good" "$dir/good.copy"; then
		not_ok "args: $name" "the file changed: $(diff "$dir/good.copy" "$good" | tr '\n' ' ')"
	fi
	[ "$want" = 2 ] || return 0
	lines=$(wc -l <"$err")
	[ "$lines" = 1 ] || not_ok "args: $name" "$lines lines on stderr, expected one"
	[ -s "$out" ] && not_ok "args: $name" "output on stdout: $(head -c 200 "$out")"
	return 0
}
cli "no command" 2 "no command given"
cli "unknown command" 2 "unknown command 'frobnicate'" frobnicate
cli "empty command" 2 "unknown command ''" ""
cli "unknown option" 2 "unknown option '--frob'" status --frob
cli "unknown option in a cluster" 2 "unknown option '-x'" status -vx
cli "unknown option first in a cluster" 2 "unknown option '-x'" status -xv
cli "--config without its argument" 2 "option --config needs an argument" status --config
cli "load --mode without its argument" 2 "option --mode needs an argument" \
	load --cgroup "$SG_CGROUP" --mode
cli "load --mode bogus" 2 "--mode: expected enforce, audit or redirect, got 'bogus'" \
	load --cgroup "$SG_CGROUP" --mode bogus
cli "an option of another command" 2 "option --prometheus does not apply" monitor --prometheus
cli "monitor --bogus" 2 "unknown option '--bogus'" monitor --bogus
cli "stats --prometheus extra" 2 "stats: unexpected argument 'extra'" stats --prometheus extra
cli "status extra" 2 "status: unexpected argument 'extra': expected no arguments" status extra
cli "sync extra" 2 "sync: unexpected argument 'extra'" sync extra
cli "an empty argument" 2 "status: unexpected argument ''" status ""
cli "check-config two files" 2 "check-config: unexpected argument 'b'" check-config a b
cli "allow with no kind" 2 \
	"allow: missing argument: expected user|group NAME|ID, or dest DEST[:PORTS]" allow
cli "allow user with no name" 2 "allow: missing argument" allow user
cli "revoke group with no name" 2 "revoke: missing argument" revoke group
cli "allow user NAME extra" 2 "allow: unexpected argument 'extra'" allow user 64201 extra
cli "allow users (bad kind)" 2 "expected 'user', 'group' or 'dest'" allow users 64201
cli "UID 4294967295" 2 "'4294967295' is not a valid user name or ID" allow user 4294967295 --runtime
cli "UID 99999999999" 2 "'99999999999' is not a valid user name or ID" \
	allow user 99999999999 --runtime
cli "UID -1" 2 "unknown option '-1'" allow user -1 --runtime
cli "UID -1 after --" 2 "'-1' is not a valid user name or ID" allow user --runtime -- -1
cli "an empty user name" 2 "'' is not a valid user name or ID" allow user "" --runtime
cli "a bad CIDR" 2 "prefix length must be 0 to 32" allow dest 203.0.113.0/33 --runtime
# A relative pin dir would change with the working directory: refused.
cli "--pin-dir relative" 2 "--pin-dir: expected an absolute path, got 'relative/pins'" \
	--pin-dir relative/pins status
cli "--pin-dir empty" 2 "--pin-dir: expected an absolute path, got ''" --pin-dir "" status
cli "--config empty" 2 "--config: expected a file name" --config "" load --cgroup "$SG_CGROUP"
# Commands that get past the arguments and still must change nothing.
cli "revoke root without --force" 2 "refusing to revoke root without --force" revoke user root
cli "revoke root --runtime without --force" 2 "without --force" revoke user 0 --runtime
cli "allow a user that does not exist" 2 "no such user 'nosuchuser-sgt'" allow user nosuchuser-sgt
cli "allow into a --config that does not exist" 2 "smtpguard never creates it" \
	allow user 64201 --config "$dir/never.conf"
cli "--runtime with --file-only" 2 "exclude each other" allow user 64201 --runtime --file-only
cli "revoke --force of a user" 2 "option --force does not apply" allow user 64201 --force
# Scoped exceptions on the command line: refused before anything changes.
cli "--to: a port that is not guarded" 2 "allow: port 587 is not guarded" \
	allow user 64201 --to 198.51.100.25:587
cli "--to: a port that is not guarded, --runtime" 2 "allow: port 587 is not guarded" \
	allow user 64201 --to 198.51.100.25:587 --runtime
cli "--to: port 0" 2 "bad --to 'relay.sgt-bad.test:0': a port is a number" \
	allow user 64201 --to relay.sgt-bad.test:0
cli "--to: a CIDR with host bits" 2 "host bits are set" allow group 64210 --to 198.51.100.9/24
cli "--to: [::1] without a port" 2 "brackets are for an IPv6 address with a port" \
	allow user 64201 --to '[::1]'
cli "--to: a 300-character name" 2 "a DNS name is at most 253 characters" \
	allow user 64201 --to "$(printf 'relayhost.%.0s' $(seq 30))test:25"
wrap_sg=("${files_only[@]}")
cli "--to: a name that does not resolve" 2 "nowhere.sgt-bad.test does not resolve" \
	allow user 64201 --to nowhere.sgt-bad.test:25
cli "--to: a name that does not resolve, --runtime" 2 "nowhere.sgt-bad.test does not resolve" \
	allow user 64201 --to nowhere.sgt-bad.test:25 --runtime
wrap_sg=()
cli "--to with dest" 2 "--to goes with user or group" allow dest 198.51.100.25 --to 198.51.100.26
cli "--to for another command" 2 "option --to does not apply" status --to 198.51.100.25
cli "--to without its argument" 2 "option --to needs an argument" allow user 64201 --to
cli "dest: an unknown port" 2 "bad destination '198.51.100.25:99999': a port is a number" \
	allow dest 198.51.100.25:99999 --runtime
[ -e "$dir/never.conf" ] && not_ok "args: a --config that does not exist" "it was created"
cli "--help" 0 "" --help
grep -q "^Usage: smtpguard" "$out" || not_ok "args: --help" "no usage on stdout"
[ -s "$err" ] && not_ok "args: --help" "stderr: $(cat "$err")"
cli "load --help" 0 "" load --help
grep -q "^Usage: smtpguard load" "$out" || not_ok "args: load --help" "no usage on stdout"
# Every command's help: usage lines that name smtpguard, an example, no trailing blanks.
for c in load sync unload status list allow revoke monitor stats check check-config; do
	sg "$c" --help
	if [ "$rc" != 0 ] || ! grep -q "^Usage: smtpguard $c" "$out" || ! grep -q "^Example:" "$out" ||
		grep -q ' $' "$out" || ! sed -n 2p "$out" | grep -Eq '^$|^       smtpguard '; then
		not_ok "args: $c --help" "$(head -c 300 "$out" | tr '\n' '|')"
	else
		ok "args: $c --help has usage, an example, no trailing blanks"
	fi
done
unchanged "bad command lines"
if cmp -s "$good" "$dir/good.copy"; then
	ok "bad command lines: configuration file unchanged"
else
	not_ok "bad command lines: configuration file unchanged" "$(diff "$dir/good.copy" "$good")"
fi

finish
