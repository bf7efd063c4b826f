#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/import_test.sh - "smtpguard import" and the incumbent rows of
# "smtpguard check", for real. Run by tests/run.sh in the test host's network
# namespace, with:
#   SG_BIN      the smtpguard binary
#   SG_PIN_DIR  a test pin dir (/sys/fs/bpf/smtpguard-test-*)
#   SG_CGROUP   a test cgroup (load attaches there, probes run there)
#   SG_WORKDIR  scratch space; the world's listeners log to it
#   SG_HELPER   sg-connect, one connect() whose exit status is the errno
#   SG_TOP      the source tree (fixtures in tests/import/)
#
# For each incumbent, its file (the fixture, edited as an admin would) is
# imported; the result must pass check-config and load, and then decide the
# probes (root, an allowed user, an allowed group, another account; port 25,
# an added port 2525, IPv6, this host) as the incumbent does. For CSF, APF
# and cPanel the incumbent's decisions are measured too: their rules (the
# ones csf.pl, APF and cPanel make, tests/incumbent_rules.sh) are installed
# in this network namespace first, and the same probes run against them.
# Where the two may differ (IPv6 that the incumbent leaves unguarded), the
# row says so and checks exactly that difference. Then --write, bad input,
# and "smtpguard check" against the incumbents' rules in a network namespace
# of its own.
#
# Output: "ok - NAME" / "not ok - NAME: why" / "skip - NAME", then
# "N passed, N failed, N skipped".
set -u
# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/testlib.sh"

require_vars SG_BIN SG_PIN_DIR SG_CGROUP SG_WORKDIR SG_HELPER SG_TOP
require_test_guard
[ "$(id -u)" = 0 ] || bail "needs root"
# Never the machine's own firewall: this must run in the test host's namespace.
[ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ] ||
	bail "runs in the machine's own network namespace; tests/run.sh enters the test host's"
for tool in iptables ip6tables iptables-save nft setpriv; do
	command -v "$tool" >/dev/null || bail "$tool is missing (scripts/install-deps.sh)"
done

. "$SG_TOP/tests/incumbent_rules.sh"
started=$SECONDS
fixtures="$SG_TOP/tests/import"
dir=$(mktemp -d "$SG_WORKDIR/import.XXXXXX") || bail "cannot create a directory in $SG_WORKDIR"
chmod 755 "$dir"
out="$dir/stdout"
err="$dir/stderr"
check_ns="sgt-inc-$$"

# Accounts of this suite only (tests/run.sh removes them too after a kill).
accounts=(sgt-imp-usr sgt-imp-gm sgt-imp-ml sgt-imp-oth sgt-imp-mta)
remove_accounts() {
	local a
	for a in "${accounts[@]}"; do
		userdel "$a" 2>/dev/null
	done
	groupdel sgt-imp-grp 2>/dev/null
}
realvar=""
cleanup() {
	[ -z "$realvar" ] || rmdir "$realvar" 2>/dev/null
	"$SG_BIN" unload --pin-dir "$SG_PIN_DIR" >/dev/null 2>&1
	incumbent_rules_flush
	ip netns del "$check_ns" 2>/dev/null
	remove_accounts
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

remove_accounts
# (useradd warns that these UIDs are above UID_MAX: on purpose, no real account is there.)
{ groupadd -g 64410 sgt-imp-grp &&
	useradd -M -N -u 64401 -g nogroup -c smtpguard-test sgt-imp-usr &&
	useradd -M -N -u 64402 -g sgt-imp-grp -c smtpguard-test sgt-imp-gm &&
	useradd -M -N -u 64404 -g mail -c smtpguard-test sgt-imp-ml &&
	useradd -M -N -u 64403 -g nogroup -c smtpguard-test sgt-imp-oth &&
	useradd -M -N -u 64405 -g nogroup -c smtpguard-test sgt-imp-mta; } 2>"$err" ||
	bail "cannot create the test accounts: $(cat "$err")"
"$SG_BIN" unload --pin-dir "$SG_PIN_DIR" >/dev/null 2>&1
incumbent_rules_flush

# The local MTA is a Postfix here: its mail_owner sgt-imp-mta is in no group
# any incumbent allows, as on a Postfix host. Every import must keep it
# delivering (@mta). The fake postconf is root's, as roles.c requires.
mta_bin="$dir/mta-bin"
mkdir -p "$mta_bin" && printf '#!/bin/sh\necho sgt-imp-mta\n' >"$mta_bin/postconf" &&
	chmod 755 "$mta_bin" "$mta_bin/postconf" || bail "cannot create $mta_bin/postconf"
export SMTPGUARD_MTA_PATH="$mta_bin"

# ---- Probes ----
# The identities: root, an allowed user, a member (primary group) of an
# allowed group, one of the group mail, and another account.
who_ids() {
	case $1 in
	root) echo "0 0" ;;
	*) echo "$(id -u "sgt-imp-$1") $(id -g "sgt-imp-$1")" ;;
	esac
}
# The destinations: remote 25, the added port 2525, IPv6, loopback, this host.
dests=("4 198.51.100.25 25" "4 198.51.100.25 2525" "6 2001:db8:1::25 25" "4 127.0.0.1 25"
	"4 198.51.100.1 25")
count_lines() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# decide WHO FAMILY ADDRESS PORT: "remote", "local" (reached this host's
# listener instead: redirected, or a local destination) or "refused".
decide() {
	local who=$1 fam=$2 addr=$3 port=$4 uid gid m0 h0 m1 h1 rc
	read -r uid gid <<<"$(who_ids "$who")"
	m0=$(count_lines "$SG_WORKDIR/mx-accepted.log")
	h0=$(count_lines "$SG_WORKDIR/host-accepted.log")
	# A DROP hangs until the helper's own timeout: 2 s is plenty here.
	bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$SG_CGROUP" \
		timeout 2 setpriv --reuid="$uid" --regid="$gid" --clear-groups -- \
		"$SG_HELPER" "$fam" "$addr" "$port"
	rc=$?
	[ "$rc" = 0 ] || {
		echo refused
		return
	}
	for _ in 1 2 3 4 5 6 7 8 9 10; do # the listener logs when it gets round to accept()
		m1=$(count_lines "$SG_WORKDIR/mx-accepted.log")
		h1=$(count_lines "$SG_WORKDIR/host-accepted.log")
		[ $((m1 - m0 + h1 - h0)) -gt 0 ] && break
		sleep 0.05
	done
	if [ "$m1" -gt "$m0" ]; then echo remote; else echo local; fi
}

# matrix WHO...: "who family:address:port decision" for every destination.
matrix() {
	local who d fam addr port
	for who in "$@"; do
		for d in "${dests[@]}"; do
			read -r fam addr port <<<"$d"
			echo "$who $fam:$addr:$port $(decide "$who" "$fam" "$addr" "$port")"
		done
	done
}

# expect_lines NAME EXPECTED GOT: one row per probe, the decision as expected.
expect_lines() {
	local name=$1 line got
	while read -r line; do
		[ -n "$line" ] || continue
		got=$(grep -F -- "${line% *} " <<<"$3")
		if [ "$got" = "$line" ]; then
			ok "$name: $line"
		else
			not_ok "$name: ${line% *}" "expected ${line##* }, got ${got##* }"
		fi
	done <<<"$2"
}

# spec "WHO..." "ALLOWED..." "PORTS..." LOCAL IPV6 [REFUSED_AS]: the expected
# matrix for the identities WHO, from a small description of the policy:
# the allowed identities, the guarded ports, whether loopback and this host
# stay reachable (yes/no), whether IPv6 is guarded or left open, and what
# happens to a refused connection ("refused", or "redirected" to this host).
spec() {
	local whos=$1 allowed=" $2 " ports=" $3 " local=$4 ipv6=$5 refused=${6:-refused}
	local who d fam addr port
	for who in $whos; do
		for d in "${dests[@]}"; do
			read -r fam addr port <<<"$d"
			local res=remote
			case $addr in 127.0.0.1 | 198.51.100.1) res=local ;; esac
			if [[ $ports == *" $port "* ]] && [[ $allowed != *" $who "* ]]; then
				if [ "$res" = local ]; then
					[ "$local" = yes ] || res=refused
				elif [ "$fam" = 6 ] && [ "$ipv6" = open ]; then
					:
				else
					res=$refused
				fi
			fi
			# A redirected connection to this host lands here: "local".
			[ "$res" = redirected ] && res=local
			echo "$who $fam:$addr:$port $res"
		done
	done
}

# import_load NAME SOURCE FILE: import, check-config, load. Sets $conf.
import_load() {
	local name=$1 src=$2 file=$3
	conf="$dir/$name.smtpguard.conf"
	"$SG_BIN" import "$src" "$file" >"$conf" 2>"$err"
	local rc=$?
	if [ "$rc" != 0 ]; then
		not_ok "$name: import" "exit $rc: $(head -c 600 "$err")"
		return 1
	fi
	ok "$name: import (exit 0, $(grep -c . "$err") notes on stderr)"
	if "$SG_BIN" check-config "$conf" >"$out" 2>"$err"; then
		ok "$name: check-config accepts the import ($(cat "$out"))"
	else
		not_ok "$name: check-config" "$(head -c 600 "$err")"
		return 1
	fi
	if "$SG_BIN" load --pin-dir "$SG_PIN_DIR" --cgroup "$SG_CGROUP" --config "$conf" \
		>"$out" 2>"$err"; then
		ok "$name: load"
	else
		not_ok "$name: load" "$(head -c 600 "$err")"
		return 1
	fi
	local got
	got=$(decide mta 4 198.51.100.25 25)
	if [ "$got" = remote ]; then
		ok "$name: the local MTA (Postfix's mail_owner, @mta) still reaches the remote MX"
	else
		not_ok "$name: the local MTA (Postfix's mail_owner, @mta) is cut off" "$got"
	fi
}

# The incumbent's rules are measured alone: no guard loaded.
unload_guard() { "$SG_BIN" unload --pin-dir "$SG_PIN_DIR" >/dev/null 2>&1; }

# has NAME FILE TEXT: the file holds TEXT.
has() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else not_ok "$1" "no '$3' in $(head -c 400 "$2")"; fi
}

uid_usr=$(id -u sgt-imp-usr)
gid_grp=$(getent group sgt-imp-grp | cut -d: -f3)
gid_mail=$(getent group mail | cut -d: -f3)

# ---- CSF, SMTP_BLOCK on, IPV6 on: the same decisions everywhere ----
csf_on="$dir/csf-on.conf"
sed -e 's/^SMTP_BLOCK = "0"/SMTP_BLOCK = "1"/' \
	-e 's/^SMTP_PORTS = .*/SMTP_PORTS = "25,465,587,2525"/' \
	-e 's/^SMTP_ALLOWUSER = .*/SMTP_ALLOWUSER = "cpanel,sgt-imp-usr"/' \
	-e 's/^SMTP_ALLOWGROUP = .*/SMTP_ALLOWGROUP = "mail,mailman,sgt-imp-grp"/' \
	-e 's/^IPV6 = "0"/IPV6 = "1"/' "$fixtures/csf.conf" >"$csf_on"
want=$(spec "root usr gm ml oth" "root usr gm ml" "25 465 587 2525" yes guarded)
if csf_rules 25,465,587,2525 1 "$uid_usr" "$gid_mail,$gid_grp" 1; then
	old=$(matrix root usr gm ml oth)
	incumbent_rules_flush
	expect_lines "csf (IPV6 on): csf's own rules" "$want" "$old"
else
	not_ok "csf (IPV6 on): csf's rules" "cannot install them"
	incumbent_rules_flush
fi
if import_load csf-on csf "$csf_on"; then
	has "csf (IPV6 on): the import names csf.conf's lines" "$conf" "# csf-on.conf:201 SMTP_ALLOWUSER"
	expect_lines "csf (IPV6 on): smtpguard, imported" "$want" "$(matrix root usr gm ml oth)"
fi

# ---- CSF with its default IPV6 = "0": IPv6 is the one difference ----
csf_v4="$dir/csf-v4.conf"
sed -e 's/^IPV6 = "1"/IPV6 = "0"/' "$csf_on" >"$csf_v4"
unload_guard
if csf_rules 25,465,587,2525 1 "$uid_usr" "$gid_mail,$gid_grp" 0; then
	expect_lines "csf (IPV6 off): csf's own rules leave IPv6 open" \
		"$(spec "root usr gm ml oth" "root usr gm ml" "25 465 587 2525" yes open)" \
		"$(matrix root usr gm ml oth)"
fi
incumbent_rules_flush
if import_load csf-v4 csf "$csf_v4"; then
	"$SG_BIN" import csf "$csf_v4" 2>"$err" >/dev/null
	has "csf (IPV6 off): import warns on stderr about IPv6" "$err" \
		"csf-v4.conf:108: warning: IPV6 = \"0\": csf does not guard IPv6 at all"
	expect_lines "csf (IPV6 off): smtpguard guards IPv6 too" \
		"$(spec "root usr gm ml oth" "root usr gm ml" "25 465 587 2525" yes guarded)" \
		"$(matrix root usr gm ml oth)"
fi

# ---- CSF as shipped: SMTP_BLOCK = "0", so audit mode refuses nothing ----
if import_load csf-defaults csf "$fixtures/csf.conf"; then
	"$SG_BIN" status --pin-dir "$SG_PIN_DIR" >"$out" 2>&1
	has "csf (as shipped): the guard runs in audit mode" "$out" "loaded, AUDIT MODE"
	expect_lines "csf (as shipped): nothing refused, as with csf today" \
		"$(spec "root oth" "" "" yes guarded)" "$(matrix root oth)"
fi

# ---- APF, SMTP_BLOCK on: loopback accepted before SMTP_BLK, IPv6 on ----
apf_on="$dir/apf-on.conf"
sed -e 's/^SMTP_BLOCK="0"/SMTP_BLOCK="1"/' -e 's/^SMTP_PORTS=.*/SMTP_PORTS="25,465,587,2525"/' \
	-e 's/^SMTP_ALLOWUSER=.*/SMTP_ALLOWUSER="sgt-imp-usr"/' \
	-e 's/^SMTP_ALLOWGROUP=.*/SMTP_ALLOWGROUP="sgt-imp-grp"/' -e 's/^USE_IPV6="0"/USE_IPV6="1"/' \
	"$fixtures/conf.apf" >"$apf_on"
want=$(spec "root usr gm ml oth" "root usr gm" "25 465 587 2525" yes guarded)
unload_guard
if apf_rules 25,465,587,2525 sgt-imp-usr sgt-imp-grp 1; then
	expect_lines "apf: APF's own rules" "$want" "$(matrix root usr gm ml oth)"
else
	not_ok "apf: APF's rules" "cannot install them"
fi
incumbent_rules_flush
if import_load apf-on apf "$apf_on"; then
	has "apf: the import keeps APF's loopback exemption (-o lo before SMTP_BLK)" "$conf" \
		"allow_local = yes                       # APF accepts -o lo before SMTP_BLK"
	expect_lines "apf: smtpguard, imported" "$want" "$(matrix root usr gm ml oth)"
fi

# ---- cPanel's SMTP Restrictions: redirect, IPv4 only in cPanel's rules ----
: >"$dir/smtpgidonlytweak"
dests=("4 198.51.100.25 25" "6 2001:db8:1::25 25" "4 127.0.0.1 25")
unload_guard
if cpanel_rules "$gid_mail"; then
	expect_lines "cpanel: cPanel's own rules redirect" \
		"$(spec "root usr ml oth" "root ml" "25" yes open redirected)" "$(matrix root usr ml oth)"
else
	not_ok "cpanel: cPanel's rules" "cannot install them"
fi
incumbent_rules_flush
if import_load cpanel cpanel "$dir/smtpgidonlytweak"; then
	# @mta is nobody on this machine: root and the mail group are cPanel's exemptions here.
	expect_lines "cpanel: smtpguard redirects, IPv6 too" \
		"$(spec "root usr ml oth" "root ml" "25" yes guarded redirected)" \
		"$(matrix root usr ml oth)"
fi

# ---- Imunify360 (not on cPanel: no exemption of its own, not even root) ----
dests=("4 198.51.100.25 25" "4 198.51.100.25 2525" "6 2001:db8:1::25 25" "4 127.0.0.1 25")
imunify_on="$dir/imunify360.config"
sed -e 's/^  enable: false/  enable: true/' -e 's/^  allow_users: \[\]/  allow_users: [sgt-imp-usr]/' \
	-e 's/^  - mail$/  - sgt-imp-grp/' -e 's/^  - 465$/  - 465\n  - 2525/' \
	"$fixtures/imunify360.config" >"$imunify_on"
if import_load imunify imunify "$imunify_on"; then
	expect_lines "imunify: smtpguard, imported" \
		"$(spec "root usr gm oth" "usr gm" "25 465 587 2525" no guarded)" \
		"$(matrix root usr gm oth)"
fi
"$SG_BIN" unload --pin-dir "$SG_PIN_DIR" >/dev/null 2>&1

# ---- --write: replace the configuration, keep the old one, touch nothing else ----
target="$dir/written.conf"
printf 'allow_users = root\n' >"$target"
"$SG_BIN" import csf "$csf_on" --config "$target" --write >"$out" 2>"$err"
rc=$?
backups() { find "$dir" -maxdepth 1 -name "$(basename "$target").before-import-*"; }
backup=$(backups | head -n 1)
if [ "$rc" = 0 ] && [ -n "$backup" ] && [ "$(cat "$backup")" = "allow_users = root" ] &&
	cmp -s "$target" <("$SG_BIN" import csf "$csf_on" 2>/dev/null); then
	ok "--write: the file is the import, the old one kept as $(basename "$backup")"
else
	not_ok "--write" "exit $rc, backup '$backup': $(head -c 300 "$err")"
fi
has "--write: prints the sync that applies it" "$out" "smtpguard sync --config $target"
if [ "$(stat -c '%u %a' "$target")" = "0 644" ]; then
	ok "--write: root's, mode 644"
else
	not_ok "--write: owner and mode" "$(stat -c '%u %a' "$target")"
fi
"$SG_BIN" status --pin-dir "$SG_PIN_DIR" >/dev/null 2>&1
rc=$?
if [ "$rc" = 3 ]; then
	ok "--write: no guard was loaded by it"
else
	not_ok "--write" "status exits $rc: a guard is loaded"
fi

# The printed command is the one that works: with the options import was given.
target2="$dir/written2.conf"
printf 'allow_users = root\n' >"$target2"
cp "$target2" "$dir/pre.conf"
"$SG_BIN" import csf "$csf_on" --config "$target2" --pin-dir "$SG_PIN_DIR" --write >"$out" 2>"$err"
apply=$(sed -n 's/^  \(smtpguard check-config .*\)$/\1/p' "$out")
want_apply="smtpguard check-config $target2 && smtpguard sync --config $target2 --pin-dir $SG_PIN_DIR"
if [ "$apply" = "$want_apply" ]; then
	ok "--write --pin-dir: the printed apply command names the pin dir"
	"$SG_BIN" load --pin-dir "$SG_PIN_DIR" --cgroup "$SG_CGROUP" --config "$dir/pre.conf" \
		>/dev/null 2>&1
	if (eval "${apply//smtpguard /$SG_BIN }") >"$out" 2>&1 &&
		"$SG_BIN" status --pin-dir "$SG_PIN_DIR" 2>&1 | grep -q "uid $uid_usr (sgt-imp-usr)"; then
		ok "--write --pin-dir: the printed command, run as printed, applies the import"
	else
		not_ok "--write --pin-dir: the printed command" "$(head -c 400 "$out")"
	fi
	"$SG_BIN" unload --pin-dir "$SG_PIN_DIR" >/dev/null 2>&1
else
	not_ok "--write --pin-dir: the printed apply command" "got '$apply', want '$want_apply'"
fi

# A symlinked configuration: its target is written, keeps owner and mode, and
# every message (the rollback hint above all) names that real file.
mkdir -p "$dir/etc-real"
real="$dir/etc-real/smtpguard.conf"
link="$dir/link.conf"
printf 'allow_users = root\n' >"$real"
chmod 600 "$real"
chgrp mail "$real"
ln -sf "$real" "$link"
"$SG_BIN" import csf "$csf_on" --config "$link" --write >"$out" 2>"$err"
rc=$?
real_backup=$(find "$dir/etc-real" -name 'smtpguard.conf.before-import-*' | head -n 1)
if [ "$rc" = 0 ] && [ -L "$link" ] && [ "$(readlink "$link")" = "$real" ] &&
	cmp -s "$real" <("$SG_BIN" import csf "$csf_on" 2>/dev/null); then
	ok "--write through a symlink: the link stays, its target holds the import"
else
	not_ok "--write through a symlink" "exit $rc, link $(ls -l "$link"): $(head -c 300 "$err")"
fi
if [ "$(stat -c '%u:%g %a' "$real")" = "0:$gid_mail 600" ]; then
	ok "--write through a symlink: owner, group and mode 0600 kept"
else
	not_ok "--write through a symlink: owner and mode" "$(stat -c '%u:%g %a' "$real")"
fi
has "--write through a symlink: the rollback hint names the real file" "$out" \
	"(to go back: mv $real_backup $real)"

# ---- Bad input: exit 2, FILE:LINE, nothing on stdout, nothing written ----
printf 'SMTP_BLOCK = "1"\n\177ELF\0\1\n' >"$dir/binary"
printf 'SMTP_BLOCKING:\n  enable: true\n  ports: [25, 587\n' >"$dir/truncated.yaml"
cp "$target" "$dir/before"
bad() {
	local name=$1 want=$2
	shift 2
	"$SG_BIN" "$@" >"$out" 2>"$err"
	local rc=$?
	if [ "$rc" = 2 ] && grep -qF -- "$want" "$err" && [ ! -s "$out" ] &&
		cmp -s "$target" "$dir/before" &&
		[ "$(backups | wc -l)" = 1 ]; then
		ok "bad input: $name"
	else
		not_ok "bad input: $name" "exit $rc, stderr: $(head -c 300 "$err")"
	fi
}
bad "a binary csf.conf" "$dir/binary:2: NUL byte" import csf "$dir/binary" --config "$target" \
	--write
bad "truncated YAML" "$dir/truncated.yaml:3: not valid YAML" import imunify \
	"$dir/truncated.yaml" --config "$target" --write
bad "csf.conf given as conf.apf" "$csf_on:35: not a shell assignment" import apf "$csf_on" \
	--config "$target" --write
printf '# mine\nallow_users = root\n' >"$dir/smtpguard.conf"
bad "smtpguard.conf given as csf.conf" "$dir/smtpguard.conf:2: csf.conf values are quoted" \
	import csf "$dir/smtpguard.conf"
bad "a missing file" "$dir/nope: no such file" import csf "$dir/nope"
bad "an unknown source" "import: unknown source 'plesk'" import plesk
bad "DirectAdmin: what to do instead" "DirectAdmin has no SMTP setting of its own" \
	import directadmin

# ---- smtpguard check: the incumbents' rules, in a namespace of their own ----
ip netns add "$check_ns" || bail "cannot create $check_ns"
in_check() { nsenter --net="/run/netns/$check_ns" "$@"; }
check_has() {
	local name=$1 re=$2
	if grep -qE -- "$re" "$out"; then ok "check: $name"; else
		# The incumbents' rows; the whole output when check printed none (it failed).
		not_ok "check: $name" "no /$re/ in: $({ grep -A8 'old SMTP blocks' "$out" ||
			cat "$out"; } | head -c 900)"
	fi
}
run_check() { in_check env "$@" "$SG_BIN" check --pin-dir "$SG_PIN_DIR" --cgroup "$SG_CGROUP" >"$out" 2>&1; }

run_check
check_has "nothing installed: every row ok" '^  ok +CSF SMTP_BLOCK +not in force'
in_check bash -c ". '$SG_TOP/tests/incumbent_rules.sh' && csf_rules 25,465,587 1 202 12 1 &&
	apf_rules 25,465,587 root mail 1"
run_check
check_has "CSF's SMTPOUTPUT, IPv4 and IPv6, and how to turn it off" \
	'^  warning +CSF SMTP_BLOCK +in force \(iptables: OUTPUT -> SMTPOUTPUT; ip6tables: OUTPUT -> SMTPOUTPUT\); to turn it off: set SMTP_BLOCK = "0" in /etc/csf/csf.conf, then: csf -r'
check_has "APF's SMTP_BLK, and how to turn it off" \
	'^  warning +APF SMTP_BLOCK +in force \(iptables: OUTPUT -> SMTP_BLK; ip6tables: OUTPUT -> SMTP_BLK\); to turn it off: set SMTP_BLOCK="0" in /etc/apf/conf.apf, then: apf -r'
check_has "both at once: what that means" \
	'^  warning +old and new together +running both is harmless but confusing'
in_check bash -c ". '$SG_TOP/tests/incumbent_rules.sh' && incumbent_rules_flush && cpanel_rules 12"
run_check
check_has "cPanel's nat REDIRECT, and how to turn it off" \
	'^  warning +cPanel SMTP Restrictions +in force \(iptables -t nat: OUTPUT redirects SMTP to this host\); to turn it off: /usr/local/cpanel/scripts/smtpmailgidonly off'
check_has "CSF is gone with its rules" '^  ok +CSF SMTP_BLOCK +not in force'
# The flag file, in a mount namespace of its own (this machine has no /var/cpanel).
# The tree may live under /var (a CI checkout): the binary is run from the
# real /var, bound elsewhere first.
in_check bash -c ". '$SG_TOP/tests/incumbent_rules.sh' && incumbent_rules_flush"
realvar=$(mktemp -d /run/sgt-realvar.XXXXXX)
in_check unshare --mount --propagation private bash -c "mount --bind /var '$realvar' &&
	mount -t tmpfs sgt-var /var && mkdir /var/cpanel && : >/var/cpanel/smtpgidonlytweak &&
	bin='$SG_BIN' && case \$bin in /var/*) bin='$realvar'\${bin#/var} ;; esac &&
	\"\$bin\" check --pin-dir '$SG_PIN_DIR' --cgroup '$SG_CGROUP'" >"$out" 2>&1
rmdir "$realvar"
check_has "cPanel's flag file" \
	'^  warning +cPanel SMTP Restrictions +in force \(/var/cpanel/smtpgidonlytweak: exists'
run_check SMTPGUARD_TOOL_PATH=/nonexistent
check_has "no firewall tools: not checked, never absent" \
	'^  info +CSF SMTP_BLOCK +not checked \(iptables-save: not installed; ip6tables-save: not installed; nft: not installed\)'
in_check nft add table inet sgt
in_check nft add chain inet sgt out '{ type filter hook output priority 0; }'
in_check nft add chain inet sgt smtp
in_check nft add rule inet sgt out tcp dport '{ 25, 465, 587 }' jump smtp
in_check nft add rule inet sgt smtp meta skuid 0 accept
in_check nft add rule inet sgt smtp reject
run_check
check_has "a native nftables owner-match chain" \
	'^  warning +other owner-match rules +in force \(nft inet sgt: out -> smtp\)'
ip netns del "$check_ns"

echo "# import suite: $((SECONDS - started)) s"
finish
