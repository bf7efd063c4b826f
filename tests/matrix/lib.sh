# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# tests/matrix/lib.sh - what the kernel and userland matrix scripts share:
# the cache, the Debian mirror, and Debian suites reached through a private
# apt configuration (its own source file, removed again on exit, and its own
# lists under the cache), so that the machine's apt sources never change.
#
# Cache layout (kept between runs, SMTPGUARD_CACHE overrides):
#   /var/cache/smtpguard/kernels/NAME/    vmlinuz, veth.ko, release, config
#   /var/cache/smtpguard/chroots/SUITE/   debootstrap chroots (Debian 11, 13)
#   /var/cache/smtpguard/apt/SUITE/       the private apt lists and .debs

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${SMTPGUARD_CACHE:-/var/cache/smtpguard}
matrix_tmp=""

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# Call before the first suite_apt, in the script itself (not in a $(...)
# subshell, whose variables are lost), with matrix_cleanup_tmp in its EXIT trap.
matrix_init_tmp() {
	[ -n "$matrix_tmp" ] || matrix_tmp=$(mktemp -d /tmp/smtpguard-matrix.XXXXXX) ||
		die "cannot create a temporary directory"
}

matrix_cleanup_tmp() {
	[ -n "$matrix_tmp" ] && rm -rf "$matrix_tmp"
	matrix_tmp=""
}

# The Debian mirror this machine's apt uses (the one reachable from here).
debian_mirror() {
	local uri
	if [ -n "${SMTPGUARD_MIRROR:-}" ]; then
		echo "$SMTPGUARD_MIRROR"
		return
	fi
	uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^http.*\/debian\/?$/) { print $i; exit } }' \
		/etc/apt/sources.list 2>/dev/null)
	echo "${uri:-http://deb.debian.org/debian}"
}

# apt-get/apt-cache for another Debian suite, without touching /etc/apt:
# "suite_apt SUITE apt-get download PKG". The source file lives in a
# temporary directory that the caller's EXIT trap removes (matrix_cleanup_tmp).
suite_apt() {
	local suite=$1 tool=$2 state="$cache/apt/$1" mirror sec
	shift 2
	mirror=$(debian_mirror)
	sec=${mirror%/debian}/debian-security
	[ -d "$matrix_tmp" ] || die "suite_apt: matrix_init_tmp was not called"
	if [ ! -e "$matrix_tmp/$suite.list" ]; then
		printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
			"$mirror" "$suite" >"$matrix_tmp/$suite.list"
		printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s-security main\n' \
			"$sec" "$suite" >>"$matrix_tmp/$suite.list"
		mkdir -p "$matrix_tmp/parts" "$state/lists/partial" "$state/archives/partial"
		: >"$matrix_tmp/status" # not this machine's packages: candidates are the suite's
	fi
	"$tool" -q -o Dir::Etc::SourceList="$matrix_tmp/$suite.list" \
		-o Dir::Etc::SourceParts="$matrix_tmp/parts" -o Dir::State::Lists="$state/lists" \
		-o Dir::Cache="$state" -o Dir::Cache::Archives="$state/archives" \
		-o Dir::State::Status="$matrix_tmp/status" "$@"
}

# Refresh a suite's private lists at most once a day.
suite_update() {
	local suite=$1 stamp="$cache/apt/$1/updated"
	if [ -n "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		return 0
	fi
	# apt-get update exits 0 when a mirror cannot be reached: look for the lists.
	suite_apt "$suite" apt-get update >/dev/null 2>&1
	ls "$cache/apt/$suite/lists/"*"_dists_${suite}_main_binary-"*"_Packages"* >/dev/null 2>&1 ||
		return 1
	touch "$stamp"
}

# The package a metapackage depends on (linux-image-cloud-amd64 ->
# linux-image-6.1.0-57-cloud-amd64), from the host's apt or a suite's.
resolve_depends() {
	local suite=$1 pkg=$2
	if [ "$suite" = host ]; then
		apt-cache depends "$pkg" 2>/dev/null
	else
		suite_apt "$suite" apt-cache depends "$pkg" 2>/dev/null
	fi | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}

# Seconds since the epoch, for wall times.
now() {
	date +%s
}
