#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# scripts/quickstart.sh [start|test] - from a fresh machine, as root:
#   start (default)  install what is missing, build, check that this host can
#                    run the guard (smtpguard check), load it with
#                    /etc/smtpguard.conf (or the built-in defaults), print status
#   test             install what is missing, build, run the whole suite
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "quickstart: run as root (the guard is a BPF program)" >&2; exit 1; }
sh scripts/install-deps.sh
case "${1:-start}" in
start) make start ;;
test) make test ;;
*) echo "usage: scripts/quickstart.sh [start|test]" >&2; exit 2 ;;
esac
