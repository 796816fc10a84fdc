# zstd for page compression (capture/compress.c).
#
# Image: Debian's libzstd source package, fetched at build time into
# third_party/zstd (git-ignored) by tools/fetch-source.sh. Only the compressor
# is built (lib/common + lib/compress, single-threaded, no legacy formats, no
# dictionary builder), freestanding: its sources are staged in build/zstd/lib
# with capture/zstd_config.h in place of zstd_deps.h (no libc, no malloc).
# ZSTD_NO_INTRINSICS: GCC's <emmintrin.h> pulls in <stdlib.h> (mm_malloc.h),
# and level 1 (zstd_fast.c) has no SIMD path anyway; only the row match finder
# of levels >= 5 has one. Bit scans stay builtins (bsf/bsr, no libgcc).
#
# Host tools and unit tests link Debian's libzstd (libzstd-dev), the same
# version, which also brings the decompressor for reading dumps.

.DEFAULT_GOAL := all

ZSTD_DIR   := third_party/zstd
ZSTD_STAMP := $(ZSTD_DIR)/.fetched
ZSTD_STAGE := $(BUILD)/zstd/lib

ZSTD_C := common/debug.c common/entropy_common.c common/error_private.c \
	common/fse_decompress.c common/xxhash.c common/zstd_common.c \
	compress/fse_compress.c compress/hist.c compress/huf_compress.c \
	compress/zstd_compress.c compress/zstd_compress_literals.c \
	compress/zstd_compress_sequences.c compress/zstd_compress_superblock.c \
	compress/zstd_double_fast.c compress/zstd_fast.c compress/zstd_lazy.c \
	compress/zstd_ldm.c compress/zstd_opt.c
ZSTD_OBJ := $(patsubst %.c,$(BUILD)/zstd/obj/%.o,$(ZSTD_C))

# zstd's own code: our image flags, no warnings of ours. -O2, not zstd's -O3:
# 120 KiB less text inside crashkernel=, level-1 speed within noise of -O3.
ZSTD_OPT    ?= -O2
ZSTD_CFLAGS := $(IMG_CFLAGS) $(ZSTD_OPT) -w -I$(ZSTD_STAGE) -I$(ZSTD_STAGE)/common \
	-DZSTD_NO_INTRINSICS -DDEBUGLEVEL=0 -DZSTD_TRACE=0 -DZSTD_LEGACY_SUPPORT=0 -DZSTD_DISABLE_ASM \
	-DZSTD_STRIP_ERROR_STRINGS -DZSTD_NO_UNUSED_FUNCTIONS \
	'-DXXH_STATIC_ASSERT(c)=_Static_assert((c), "xxhash")'

IMG_EXTRA_OBJ += $(ZSTD_OBJ)
HOST_LIBS     += -lzstd

$(ZSTD_STAMP):
	tools/fetch-source.sh libzstd $(ZSTD_DIR)

$(ZSTD_STAGE)/.staged: $(ZSTD_STAMP) capture/zstd_config.h
	rm -rf $(ZSTD_STAGE) && mkdir -p $(ZSTD_STAGE)
	cp -r $(ZSTD_DIR)/lib/common $(ZSTD_DIR)/lib/compress $(ZSTD_DIR)/lib/zstd.h \
		$(ZSTD_DIR)/lib/zstd_errors.h $(ZSTD_STAGE)/
	cp capture/zstd_config.h $(ZSTD_STAGE)/common/zstd_deps.h
	touch $@

# Staged headers come with the stage (for .d files that name them).
$(ZSTD_STAGE)/%.h: $(ZSTD_STAGE)/.staged ;

# A static pattern: only these objects (make must not try it for the .d files).
$(ZSTD_OBJ): $(BUILD)/zstd/obj/%.o: $(ZSTD_STAGE)/.staged mk/zstd.mk
	@mkdir -p $(dir $@)
	$(CC) $(ZSTD_CFLAGS) -MMD -MP -c $(ZSTD_STAGE)/$*.c -o $@

# The image's compress.c includes the staged zstd.h.
$(BUILD)/img/capture/compress.c.o: IMG_CFLAGS += -I$(ZSTD_STAGE)
$(BUILD)/img/capture/compress.c.o: $(ZSTD_STAGE)/.staged
