# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# fuzz.mk - libFuzzer harnesses for the configuration parser (fuzz_config),
# the strict value parsers (fuzz_parse) and the importers of CSF, APF,
# Imunify360 and cPanel files (fuzz_import), under ASan and UBSan. Included
# by the top-level Makefile, whose OUTPUT, CLANG, ALL_CFLAGS, Q and msg it uses.
#
# make fuzz        build them and run each for FUZZ_SECONDS / 3 (default 60 s
#                  in all); fails on any crash, leak, UB or broken invariant
# make fuzz-build  build them only
#
# FUZZ_FLAGS: more libFuzzer options, e.g. FUZZ_FLAGS=-jobs=4.
# Seeds come from tests/fuzz/corpus/NAME/ and are copied to
# build/fuzz/corpus-NAME/, where the fuzzer adds what it finds; a failing
# input lands in build/fuzz/artifacts-NAME/ and the report in build/fuzz/fuzz_NAME.log.

FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?=
FUZZ_DIR := $(OUTPUT)/fuzz
FUZZ_NAMES := config parse import
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_NAMES))
# The layers the harnesses call, as coverage-instrumented archives (highest first).
FUZZ_LAYERS := import config lib
FUZZ_ARCHIVES := $(foreach l,$(FUZZ_LAYERS),$(FUZZ_DIR)/libsg_$(l).a)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# After ALL_CFLAGS, so -O1 wins over its -O2.
FUZZ_CFLAGS = $(ALL_CFLAGS) $(FUZZ_SAN) -g -O1
# Seconds per harness, at least 1.
FUZZ_EACH = $(shell expr $(FUZZ_SECONDS) / $(words $(FUZZ_NAMES)) \| 1)
# Largest input: a configuration file; one value; an incumbent's file.
FUZZ_MAX_LEN_config := 65536
FUZZ_MAX_LEN_parse := 256
FUZZ_MAX_LEN_import := 65536

.PHONY: fuzz fuzz-build

$(FUZZ_DIR):
	$(Q)mkdir -p $@

# Coverage-instrumented copies of the loader code the harnesses call.
$(FUZZ_DIR)/%.o: loader/%.c $(FUZZ_DIR)/%.d
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(FUZZ_CFLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@ && touch $@
$(foreach l,$(FUZZ_LAYERS),$(eval $(call layer_archive,$(l),$(FUZZ_DIR),$(call layer_srcs,$(l)))))

-include $(wildcard $(FUZZ_DIR)/*/*.d)

$(FUZZ_BINS): $(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_ARCHIVES) | $(FUZZ_DIR)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(filter %.c %.a,$^) $(YAML_LIBS) -o $@

fuzz-build: $(FUZZ_BINS)

# $(1): harness name. One summary line; the end of the report on failure.
define fuzz_run
	$(call msg,FUZZ,fuzz_$(1) for $(FUZZ_EACH) s)
	$(Q)rm -rf $(FUZZ_DIR)/artifacts-$(1)
	$(Q)mkdir -p $(FUZZ_DIR)/corpus-$(1) $(FUZZ_DIR)/artifacts-$(1)
	$(Q)cp -R tests/fuzz/corpus/$(1)/. $(FUZZ_DIR)/corpus-$(1)/
	$(Q)log=$(FUZZ_DIR)/fuzz_$(1).log; \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(FUZZ_DIR)/fuzz_$(1) -max_total_time=$(FUZZ_EACH) -max_len=$(FUZZ_MAX_LEN_$(1)) \
		-dict=tests/fuzz/$(1).dict -timeout=10 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/artifacts-$(1)/ $(FUZZ_FLAGS) \
		$(FUZZ_DIR)/corpus-$(1) >$$log 2>&1; rc=$$?; \
	execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	cov=$$(grep -E '^#[0-9]+' $$log | tail -n 1 | \
		sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p'); \
	if [ $$rc -ne 0 ]; then \
		tail -n 80 $$log; \
		echo "  fuzz_$(1): FAILED (exit $$rc) after $${execs:-?} execs;" \
			"input in $(FUZZ_DIR)/artifacts-$(1)/, report in $$log"; \
		exit 1; \
	fi; \
	echo "  fuzz_$(1): $${execs:-?} execs in $(FUZZ_EACH) s, $${cov:-no coverage line}; no crash, leak or UB"

endef

fuzz: fuzz-build
	$(foreach n,$(FUZZ_NAMES),$(call fuzz_run,$(n)))
