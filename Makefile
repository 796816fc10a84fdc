# dumpling: see README.md. `make` builds the image, the loader and the host tools.
# Sources are found by wildcard, one concept per file, so adding a file needs no
# edit here.

CC       ?= gcc
HOSTCC   ?= gcc
BUILD    := build
GCCINC   := $(shell $(CC) -print-file-name=include)

WARN     := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
# The capture image: freestanding, position independent (the kernel picks the
# load address), no red zone (exceptions push onto our stack), SSE is enabled
# by our own entry code.
IMG_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-stack-protector \
	-fno-stack-clash-protection -fcf-protection=none -mno-red-zone -mno-avx \
	-fpie -fvisibility=hidden -include arch/x86_64/include/hidden.h \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer -fno-common \
	-nostdinc -isystem $(GCCINC) -Iarch/x86_64/include -I. -DDUMPLING_IMAGE
IMG_LDFLAGS := -nostdlib -static -pie --no-dynamic-linker -z norelro \
	-z noexecstack -z max-page-size=4096 --no-warn-rwx-segments --build-id=none -T linker/image.ld

HOST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -I. -D_GNU_SOURCE
SAN_CFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer

IMG_SRC  := $(wildcard arch/x86_64/*.S) $(wildcard arch/x86_64/*.c) \
	    $(wildcard capture/*.c) $(wildcard drivers/*.c) $(wildcard fs/*.c)
# Dump readers are for host tools: the image writes dumps and never reads one.
HOST_ONLY_SRC := capture/kdump_read.c capture/inflate.c capture/elfcore_measure.c
IMG_SRC  := $(filter-out $(HOST_ONLY_SRC),$(IMG_SRC))
IMG_OBJ  := $(patsubst %,$(BUILD)/img/%.o,$(IMG_SRC))

CORE_SRC := $(wildcard capture/*.c) $(wildcard fs/*.c)
CORE_OBJ := $(patsubst %,$(BUILD)/host/%.o,$(CORE_SRC))
CORE_SAN := $(patsubst %,$(BUILD)/san/%.o,$(CORE_SRC) tools/host_port.c tools/host_io.c tools/term_progress.c \
	    tools/host_workers.c)

# The loader is a library (build/libloader.a) and a main: tests link the
# library, the way they link the capture core, instead of including its .c files.
LOADER_SRC := $(filter-out loader/main.c,$(wildcard loader/*.c))
LOADER_OBJ := $(patsubst %,$(BUILD)/host/%.o,$(LOADER_SRC))
LOADER_SAN := $(patsubst %,$(BUILD)/san/%.o,$(LOADER_SRC))

# Features with build steps of their own (third-party sources fetched with
# apt-get source, extra tools, extra tests) live in mk/*.mk and add to these.
IMG_EXTRA_OBJ :=
HOST_LIBS     :=
EXTRA_ALL     :=
include $(wildcard mk/*.mk)

# The exact Debian source versions built into the image (fetch-source.sh
# records them), so a dump can be traced back to its sources: make prints
# them, build/sources.txt keeps them, and the image's banner says them.
SOURCE_STAMPS := $(ZSTD_STAMP) $(LWIP_STAMP)
$(BUILD)/sources.txt: $(SOURCE_STAMPS)
	@mkdir -p $(dir $@)
	cat $^ >$@.tmp && mv $@.tmp $@
	@echo "built from Debian sources: $$(paste -sd, $@ | sed 's/,/, /g')"
$(BUILD)/gen/sources.h: $(BUILD)/sources.txt
	@mkdir -p $(dir $@)
	printf '#define DUMPLING_SOURCES "%s"\n' "$$(paste -sd, $< | sed 's/,/, /g')" >$@
$(BUILD)/img/arch/x86_64/main.c.o: $(BUILD)/gen/sources.h
$(BUILD)/img/arch/x86_64/main.c.o: IMG_CFLAGS += -I$(BUILD)/gen

TEST_SRC   := $(wildcard tests/unit/test_*.c)
TESTS      := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
SH_TESTS   := $(wildcard tests/unit/test_*.sh)
# These read the built image (or its package), so they need the fetched
# third-party sources: check-image runs them. check-unit builds from the
# repository and Debian's installed libraries alone.
IMAGE_TESTS := $(BUILD)/tests/test_pe_header tests/unit/test_status.sh tests/unit/test_deb.sh \
	       tests/unit/test_image_readers.sh
UNIT_TESTS  := $(filter-out $(IMAGE_TESTS),$(TESTS) $(SH_TESTS))
HOST_TOOLS  := $(BUILD)/dumpling $(BUILD)/dumpling-extract $(BUILD)/dumpling-collect

.PHONY: all check check-unit check-image check-e2e check-full demo bench deps clean
all: $(BUILD)/dumpling.img $(BUILD)/dumpling $(BUILD)/dumpling-extract $(EXTRA_ALL)

# ---- capture image -------------------------------------------------------
$(BUILD)/img/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(IMG_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/img/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(IMG_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/dumpling.elf: $(IMG_OBJ) $(IMG_EXTRA_OBJ) linker/image.ld
	ld $(IMG_LDFLAGS) -o $@ $(IMG_OBJ) $(IMG_EXTRA_OBJ)

# PE/COFF definitions come from gnu-efi's headers (tools/pe64.h).
EFI_INC := -isystem /usr/include/efi -isystem /usr/include/efi/x86_64
$(BUILD)/mkimage: tools/mkimage.c tools/mkimage_pe.c tools/mkimage_pe.h tools/pe64.h \
		  arch/x86_64/bootparam.h
	@mkdir -p $(BUILD)
	$(HOSTCC) $(HOST_CFLAGS) $(EFI_INC) tools/mkimage.c tools/mkimage_pe.c -o $@ -lelf

$(BUILD)/dumpling.img: $(BUILD)/dumpling.elf $(BUILD)/mkimage
	$(BUILD)/mkimage $< $@

# ---- host side -----------------------------------------------------------
$(BUILD)/host/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/san/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) $(SAN_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcore.a: $(CORE_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libcore-san.a: $(CORE_SAN)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libloader.a: $(LOADER_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libloader-san.a: $(LOADER_SAN)
	rm -f $@ && ar rcs $@ $^

# The loader runs in minimal initramfs images: link it statically.
$(BUILD)/dumpling: $(BUILD)/host/loader/main.c.o $(BUILD)/libloader.a $(BUILD)/libcore.a
	$(HOSTCC) $(HOST_CFLAGS) -static $^ -o $@

$(BUILD)/dumpling-extract: tools/dumpling-extract.c tools/host_port.c tools/host_io.c tools/term_progress.c $(BUILD)/libcore.a
	$(HOSTCC) $(HOST_CFLAGS) $^ -o $@ $(HOST_LIBS)

# Unit tests run with AddressSanitizer and UBSan: they feed malformed input.
$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libloader-san.a $(BUILD)/libcore-san.a
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) $(SAN_CFLAGS) $< $(BUILD)/libloader-san.a $(BUILD)/libcore-san.a \
		-o $@ $(HOST_LIBS)

# ---- tests ---------------------------------------------------------------
deps:
	tests/install-deps.sh

check-unit: $(UNIT_TESTS) $(HOST_TOOLS)
	tests/run-unit $(UNIT_TESTS)

check-image: $(IMAGE_TESTS) all
	tests/run-unit $(IMAGE_TESTS)

check-e2e: all
	tests/e2e/all.sh

check: deps
	$(MAKE) check-unit
	$(MAKE) check-image
	$(MAKE) check-fuzz
	$(MAKE) check-e2e

# The slower end-to-end cases too (suites read E2E_FULL).
check-full: deps
	$(MAKE) check-unit
	$(MAKE) check-image
	E2E_FULL=1 $(MAKE) check-e2e

demo: deps
	$(MAKE) all
	tests/e2e/demo.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
