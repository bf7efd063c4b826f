# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make pkgtest  build the .deb of this tree and of the previous release, then
#               install, upgrade (with probes running), remove and purge it in
#               a Debian 12 chroot with its own bpffs and cgroup namespace
#               (root; tests/pkg/upgrade_test.sh). Tools: scripts/pkg-deps.sh.
# Included by the Makefile.

.PHONY: pkgtest

$(OUTPUT)/tests/sg-probe-loop: tests/pkg/sg-probe-loop.c $(FLAGS_STAMP) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< -o $@

pkgtest: $(OUTPUT)/tests/sg-probe-loop $(OUTPUT)/tests/sg-listen
	$(Q)tests/pkg/upgrade_test.sh
