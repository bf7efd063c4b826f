#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/matrix/guest-rows.sh PASS - the real-kernel rows of the kernel
# matrix, run inside a guest (busybox sh) by guest-init.sh: a subset of
# tests/e2e/rows_*.c's tables, with the real smtpguard binary and the
# static sg-try probe. The guest is its own machine: the guard is loaded
# the way an admin loads it (default pin dir, the cgroup v2 root), and the
# "remote mail host" is a network namespace behind a veth pair.
#
# A row that needs what the kernel lacks (MPTCP, io_uring connect, ...) is
# skipped and names the feature. The last line is
# "SGM-SUMMARY PASS N passed, N failed, N skipped".
pass=${1:-btf}
BIN=/opt/sg/smtpguard
TRY=/opt/sg/sg-try
LISTEN=/opt/sg/sg-listen
W=/tmp/sg-$pass
R4=198.51.100.25
R6=2001:db8:1::25
M4=::ffff:198.51.100.25
EPERM=1
passed=0
failed=0
skipped=0
pids=""

ok() {
	passed=$((passed + 1))
	echo "ok - $*"
}
bad() {
	failed=$((failed + 1))
	echo "not ok - $*"
}
skip() {
	skipped=$((skipped + 1))
	echo "skip - $*"
}
check() { # check CONDITION-EXIT-STATUS DESCRIPTION
	if [ "$1" = 0 ]; then ok "$2"; else bad "$2"; fi
}

# The kernel feature a probe method needs, for skipped rows.
feature_of() {
	case " $* " in
	*" mptcp "*) echo "MPTCP (CONFIG_MPTCP, Linux 5.6)" ;;
	*" uring"*) echo "io_uring IORING_OP_CONNECT (Linux 5.5)" ;;
	*" tfo-connect "*) echo "TCP_FASTOPEN_CONNECT (Linux 4.11)" ;;
	*" userns "*) echo "user namespaces (CONFIG_USER_NS)" ;;
	*) echo "the probe's method" ;;
	esac
}

# conn EXPECTED WHO SG-TRY-ARGS...: one connection attempt.
conn() {
	want=$1
	who=$2
	shift 2
	case $who in
	denied) id="-u 64201 -g 64201" ;;
	allowed) id="-u 64202 -g 64201" ;;
	gid) id="-u 64203 -g 64210" ;;
	root) id="" ;;
	nested) id="-u 64201 -g 64201 -c /sys/fs/cgroup/sgt/a/b" ;;
	esac
	# shellcheck disable=SC2086
	$TRY $id "$@"
	got=$?
	if [ "$got" = 254 ]; then
		skip "$who: $*: needs $(feature_of "$@"), which this kernel lacks"
	elif [ "$got" = "$want" ]; then
		ok "$who: $* -> $got"
	else
		bad "$who: $* -> $got (expected $want)"
	fi
}

# cli EXIT WANT ARGS...: the CLI exits EXIT and its output holds WANT ("" for any).
cli() {
	want_code=$1
	want=$2
	shift 2
	"$BIN" "$@" >"$W/cli.out" 2>&1
	code=$?
	if [ "$code" = "$want_code" ] && { [ -z "$want" ] || grep -qF -- "$want" "$W/cli.out"; }; then
		ok "smtpguard $* -> $code${want:+, says '$want'}"
	else
		bad "smtpguard $* -> $code (expected $want_code${want:+ and '$want'}):"
		sed 's/^/#   /' "$W/cli.out" | head -n 15
	fi
}

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	"$BIN" unload >/dev/null 2>&1
	ip link del sgh 2>/dev/null
	ip link del sgc 2>/dev/null
}
trap cleanup EXIT

# ---- the world: this guest is the host, a netns is the remote mail host ----
mkdir -p "$W" /sys/fs/cgroup/sgt/a/b
printf 'ports = 25 465 587\nallow_users = root 64202\nallow_groups = 64210\nallow_local = yes\n' \
	>"$W/a.conf"
# The same answers for 64201 and 64202, another program: the reload rows.
printf 'ports = 25 465 587 2626\nallow_users = root 64202 64299\nallow_groups = 64210\n' \
	>"$W/b.conf"
printf 'allow_users = root 64202\nmode = audit\n' >"$W/audit.conf"
# Scoped exceptions: the program's scoped path is only verified (and run)
# when a generation has such rules.
printf '%s\n' 'ports = 25 465 587' 'allow_users = root 64202' 'allow_groups = none' \
	"allow_user_dest = 64201 $R4:587 [$R6]:465" "allow_group_dest = 64210 $R4:25" \
	"allow_dest = $R4:465" >"$W/scoped.conf"
printf 'allow_users = root 64202\nmode = redirect\nredirect_to = 127.0.0.1:25 [::1]:25\n' \
	>"$W/redirect.conf"
chmod 644 "$W"/*.conf
set -f # "[2001:db8:1::25]:25" is an address, not a pattern

ip link set lo up
sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
unshare -n sleep 100000 &
mx=$!
pids="$pids $mx"
sleep 0.2
ip link add sgh type veth 2>/dev/null || ip link add sgh type veth peer name sgm
peer=$(ip -o link show | sed -n 's/^[0-9]*: \([^:@]*\)@sgh.*/\1/p')
ip link set "$peer" netns "$mx"
ip addr add 198.51.100.1/24 dev sgh
ip addr add 2001:db8:1::1/64 dev sgh
ip link set sgh up
nsenter -t "$mx" -n sh -c "
	ip link set lo up
	sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	sysctl -qw net.ipv6.conf.$peer.accept_dad=0
	ip addr add 198.51.100.25/24 dev $peer
	ip addr add 2001:db8:1::25/64 dev $peer
	ip link set $peer up"
start_listener() { # LOG ADDR...
	log=$1
	shift
	mkfifo "$W/ready"
	"$@" -t 900 -l "$log" $LISTEN_ADDRS >"$W/ready" &
	pids="$pids $!"
	read -r line <"$W/ready"
	rm -f "$W/ready"
	[ "$line" = ready ]
}
LISTEN_ADDRS="$R4:25 $R4:465 $R4:587 $R4:2525 [$R6]:25 [$R6]:465 [$R6]:587 [$R6]:2525"
start_listener "$W/mx.log" nsenter -t "$mx" -n "$LISTEN"
check $? "the remote mail host listens on 25 465 587 2525"
LISTEN_ADDRS="0.0.0.0:25 [::]:25"
start_listener "$W/host.log" "$LISTEN"
check $? "the host's own MTA stand-in listens on :25"

# ---- before any guard: the world answers ----
conn 0 denied 4 $R4 25
conn 0 denied 6 $R6 25

# ---- check: the host can run the guard, and says what it found ----
cli 0 "the guard can work on this host" check
if [ "$pass" = btf ]; then
	cli 0 '"id":"btf","name":"kernel BTF","status":"ok"' check --json
else
	cli 0 '"id":"btf","name":"kernel BTF","status":"missing"' check --json
fi
cli 0 '"can_work":true' check --json
cli 0 '"missing":[]' check --json
find /sys/fs/cgroup -maxdepth 1 -name 'smtpguard-probe.*' | grep -q .
check $((!$?)) "check left no probe cgroup behind"
# What check says about the vectors agrees with what a real connect finds.
"$BIN" check >"$W/check.out" 2>&1
# How this kernel gives the program the caller's IDs (every row below decides through it).
echo "# $(grep 'kernel BTF' "$W/check.out" | sed 's/  */ /g')"
$TRY -m mptcp 4 127.0.0.1 9
if [ $? = 254 ]; then want="MPTCP .* not in this kernel"; else want="MPTCP .* present"; fi
grep -q "$want" "$W/check.out"
check $? "check's MPTCP row agrees with an MPTCP connect ('$want')"
$TRY -m uring 4 127.0.0.1 9
if [ $? = 254 ]; then want="io_uring connect .* no io_uring"; else want="IORING_OP_CONNECT present"; fi
grep -q "$want" "$W/check.out"
check $? "check's io_uring row agrees with an io_uring connect ('$want')"

# ---- load, the way an admin does: default pin dir, the cgroup v2 root ----
cli 0 "guarding 3 ports on /sys/fs/cgroup" load --config "$W/a.conf"
cli 0 "loaded, enforcing" status
cli 0 '"loaded":true' status --json

# Every vector the kernel has, for a denied UID.
for port in 25 465 587; do
	conn $EPERM denied 4 $R4 $port
	conn $EPERM denied 6 $R6 $port
	conn $EPERM denied 6 $M4 $port
done
conn $EPERM denied -m nonblock 4 $R4 25
conn $EPERM denied -m port0 6 $R6 587
conn $EPERM denied -m tfo 4 $R4 25
conn $EPERM denied -m tfo 6 $R6 25
conn $EPERM denied -m tfo-connect 4 $R4 465
conn $EPERM denied -m mptcp 4 $R4 25
conn $EPERM denied -m mptcp 6 $R6 25
conn $EPERM denied -m mptcp 6 $M4 587
conn $EPERM denied -m uring 4 $R4 25
conn $EPERM denied -m uring 6 $R6 25
conn $EPERM denied -m uring-async 4 $R4 587
conn $EPERM denied -m userns 4 $R4 25
conn $EPERM denied -m userns 6 $R6 465
conn $EPERM nested 4 $R4 25
conn $EPERM nested 6 $M4 587

# Allowed identities, local destinations, unguarded ports and UDP pass.
conn 0 allowed 4 $R4 25
conn 0 allowed 6 $R6 465
conn 0 allowed 6 $M4 587
conn 0 allowed -m mptcp 6 $R6 25
conn 0 allowed -m uring 4 $R4 25
conn 0 gid 4 $R4 25
conn 0 gid 6 $R6 587
conn 0 root 4 $R4 25
conn 0 root 6 $R6 25
conn 0 denied 4 127.0.0.1 25
conn 0 denied 6 ::1 25
conn 0 denied 6 ::ffff:127.0.0.1 25
conn 0 denied 4 198.51.100.1 25
conn 0 denied 6 2001:db8:1::1 25
conn $EPERM denied -d sgh 4 198.51.100.1 25
conn 0 denied 4 $R4 2525
conn 0 denied 6 $R6 2525
conn 0 denied -m udp 4 $R4 25

# ---- the packet path (issue 22): a SYN on a raw socket, CAP_NET_RAW only ----
# A denied UID's is dropped on the way out; an allowed UID's gets its SYN-ACK,
# unless this kernel gives cgroup_skb programs no way to know the sender
# (check says DEGRADED: then it is nobody's, and dropped too).
echo "# $(grep 'packet path' "$W/check.out" | sed 's/  */ /g')"
conn $EPERM denied -m raw 4 $R4 25
conn $EPERM denied -m raw 6 $R6 465
conn 0 denied -m raw 4 $R4 2525
if grep 'packet path' "$W/check.out" | grep -q "raw SYNs are nobody's"; then
	conn $EPERM allowed -m raw 4 $R4 25
	skip "allowed: a raw SYN reaches the MX: this kernel decides raw SYNs as nobody's (check)"
else
	conn 0 allowed -m raw 4 $R4 25
	conn 0 allowed -m raw 6 $R6 25
fi

# ---- the packet path: NAT in a container's own namespace ----
# A container behind this host (its own network namespace, routed): its root
# DNATs port 2526 to the MX's 25, so connect() sees an unguarded port and the
# SYN leaves for port 25. The egress program decides it on the socket's owner,
# read through this kernel's BTF (loader/guard/egress_owner.c): a denied
# UID's SYN is dropped and its connect times out (EINPROGRESS, 115), an
# allowed UID's connects, unless check says such SYNs are nobody's here.
unshare -n sleep 100000 &
ct=$!
pids="$pids $ct"
sleep 0.2
ip link add sgc type veth 2>/dev/null || ip link add sgc type veth peer name sgd
cpeer=$(ip -o link show | sed -n 's/^[0-9]*: \([^:@]*\)@sgc.*/\1/p')
printf 'table ip sgt_nat {\n\tchain out {\n\t\ttype nat hook output priority -100;\n\t\ttcp dport 2526 dnat to %s:25\n\t}\n}\n' \
	"$R4" >"$W/ct.nft"
ip link set "$cpeer" netns "$ct" &&
	ip addr add 198.51.100.201/30 dev sgc &&
	ip link set sgc up &&
	sysctl -qw net.ipv4.ip_forward=1 &&
	nsenter -t "$mx" -n ip route add 198.51.100.200/30 via 198.51.100.1 &&
	nsenter -t "$ct" -n sh -c "
		ip link set lo up &&
		ip addr add 198.51.100.202/30 dev $cpeer &&
		ip link set $cpeer up &&
		ip route add default via 198.51.100.201" &&
	nsenter -t "$ct" -n /opt/nft/lib/ld-linux-x86-64.so.2 --library-path /opt/nft/lib \
		/opt/nft/nft -f "$W/ct.nft"
check $? "a container's namespace behind the host; its root's nft DNAT 2526 -> $R4:25"
nat_allowed=0
if grep 'packet path' "$W/check.out" | grep -q "NAT'd SYNs are nobody's"; then
	nat_allowed=115
	echo "# this kernel decides NAT'd SYNs as nobody's (check): an allowed UID's is dropped too"
fi
TRY="nsenter -t $ct -n /opt/sg/sg-try"
conn 115 denied 4 $R4 2526
conn $nat_allowed allowed 4 $R4 2526
conn 0 denied 4 $R4 2525
TRY=/opt/sg/sg-try

# Runtime allow and revoke take effect on the next connect().
cli 0 "allowed uid 64201" allow user 64201 --runtime
conn 0 denied 4 $R4 25
conn 0 denied 6 $M4 465
cli 0 "revoked uid 64201" revoke user 64201 --runtime
conn $EPERM denied 4 $R4 25

# ---- scoped exceptions: a user's relay on its ports, a group's, anyone's ----
cli 0 "(and 4 scoped exceptions)" load --config "$W/scoped.conf"
conn 0 denied 4 $R4 587
conn 0 denied 6 $M4 587
conn 0 denied 6 $R6 465
conn $EPERM denied 4 $R4 25
conn $EPERM denied 6 $R6 587
conn 0 gid 4 $R4 25
conn $EPERM gid 6 $R6 25
conn 0 gid 4 $R4 465
conn $EPERM gid 4 $R4 587
cli 0 "scoped (4)" status
cli 0 "guarding" load --config "$W/a.conf"
conn $EPERM denied 4 $R4 587

# ---- reload over and over while two probers connect: never a wrong answer ----
rm -f "$W/stop"
$TRY -u 64201 -g 64201 -n 100000 -x $EPERM -s "$W/stop" 4 $R4 25 >"$W/race-denied" &
race1=$!
$TRY -u 64202 -g 64201 -n 100000 -x 0 -s "$W/stop" 6 $R6 465 >"$W/race-allowed" &
race2=$!
reloads=0
for conf in b a b a b a; do
	"$BIN" load --config "$W/$conf.conf" >/dev/null 2>&1 && reloads=$((reloads + 1))
done
touch "$W/stop"
wait $race1
r1=$?
wait $race2
r2=$?
check $((6 - reloads)) "6 reloads while connecting, each exit 0 ($reloads)"
check $r1 "denied prober during the reloads: $(cat "$W/race-denied") (EPERM every time)"
check $r2 "allowed prober during the reloads: $(cat "$W/race-allowed") (connected every time)"

# ---- monitor: a refused attempt arrives as an event ----
"$BIN" monitor --json >"$W/monitor.out" 2>&1 &
mon=$!
pids="$pids $mon"
i=0
while [ $i -lt 50 ] && ! grep -q monitoring "$W/monitor.out"; do
	sleep 0.2
	i=$((i + 1))
done
conn $EPERM denied 4 $R4 587
i=0
while [ $i -lt 50 ] && ! grep -q '"uid":64201' "$W/monitor.out"; do
	sleep 0.2
	i=$((i + 1))
done
grep '"uid":64201' "$W/monitor.out" | grep -q '"action":"blocked"'
check $? "monitor --json reported the refused connect of uid 64201"
grep -q '"port":587' "$W/monitor.out"
check $? "... with its destination port"
kill $mon 2>/dev/null
wait $mon 2>/dev/null

# ---- audit and redirect ----
cli 0 "auditing" load --config "$W/audit.conf"
conn 0 denied 4 $R4 25
cli 0 "audited 1," status
cli 0 "redirecting" load --config "$W/redirect.conf"
local_before=$(grep -c 'accepted 127.0.0.1:25' "$W/host.log")
remote_before=$(grep -c "accepted $R4:587" "$W/mx.log")
conn 0 denied 4 $R4 587
local_after=$(grep -c 'accepted 127.0.0.1:25' "$W/host.log")
remote_after=$(grep -c "accepted $R4:587" "$W/mx.log")
check $((local_after - local_before - 1)) "redirect: $R4:587 landed on the host's 127.0.0.1:25"
check $((remote_after - remote_before)) "redirect: ... and not on the remote host"
conn 0 allowed 4 $R4 587
check $(($(grep -c "accepted $R4:587" "$W/mx.log") - remote_after - 1)) \
	"redirect: an allowed UID still reaches the remote host"

# ---- SIGKILL during load: the old state or the new one, both refuse 64201 ----
cli 0 "guarding" load --config "$W/a.conf"
for delay in 0.05 0.1 0.2 0.3 0.5 0.8; do
	"$BIN" load --config "$W/b.conf" >/dev/null 2>&1 &
	p=$!
	sleep $delay
	kill -9 $p 2>/dev/null
	wait $p 2>/dev/null
	conn $EPERM denied 4 $R4 25
	conn 0 allowed 6 $R6 25
done
cli 0 "" load --config "$W/a.conf"
cli 0 "loaded, enforcing" status

# ---- unload, then a first load killed: load repairs ----
cli 0 "unloaded" unload
cli 3 "not loaded" status
conn 0 denied 4 $R4 25
conn 0 denied 6 $M4 25
"$BIN" load --config "$W/a.conf" >/dev/null 2>&1 &
p=$!
sleep 0.3
kill -9 $p 2>/dev/null
wait $p 2>/dev/null
cli 0 "guarding" load --config "$W/a.conf"
conn $EPERM denied 4 $R4 25
cli 0 "unloaded" unload
conn 0 denied 4 $R4 25

echo "SGM-SUMMARY $pass $passed passed, $failed failed, $skipped skipped"
