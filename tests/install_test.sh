#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tests/install_test.sh - "make install" and "make uninstall" into scratch
# directories, the systemd units (systemd-analyze verify), the man pages
# (man --warnings) and the shipped configuration (check-config). Touches
# nothing outside its own temporary directories.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# shellcheck source=tests/testlib.sh
. tests/testlib.sh
tmp=$(mktemp -d /tmp/smtpguard-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Where the README says each file goes, for PREFIX=/usr.
files="usr/sbin/smtpguard:755
usr/lib/systemd/system/smtpguard.service:644
usr/lib/systemd/system/smtpguard-sync.path:644
usr/lib/systemd/system/smtpguard-sync.service:644
usr/lib/systemd/system/smtpguard-sync.timer:644
usr/lib/systemd/system/smtpguard-monitor.service:644
usr/share/man/man8/smtpguard.8:644
usr/share/man/man5/smtpguard.conf.5:644
usr/lib/systemd/catalog/smtpguard.catalog:644
etc/NetworkManager/dispatcher.d/50-smtpguard:755
etc/networkd-dispatcher/routable.d/50-smtpguard:755
etc/networkd-dispatcher/off.d/50-smtpguard:755
etc/smtpguard.conf:644"

dest="$tmp/dest"
check "make install DESTDIR=... PREFIX=/usr" make -s install DESTDIR="$dest" PREFIX=/usr
for entry in $files; do
	f=${entry%%:*}
	mode=${entry##*:}
	check "installed /$f, mode $mode" test "$(stat -c %a "$dest/$f" 2>/dev/null)" = "$mode"
done
check "the units run /usr/sbin/smtpguard" \
	grep -qx 'ExecStart=/usr/sbin/smtpguard load' "$dest/usr/lib/systemd/system/smtpguard.service"
check "the hooks run /usr/sbin/smtpguard" \
	grep -q '/usr/sbin/smtpguard sync' "$dest/etc/NetworkManager/dispatcher.d/50-smtpguard"
check "the address hook is valid sh" sh -n "$dest/etc/NetworkManager/dispatcher.d/50-smtpguard"

# One version everywhere: the VERSION file, --version, the man pages, the metrics.
version=$(cat VERSION)
check "smtpguard --version says $version (VERSION)" \
	test "$(build/smtpguard --version)" = "smtpguard $version"
for page in man8/smtpguard.8 man5/smtpguard.conf.5; do
	check "installed $page carries version $version" \
		grep -q "^\.TH .*\"smtpguard $version\"" "$dest/usr/share/man/$page"
done
check "stats --prometheus prints smtpguard_info{version=\"$version\",mode=\"\"} 1" \
	sh -c "build/smtpguard stats --prometheus --pin-dir '$tmp/no-guard' |
		grep -qx 'smtpguard_info{version=\"$version\",mode=\"\"} 1'"

# The journal catalog parses, with an entry for each of the monitor's MESSAGE_IDs
# (journalctl --root builds its own database under the scratch tree).
if command -v journalctl >/dev/null; then
	check "journalctl --update-catalog reads the installed catalog" \
		journalctl --root="$dest" --update-catalog
	for id in $(sed -n 's/^#define SG_MSGID_[A-Z]* "\([0-9a-f]*\)".*/\1/p' loader/observe/log_sink.h); do
		check "the catalog explains MESSAGE_ID $id" \
			sh -c "journalctl --root='$dest' --list-catalog $id | grep -q '^$id smtpguard: '"
	done
fi

echo "# mine" >"$dest/etc/smtpguard.conf"
check "make install keeps an existing /etc/smtpguard.conf" \
	sh -c "make -s install DESTDIR='$dest' PREFIX=/usr && grep -qx '# mine' '$dest/etc/smtpguard.conf'"

install -m 0644 dist/smtpguard.conf "$tmp/shipped.conf"
check "the shipped configuration passes check-config" \
	build/smtpguard check-config "$tmp/shipped.conf"

for page in dist/man/smtpguard.8 dist/man/smtpguard.conf.5; do
	check "man -l $page renders without warnings" \
		sh -c "out=\$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l '$page' 2>&1 >/dev/null); [ -z \"\$out\" ] || { echo \"\$out\"; false; }"
done

# The units, verified where their ExecStart binary and man pages really exist.
live="$tmp/live"
check "make install PREFIX=<scratch> for verification" \
	make -s install PREFIX="$live" SYSCONFDIR="$live/etc" NM_DISPATCHER_DIR="$live/nm" \
	NETWORKD_DISPATCHER_DIR="$live/networkd"
check "systemd-analyze verify passes on the five units" \
	env MANPATH="$live/share/man" systemd-analyze verify "$live/lib/systemd/system/smtpguard.service" \
	"$live/lib/systemd/system/smtpguard-sync.path" "$live/lib/systemd/system/smtpguard-sync.service" \
	"$live/lib/systemd/system/smtpguard-sync.timer" \
	"$live/lib/systemd/system/smtpguard-monitor.service"
sed 's|^ExecStart=.*|ExecStart=smtpguard-relative load|' "$live/lib/systemd/system/smtpguard.service" \
	>"$tmp/broken.service"
check "systemd-analyze verify fails on a broken copy (the check can fail)" \
	sh -c "! env MANPATH='$live/share/man' systemd-analyze verify '$tmp/broken.service'"

check "make uninstall DESTDIR=... PREFIX=/usr" make -s uninstall DESTDIR="$dest" PREFIX=/usr
left=$(cd "$dest" && find . -type f | grep -v -e '^./etc/smtpguard.conf$' \
	-e '^./var/lib/systemd/catalog/database$')
check "uninstall removed every installed file" test -z "$left"
check "uninstall kept the edited /etc/smtpguard.conf" grep -qx '# mine' "$dest/etc/smtpguard.conf"

# scripts/quickstart.sh, with make and the installed smtpguard replaced by
# stubs that only record how they were called (the real start would load a
# guard at the machine's cgroup root): it installs smtpguard, so that the
# README's "smtpguard status" works next, and passes its options through.
qs="$tmp/quickstart"
mkdir -p "$qs/bin"
cat >"$qs/bin/make" <<'STUB'
#!/bin/sh
echo "make${*:+ $*}" >>"$QS_LOG"
for a in "$@"; do
	case $a in PREFIX=*) prefix=${a#PREFIX=} ;; esac
done
if [ "$1" = install ]; then
	mkdir -p "$prefix/sbin" &&
		printf '#!/bin/sh\necho "smtpguard $*" >>"$QS_LOG"\n' >"$prefix/sbin/smtpguard" &&
		chmod 755 "$prefix/sbin/smtpguard"
fi
STUB
chmod 755 "$qs/bin/make"
quickstart() { env PATH="$qs/bin:$PATH" QS_LOG="$qs/log" PREFIX="$qs/prefix" sh scripts/quickstart.sh "$@" \
	>"$qs/out" 2>&1; }
: >"$qs/log"
if quickstart --cgroup /sys/fs/cgroup/sgt-qs --pin-dir /sys/fs/bpf/sgt-qs --mode audit; then
	ok "quickstart.sh start takes load's options"
else
	not_ok "quickstart.sh start takes load's options" "$(tail -n 3 "$qs/out")"
fi
want="make
make install PREFIX=$qs/prefix
smtpguard check --cgroup /sys/fs/cgroup/sgt-qs --pin-dir /sys/fs/bpf/sgt-qs
smtpguard load --cgroup /sys/fs/cgroup/sgt-qs --pin-dir /sys/fs/bpf/sgt-qs --mode audit
smtpguard status --pin-dir /sys/fs/bpf/sgt-qs"
if [ "$(cat "$qs/log")" = "$want" ]; then
	ok "quickstart.sh start: builds, installs smtpguard, then check, load, status with the options"
else
	not_ok "quickstart.sh start: the commands it ran" "$(tr '\n' ';' <"$qs/log")"
fi
: >"$qs/log"
quickstart test T=sgt-qs
if [ "$(cat "$qs/log")" = "make test T=sgt-qs" ]; then
	ok "quickstart.sh test: make test with its arguments, nothing installed"
else
	not_ok "quickstart.sh test: the commands it ran" "$(tr '\n' ';' <"$qs/log")"
fi

finish
