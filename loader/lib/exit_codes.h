/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * exit_codes.h - smtpguard's exit status (smtpguard(8), EXIT STATUS), for the
 * commands and the modules below them that decide it.
 */
#ifndef SG_EXIT_CODES_H
#define SG_EXIT_CODES_H

enum sg_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1, /* the operation failed */
	EXIT_USAGE = 2, /* bad arguments or configuration: nothing was changed */
	EXIT_NOT_LOADED = 3, /* no guard is loaded at the pin dir, or it is damaged (live_open.c) */
};

#endif
