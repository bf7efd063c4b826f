// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * import.c - read an incumbent's file with its reader (import_readers.h)
 * into a policy (import_policy.h). The readers never call back here.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "import.h"
#include "import_readers.h"

bool import_host_is_cpanel(void)
{
	return !access("/usr/local/cpanel/version", F_OK) ||
	       !access("/usr/local/cpanel/cpanel", F_OK);
}

int import_parse(enum import_source src, const char *path, const char *buf, size_t len,
		 bool on_cpanel, struct import_policy *p, FILE *diag)
{
	const char *slash = strrchr(path, '/');
	int ret;

	memset(p, 0, sizeof(*p));
	p->source = src;
	p->path = path;
	p->label = slash && slash[1] ? slash + 1 : path;
	p->on_cpanel = on_cpanel;
	switch (src) {
	case IMPORT_CSF:
		ret = import_csf(p, buf, len, diag);
		break;
	case IMPORT_APF:
		ret = import_apf(p, buf, len, diag);
		break;
	case IMPORT_IMUNIFY:
		ret = import_imunify(p, buf, len, diag);
		break;
	case IMPORT_CPANEL:
		ret = import_cpanel(p, buf, len, diag);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret)
		import_free(p);
	return ret;
}
