#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# scripts/quickstart.sh [start] [LOAD OPTIONS...] - from a fresh machine, as root:
#                  install what is missing, build, install smtpguard (make install:
#                  $PREFIX/sbin/smtpguard, PREFIX=/usr/local unless set, so that
#                  "smtpguard" works from then on), check that this host can run
#                  the guard (smtpguard check), load it with /etc/smtpguard.conf
#                  (the default configuration, installed if there is none) and
#                  print its status. The options go to "smtpguard load" (--config
#                  FILE, --cgroup DIR, --pin-dir DIR, --mode MODE); check and
#                  status get the --cgroup and --pin-dir among them.
# scripts/quickstart.sh test [MAKE ARGUMENTS...] - install what is missing, build,
#                  run the whole suite ("make test"; T=PATTERN, SANITIZE=1 pass
#                  through). Installs nothing into $PREFIX.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "quickstart: run as root (the guard is a BPF program)" >&2; exit 1; }

what=start
case "${1:-}" in
start | test) what=$1 && shift ;;
-h | --help)
	sed -n '4,16s/^# \{0,1\}//p' "$0"
	exit 0
	;;
-*) ;; # options of start
?*)
	echo "usage: scripts/quickstart.sh [start] [--config FILE] [--cgroup DIR] [--pin-dir DIR]" \
		"[--mode MODE] | test [T=PATTERN ...]" >&2
	exit 2
	;;
esac

sh scripts/install-deps.sh
if [ "$what" = test ]; then
	exec make test "$@"
fi

# The options check and status take too: the cgroup (check) and the pin dir.
check_opts=
status_opts=
prev=
for arg in "$@"; do
	case $prev in
	--cgroup) check_opts="$check_opts --cgroup $arg" ;;
	--pin-dir | -p) status_opts="$status_opts --pin-dir $arg" check_opts="$check_opts --pin-dir $arg" ;;
	esac
	case $arg in
	--cgroup=*) check_opts="$check_opts $arg" ;;
	--pin-dir=*) status_opts="$status_opts $arg" check_opts="$check_opts $arg" ;;
	esac
	prev=$arg
done

prefix=${PREFIX:-/usr/local}
make
make install PREFIX="$prefix"
bin="$prefix/sbin/smtpguard"
# check first: on a kernel that cannot run the guard, say what it lacks and load nothing.
# shellcheck disable=SC2086 # one option per word
"$bin" check $check_opts
"$bin" load "$@"
# shellcheck disable=SC2086
"$bin" status $status_opts
case ":$PATH:" in
*":$prefix/sbin:"*) echo "quickstart: done; smtpguard is $bin" ;;
*) echo "quickstart: done; $prefix/sbin is not on your PATH: run $bin, or add it" ;;
esac
