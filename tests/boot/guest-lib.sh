# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh disable=SC2034 # the steps use these
#
# tests/boot/guest-lib.sh - what the boot test's steps share, inside the
# guest (sourced by tests/boot/guest.sh). A check is several expectations
# and one TAP line: "expect" records each, "tap N WHAT" prints
# "ok N - WHAT" when all held, else "not ok N - WHAT" after a "# not: ..."
# line for every one that failed. Every wait is bounded.

SG=/run/sg                  # the payload: these scripts, the .debs, the probes
STATE=/var/lib/sgboot       # on the disk: survives the test's reboots
LIB=/usr/local/lib/sgboot   # the probes, on the disk (a tenant runs before $SG exists)
CONF=/etc/smtpguard.conf
CG=/sys/fs/cgroup/sgprobe   # the probes' cgroup (the guard is on the root: all of them)
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 SYSTEMD_PAGER='' SYSTEMD_COLORS=0

bad=0

# expect WHAT COMMAND...: run it (output kept for the "not" line).
# (The helpers' own variables start with "_": the steps' are theirs.)
expect() {
	_what=$1
	shift
	if ! _out=$("$@" 2>&1); then
		bad=$((bad + 1))
		echo "# not: $_what"
		[ -n "$_out" ] && printf '%s\n' "$_out" | tail -n 8 | sed 's/^/#   | /'
	fi
	return 0
}

# expect_eq WHAT WANT GOT
expect_eq() {
	[ "$2" = "$3" ] && return 0
	bad=$((bad + 1))
	echo "# not: $1 (want '$2', got '$3')"
}

tap() {
	if [ "$bad" = 0 ]; then
		echo "ok $1 - $2"
	else
		echo "not ok $1 - $2 ($bad expectation(s) failed, above)"
	fi
	bad=0
}

note() {
	echo "# $*"
}

# wait_for SECONDS COMMAND...: poll every 0.1 s; 0 once it succeeds.
wait_for() {
	_n=$(($1 * 10))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

uid_of() {
	id -u "$1"
}

# probe UID FAMILY ADDRESS PORT: one connect as UID (its own group), from
# $CG; prints 0 (connected) or the errno (1: EPERM, the guard's refusal).
probe() {
	_rc=0
	mkdir -p "$CG"
	"$LIB/sg-probe-loop" "$CG/cgroup.procs" "$1" "$1" "$2" "$3" "$4" || _rc=$?
	echo "$_rc"
}

# The live guard's allowed UIDs, sorted ("0 1001"), "none" if unreadable.
allowed_uids() {
	smtpguard status --json 2>/dev/null |
		jq -r '[.allow_users[].uid] | sort | map(tostring) | join(" ")' 2>/dev/null || echo none
}

has_uid() {
	case " $(allowed_uids) " in *" $1 "*) return 0 ;; esac
	return 1
}

# The guard is readable and UID is not allowed.
lacks_uid() {
	_u=$(allowed_uids)
	[ "$_u" != none ] || return 1
	case " $_u " in *" $1 "*) return 1 ;; esac
	return 0
}

status_field() {
	smtpguard status --json 2>/dev/null | jq -r "$1" 2>/dev/null
}

prop() {
	systemctl show -P "$2" "$1"
}

# apt-get as an unattended upgrade runs it: an edited conffile is kept.
apt_install() {
	apt-get install -y -q --allow-downgrades -o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold "$@"
}
