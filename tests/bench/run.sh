#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/bench/run.sh - "make bench": smtpguard, iptables and nftables side by
# side on the test world of tests/world.sh (removed again on exit). The
# tables go to stdout and build/bench/results.md, the samples to
# build/bench/samples.csv. BENCH_QUICK=1: a one-minute smoke run.
set -u

. "$(dirname "$0")/../world.sh"
trap world_cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "the benchmark loads BPF programs and firewall rules: run it as root"
for prog in smtpguard tests/bench tests/sg-listen; do
	[ -x "$build/$prog" ] || die "$build/$prog is missing: run 'make' first"
done
for cmd in iptables-restore nft bpftool; do
	command -v "$cmd" >/dev/null || die "$cmd is missing: run scripts/install-deps.sh"
done
out="$build/bench"
mkdir -p "$out"

WORLD_LISTEN_LOG=0 setup_world
start_listener "$ns_host" 127.0.0.1:2500          # workload a
start_listener "$ns_mx" -d 198.51.100.25:5001     # workload d: a sink
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "# $(uname -sr), $(nproc) CPUs ($cpu), $(iptables --version), $(nft --version | cut -d' ' -f1-2)"
echo "# command: ${BENCH_QUICK:+BENCH_QUICK=$BENCH_QUICK }make bench"
env SG_BIN="$build/smtpguard" SG_PIN_DIR="$pin_dir" SG_CGROUP="$cgroup" SG_WORKDIR="$workdir" \
	BENCH_OUT="$out" BENCH_QUICK="${BENCH_QUICK:-0}" \
	nsenter --net="/run/netns/$ns_host" "$build/tests/bench"
status=$?
# Fairness: a flood by one account, a quiet one beside it (tests/bench/flood.c).
flood_seconds=7
[ "${BENCH_QUICK:-0}" = 1 ] && flood_seconds=2
env SG_BIN="$build/smtpguard" SG_PIN_DIR="$pin_dir" SG_CGROUP="$cgroup" SG_WORKDIR="$workdir" \
	FLOOD_SECONDS="$flood_seconds" nsenter --net="/run/netns/$ns_host" "$build/tests/flood" |
	tee -a "$out/results.md"
exit $((status | PIPESTATUS[0]))
