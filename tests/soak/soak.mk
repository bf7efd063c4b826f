# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make soak    SOAK_SECONDS=60: connect in parallel loops as allowed, denied and
#              churned UIDs while allow, revoke, sync and load churn the guard;
#              every decision is judged (root; real kernel). CI runs 15 s.
# Included by the Makefile.

SOAK_SECONDS ?= 60

.PHONY: soak

$(OUTPUT)/tests/soak: tests/soak/soak.c tests/testlib.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests $(LDFLAGS) $< -o $@

soak: $(OUTPUT)/smtpguard $(OUTPUT)/tests/soak $(OUTPUT)/tests/sg-listen
	$(Q)SOAK_SECONDS=$(SOAK_SECONDS) tests/soak/run.sh
