// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * confs.c - the configuration files the e2e rows load (enum conf, e2e.h),
 * written to SG_WORKDIR by setup() with {VETH}, {WORK}... expanded.
 */
#include "e2e.h"

const struct conf_file confs[CONF_COUNT] = {
	[CONF_TEST] = { "test.conf", "# e2e: lists may repeat and append\n"
				     "ports = 25, 465\n"
				     "ports = 587\n"
				     "allow_users = root 64202\n"
				     "allow_groups = 64210\n"
				     "allow_local = yes\n" },
	[CONF_NOLOCAL] = { "nolocal.conf", "ports = 25 465 587\n"
					   "allow_users = root 64202\n"
					   "allow_groups = 64210\n"
					   "allow_local = no\n" },
	[CONF_EMPTY] = { "empty.conf", "" },
	[CONF_MISSING] = { "absent.conf", NULL },
	[CONF_ACCT] = { "acct.conf", "allow_users = root sgt-acct\n"
				     "allow_groups = none\n" },
	[CONF_ROLES] = { "roles.conf", "allow_users = root @mta\n"
				       "allow_groups = @mta\n" },
	[CONF_PERSIST] = { "persist.conf", "# smtpguard test: this comment must survive\n"
					   "ports = 25 465 587\n"
					   "allow_users = root 64202   # the test's allowed UID\n"
					   "\n"
					   "allow_groups = 64210\n" },
	[CONF_THREE_ERRORS] = { "three.conf", "ports = 25, 0\n"
					      "allow_users = root 64201 nosuchuser-sgtest\n"
					      "colour = blue\n"
					      "allow_local = perhaps\n" },
	[CONF_DEST] = { "dest.conf", "allow_users = root 64202\n"
				     "allow_groups = 64210\n"
				     "allow_dest = 198.51.100.16/28   # the mail host, .25\n"
				     "allow_dest = 2001:db8:1::20/124\n" },
	/* The exact table holds 16 (SG_DEST_EXACT): the mail host's are the 17th and 18th. */
	[CONF_DEST_MANY] = { "dest-many.conf", "allow_users = root 64202\n"
					       "allow_groups = 64210\n"
					       "allow_dest = 198.51.100.3 198.51.100.4 198.51.100.5 198.51.100.6 198.51.100.7 198.51.100.8 198.51.100.9 198.51.100.10 198.51.100.11 198.51.100.12 198.51.100.13 198.51.100.14 198.51.100.15 198.51.100.16 198.51.100.17 198.51.100.18\n"
					       "allow_dest = 198.51.100.25 2001:db8:1::25\n" },
	[CONF_SYNC] = { "sync.conf", NULL }, /* written by the race */
	[CONF_NONE] = { "(no --config)", NULL },
	[CONF_REDIRECT4] = { "redirect4.conf", "allow_users = root 64202\n"
					       "mode = redirect\n"
					       "redirect_to = 127.0.0.1:25\n" },
	[CONF_SLOW_ALERT] = { "slow-alert.conf", "allow_users = root 64202\n"
						 "alert_threshold = 1/60s\n"
						 "alert_command = {WORK}/slow-alert.sh\n" },
	[CONF_EVENTS] = { "events.conf", "allow_users = root 64202\n"
					 "allow_groups = 64210\n"
					 "log_window = 2\n"
					 "log_burst = 5\n"
					 "alert_threshold = 5/60s\n"
					 "alert_command = {WORK}/alert.sh\n" },
	[CONF_RACE] = { "race.conf", "ports = 25 587 2525\n"
				     "allow_users = 64202 64299 root\n"
				     "allow_groups = 64210 64298\n"
				     "allow_local = no\n" },
	[CONF_KILL_A] = { "kill-a.conf", "allow_users = root 64202\nallow_groups = none\n" },
	[CONF_KILL_B] = { "kill-b.conf", "allow_users = root 64201\nallow_groups = none\n" },
	[CONF_KILL_SYNC] = { "kill-sync.conf", NULL }, /* written by the kill loop */
	[CONF_LOCK] = { "lock.conf", "allow_users = root 64202\nallow_groups = none\n" },
	[CONF_MAILMAN] = { "mailman.conf", "allow_users = root @mailman\n" },
	[CONF_JOURNAL] = { "journal.conf", "allow_users = root 64202\n"
					   "allow_groups = 64210\n"
					   "log_window = 2\n"
					   "log_burst = 3\n"
					   "alert_threshold = 1/60s\n"
					   "alert_command = {WORK}/alert-env.sh\n" },
	[CONF_ALERT_SWAP] = { "alert-swap.conf", "allow_users = root 64202\n"
						 "alert_threshold = 1/60s\n"
						 "alert_command = {WORK}/alert-swap/alert.sh\n" },
	[CONF_ALERT_FLOOD] = { "alert-flood.conf", "allow_users = root 64202\n"
						   "alert_threshold = 1000/1s\n"
						   "alert_command = {WORK}/alert-flood.sh\n" },
	[CONF_FILEONLY] = { "fileonly.conf", "allow_users = root 64202\n" },
	[CONF_CT_AUDIT] = { "ct-audit.conf", "ports = 25 465 587\n"
					     "allow_users = root 64202\n"
					     "allow_groups = 64210\n"
					     "mode = audit\n" },
	[CONF_CT_LOOPBACK] = { "ct-loopback.conf", "allow_users = root 64202\n"
						   "allow_groups = none\n"
						   "container_loopback = yes\n" },
	[CONF_SCOPED] = { "scoped.conf",
			  "ports = 25 465 587\n"
			  "allow_users = root 64202\n"
			  "allow_groups = none\n"
			  "allow_user_dest = 64201 198.51.100.25:587 [2001:db8:1::25]:465\n"
			  "allow_group_dest = 64212 198.51.100.0/24:465\n"
			  "allow_dest = 198.51.100.26:25\n" },
	[CONF_SCOPED_NAME] = { "scoped-name.conf",
			       "allow_users = root\n"
			       "allow_groups = none\n"
			       "allow_user_dest = 64213 relay.sgt-e2e.test:587\n"
			       "allow_user_dest = 64213 gone.sgt-e2e.test\n" },
	[CONF_SCOPED_EDIT] = { "scoped-edit.conf", "# scoped exceptions, edited by the rows\n"
						   "allow_users = root\n"
						   "allow_groups = none\n" },
	[CONF_SCOPED_V6] = { "scoped-v6.conf",
			     "ports = 25 465 587\n"
			     "allow_users = root 64202\n"
			     "allow_groups = none\n"
			     "allow_user_dest = 64201 [::/0]:25\n"
			     "allow_group_dest = 64212 ::/1\n"
			     "allow_user_dest = 64214 [::/0]:25 [::ffff:198.51.100.0/120]:25\n" },
	[CONF_KILL_SESSIONS] = { "kill-sessions.conf", "ports = 25 465 587 2526\n"
						       "allow_users = root 64202\n"
						       "allow_groups = none\n" },
	[CONF_SMALL] = { "small.conf", "max_identities = 16\n"
				       "allow_users = root 64202\n"
				       "allow_groups = none\n" },
	[CONF_HIGH_IDS] = { "high-ids.conf", "allow_users = root 64202 3000000000\n"
					     "allow_groups = 64210 3000000001\n" },
	/* Would allow the denied UID if anything of it were applied. */
	[CONF_BAD] = { "bad.conf", "ports = 25\n"
				   "allow_users = root 64201\n"
				   "ports = 0\n" },
};
