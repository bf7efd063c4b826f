# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/world.sh - the test world, sourced by tests/run.sh and the bench:
#   netns sgt-host-PID  the host under test: lo, veth 198.51.100.1/24,
#                       2001:db8:1::1/64 and fe80::1/64, listeners on
#                       0.0.0.0:25 and [::]:25
#   netns sgt-mx-PID    a remote mail host: 198.51.100.25, 2001:db8:1::25,
#                       listening on 25 465 587 2525; and a second one on the
#                       same link, 198.51.100.26 and 2001:db8:1::26 (25, 587),
#                       for the rows where one relay is allowed and not another
#   netns sgt-ct-PID    a container on the host: 198.51.100.202/30 and
#                       2001:db8:2::2/64 on a veth to the host (.201,
#                       2001:db8:2::1), which forwards and masquerades it to
#                       the mail host, as Docker, LXD or Incus would
#   a user+net namespace container: a process (its PID in WORK/uct.pid)
#                       whose user namespace maps its root to UID 64201 and
#                       owns its network namespace, 198.51.100.206/30 and
#                       2001:db8:4::2/64 on a veth to the host (.205,
#                       2001:db8:4::1), routed and masqueraded like sgt-ct:
#                       a rootless container, whose root has CAP_NET_ADMIN
#                       and CAP_NET_RAW there
#   cgroup  <cgroup2 root>/smtpguard-test-PID   the guard attaches here only
#   cgroup  <cgroup2 root>/smtpguard-test-PID-free  unguarded, for the cgroup rows
#   pin dir /sys/fs/bpf/smtpguard-test-PID      never the default pin dir
# Only documentation addresses are used, only on interfaces made here.
# world_cleanup removes all of it; callers run it from an EXIT trap.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$top/build"
id=$$
ns_host="sgt-host-$id"
ns_mx="sgt-mx-$id"
ns_ct="sgt-ct-$id"
veth_ct_host="sgtx$id"
veth_ct="sgtc$id"
veth_uct_host="sgtu$id"
veth_uct="sgtv$id"
veth_host="sgth$id"
veth_mx="sgtm$id"
pin_dir="/sys/fs/bpf/smtpguard-test-$id"
workdir=""
cgroup=""
listener_pids=()

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

world_cleanup() {
	local pid
	for pid in "${listener_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	local dir
	for dir in "$pin_dir" "$pin_dir-other" "$pin_dir-nocg" "$pin_dir-json"; do # fault rows, JSON keys
		# A monitor killed with SIGKILL leaves its lock file (see cmd_monitor.c);
		# every monitor leaves its accounts file for status (account_state.h).
		rm -f "/run/smtpguard-monitor$(tr / _ <<<"$dir")".{lock,accounts,accounts.smtpguard-??????}
		[ -d "$dir" ] || continue
		"$build/smtpguard" unload --pin-dir "$dir" >/dev/null 2>&1
		rm -rf "$dir"
	done
	local cg
	for cg in "$cgroup" "$cgroup-free"; do
		[ -n "$cgroup" ] && [ -d "$cg" ] || continue
		# Processes still inside (a crashed probe) must go before rmdir.
		find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
		sleep 0.2
		find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	ip netns del "$ns_host" 2>/dev/null
	ip netns del "$ns_mx" 2>/dev/null
	ip netns del "$ns_ct" 2>/dev/null
	# who_stall.c's FUSE file system, should the e2e program have died with it mounted.
	[ -n "$workdir" ] && umount -l "$workdir/stall-fs" 2>/dev/null
	[ -n "$workdir" ] && rm -rf "$workdir"
}
setup_world() {
	local cg2
	# The filesystem type is the first field after " - ": optional fields
	# such as shared:N come before it on systemd hosts.
	cg2=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break }
		$(i + 1) == "cgroup2" && $4 == "/" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$cg2" ] || die "no cgroup v2 hierarchy mounted (see /proc/self/mountinfo)"
	cgroup="$cg2/smtpguard-test-$id"
	mkdir "$cgroup" "$cgroup-free" || die "cannot create $cgroup"
	# /run, not /tmp: alert_command may not be below a directory others may write.
	[ -n "$workdir" ] || workdir=$(mktemp -d /run/smtpguard-test.XXXXXX)
	chmod 755 "$workdir" # "not root" rows read configurations here

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
		in_ns "$ns_mx" ip addr add 198.51.100.26/24 dev "$veth_mx" &&
		in_ns "$ns_mx" ip addr add 2001:db8:1::26/64 dev "$veth_mx" nodad &&
		in_ns "$ns_host" ip link set "$veth_host" up &&
		in_ns "$ns_mx" ip link set "$veth_mx" up || die "cannot configure the test hosts"

	# The suite logs what each listener accepts; the bench must not pay for that.
	local mx_log=() host_log=()
	if [ "${WORLD_LISTEN_LOG:-1}" = 1 ]; then
		mx_log=(-l "$workdir/mx-accepted.log")
		host_log=(-l "$workdir/host-accepted.log")
	fi
	setup_container
	setup_userns_container
	start_listener "$ns_mx" "${mx_log[@]}" 198.51.100.25:25 198.51.100.25:465 198.51.100.25:587 \
		198.51.100.25:2525 '[2001:db8:1::25]:25' '[2001:db8:1::25]:465' \
		'[2001:db8:1::25]:587' '[2001:db8:1::25]:2525' 198.51.100.26:25 198.51.100.26:587 \
		'[2001:db8:1::26]:25' '[2001:db8:1::26]:587'
	start_listener "$ns_host" "${host_log[@]}" 0.0.0.0:25 '[::]:25'
}

# The container: its own network namespace behind the host, routed and
# masqueraded to the mail host. Its root may rewrite destinations (the rows
# add DNAT rules inside it); the host forwards what comes out.
setup_container() {
	ip netns add "$ns_ct" || die "cannot create $ns_ct"
	ip link add "$veth_ct_host" type veth peer name "$veth_ct" &&
		ip link set "$veth_ct_host" netns "$ns_host" &&
		ip link set "$veth_ct" netns "$ns_ct" || die "cannot create the container's veth"
	in_ns "$ns_ct" ip link set lo up &&
		in_ns "$ns_host" ip addr add 198.51.100.201/30 dev "$veth_ct_host" &&
		in_ns "$ns_host" ip addr add 2001:db8:2::1/64 dev "$veth_ct_host" nodad &&
		in_ns "$ns_ct" ip addr add 198.51.100.202/30 dev "$veth_ct" &&
		in_ns "$ns_ct" ip addr add 2001:db8:2::2/64 dev "$veth_ct" nodad &&
		in_ns "$ns_host" ip link set "$veth_ct_host" up &&
		in_ns "$ns_ct" ip link set "$veth_ct" up &&
		in_ns "$ns_ct" ip route add default via 198.51.100.201 &&
		in_ns "$ns_ct" ip -6 route add default via 2001:db8:2::1 &&
		in_ns "$ns_host" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 &&
		in_ns "$ns_host" nft -f - <<EOF || die "cannot configure the container's network"
table inet sgt-world {
	chain post {
		type nat hook postrouting priority 100;
		oifname "$veth_host" ip saddr 198.51.100.200/30 masquerade
		oifname "$veth_host" ip6 saddr 2001:db8:2::/64 masquerade
	}
}
EOF
}

# The rootless container: a user namespace mapping its root to 64201 that owns
# a network namespace, held by a sleeping process (killed with the listeners).
# Rows enter it as its root: nsenter -t PID -U -n -S 0 -G 0.
setup_userns_container() {
	local pid i
	unshare --user --net sleep "${WORLD_LISTEN_SECONDS:-900}" &
	pid=$!
	listener_pids+=("$pid")
	for i in $(seq 50); do
		[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ] && break
		sleep 0.1
	done
	# Written by root of the parent namespace: no newuidmap needed.
	echo "0 64201 1" >"/proc/$pid/uid_map" && echo "0 64201 1" >"/proc/$pid/gid_map" ||
		die "cannot map the rootless container's root to 64201"
	ip link add "$veth_uct_host" type veth peer name "$veth_uct" &&
		ip link set "$veth_uct_host" netns "$ns_host" &&
		ip link set "$veth_uct" netns "$pid" || die "cannot create the rootless container's veth"
	in_ns "$ns_host" ip addr add 198.51.100.205/30 dev "$veth_uct_host" &&
		in_ns "$ns_host" ip addr add 2001:db8:4::1/64 dev "$veth_uct_host" nodad &&
		in_ns "$ns_host" ip link set "$veth_uct_host" up &&
		nsenter -t "$pid" --net sh -c "ip link set lo up &&
			ip addr add 198.51.100.206/30 dev $veth_uct &&
			ip addr add 2001:db8:4::2/64 dev $veth_uct nodad &&
			ip link set $veth_uct up &&
			ip route add default via 198.51.100.205 &&
			ip -6 route add default via 2001:db8:4::1" &&
		in_ns "$ns_host" nft add rule inet sgt-world post oifname "$veth_host" \
			ip saddr 198.51.100.204/30 masquerade &&
		in_ns "$ns_host" nft add rule inet sgt-world post oifname "$veth_host" \
			ip6 saddr 2001:db8:4::/64 masquerade || die "cannot configure the rootless container"
	echo "$pid" >"$workdir/uct.pid"
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
	fifo="$workdir/listen-$ns-${#listener_pids[@]}.fifo"
	mkfifo "$fifo"
	nsenter --net="/run/netns/$ns" "$build/tests/sg-listen" -t "${WORLD_LISTEN_SECONDS:-900}" "$@" \
		>"$fifo" &
	listener_pids+=($!)
	read -r -t 10 ready <"$fifo"
	[ "$ready" = ready ] || die "listener in $ns did not start"
}

