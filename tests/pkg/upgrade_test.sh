#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/pkg/upgrade_test.sh - "make pkgtest": the .deb installed, upgraded,
# removed and purged for real, in a clean Debian 12 chroot, with the guard in
# the real kernel and probes connecting throughout (root).
#
#  1. Builds the .deb of this tree (make deb, with lintian) and of the
#     previous release (scripts/prev-release.sh finds its last commit in git
#     history; it is exported with "git archive" and built with this tree's
#     packaging when it has none of its own). The old package is cached.
#  2. A debootstrap'ed Debian 12 minbase (with libbpf1 and libyaml) is cached as a tarball
#     under /var/cache/smtpguard/pkgtest/ and unpacked fresh for every run.
#  3. The host stays out of it: the chroot runs in its own mount, PID and
#     cgroup namespaces, entered from the test cgroup of tests/world.sh, so
#     its cgroup2 mount is rooted there and the maintainer scripts' plain
#     "smtpguard load" attaches to the test cgroup, not the host's root; it
#     gets a private bpffs instance (checked: another device than the host's
#     /sys/fs/bpf) and the test host's network namespace. systemd is not PID 1
#     there: that is the maintainer scripts' direct path. bpftool checks that
#     the real root cgroup's programs never change.
#  4. Install 0.1.0, edit /etc/smtpguard.conf, then upgrade while an allowed
#     and a refused UID connect in a loop: no refused connect and no allowed
#     refusal, before, during or after; the programs replaced in place (new
#     program IDs, same links); the edit kept. Then a configuration error at
#     upgrade (the guard stays as it was, and says so), the same with a
#     damaged guard (built-in defaults), removal (unloaded, refused UID gets
#     through) and purge (no file left).
#
# The last line is "N passed, N failed, N skipped"; the exit status is 0 only
# if nothing failed. It creates no accounts on the host (numeric UIDs only),
# so it needs no suite lock; every name carries the PID.
set -u

here=$(cd "$(dirname "$0")" && pwd)
cache=${SG_PKGTEST_CACHE:-/var/cache/smtpguard/pkgtest}
mirror=${SG_DEBIAN_MIRROR:-http://deb.debian.org/debian}
allowed_uid=64990
refused_uid=64991
probe_gid=64990

# shellcheck source=tests/testlib.sh
. "$here/../testlib.sh"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---- inside the namespaces ------------------------------------------------
# Run by the outer part through unshare, with everything in SG_* variables.

# A command in the chroot, with the PATH dpkg expects and no host environment.
in_root() {
	env -i PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive chroot "$root" "$@"
}

# One field of "smtpguard status --json" in the chroot (host python reads it).
status_field() {
	in_root smtpguard status --json 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    s = s.get(key) if isinstance(s, dict) else None
print(json.dumps(s) if isinstance(s, (list, dict)) else s)' "$1"
}
prog_ids() { echo "$(status_field hooks.connect4.prog_id) $(status_field hooks.connect6.prog_id)"; }
link_ids() { echo "$(status_field hooks.connect4.link_id) $(status_field hooks.connect6.link_id)"; }
# The allowed UIDs, sorted: "0 64990". "none" when status cannot be read.
users() {
	local json
	json=$(status_field allow_users)
	python3 -c 'import json, sys; print(" ".join(str(u) for u in sorted(x["uid"] for x in json.loads(sys.argv[1]))))' \
		"$json" 2>/dev/null || echo none
}

# smtpguard programs on a cgroup, as the host's bpftool sees it.
sg_progs_on() {
	bpftool cgroup show "$1" 2>/dev/null | grep -c 'sg_connect[46]'
}
root_unchanged() {
	[ "$(bpftool cgroup show "$SG_CG_ROOT" 2>&1)" = "$(cat "$SG_WORK/root-progs.txt")" ] &&
		[ "$(sg_progs_on "$SG_CG_ROOT")" = 0 ]
}

# One connect as UID from the test cgroup: prints 0 (connected) or the errno.
probe_once() {
	local uid=$1 family=$2 addr=$3 port=$4 rc=0
	"$SG_BUILD/tests/sg-probe-loop" "$root/sys/fs/cgroup/probes/cgroup.procs" "$uid" \
		"$probe_gid" "$family" "$addr" "$port" || rc=$?
	echo "$rc"
}
status_rc() {
	local rc=0
	in_root smtpguard status >/dev/null 2>&1 || rc=$?
	echo "$rc"
}

probers=()
start_probers() {
	local uid out i
	probers=()
	for uid in "$allowed_uid" "$refused_uid"; do
		out="$SG_WORK/probe-$uid.out"
		"$SG_BUILD/tests/sg-probe-loop" "$root/sys/fs/cgroup/probes/cgroup.procs" "$uid" \
			"$probe_gid" >"$out" &
		probers+=($!)
		for i in $(seq 100); do
			[ "$(head -n 1 "$out" 2>/dev/null)" = ready ] && break
			sleep 0.1
		done
		[ "$i" -lt 100 ] || echo "# prober $uid did not start"
	done
	sleep 1 # both have run for a while before the change
}
window() { kill -USR1 "${probers[@]}"; }
# stop_probers WHAT: stop them and judge every attempt they made.
stop_probers() {
	local what=$1 a w
	sleep 1 # and for a while after it
	kill -TERM "${probers[@]}"
	wait "${probers[@]}" 2>/dev/null
	sleep 0.2
	# "all connected eperm other window connected eperm other"
	read -r _ a_c a_e a_o _ w_c _ _ < <(grep '^all ' "$SG_WORK/probe-$allowed_uid.out")
	read -r _ r_c r_e r_o _ _ v_e _ < <(grep '^all ' "$SG_WORK/probe-$refused_uid.out")
	echo "# $what: allowed uid $allowed_uid: ${a_c:-?} connected, ${a_e:-?} refused," \
		"${a_o:-?} other (during: ${w_c:-?} connected); refused uid $refused_uid:" \
		"${r_e:-?} refused, ${r_c:-?} connected, ${r_o:-?} other (during: ${v_e:-?} refused)"
	a="${a_c:-0}:${a_e:-x}:${a_o:-x}"
	w="${r_c:-x}:${r_e:-0}:${r_o:-x}"
	if [ "${a_e:-x}" = 0 ] && [ "${a_o:-x}" = 0 ] && [ "${a_c:-0}" -gt 0 ] &&
		[ "${w_c:-0}" -gt 0 ]; then
		ok "$what: the allowed UID was never refused ($a_c connects, $w_c during it)"
	else
		not_ok "$what: the allowed UID was refused or failed (connected:refused:other $a)"
		grep '^other' "$SG_WORK/probe-$allowed_uid.out" | sed 's/^/    /'
	fi
	if [ "${r_c:-x}" = 0 ] && [ "${r_o:-x}" = 0 ] && [ "${r_e:-0}" -gt 0 ] &&
		[ "${v_e:-0}" -gt 0 ]; then
		ok "$what: the refused UID never connected ($r_e refusals, $v_e during it)"
	else
		not_ok "$what: the refused UID connected or failed otherwise (connected:refused:other $w)"
		grep '^other' "$SG_WORK/probe-$refused_uid.out" | sed 's/^/    /'
	fi
	echo "$what ${a_c:-0} ${w_c:-0} ${r_e:-0} ${v_e:-0}" >>"$SG_WORK/probe-counts.txt"
}

# dpkg in the chroot, as apt runs it unattended (keep an edited conffile);
# its output is kept in $SG_WORK/dpkg.out, and shown after the check.
dpkg_run() {
	local rc=0
	in_root dpkg --force-confdef --force-confold "$@" >"$SG_WORK/dpkg.out" 2>&1 || rc=$?
	return "$rc"
}
show_dpkg() {
	grep -v '^(Reading database' "$SG_WORK/dpkg.out" | sed 's/^/#   | /'
}

inner() {
	root=$SG_ROOT
	local t0 t1 before_progs before_links after_progs conf=$root/etc/smtpguard.conf

	# Private mounts for the chroot; the mount namespace takes them away.
	mount -t proc proc "$root/proc" &&
		mount -t sysfs sysfs "$root/sys" &&
		mount -t bpf bpf "$root/sys/fs/bpf" &&
		mount -t cgroup2 cgroup2 "$root/sys/fs/cgroup" &&
		mount --bind /dev "$root/dev" &&
		mount -t tmpfs tmpfs "$root/run" &&
		mount -t tmpfs tmpfs "$root/tmp" || {
		not_ok "mount proc, sysfs, bpffs, cgroup2, /dev, /run, /tmp in the chroot"
		return
	}
	check "the chroot's bpffs is its own instance, not the host's /sys/fs/bpf" \
		test "$(stat -f -c %T "$root/sys/fs/bpf") $(stat -c %d "$root/sys/fs/bpf")" != \
		"bpf_fs $(stat -c %d /sys/fs/bpf)"
	# A new instance holds only the kernel's preloaded iterators (*.debug).
	check "... and it is a bpffs without the host's pins" \
		test "$(stat -f -c %T "$root/sys/fs/bpf") $(find "$root/sys/fs/bpf" -mindepth 1 ! -name '*.debug' | wc -l)" = "bpf_fs 0"
	check "the chroot's cgroup2 root is the test cgroup (cgroup namespace)" \
		test "$(stat -c %i "$root/sys/fs/cgroup")" = "$(stat -c %i "$SG_CGROUP")"
	check "systemd is not PID 1 in the chroot" test ! -e "$root/run/systemd/system"
	mkdir -p "$root/sys/fs/cgroup/probes"
	cp "$SG_OLD_DEB" "$root/tmp/old.deb" && cp "$SG_NEW_DEB" "$root/tmp/new.deb"

	# -- install the previous release
	echo "# install $(basename "$SG_OLD_DEB")"
	check "dpkg -i (previous release $SG_OLD_VERSION) succeeds" dpkg_run -i /tmp/old.deb
	show_dpkg
	check "the postinst loaded the guard directly (no systemd)" \
		grep -q 'systemd is not running: loading the guard directly' "$SG_WORK/dpkg.out"
	check "smtpguard --version is $SG_OLD_VERSION" \
		test "$(in_root smtpguard --version)" = "smtpguard $SG_OLD_VERSION"
	check "the guard is loaded, attached to the chroot's cgroup2 root" \
		test "$(status_field loaded) $(status_field cgroup)" = "True /sys/fs/cgroup"
	check "bpftool: both programs on the test cgroup" test "$(sg_progs_on "$SG_CGROUP")" = 2
	check "bpftool: the host's root cgroup is unchanged" root_unchanged
	check "the units are enabled for the next boot (deb-systemd-helper)" \
		test -L "$root/etc/systemd/system/sysinit.target.wants/smtpguard.service"

	# -- the admin's local edit: one more allowed UID
	echo "allow_users = root @mta @mailman $allowed_uid # local edit" >>"$conf"
	check "smtpguard load applies the local edit" in_root smtpguard load
	check "the guard allows exactly root and uid $allowed_uid" test "$(users)" = "0 $allowed_uid"
	check "probe: uid $allowed_uid connects, uid $refused_uid gets EPERM" \
		test "$(probe_once $allowed_uid 4 198.51.100.25 25) $(probe_once $refused_uid 6 2001:db8:1::25 25)" = "0 1"
	before_progs=$(prog_ids)
	before_links=$(link_ids)

	# -- the upgrade, with probes running all through it
	echo "# upgrade to $(basename "$SG_NEW_DEB") while probing"
	start_probers
	window
	t0=$(now)
	check "dpkg -i (this tree, $SG_NEW_VERSION) upgrades" dpkg_run -i /tmp/new.deb
	t1=$(now)
	window
	show_dpkg
	stop_probers "upgrade $SG_OLD_VERSION -> $SG_NEW_VERSION ($(secs "$t0" "$t1") s)"
	echo "upgrade $(secs "$t0" "$t1")" >>"$SG_WORK/times.txt"
	check "the postinst replaced the guard in place" \
		grep -q 'replacing the live guard in place' "$SG_WORK/dpkg.out"
	check "smtpguard --version is $SG_NEW_VERSION" \
		test "$(in_root smtpguard --version)" = "smtpguard $SG_NEW_VERSION"
	check "dpkg says $SG_NEW_VERSION is installed" \
		test "$(in_root dpkg-query -W -f='${Version}' smtpguard)" = "$SG_NEW_VERSION"
	after_progs=$(prog_ids)
	echo "# programs $before_progs -> $after_progs, links $before_links -> $(link_ids)"
	check "both programs were replaced (new program IDs)" \
		sh -c "set -- $before_progs $after_progs; [ \$1 != \$3 ] && [ \$2 != \$4 ] && [ \$3 -gt 0 ] && [ \$4 -gt 0 ]"
	check "in place: the same links (never detached)" test "$(link_ids)" = "$before_links"
	# The two builds embed different BPF objects (sources or build paths differ),
	# and may differ in their maps' ABI too (then none of them can be read).
	check "load saw another build's program (prog_hash or ABI) and replaced it" \
		grep -Eq '^~program: the loaded (BPF program|guard) is from another smtpguard build' \
		"$SG_WORK/dpkg.out"
	check "the locally edited /etc/smtpguard.conf survived" grep -q "$allowed_uid # local edit" "$conf"
	check "the new guard still allows exactly root and uid $allowed_uid (the edit applies)" \
		test "$(users)" = "0 $allowed_uid"
	check "bpftool: still only the test cgroup, the host's root unchanged" \
		sh -c "[ $(sg_progs_on "$SG_CGROUP") = 2 ] && [ $(sg_progs_on "$SG_CG_ROOT") = 0 ]"
	check "bpftool: the host's root cgroup is unchanged" root_unchanged

	# -- a configuration error met by the maintainer script
	echo "bogus_key = 1" >>"$conf"
	before_progs=$(prog_ids)
	echo "# reinstall with an error in /etc/smtpguard.conf"
	start_probers
	window
	check "dpkg -i with a broken configuration still succeeds" dpkg_run -i /tmp/new.deb
	window
	show_dpkg
	stop_probers "reinstall over a broken configuration"
	check "the postinst says the configuration has errors and the host is guarded" \
		grep -q 'configuration has errors.*still guarded' "$SG_WORK/dpkg.out"
	check "load named the file and line" grep -q 'smtpguard.conf:[0-9]*:' "$SG_WORK/dpkg.out"
	check "the loaded guard is unchanged (same programs)" test "$(prog_ids)" = "$before_progs"
	check "the loaded guard is unchanged (root and uid $allowed_uid)" test "$(users)" = "0 $allowed_uid"

	# -- the same with a damaged guard: built-in defaults, as at boot
	rm "$root/sys/fs/bpf/smtpguard/link_connect6"
	check "a removed link pin makes the guard damaged (status exits 3)" test "$(status_rc)" = 3
	echo "# reinstall with the error and a damaged guard"
	check "dpkg -i with a broken configuration and a damaged guard succeeds" \
		dpkg_run -i /tmp/new.deb
	show_dpkg
	check "load installed the built-in defaults and said so" \
		grep -q 'loaded the built-in defaults instead' "$SG_WORK/dpkg.out"
	check "the guard is whole again" test "$(status_rc)" = 0
	check "with the built-in defaults: root only (no MTA or Mailman in the chroot)" \
		test "$(users)" = 0
	check "probe: both UIDs get EPERM under the defaults, over IPv4 and IPv6" \
		test "$(probe_once $allowed_uid 4 198.51.100.25 587) $(probe_once $refused_uid 6 2001:db8:1::25 465)" = "1 1"
	sed -i '/^bogus_key/d' "$conf"
	check "with the file fixed, smtpguard load succeeds" in_root smtpguard load
	check "probe: uid $allowed_uid connects again" \
		test "$(probe_once $allowed_uid 4 198.51.100.25 25)" = 0

	# -- removal: the guard goes, the configuration stays
	echo "# remove"
	check "dpkg -r succeeds" dpkg_run -r smtpguard
	show_dpkg
	check "the guard is unloaded (no pins in the chroot's bpffs)" test ! -e "$root/sys/fs/bpf/smtpguard"
	check "bpftool: no smtpguard program left on the test cgroup" \
		test "$(sg_progs_on "$SG_CGROUP")" = 0
	check "probe: the refused UID connects now (nothing guards)" \
		test "$(probe_once $refused_uid 4 198.51.100.25 25)" = 0
	check "the binary is gone" test ! -e "$root/usr/sbin/smtpguard"
	check "the configuration stays after remove, with the edit" \
		grep -q "$allowed_uid # local edit" "$conf"

	# -- purge: nothing left
	echo "# purge"
	check "dpkg -P succeeds" dpkg_run -P smtpguard
	show_dpkg
	check "/etc/smtpguard.conf is gone" test ! -e "$conf"
	check "no file named *smtpguard* is left in the chroot" \
		sh -c "out=\$(find '$root' -xdev -name '*smtpguard*' 2>/dev/null); [ -z \"\$out\" ] || { echo \"\$out\"; false; }"
	check "bpftool: the host's root cgroup is unchanged" root_unchanged

	systemd_cycle
}

# The same life cycle down the maintainer scripts' other branch, systemd as
# PID 1: /run/systemd/system exists and systemctl is tests/pkg/fake-systemctl.sh,
# which runs the unit's ExecStart/ExecStop and logs what was asked of it.
systemd_cycle() {
	local log=$root/run/fake-systemd.log conf=$root/etc/smtpguard.conf before_progs before_links
	echo "# with systemd as PID 1 (simulated by tests/pkg/fake-systemctl.sh)"
	mkdir -p "$root/run/systemd/system" "$root/usr/local/sbin"
	install -m 0755 "$SG_TESTS/fake-systemctl.sh" "$root/usr/local/sbin/systemctl"
	check "dpkg -i (previous release) with systemd" dpkg_run -i /tmp/old.deb
	show_dpkg
	check "systemd: the postinst left the first load to the unit" \
		sh -c "! grep -q 'loading the guard directly' '$SG_WORK/dpkg.out'"
	check "systemd: deb-systemd-invoke started smtpguard.service" \
		grep -Eq '^systemctl .*start( [^ ]+)* smtpguard\.service' "$log"
	check "systemd: the unit's ExecStart loaded the guard" test "$(status_rc)" = 0
	echo "allow_users = root $allowed_uid" >>"$conf"
	check "systemd: systemctl reload smtpguard applies the edit" \
		in_root systemctl reload smtpguard.service
	check "systemd: the guard allows exactly root and uid $allowed_uid" test "$(users)" = "0 $allowed_uid"
	before_progs=$(prog_ids)
	before_links=$(link_ids)
	: >"$log"
	start_probers
	window
	check "systemd: dpkg -i upgrades to $SG_NEW_VERSION" dpkg_run -i /tmp/new.deb
	window
	show_dpkg
	stop_probers "systemd: upgrade $SG_OLD_VERSION -> $SG_NEW_VERSION"
	sed 's/^/#   systemd: /' "$log"
	check "systemd: smtpguard.service was never stopped or restarted" \
		sh -c "! grep -Eq '(stop|restart)( [^ ]+)* smtpguard\.service' '$log'"
	check "systemd: both programs replaced, on the same links" \
		sh -c "set -- $before_progs $(prog_ids); [ \$1 != \$3 ] && [ \$2 != \$4 ] && [ '$(link_ids)' = '$before_links' ]"
	check "systemd: the unit is still active" test -e "$root/run/fake-systemd/smtpguard.service.active"
	: >"$log"
	check "systemd: dpkg -r succeeds" dpkg_run -r smtpguard
	show_dpkg
	check "systemd: deb-systemd-invoke stopped smtpguard.service" \
		grep -Eq '^systemctl .*stop( [^ ]+)* smtpguard\.service' "$log"
	check "systemd: the unit's ExecStop unloaded the guard (the direct unload had nothing left)" \
		sh -c "[ ! -e '$root/sys/fs/bpf/smtpguard' ] && ! grep -q 'unloaded;' '$SG_WORK/dpkg.out'"
	check "systemd: dpkg -P succeeds" dpkg_run -P smtpguard
	check "systemd: /etc/smtpguard.conf is gone after purge" test ! -e "$conf"
	rm -rf "$root/run/systemd" "$root/usr/local/sbin/systemctl"
}

if [ "${1:-}" = --inner ]; then
	inner
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 0
fi

# ---- outside: packages, chroot, world -------------------------------------
. "$here/../world.sh"
work=""
cleanup() {
	world_cleanup
	[ -n "$work" ] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "the package test loads the guard and runs dpkg in a chroot: run it as root"
for prog in tests/sg-listen tests/sg-probe-loop; do
	[ -x "$build/$prog" ] || die "$build/$prog is missing: run 'make pkgtest'"
done
for tool in debootstrap dpkg-buildpackage dh lintian bpftool unshare python3 git; do
	command -v "$tool" >/dev/null || die "$tool not found: run 'sh scripts/pkg-deps.sh' as root"
done
t_start=$(now)
work=$(mktemp -d /tmp/smtpguard-pkgtest.XXXXXX)
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # one run at a time fills the cache

# -- 1. packages
new_version=$(cat "$top/VERSION")
t0=$(now)
check "make deb builds this tree's package, lintian without errors" \
	"$top/scripts/build-pkg.sh" deb --out "$work/new"
t_new=$(secs "$t0" "$(now)")
new_deb="$work/new/smtpguard_${new_version}_amd64.deb"
check "the package is version $new_version and has a -dbgsym companion" \
	sh -c "[ \"\$(dpkg-deb -f '$new_deb' Version)\" = '$new_version' ] &&
		[ -e '$work/new/smtpguard-dbgsym_${new_version}_amd64.deb' ]"

read -r old_commit old_version < <("$top/scripts/prev-release.sh") ||
	die "no previous release in the git history (a shallow clone?)"
echo "# previous release: $old_version, last at commit $old_commit"
# Keyed by the commit and by this tree's packaging, which builds it.
key=$(cat "$top"/dist/debian/* "$top"/dist/debian/*/* "$top/scripts/build-pkg.sh" 2>/dev/null |
	sha256sum | cut -c1-16)
old_deb="$cache/smtpguard_${old_version}_${old_commit:0:12}_$key.deb"
t0=$(now)
if [ -e "$old_deb" ]; then
	ok "previous release's package from the cache ($(basename "$old_deb"))"
	t_old="(cached)"
else
	mkdir -p "$work/old-src"
	git -C "$top" archive "$old_commit" | tar -x -C "$work/old-src"
	if "$top/scripts/build-pkg.sh" deb --source "$work/old-src" --out "$work/old" --no-lintian \
		--date "$(git -C "$top" log -1 --format=%cD "$old_commit")" >"$work/old-build.log" 2>&1; then
		cp "$work/old/smtpguard_${old_version}_amd64.deb" "$old_deb.tmp" && mv "$old_deb.tmp" "$old_deb"
		ok "built the previous release's package ($old_version from ${old_commit:0:12})"
	else
		not_ok "built the previous release's package"
		tail -n 20 "$work/old-build.log" | sed 's/^/    /'
	fi
	t_old="$(secs "$t0" "$(now)") s"
fi
check "the new version sorts after the old one" dpkg --compare-versions "$new_version" gt "$old_version"

# Bad input: a build without its tools names the package to install.
mkdir -p "$work/bin"
for f in /usr/bin/* /bin/*; do
	case ${f##*/} in dpkg-buildpackage) ;; *) ln -sf "$f" "$work/bin/" 2>/dev/null ;; esac
done
rc=0
out=$(PATH="$work/bin" "$top/scripts/build-pkg.sh" deb --out "$work/none" 2>&1) || rc=$?
check "make deb without dpkg-buildpackage: exit 1, names dpkg-dev ('$out')" \
	sh -c "[ $rc = 1 ] && echo \"\$1\" | grep -q 'install dpkg-dev'" - "$out"
mkdir -p "$work/badnews" && echo 9.9.9 >"$work/badnews/VERSION" && cp "$top/NEWS" "$work/badnews/"
check "make deb refuses a VERSION that NEWS does not describe" \
	sh -c "! '$top/scripts/build-pkg.sh' deb --source '$work/badnews' --out '$work/none' 2>'$work/err' &&
		grep -q \"NEWS: the newest entry is '$new_version', but VERSION is 9.9.9\" '$work/err'"

# -- 2. the chroot, cached
chroot_tar="$cache/debian12-minbase-libbpf1-libyaml.tar"
t0=$(now)
if [ ! -e "$chroot_tar" ]; then
	echo "# debootstrap bookworm from $mirror (cached afterwards in $chroot_tar)"
	# Its own mount namespace: the /proc and /sys debootstrap mounts go with it.
	if unshare --mount --propagation private debootstrap --variant=minbase --include=libbpf1,libyaml-0-2 \
		bookworm "$work/mk" "$mirror" >"$work/debootstrap.log" 2>&1 &&
		tar -C "$work/mk" -cf "$chroot_tar.tmp" . && mv "$chroot_tar.tmp" "$chroot_tar"; then
		ok "debootstrap a Debian 12 minbase chroot"
	else
		not_ok "debootstrap a Debian 12 minbase chroot"
		tail -n 20 "$work/debootstrap.log" | sed 's/^/    /'
		rm -f "$chroot_tar.tmp"
	fi
	rm -rf "$work/mk"
	t_chroot="debootstrap $(secs "$t0" "$(now)") s"
else
	ok "the Debian 12 chroot from the cache ($chroot_tar)"
	t_chroot="cached"
fi
root="$work/root"
mkdir -p "$root"
t0=$(now)
check "unpack the chroot" tar -C "$root" -xf "$chroot_tar"
t_chroot="$t_chroot, unpacked in $(secs "$t0" "$(now)") s"

# -- 3. the world, and the namespaces
if [ "$failed" -eq 0 ]; then
	WORLD_LISTEN_LOG=0 setup_world
	echo "# world: netns $ns_host + $ns_mx, cgroup $cgroup"
	cg_root=${cgroup%/*}
	bpftool cgroup show "$cg_root" >"$work/root-progs.txt" 2>&1
	# Enter the test cgroup, then unshare: the new cgroup namespace is rooted
	# at the test cgroup. The test host's network namespace for the probes and
	# the maintainer scripts' own-address list.
	: >"$work/inner.log"
	(
		echo "$BASHPID" >"$cgroup/cgroup.procs" || exit 1
		exec env SG_ROOT="$root" SG_WORK="$work" SG_BUILD="$build" SG_CGROUP="$cgroup" SG_TESTS="$here" \
			SG_CG_ROOT="$cg_root" SG_OLD_DEB="$old_deb" SG_NEW_DEB="$new_deb" \
			SG_OLD_VERSION="$old_version" SG_NEW_VERSION="$new_version" \
			nsenter --net="/run/netns/$ns_host" \
			unshare --cgroup --mount --pid --fork --propagation private "$0" --inner
	) >>"$work/inner.log" 2>&1 &
	inner_pid=$!
	tail -n +1 -f "$work/inner.log" --pid="$inner_pid" | grep -v '^[0-9]* passed, '
	wait "$inner_pid"
	read -r p f s < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p' \
		"$work/inner.log" | tail -n 1)
	if [ -n "${p:-}" ]; then
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
	else
		not_ok "the chroot part did not finish (no summary line)"
	fi
	check "bpftool (outside): the host's root cgroup programs are as before the test" \
		test "$(bpftool cgroup show "$cg_root" 2>&1)" = "$(cat "$work/root-progs.txt")"
	check "the host's default pin dir was never created" test ! -e /sys/fs/bpf/smtpguard
else
	echo "# skipping the chroot part: the packages or the chroot are missing"
	skipped=$((skipped + 1))
fi

echo "# figures: this tree's package $t_new s, previous release's $t_old," \
	"chroot $t_chroot; total wall time $(secs "$t_start" "$(now)") s"
[ -e "$work/probe-counts.txt" ] && sed 's/^/# probes: /' "$work/probe-counts.txt"
finish
