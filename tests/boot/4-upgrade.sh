# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh disable=SC2086 # $pids: several PIDs
#
# tests/boot/4-upgrade.sh - check 4 (after check 5 purged the package): the
# previous release's package installed with apt, /etc/smtpguard.conf edited
# to allow sgallow, then this tree's package over it with "apt-get install
# ./smtpguard_*.deb" while tests/pkg/sg-probe-loop connects in a loop (about
# every millisecond, IPv4, IPv6 and IPv4-mapped, as sgallow and as sgtenant):
# sgtenant never connects, sgallow is never refused, before, during (the
# probers' window) and after the upgrade and the restarts of the monitor and
# sync units. smtpguard.service itself is never restarted (the same
# invocation), the programs are replaced on the same links, the edit stays.
# shellcheck source=tests/boot/guest-lib.sh
. /run/sg/guest-lib.sh

t=$(uid_of sgtenant)
a=$(uid_of sgallow)
old=$(cat "$SG/old.name")
new=$(cat "$SG/new.name")
W=/run/sg-upgrade
mkdir -p "$W" "$CG"
ids() {
	status_field "\"\(.hooks.connect4.$1) \(.hooks.connect6.$1)\""
}

expect "apt-get install ./$old" apt_install "$SG/$old"
expect_eq "smtpguard --version" "smtpguard $(cat "$SG/old.version")" "$(smtpguard --version)"
expect_eq "smtpguard.service active" active "$(systemctl is-active smtpguard.service)"
sed -i 's/^allow_users *=.*/allow_users = root @mta @mailman sgallow # boot test/' "$CONF"
expect "systemctl reload smtpguard applies the edit" systemctl reload smtpguard.service
expect_eq "probe: sgtenant refused, sgallow connects" "1 0" \
	"$(probe "$t" 4 198.51.100.25 25) $(probe "$a" 4 198.51.100.25 25)"
inv=$(prop smtpguard.service InvocationID)
mon=$(prop smtpguard-monitor.service InvocationID)
links=$(ids link_id)
progs=$(ids prog_id)

pids=""
for u in "$a" "$t"; do
	"$LIB/sg-probe-loop" "$CG/cgroup.procs" "$u" "$u" >"$W/probe-$u.out" &
	pids="$pids $!"
done
expect "both probers started" wait_for 10 sh -c "grep -q ready '$W/probe-$a.out' && grep -q ready '$W/probe-$t.out'"
sleep 1
kill -USR1 $pids
t0=$(date +%s%N)
expect "apt-get install ./$new (the upgrade)" apt_install "$SG/$new"
t1=$(date +%s%N)
kill -USR1 $pids
sleep 1
kill -TERM $pids
wait
note "the upgrade took $((($t1 - $t0) / 1000000)) ms"
# "all CONNECTED EPERM OTHER window CONNECTED EPERM OTHER"
read -r _ ac ae ao _ wac wae wao <<-EOT
	$(grep '^all ' "$W/probe-$a.out")
EOT
read -r _ tc te to _ wtc wte wto <<-EOT
	$(grep '^all ' "$W/probe-$t.out")
EOT
note "sgallow: $ac connected, $ae refused, $ao other (during the upgrade: $wac, $wae, $wao)"
note "sgtenant: $tc connected, $te refused, $to other (during the upgrade: $wtc, $wte, $wto)"
grep -h '^other' "$W/probe-$a.out" "$W/probe-$t.out" | sed 's/^/#   /'
expect_eq "sgallow was never refused nor failed" "0 0" "$ae $ao"
expect "sgallow connected, also during the upgrade" test "${ac:-0}" -gt 0 -a "${wac:-0}" -gt 0
expect_eq "sgtenant never connected nor failed otherwise" "0 0" "$tc $to"
expect "sgtenant was refused, also during the upgrade" test "${te:-0}" -gt 0 -a "${wte:-0}" -gt 0

expect_eq "smtpguard --version" "smtpguard $(cat "$SG/new.version")" "$(smtpguard --version)"
expect_eq "smtpguard.service never restarted (same invocation), active" "$inv active" \
	"$(prop smtpguard.service InvocationID) $(systemctl is-active smtpguard.service)"
expect_eq "the same links" "$links" "$(ids link_id)"
np=$(ids prog_id)
note "programs $progs -> $np, links $links"
expect "both programs replaced" sh -c "set -- $progs $np; [ \$1 != \$3 ] && [ \$2 != \$4 ]"
expect "the monitor was restarted and runs" test "$(prop smtpguard-monitor.service InvocationID)" != "$mon" \
	-a "$(systemctl is-active smtpguard-monitor.service)" = active
expect "the edit of /etc/smtpguard.conf survived" grep -q 'sgallow # boot test' "$CONF"
expect "the guard still allows sgallow" has_uid "$a"
tap 4 "upgrade $(cat "$SG/old.version") -> $(cat "$SG/new.version") with apt under probes: no refused identity connected, no allowed one refused, the unit never restarted"
