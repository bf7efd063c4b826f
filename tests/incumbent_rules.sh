# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# tests/incumbent_rules.sh - the iptables rules the incumbents make, for the
# tests to install in a network namespace of their own (never the machine's):
#
#   csf_rules PORTS ALLOWLOCAL UIDS GIDS [IPV6]
#       what csf.pl's SMTP_BLOCK block makes: chain SMTPOUTPUT jumped to from
#       OUTPUT, rules inserted with -I (so: lo, groups, users, root, then the
#       drop), the drop through LOGDROPOUT (DROP_OUT_LOGGING on, DROP_OUT =
#       REJECT). UIDS and GIDS are numbers, comma-separated (csf resolves the
#       names first). IPV6=1 makes the same in ip6tables.
#   apf_rules PORTS USERS GROUPS [IPV6]
#       APF's SMTP_BLK: root, the users and groups as given, then a DROP;
#       before it, as APF's firewall_full_load() does before any other
#       rule, OUTPUT accepts everything that leaves through lo.
#   cpanel_rules MTA_GID
#       cPanel's SMTP Restrictions in the nat table: RETURN for the mail
#       group and root, then REDIRECT of 25, 465 and 587 to this host.
#   incumbent_rules_flush
#       remove what they made again, and nothing else.
# Sourced with the namespace already entered (nsenter --net=...).

csf_rules() {
	local ports=$1 local=$2 uids=$3 gids=$4 ipv6=${5:-0} ipt id
	for ipt in iptables ip6tables; do
		[ "$ipt" = ip6tables ] && [ "$ipv6" != 1 ] && continue
		$ipt -N LOGDROPOUT || return 1
		$ipt -A LOGDROPOUT -p tcp --syn -m limit --limit 30/m --limit-burst 5 \
			-j LOG --log-prefix "Firewall: *TCP_OUT Blocked* " --log-uid
		$ipt -A LOGDROPOUT -j REJECT
		$ipt -N SMTPOUTPUT && $ipt -I OUTPUT -j SMTPOUTPUT || return 1
		$ipt -I SMTPOUTPUT -p tcp -m multiport --dports "$ports" -j LOGDROPOUT
		$ipt -I SMTPOUTPUT -p tcp -m multiport --dports "$ports" -m owner --uid-owner 0 \
			-j ACCEPT
		for id in ${uids//,/ }; do
			$ipt -I SMTPOUTPUT -p tcp -m multiport --dports "$ports" -m owner \
				--uid-owner "$id" -j ACCEPT || return 1
		done
		for id in ${gids//,/ }; do
			$ipt -I SMTPOUTPUT -p tcp -m multiport --dports "$ports" -m owner \
				--gid-owner "$id" -j ACCEPT || return 1
		done
		if [ "$local" = 1 ]; then
			$ipt -I SMTPOUTPUT -o lo -p tcp -m multiport --dports "$ports" -j ACCEPT
		fi
	done
}

apf_rules() {
	local ports=$1 users=$2 groups=$3 ipv6=${4:-0} ipt who
	for ipt in iptables ip6tables; do
		[ "$ipt" = ip6tables ] && [ "$ipv6" != 1 ] && continue
		$ipt -A OUTPUT -o lo -m comment --comment sgt-apf-lo -j ACCEPT &&
			$ipt -N SMTP_BLK && $ipt -A OUTPUT -j SMTP_BLK || return 1
		$ipt -A SMTP_BLK -p tcp -m multiport --dports "$ports" -m owner --uid-owner 0 -j ACCEPT
		for who in ${users//,/ }; do
			$ipt -A SMTP_BLK -p tcp -m multiport --dports "$ports" -m owner \
				--uid-owner "$who" -j ACCEPT || return 1
		done
		for who in ${groups//,/ }; do
			$ipt -A SMTP_BLK -p tcp -m multiport --dports "$ports" -m owner \
				--gid-owner "$who" -j ACCEPT || return 1
		done
		$ipt -A SMTP_BLK -p tcp -m multiport --dports "$ports" -j DROP
	done
}

cpanel_rules() {
	local gid=$1 port
	for port in 25 465 587; do
		iptables -t nat -A OUTPUT -p tcp --dport "$port" -m owner --gid-owner "$gid" -j RETURN &&
			iptables -t nat -A OUTPUT -p tcp --dport "$port" -m owner --uid-owner 0 -j RETURN &&
			iptables -t nat -A OUTPUT -p tcp --dport "$port" -j REDIRECT || return 1
	done
}

# Only what the functions above made: the namespace may hold other rules
# (the test world's masquerading, for one).
incumbent_rules_flush() {
	local ipt chain spec
	for ipt in iptables ip6tables; do
		for chain in SMTPOUTPUT SMTP_BLK; do
			while $ipt -D OUTPUT -j "$chain" 2>/dev/null; do :; done
		done
		while $ipt -D OUTPUT -o lo -m comment --comment sgt-apf-lo -j ACCEPT 2>/dev/null; do :; done
		for chain in SMTPOUTPUT SMTP_BLK LOGDROPOUT; do
			$ipt -F "$chain" 2>/dev/null && $ipt -X "$chain" 2>/dev/null
		done
	done
	# cpanel_rules' nat rules, as iptables -S prints them.
	local re="^-A OUTPUT -p tcp -m tcp --dport (25|465|587) "
	re+="(-m owner --(g|u)id-owner [0-9]+ -j RETURN|-j REDIRECT)\$"
	while spec=$(iptables -t nat -S OUTPUT 2>/dev/null | grep -m1 -E -- "$re"); do
		# shellcheck disable=SC2086 # the rule's words, as iptables -S printed them
		iptables -t nat -D ${spec#-A } || break
	done
	return 0
}
