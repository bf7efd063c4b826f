# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh
#
# tests/boot/0-setup.sh - first boot: what every check needs. The test MX
# (sg-mx.service, tests/boot/mx-up.sh) and a tenant's service
# (sg-tenant.service) enabled for the next boot; the test accounts; a
# stand-in for Postfix's postconf, which answers mail_owner from
# /etc/postfix/main.cf as Postfix's does (no MTA is installed: @mta is what
# check 3 watches change); then this tree's package, installed with apt
# while systemd runs, and /etc/smtpguard.conf edited to allow sgallow and a
# name (sgnew) that has no account yet. Exit 1 when any of it failed.
# shellcheck source=tests/boot/guest-lib.sh
. /run/sg/guest-lib.sh

for u in sgtenant sgallow sgjournal sgdown sgmta1 sgmta2; do
	expect "useradd $u" useradd -M -U -s /usr/sbin/nologin "$u"
done
mkdir -p "$LIB" /etc/postfix
for f in sg-connect sg-probe-loop sg-listen mx-up.sh; do
	install -m 0755 "$SG/$f" "$LIB/$f"
done
printf '#!/bin/sh\n# The boot test'"'"'s stand-in for Postfix'"'"'s postconf: "postconf -h mail_owner".\nsed -n "s/^mail_owner *= *//p" /etc/postfix/main.cf\n' \
	>/usr/sbin/postconf
chmod 0755 /usr/sbin/postconf
echo "mail_owner = sgmta1" >/etc/postfix/main.cf
install -m 0644 "$SG/sg-mx.service" "$SG/sg-tenant.service" /etc/systemd/system/
expect "systemctl enable sg-mx.service sg-tenant.service" systemctl enable sg-mx.service sg-tenant.service
expect "sg-mx.service starts (the test MX listens)" systemctl start sg-mx.service
expect_eq "root reaches the MX before any guard" 0 "$(probe 0 4 198.51.100.25 25)"

note "apt-get install ./$(cat "$SG/new.name")"
expect "apt-get install ./$(cat "$SG/new.name")" apt_install "$SG/$(cat "$SG/new.name")"
expect "smtpguard.service is active after the install" systemctl is-active smtpguard.service
sed -i 's/^allow_users *=.*/allow_users = root @mta @mailman sgallow sgnew # boot test/' "$CONF"
expect "the edit is in $CONF" grep -q '^allow_users = .*sgallow sgnew # boot test' "$CONF"
expect "systemctl reload smtpguard applies it" systemctl reload smtpguard.service
expect "the guard allows sgallow" has_uid "$(uid_of sgallow)"
expect "the guard allows sgmta1 (@mta, from postconf)" has_uid "$(uid_of sgmta1)"
expect_eq "probe: sgtenant refused (EPERM)" 1 "$(probe "$(uid_of sgtenant)" 4 198.51.100.25 25)"
[ "$bad" = 0 ]
