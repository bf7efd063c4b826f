/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * rows.h - the shorthand the rows_*.c tables are written in: one macro per
 * kind of row (CONN, CLI, EVENT...) and per kind of probe (P4, P6...).
 * Adding a case is adding a line.
 */
#ifndef SG_E2E_ROWS_H
#define SG_E2E_ROWS_H

#include <errno.h>
#include <sys/socket.h>

#include "steps.h"

/* clang-format off */
#define P4(a, p, m) { .family = AF_INET, .addr = a, .port = p, .method = m }
#define P6(a, p, m) { .family = AF_INET6, .addr = a, .port = p, .method = m }
#define P4B(a, p, b) { .family = AF_INET, .addr = a, .port = p, .method = PM_BIND_ADDR, .bind_addr = b }
#define P6B(a, p, b) { .family = AF_INET6, .addr = a, .port = p, .method = PM_BIND_ADDR, .bind_addr = b }
#define P4H(a, p, m, h) { .family = AF_INET, .addr = a, .port = p, .method = m, .helper = h }
#define P4A(a, p, m, u) { .family = AF_INET, .addr = a, .port = p, .method = m, .as_uid = u }
#define P4C(a, p, m, u) { .family = AF_INET, .addr = a, .port = p, .method = m, .as_uid = u, .cgroup_to = "{FREE_CG}" }
#define CONN(w, pr, e) { .kind = S_CONN, .conn = { .who = &w, .probe = pr, .expect = e } }
#define CLI(a, c, code, ...) { .kind = S_CLI, .cli = { .args = a, .conf = c, .exit_code = code, .want = { __VA_ARGS__ } } }
#define CLI_NOT(a, c, code, bad, ...) \
	{ .kind = S_CLI, .cli = { .args = a, .conf = c, .exit_code = code, .unwanted = bad, \
				  .want = { __VA_ARGS__ } } }
#define CLI_AS(uid, a, c, code, ...) \
	{ .kind = S_CLI, .cli = { .args = a, .conf = c, .exit_code = code, .as_uid = uid, \
				  .want = { __VA_ARGS__ } } }
#define RACE() { .kind = S_RACE }
#define UNPIN(name) { .kind = S_UNPIN, .pin = name }
#define SH(command) { .kind = S_SH, .cmd = command }
#define FILE_HAS(c, bad, ...) { .kind = S_FILE, .file = { .conf = c, .unwanted = bad, .want = { __VA_ARGS__ } } }
#define SNAP() { .kind = S_SNAP }
#define SAME() { .kind = S_SAME }
#define SYNC_RACE() { .kind = S_SYNC_RACE }
#define MON_START(c) { .kind = S_MON_START, .monitor_conf = c }
#define MON_STOP() { .kind = S_MON_STOP }
#define EVENT(w, pr, act, e) { .kind = S_EVENT, .event = { .who = &w, .probe = pr, .action = act, .expect = e } }
#define COUNTS(w, times) { .kind = S_COUNTS, .counted = { .who = &w, .n = times, .probe = P4(REMOTE4, 25, PM_CONNECT) } }
#define REACH(w, pr, to_local) { .kind = S_REACH, .reach = { .who = &w, .probe = pr, .local = to_local } }
#define ALERT(w, times) { .kind = S_ALERT, .counted = { .who = &w, .n = times, .probe = P4(REMOTE4, 25, PM_CONNECT) } }
#define STORM() { .kind = S_STORM, .crowd = &stormer }
#define FLOOD() { .kind = S_FLOOD, .crowd = &stormer }
#define FORGE(name) { .kind = S_FORGE, .forge = { .who = &denied, .comm = name } }
#define ALERT_SWAP() { .kind = S_ALERT_SWAP }
#define ALERT_FLOOD() { .kind = S_ALERT_FLOOD, .crowd = &alert_flooder }
#define CLI_ENV(env_, a, c, code, ...) \
	{ .kind = S_CLI, .cli = { .env = env_, .args = a, .conf = c, .exit_code = code, \
				  .want = { __VA_ARGS__ } } }
#define DETACH(name) { .kind = S_DETACH, .pin = name }
#define KILL_LOOP(n) { .kind = S_KILL_LOOP, .rounds = n }
#define LOCK_STORM(n) { .kind = S_LOCK_STORM, .rounds = n }
#define FOREIGN_LINK() { .kind = S_FOREIGN_LINK }
#define UNLOAD_OTHER_VERSION() { .kind = S_UNLOAD_OTHER_VERSION }
#define HOSTS(text) { .kind = S_HOSTS, .hosts = text }
#define RESOLVER_DOWN() { .kind = S_RESOLVER_DOWN }
/* An event whose JSON line also holds text. */
#define EVENT_SAYS(w, pr, act, e, text) { .kind = S_EVENT, .event = { .who = &w, .probe = pr, .action = act, .expect = e, .says = text } }
#define WHO(which) { .kind = S_WHO, .who_case = which }
/* Names the rows below it, for T=PATTERN; not a row of its own (no number, no result). */
#define SECTION(title) { .kind = S_SECTION, .section = title }
#define P4R(a, p, u) { .family = AF_INET, .addr = a, .port = p, .method = PM_RAW_SYN, .as_uid = u }
#define P6R(a, p, u) { .family = AF_INET6, .addr = a, .port = p, .method = PM_RAW_SYN, .as_uid = u }
/* A shell command (exit status e) as the rootless container's root (world.sh). */
#define UCT(cmd) "echo $$ >{CG}/cgroup.procs && nsenter -t $(cat {WORK}/uct.pid) -U -n -S 0 -G 0 " cmd
#define PATH_SH(command, e, u, act, pth, d, prt) \
	{ .kind = S_PATH, .path = { .who = &root, .cmd = command, .expect = e, .uid = u, \
				    .action = act, .path = pth, .dst = d, .port = prt } }
#define PATH_EVENT(w, pr, e, u, act, pth, d, prt) \
	{ .kind = S_PATH, .path = { .who = &w, .probe = pr, .expect = e, .uid = u, .action = act, \
				    .path = pth, .dst = d, .port = prt } }
#define P4D(a, p, dev) { .family = AF_INET, .addr = a, .port = p, .method = PM_CONNECT, .bind_dev = dev }
#define P6D(a, p, dev) { .family = AF_INET6, .addr = a, .port = p, .method = PM_CONNECT, .bind_dev = dev }
/* clang-format on */

#endif
