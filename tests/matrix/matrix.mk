# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make kernel-matrix    boot Debian's cloud kernels (KERNELS="5.10 6.1 6.12") under
#                       qemu and run the real-kernel rows in each, with and without
#                       kernel BTF (root; tests/matrix/run.sh)
# make userland-matrix  build and run the unit tests in Debian 11 and 13 chroots
#                       (SUITES="bullseye trixie"; tests/matrix/userland.sh)
# Downloads and chroots are cached under /var/cache/smtpguard/.
# Included by the Makefile.

KERNELS ?= 5.10 6.1 6.12
SUITES ?= bullseye trixie

.PHONY: kernel-matrix userland-matrix

# Static, so that they run in a busybox initramfs on any kernel.
$(OUTPUT)/tests/sg-try-static: tests/matrix/sg-try.c tests/e2e/probe.c tests/e2e/probe.h \
		tests/e2e/raw_syn.c tests/e2e/raw_syn.h \
		$(FLAGS_STAMP) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/e2e -static $(filter %.c,$^) -luring -lpthread -o $@

$(OUTPUT)/tests/sg-listen-static: tests/e2e/sg-listen.c $(FLAGS_STAMP) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -static $< -o $@

kernel-matrix: $(OUTPUT)/smtpguard $(OUTPUT)/tests/sg-try-static $(OUTPUT)/tests/sg-listen-static
	$(Q)KERNELS="$(KERNELS)" tests/matrix/run.sh

userland-matrix:
	$(Q)tests/matrix/userland.sh $(SUITES)
