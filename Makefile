# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make            build build/smtpguard (needs clang, bpftool, libbpf, libelf, zlib, libyaml)
# make start      check the host, load the guard with /etc/smtpguard.conf (or the defaults),
#                 print status
# make test       build and run the whole suite (root; real kernel); SANITIZE=1: ASan+UBSan;
#                 T=PATTERN: only the suites and cases whose name holds PATTERN
# make unit       build and run the kernel-free unit tests only (no root, no BPF build)
# make check-layout  hold the loader's includes and calls to its layers (scripts/check-layout.sh)
# make valgrind   the CLI's user-space paths under valgrind (root; real kernel)
# make fuzz       libFuzzer on the parsers, FUZZ_SECONDS=60 (tests/fuzz/fuzz.mk)
# make soak       allowed and denied connects while the guard churns, SOAK_SECONDS=60
# make bench      cost per decision in the kernel, smtpguard vs iptables vs nftables, a flood
#                 (root; BENCH_QUICK=1: smoke)
# make kernel-matrix    the real-kernel rows in Debian's 5.10, 6.1, 6.12 under qemu (root)
# make userland-matrix  build + unit tests in Debian 11 and 13 chroots (root)
# make install    PREFIX=/usr/local DESTDIR= : binary, units, hooks, man pages, config
# make deb        Debian package into build/pkg/ (tools: scripts/pkg-deps.sh); make rpm: RPM
# make pkgtest    install, upgrade, remove the .deb in a Debian 12 chroot (root)
# make boot-test  the .deb under a real systemd: a Debian 12 qemu guest (root)
# make uninstall
# make clean
#
# Every product goes under build/. V=1 shows the commands.

# The one place the version comes from; NEWS says what each release changed.
VERSION := $(shell cat VERSION)
ifeq ($(VERSION),)
$(error VERSION is missing or empty: it holds the release number, e.g. 0.2.0)
endif
OUTPUT := build
CLANG ?= clang
BPFTOOL ?= bpftool
LLVM_STRIP ?= llvm-strip
CC ?= cc
PKG_CONFIG ?= pkg-config

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' \
	-e 's/s390x/s390/' -e 's/riscv64/riscv/' -e 's/loongarch64/loongarch/')
VMLINUX := vmlinux/$(ARCH)/vmlinux.h

# Only the committed architectures have a vmlinux.h: say so before anything is
# compiled, for every goal that builds the BPF object. Goals that do not (the
# unit tests of the pure modules, the fuzzers, clean, ...) still work.
NO_BPF_GOALS := clean format uninstall unit fuzz fuzz-build userland-matrix deb rpm pkgtest \
	$(OUTPUT)/tests/unit_% $(OUTPUT)/unit/% $(OUTPUT)/fuzz/%
ifneq ($(filter-out $(NO_BPF_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(wildcard $(VMLINUX)),)
$(error $(VMLINUX) is missing: no vmlinux.h for ARCH=$(ARCH) (committed: $(notdir $(wildcard vmlinux/*))); run scripts/gen-vmlinux.sh on such a machine, or build only what needs no BPF (make unit))
endif
endif

LIBBPF_CFLAGS := $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
LIBBPF_LIBS := $(or $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null),-lbpf) -lelf -lz
# libyaml reads Imunify360's configuration (smtpguard import imunify).
YAML_CFLAGS := $(shell $(PKG_CONFIG) --cflags yaml-0.1 2>/dev/null)
YAML_LIBS := $(or $(shell $(PKG_CONFIG) --libs yaml-0.1 2>/dev/null),-lyaml)

# The loader's layers, lowest first: each folder under loader/ may include
# only the headers of the folders below it (scripts/check-layout.sh says
# which, and make check-layout enforces it), and builds into its own static
# archive. cmd/ (main.c and one file per command) sits on top; nothing
# includes it.
LAYERS := lib config guard import observe host
# Link order: an archive before the ones it calls.
LINK_LAYERS := host observe import guard config lib
layer_srcs = $(wildcard loader/$(1)/*.c)
CMD_OBJS := $(patsubst loader/%.c,$(OUTPUT)/loader/%.o,$(wildcard loader/cmd/*.c))
LAYER_ARCHIVES := $(foreach l,$(LINK_LAYERS),$(OUTPUT)/loader/libsg_$(l).a)

WARNINGS := -Wall -Wextra -Werror -Wmissing-field-initializers -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
ALL_CFLAGS := $(CPPFLAGS) $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -Iinclude -I$(OUTPUT) \
	$(addprefix -Iloader/,$(LAYERS) cmd) -DSMTPGUARD_VERSION='"$(VERSION)"' $(LIBBPF_CFLAGS) $(YAML_CFLAGS)
ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

# clang's own system includes, passed with -idirafter so that the BPF build
# sees asm/ headers without the host's arch-specific include paths.
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Iinclude \
	-I$(dir $(VMLINUX)) $(CLANG_BPF_SYS_INCLUDES)

SKEL := $(OUTPUT)/smtpguard.skel.h
# Header dependencies: foo.o gets foo.d, included below; -MP keeps a deleted
# header from breaking the build.
DEPFLAGS = -MMD -MP

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
# journalctl reads /usr/lib/ and /usr/local/lib/systemd/catalog/.
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
SYSCONFDIR ?= /etc
# The dispatchers read /etc whatever the PREFIX.
NM_DISPATCHER_DIR ?= /etc/NetworkManager/dispatcher.d
NETWORKD_DISPATCHER_DIR ?= /etc/networkd-dispatcher
UNITS := smtpguard.service smtpguard-sync.path smtpguard-sync.service smtpguard-sync.timer \
	smtpguard-monitor.service
SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	-e 's|@VERSION@|$(VERSION)|g'

.PHONY: all clean start test tests unit bench valgrind format install uninstall deb rpm check-layout FORCE
.DELETE_ON_ERROR:

all: $(OUTPUT)/smtpguard

$(OUTPUT) $(OUTPUT)/tests:
	$(Q)mkdir -p $@

# The program is smtpguard.bpf.c and the bpf/*.bpf.h it includes (its .d
# says so too, once built).
$(OUTPUT)/smtpguard.tmp.bpf.o: bpf/smtpguard.bpf.c $(wildcard bpf/*.bpf.h) $(VMLINUX) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

# bpftool before 5.13 (Debian 11) has neither "gen object" nor "gen skeleton
# ... name": the clang object is then used as it is, stripped of DWARF (what
# libbpf-bootstrap did before "gen object"), and the skeleton takes its name
# from the file name, which gives the same smtpguard_bpf.
$(OUTPUT)/smtpguard.bpf.o: $(OUTPUT)/smtpguard.tmp.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)if $(BPFTOOL) gen help 2>&1 | grep -q 'gen object'; then $(BPFTOOL) gen object $@ $<; \
	else $(LLVM_STRIP) -g -o $@ $<; fi

$(SKEL): $(OUTPUT)/smtpguard.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)if $(BPFTOOL) gen help 2>&1 | grep -q 'skeleton FILE \[name'; then \
		$(BPFTOOL) gen skeleton $< name smtpguard_bpf > $@; \
	else $(BPFTOOL) gen skeleton $< > $@; fi

# Rebuild everything when the flags change (SANITIZE=1 and back): the stamp
# is rewritten only when its content differs.
FLAGS_STAMP := $(OUTPUT)/flags.stamp
$(FLAGS_STAMP): FORCE | $(OUTPUT)
	$(Q)echo '$(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(ALL_CFLAGS) $(LDFLAGS)' >$@

FORCE:

# Each object depends on the headers it includes (its .d file, written by the
# compiler): a BPF edit regenerates the skeleton and recompiles only the files
# that include smtpguard.skel.h; a header edit, only that header's includers.
# The skeleton is order-only here so that it exists before the first build,
# when there are no .d files yet. An object whose .d file is missing (built
# by a Makefile before -MMD, or the .d removed) is built again, since its
# header dependencies are unknown: the .d is a prerequisite with an empty
# rule, and the touch keeps the object newer than its .d.
$(OUTPUT)/loader/%.o: loader/%.c $(OUTPUT)/loader/%.d $(FLAGS_STAMP) | $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@ && touch $@

# One archive per layer: PREFIX_LIB(LAYER, OBJDIR) is OBJDIR/libsg_LAYER.a,
# built from OBJDIR/LAYER/*.o. Replaced whole, so a removed source leaves no
# stale member behind.
define layer_archive
$(2)/libsg_$(1).a: $(patsubst loader/%.c,$(2)/%.o,$(3))
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_archive,$(l),$(OUTPUT)/loader,$(call layer_srcs,$(l)))))

# Named one by one, not by a pattern: a missing .d of a pattern rule would
# be an intermediate file, which make never rebuilds the object for.
LOADER_DEPFILES := $(foreach d,loader unit fuzz,$(patsubst loader/%.c,$(OUTPUT)/$(d)/%.d,\
	$(wildcard loader/*/*.c)))
$(LOADER_DEPFILES):

$(OUTPUT)/smtpguard: $(CMD_OBJS) $(LAYER_ARCHIVES)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ $(LIBBPF_LIBS) $(YAML_LIBS) -o $@

# --- tests ---------------------------------------------------------------
# The kernel-free unit tests: no BPF object, no root ("make unit").
UNIT_BINS := $(addprefix $(OUTPUT)/tests/unit_,config config_edit import incumbents who diff describe \
	json uidtab alerts commit guard_maps sock_kill)
TEST_BINS := $(UNIT_BINS) $(OUTPUT)/tests/e2e_guard $(OUTPUT)/tests/sg-listen $(OUTPUT)/tests/sg-connect

# Unit tests always run under ASan and UBSan, with their own instrumented
# copies of the loader's layers: build/unit/libsg_LAYER.a. A test names the
# layers it exercises and links their archives; the linker takes only the
# members it needs. The unit archives leave out the files that include the
# BPF skeleton (they need the BPF build, which make unit does without).
UNIT_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SKEL_USERS := $(shell grep -l 'smtpguard\.skel\.h' loader/*/*.c)
$(foreach l,$(LAYERS),$(eval $(call layer_archive,$(l),$(OUTPUT)/unit,\
	$(filter-out $(SKEL_USERS),$(call layer_srcs,$(l))))))

$(OUTPUT)/unit/%.o: loader/%.c $(OUTPUT)/unit/%.d
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) $(UNIT_SAN) $(DEPFLAGS) -c $< -o $@ && touch $@

# tests/unit/NAME_test.c and the layers it links, highest first.
UNIT_LAYERS_config := config lib
UNIT_LAYERS_config_edit := config lib
UNIT_LAYERS_import := import config lib
UNIT_LAYERS_incumbents := host import config lib
UNIT_LAYERS_who := observe guard config lib
UNIT_LAYERS_diff := guard config lib
UNIT_LAYERS_describe := config lib
UNIT_LAYERS_json := lib
UNIT_LAYERS_uidtab := lib
UNIT_LAYERS_alerts := observe lib
UNIT_LAYERS_commit := guard
UNIT_LAYERS_guard_maps := guard lib
UNIT_LAYERS_sock_kill := host guard config lib
unit_archives = $(foreach l,$(UNIT_LAYERS_$(1)),$(OUTPUT)/unit/libsg_$(l).a)

.SECONDEXPANSION:
$(UNIT_BINS): $(OUTPUT)/tests/unit_%: tests/unit/%_test.c tests/testlib.h \
		$$(call unit_archives,$$*) | $(OUTPUT)/tests
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(UNIT_SAN) -Itests $(LDFLAGS) $(filter %.c %.a,$^) $(LIBBPF_LIBS) \
		$(YAML_LIBS) -o $@

# The e2e suite: every tests/e2e/*.c but the two helper programs' own.
E2E_SRCS := $(filter-out tests/e2e/sg-connect.c tests/e2e/sg-listen.c,$(wildcard tests/e2e/*.c))
$(OUTPUT)/tests/e2e_guard: $(E2E_SRCS) $(wildcard tests/e2e/*.h) tests/testlib.h \
		$(FLAGS_STAMP) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests $(LDFLAGS) $(filter %.c,$^) -luring -lpthread $(LIBBPF_LIBS) -o $@

$(OUTPUT)/tests/sg-connect: tests/e2e/sg-connect.c tests/e2e/probe.c tests/e2e/probe.h \
		tests/e2e/raw_syn.c tests/e2e/raw_syn.h \
		$(FLAGS_STAMP) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(filter %.c,$^) -luring -lpthread -o $@

$(OUTPUT)/tests/sg-listen: tests/e2e/sg-listen.c $(FLAGS_STAMP) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< -o $@

$(OUTPUT)/tests/bench: tests/bench/bench.c tests/bench/become.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< -lm -o $@

tests: $(OUTPUT)/smtpguard $(TEST_BINS)

# Build and run the unit tests only (from the top of the tree, for tests/import/).
unit: $(UNIT_BINS)
	$(Q)for t in $(UNIT_BINS); do echo "# $$t"; $$t || exit 1; done

# The includes from the sources, the calls from the objects (so after a build).
check-layout: $(OUTPUT)/smtpguard
	$(Q)scripts/check-layout.sh

# BENCH_QUICK=1: a one-minute smoke run (what CI runs).
$(OUTPUT)/tests/flood: tests/bench/flood.c tests/bench/become.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< -o $@

COST_SRCS := $(wildcard tests/bench/cost*.c)
$(OUTPUT)/tests/cost: $(COST_SRCS) tests/bench/cost.h tests/bench/become.h $(FLAGS_STAMP) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(COST_SRCS) $(LIBBPF_LIBS) -o $@

bench: $(OUTPUT)/smtpguard $(OUTPUT)/tests/bench $(OUTPUT)/tests/cost $(OUTPUT)/tests/sg-listen \
		$(OUTPUT)/tests/flood
	$(Q)tests/bench/run.sh

# T=PATTERN: only the suites and cases whose name holds PATTERN (tests/run.sh).
# Only from the command line: a T in the environment is someone else's.
test: export SG_TEST_FILTER = $(if $(filter command line,$(origin T)),$(T))
test: tests
	$(Q)tests/run.sh

# load, sync, status, monitor, ... once each under valgrind (not with SANITIZE=1).
valgrind: tests
	$(Q)tests/valgrind_test.sh

# check first: on a kernel that cannot run the guard, say what it lacks and load nothing.
start: $(OUTPUT)/smtpguard
	$(Q)$(OUTPUT)/smtpguard check && $(OUTPUT)/smtpguard load && $(OUTPUT)/smtpguard status

install: $(OUTPUT)/smtpguard
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(OUTPUT)/smtpguard $(DESTDIR)$(SBINDIR)/smtpguard
	$(Q)for u in $(UNITS); do \
		install -d -m 0755 $(DESTDIR)$(UNITDIR) && \
		$(SUBST) dist/systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	$(Q)for m in man8/smtpguard.8 man5/smtpguard.conf.5; do \
		install -d -m 0755 $(DESTDIR)$(MANDIR)/$${m%/*} && \
		$(SUBST) dist/man/$${m#*/} > $(DESTDIR)$(MANDIR)/$$m && \
		chmod 0644 $(DESTDIR)$(MANDIR)/$$m || exit 1; done
	$(Q)for d in $(NM_DISPATCHER_DIR) $(NETWORKD_DISPATCHER_DIR)/routable.d \
		$(NETWORKD_DISPATCHER_DIR)/off.d; do \
		install -d -m 0755 $(DESTDIR)$$d && \
		$(SUBST) dist/hooks/smtpguard-address-hook > $(DESTDIR)$$d/50-smtpguard && \
		chmod 0755 $(DESTDIR)$$d/50-smtpguard || exit 1; done
	$(Q)install -D -m 0644 dist/smtpguard.catalog $(DESTDIR)$(CATALOGDIR)/smtpguard.catalog
	$(Q)if [ -e $(DESTDIR)$(SYSCONFDIR)/smtpguard.conf ]; then \
		echo "  keeping  $(DESTDIR)$(SYSCONFDIR)/smtpguard.conf (exists)"; \
	else install -D -m 0644 dist/smtpguard.conf $(DESTDIR)$(SYSCONFDIR)/smtpguard.conf; fi

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/smtpguard $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS)) \
		$(DESTDIR)$(MANDIR)/man8/smtpguard.8 $(DESTDIR)$(MANDIR)/man5/smtpguard.conf.5 \
		$(DESTDIR)$(CATALOGDIR)/smtpguard.catalog \
		$(DESTDIR)$(NM_DISPATCHER_DIR)/50-smtpguard \
		$(DESTDIR)$(NETWORKD_DISPATCHER_DIR)/routable.d/50-smtpguard \
		$(DESTDIR)$(NETWORKD_DISPATCHER_DIR)/off.d/50-smtpguard
	$(Q)if cmp -s dist/smtpguard.conf $(DESTDIR)$(SYSCONFDIR)/smtpguard.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/smtpguard.conf; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/smtpguard.conf ]; then \
		echo "  keeping  $(DESTDIR)$(SYSCONFDIR)/smtpguard.conf (edited)"; fi

# Packages, built from a staging copy of the tree by the distributions' own
# tools (dpkg-buildpackage + debhelper, rpmbuild); see dist/debian, dist/rpm.
deb rpm:
	$(Q)scripts/build-pkg.sh $@

format:
	clang-format -i bpf/*.c bpf/*.h include/*.h loader/*/*.[ch] tests/*.h tests/*/*.[ch]

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/loader/*/*.d $(OUTPUT)/unit/*/*.d)

# Longer targets with their own fragments: make fuzz, make soak.
include tests/fuzz/fuzz.mk
include tests/soak/soak.mk
include tests/pkg/pkg.mk

include tests/matrix/matrix.mk
include tests/boot/boot.mk
