#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/run.sh - run the whole suite against the real kernel (root only).
# Called by "make test" after the build.
#
# The world it builds, and always removes again (trap), even on failure:
#   netns sgt-host-PID  the host under test: lo, veth 198.51.100.1/24,
#                       2001:db8:1::1/64 and fe80::1/64, listeners on
#                       0.0.0.0:25 and [::]:25
#   netns sgt-mx-PID    a remote mail host: 198.51.100.25, 2001:db8:1::25,
#                       listening on 25 465 587 2525
#   cgroup  <cgroup2 root>/smtpguard-test-PID   the guard attaches here only
#   pin dir /sys/fs/bpf/smtpguard-test-PID      never the default pin dir
# Only documentation addresses are used, only on interfaces made here.
#
# The last line is "N passed, N failed, N skipped"; the exit status is 0
# only if nothing failed.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
id=$$
ns_host="sgt-host-$id"
ns_mx="sgt-mx-$id"
veth_host="sgth$id"
veth_mx="sgtm$id"
pin_dir="/sys/fs/bpf/smtpguard-test-$id"
workdir=""
cgroup=""
listener_pids=()
passed=0
failed=0
skipped=0

die() {
	echo "tests/run.sh: $*" >&2
	exit 1
}

# Accounts the e2e rows create (and rename: sgt-mta plays "mailnull" for a while).
remove_test_accounts() {
	local user
	for user in sgt-acct sgt-mta sgt-pfx; do
		userdel "$user" 2>/dev/null
	done
	for user in mailnull exim; do # only the ones the tests made
		[ "$(getent passwd "$user" | cut -d: -f5)" = smtpguard-test ] && userdel "$user"
	done
	groupdel sgt-grp 2>/dev/null
}

cleanup() {
	local pid
	for pid in "${listener_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	if [ -d "$pin_dir" ]; then
		"$build/smtpguard" unload --pin-dir "$pin_dir" >/dev/null 2>&1
		rm -rf "$pin_dir"
	fi
	if [ -n "$cgroup" ] && [ -d "$cgroup" ]; then
		# Processes still inside (a crashed probe) must go before rmdir.
		find "$cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
		sleep 0.2
		find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
	fi
	remove_test_accounts
	ip netns del "$ns_host" 2>/dev/null
	ip netns del "$ns_mx" 2>/dev/null
	[ -n "$workdir" ] && rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# "N passed, N failed, N skipped" from the last line of a test program.
tally() {
	local line=$1 p f s
	read -r p f s <<<"$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1 \2 \4/p' <<<"$line")"
	if [ -z "${p:-}" ]; then
		failed=$((failed + 1))
		echo "not ok - $2 did not finish (no summary line)"
		return
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
}

# Stream a program's output and keep a copy to read its closing line from.
# (Not "tee /dev/stderr": that reopens a log file with O_TRUNC.)
run_program() {
	local name=$1 log="$workdir/program.log"
	shift
	echo "# $name"
	"$@" 2>&1 | tee "$log"
	tally "$(tail -n 1 "$log")" "$name"
}

setup_world() {
	local cg2
	# The filesystem type is the first field after " - ": optional fields
	# such as shared:N come before it on systemd hosts.
	cg2=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break }
		$(i + 1) == "cgroup2" && $4 == "/" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$cg2" ] || die "no cgroup v2 hierarchy mounted (see /proc/self/mountinfo)"
	cgroup="$cg2/smtpguard-test-$id"
	mkdir "$cgroup" || die "cannot create $cgroup"

	ip netns add "$ns_host" && ip netns add "$ns_mx" || die "cannot create network namespaces"
	ip link add "$veth_host" type veth peer name "$veth_mx" || die "cannot create veth"
	ip link set "$veth_host" netns "$ns_host" || die "cannot move $veth_host"
	ip link set "$veth_mx" netns "$ns_mx" || die "cannot move $veth_mx"
	in_ns "$ns_host" ip link set lo up &&
		in_ns "$ns_mx" ip link set lo up &&
		in_ns "$ns_host" ip addr add 198.51.100.1/24 dev "$veth_host" &&
		in_ns "$ns_host" ip addr add 2001:db8:1::1/64 dev "$veth_host" nodad &&
		in_ns "$ns_host" ip addr add fe80::1/64 dev "$veth_host" nodad &&
		in_ns "$ns_mx" ip addr add 198.51.100.25/24 dev "$veth_mx" &&
		in_ns "$ns_mx" ip addr add 2001:db8:1::25/64 dev "$veth_mx" nodad &&
		in_ns "$ns_host" ip link set "$veth_host" up &&
		in_ns "$ns_mx" ip link set "$veth_mx" up || die "cannot configure the test hosts"

	start_listener "$ns_mx" -l "$workdir/mx-accepted.log" 198.51.100.25:25 198.51.100.25:465 198.51.100.25:587 \
		198.51.100.25:2525 '[2001:db8:1::25]:25' '[2001:db8:1::25]:465' \
		'[2001:db8:1::25]:587' '[2001:db8:1::25]:2525'
	start_listener "$ns_host" -l "$workdir/host-accepted.log" 0.0.0.0:25 '[::]:25'
}

# nsenter, not "ip netns exec" or "ip -n": those unshare the mount namespace,
# remount /sys (hiding the cgroup2 and bpffs mounts below it) and need "/" to
# be a mount point.
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

start_listener() {
	local ns=$1 fifo ready
	shift
	fifo="$workdir/listen-$ns.fifo"
	mkfifo "$fifo"
	nsenter --net="/run/netns/$ns" "$build/tests/sg-listen" -t 900 "$@" >"$fifo" &
	listener_pids+=($!)
	read -r -t 10 ready <"$fifo"
	[ "$ready" = ready ] || die "listener in $ns did not start"
}

[ "$(id -u)" = 0 ] || die "the suite loads BPF programs: run it as root"
for prog in smtpguard tests/unit_config tests/unit_config_edit tests/e2e_guard tests/sg-listen; do
	[ -x "$build/$prog" ] || die "$build/$prog is missing: run 'make tests' first"
done

workdir=$(mktemp -d /tmp/smtpguard-test.XXXXXX)
chmod 755 "$workdir" # the "not root" rows read configurations here
echo "# smtpguard test suite on $(uname -sr)"
run_program "unit: configuration" "$build/tests/unit_config"
run_program "unit: configuration edits" "$build/tests/unit_config_edit"
run_program "install: make install, units, man pages" "$top/tests/install_test.sh"

remove_test_accounts # left over by an earlier run that was killed
setup_world
echo "# world: netns $ns_host + $ns_mx, cgroup $cgroup, pin dir $pin_dir"
run_program "e2e: guard in the real kernel" env SG_BIN="$build/smtpguard" SG_PIN_DIR="$pin_dir" \
	SG_CGROUP="$cgroup" SG_WORKDIR="$workdir" SG_VETH="$veth_host" \
	nsenter --net="/run/netns/$ns_host" "$build/tests/e2e_guard"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
