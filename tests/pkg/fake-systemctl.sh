#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/pkg/fake-systemctl.sh - a test double for systemctl, installed as
# /usr/local/sbin/systemctl in the package test's chroot (with
# /run/systemd/system created) so that the maintainer scripts take their
# "systemd is PID 1" branch: the debhelper snippets and deb-systemd-invoke
# run for real and call this. It logs every call to /run/fake-systemd.log,
# and models what matters for smtpguard.service: a oneshot unit with
# RemainAfterExit, whose start runs its real ExecStart= (smtpguard load),
# stop its ExecStop= (unload) only when active (a failed unit's stop does
# not run ExecStop), reload its ExecReload=. Other units are only logged.
# It is not systemd: it shows which unit actions the scripts ask for.
log=/run/fake-systemd.log
state=/run/fake-systemd
mkdir -p "$state"
echo "systemctl $*" >>"$log"

verb=""
units=""
for a in "$@"; do
	case $a in
	--version) echo "systemd 252 (252.0-fake)"; exit 0 ;;
	-*) ;;
	*) if [ -z "$verb" ]; then verb=$a; else units="$units $a"; fi ;;
	esac
done

unit_file() { echo "/lib/systemd/system/$1"; }
exec_line() { sed -n "s/^$2=//p" "$(unit_file "$1")" | head -n 1; }
oneshot() { [ -e "$(unit_file "$1")" ] && grep -qx 'Type=oneshot' "$(unit_file "$1")"; }
enabled() { ls /etc/systemd/system/*.wants/"$1" >/dev/null 2>&1; }

# The Exec lines are run as words, like systemd does without a shell.
# shellcheck disable=SC2091
start() {
	oneshot "$1" || return 0
	if $(exec_line "$1" ExecStart); then
		: >"$state/$1.active"
	else
		echo "$1: ExecStart failed" >>"$log"
		rm -f "$state/$1.active"
		return 1
	fi
}
stop() {
	[ -e "$state/$1.active" ] || return 0
	rm -f "$state/$1.active"
	cmd=$(exec_line "$1" ExecStop)
	[ -z "$cmd" ] || $cmd
}

rc=0
# shellcheck disable=SC2091 # the same for ExecReload
for u in $units; do
	case $verb in
	start) [ -e "$state/$u.active" ] || start "$u" || rc=1 ;;
	stop) stop "$u" || rc=1 ;;
	restart) { stop "$u" && start "$u"; } || rc=1 ;;
	try-restart) [ ! -e "$state/$u.active" ] || { stop "$u" && start "$u"; } || rc=1 ;;
	reload) [ -e "$state/$u.active" ] && $(exec_line "$u" ExecReload) || rc=1 ;;
	is-active) [ -e "$state/$u.active" ] || rc=3 ;;
	is-enabled) if enabled "$u"; then echo enabled; else echo disabled; rc=1; fi ;;
	*) ;;
	esac
done
exit $rc
