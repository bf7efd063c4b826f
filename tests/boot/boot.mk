# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make boot-test  the .deb of this tree in a Debian 12 qemu guest with systemd as
#                 PID 1 and Debian's cloud kernel: boot order, journal, the path unit,
#                 upgrade from the previous release under probes, stop/remove/purge,
#                 a broken config at boot, the monitor killed (root; tests/boot/run.sh;
#                 image cached under /var/cache/smtpguard/boot/)
# Included by the Makefile.

.PHONY: boot-test

boot-test: $(OUTPUT)/smtpguard $(OUTPUT)/tests/sg-connect $(OUTPUT)/tests/sg-listen \
		$(OUTPUT)/tests/sg-probe-loop
	$(Q)$(MAKE) --no-print-directory deb
	$(Q)tests/boot/run.sh
