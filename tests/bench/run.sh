#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/bench/run.sh - "make bench": first the cost per decision inside the
# kernel (tests/bench/cost.c, with kernel.bpf_stats_enabled=1 for its run
# only), then smtpguard, iptables and nftables side by side, then fairness
# under a flood, all on the test world of tests/world.sh (removed again on
# exit). The tables go to stdout and build/bench/{cost,results}.md, the
# samples to build/bench/{cost,samples}.csv. BENCH_QUICK=1: a smoke run of
# a minute or two (what CI runs). BENCH_ONLY=cost: the cost per decision alone;
# BENCH_ONLY=packet: the egress program's cost per packet alone.
set -u

. "$(dirname "$0")/../world.sh"

# kernel.bpf_stats_enabled is the machine's: put back what it was, whatever
# happens (the statistics cost every BPF program on the host a little).
stats_sysctl=/proc/sys/kernel/bpf_stats_enabled
stats_before=""
restore_stats() {
	[ -n "$stats_before" ] && echo "$stats_before" >"$stats_sysctl"
}
trap 'restore_stats; world_cleanup' EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "the benchmark loads BPF programs and firewall rules: run it as root"
for prog in smtpguard tests/bench tests/cost tests/sg-listen; do
	[ -x "$build/$prog" ] || die "$build/$prog is missing: run 'make' first"
done
for cmd in iptables-restore nft bpftool; do
	command -v "$cmd" >/dev/null || die "$cmd is missing: run scripts/install-deps.sh"
done
[ -w "$stats_sysctl" ] || die "$stats_sysctl is missing: the kernel has no BPF run-time statistics"
out="$build/bench"
mkdir -p "$out"

# The listeners must outlive the whole run (the full one takes a while).
export WORLD_LISTEN_SECONDS=7200
WORLD_LISTEN_LOG=0 setup_world
start_listener "$ns_host" 127.0.0.1:2500          # workload a
start_listener "$ns_mx" -d 198.51.100.25:5001     # workload d: a sink
# The relay for the cost's allow_dest rows: world.sh's second mail host (198.51.100.26).
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "# $(uname -sr), $(nproc) CPUs ($cpu), $(iptables --version), $(nft --version | cut -d' ' -f1-2)"
echo "# command: ${BENCH_QUICK:+BENCH_QUICK=$BENCH_QUICK }make bench"

bench_env=(SG_BIN="$build/smtpguard" SG_PIN_DIR="$pin_dir" SG_CGROUP="$cgroup"
	SG_WORKDIR="$workdir" BENCH_OUT="$out" BENCH_QUICK="${BENCH_QUICK:-0}")
start=$SECONDS
stats_before=$(cat "$stats_sysctl")
echo 1 >"$stats_sysctl" || die "cannot set kernel.bpf_stats_enabled"
env "${bench_env[@]}" SG_FLOOR_CGROUP="$cgroup-free" \
	nsenter --net="/run/netns/$ns_host" "$build/tests/cost"
status=$?
restore_stats
stats_before=""
echo "# cost per decision: $((SECONDS - start)) s"
case "${BENCH_ONLY:-}" in cost | packet) exit "$status" ;; esac

env "${bench_env[@]}" nsenter --net="/run/netns/$ns_host" "$build/tests/bench"
status=$((status | $?))
cat "$out/cost.md" >>"$out/results.md"
# Fairness: a flood by one account, a quiet one beside it (tests/bench/flood.c).
flood_seconds=7
[ "${BENCH_QUICK:-0}" = 1 ] && flood_seconds=2
env SG_BIN="$build/smtpguard" SG_PIN_DIR="$pin_dir" SG_CGROUP="$cgroup" SG_WORKDIR="$workdir" \
	FLOOD_SECONDS="$flood_seconds" nsenter --net="/run/netns/$ns_host" "$build/tests/flood" |
	tee -a "$out/results.md"
exit $((status | PIPESTATUS[0]))
