# libFuzzer targets: one per parser of untrusted input (tests/fuzz/README.md).
#
# Built with Debian's clang (tests/deps/fuzz.txt) and ASan + UBSan, against
# the capture core and fs/ compiled the same way, and the loader's library
# (build/fuzz/libloader-fuzz.a, loader/*.c but its main). Targets that reach
# net/ or tools/ code include those .c files themselves.
#
#   make fuzz                   every target for FUZZ_SECONDS (600) each, one at
#                               a time, growing build/fuzz/corpus/<target>
#   make fuzz FUZZ_TARGETS=...  only these (names without fuzz_)
#   make check-fuzz             what `make check` runs: the regression inputs,
#                               then each target for FUZZ_CHECK_SECONDS (4)

FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=gnu11 -O1 -g -I. -D_GNU_SOURCE -DDUMPLING_FUZZ -Wall -Wno-unused-parameter \
		-Wno-unused-function $(FUZZ_SAN)
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS      := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_LIB_SRC := $(wildcard capture/*.c) $(wildcard fs/*.c) tools/host_io.c tools/term_progress.c \
		tools/host_workers.c
FUZZ_LIB_OBJ := $(patsubst %,$(BUILD)/fuzz/obj/%.o,$(FUZZ_LIB_SRC))
FUZZ_LOADER_OBJ := $(patsubst %,$(BUILD)/fuzz/obj/%.o,$(LOADER_SRC))
FUZZ_SECONDS ?= 600
FUZZ_CHECK_SECONDS ?= 4
FUZZ_TARGETS ?=
FUZZ_SAN_TOOLS := $(BUILD)/fuzz/san/dumpling-collect $(BUILD)/fuzz/san/dumpling-extract

.PHONY: fuzz check-fuzz fuzzers

$(BUILD)/fuzz/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILD)/fuzz/libcore-fuzz.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/libloader-fuzz.a: $(FUZZ_LOADER_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(BUILD)/fuzz/libloader-fuzz.a \
		$(BUILD)/fuzz/libcore-fuzz.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP $< $(BUILD)/fuzz/libloader-fuzz.a \
		$(BUILD)/fuzz/libcore-fuzz.a -o $@ -lzstd

fuzzers: $(FUZZERS) $(FUZZ_SAN_TOOLS) all

fuzz: fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh long $(FUZZ_TARGETS)

check-fuzz: fuzzers
	FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS) tests/fuzz/run.sh check $(FUZZ_TARGETS)

# The host tools with ASan + UBSan, for replaying tests/fuzz/findings/.
$(BUILD)/fuzz/san/%: tools/%.c tools/host_port.c $(BUILD)/libcore-san.a
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) $(SAN_CFLAGS) $^ -o $@ $(HOST_LIBS)
