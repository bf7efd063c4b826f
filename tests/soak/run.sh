#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/soak/run.sh - "make soak": builds the test world of tests/world.sh
# (removed again on exit) and runs build/tests/soak in the test host's
# network namespace for SOAK_SECONDS (default 60). The guard is attached to
# the test cgroup and pinned in the test pin dir only. The exit status is
# the soak's: 0 only with no wrong decision, no error and no failed change.
set -u

. "$(dirname "$0")/../world.sh"
trap world_cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "the soak loads BPF programs: run it as root"
for prog in smtpguard tests/soak tests/sg-listen; do
	[ -x "$build/$prog" ] || die "$build/$prog is missing: run 'make soak'"
done
seconds=${SOAK_SECONDS:-60}
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "SOAK_SECONDS=$seconds: expected a number of seconds"

# No accept log: tens of thousands of connections per run.
WORLD_LISTEN_LOG=0 setup_world
echo "# world: netns $ns_host + $ns_mx, cgroup $cgroup, pin dir $pin_dir"
env SG_BIN="$build/smtpguard" SG_PIN_DIR="$pin_dir" SG_CGROUP="$cgroup" SG_WORKDIR="$workdir" \
	SOAK_SECONDS="$seconds" nsenter --net="/run/netns/$ns_host" "$build/tests/soak"
rc=$?
exit "$rc"
