#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tests/boot/mx-up.sh - sg-mx.service: the test MX, as tests/world.sh builds
# it (the guest's side 198.51.100.1 and 2001:db8:1::1). Returns once
# sg-listen is listening; it exits by itself after 30 minutes.
set -e
modprobe veth
ip netns add sgmx
ip link add sgb0 type veth peer name sgb1 netns sgmx
ip addr add 198.51.100.1/24 dev sgb0
ip -6 addr add 2001:db8:1::1/64 dev sgb0 nodad
ip link set sgb0 up
ip -n sgmx link set lo up
ip -n sgmx addr add 198.51.100.25/24 dev sgb1
ip -n sgmx -6 addr add 2001:db8:1::25/64 dev sgb1 nodad
ip -n sgmx link set sgb1 up
set --
for p in 25 465 587 2525; do
	set -- "$@" "198.51.100.25:$p" "[2001:db8:1::25]:$p"
done
ip netns exec sgmx /usr/local/lib/sgboot/sg-listen -t 1800 "$@" >/run/sg-mx.out 2>&1 &
i=0
while ! grep -q ready /run/sg-mx.out 2>/dev/null; do
	[ $i -lt 100 ] || { cat /run/sg-mx.out; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
