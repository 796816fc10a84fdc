# The capture image's console font: a PSF font from Debian's console-setup-linux
# package, converted at build time by tools/psf2c into build/gen/font.c (no
# font is kept in the repository). CONSOLE_FONT may name any 8..32-pixel-wide
# PSF font with a Unicode table.

CONSOLE_FONT ?= /usr/share/consolefonts/Uni2-VGA16.psf.gz

$(BUILD)/psf2c: tools/psf2c.c tools/psf.c tools/psf.h capture/font.h capture/progress.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) tools/psf2c.c tools/psf.c -o $@

$(CONSOLE_FONT):
	@echo "no console font $@: apt-get install console-setup-linux (or make deps)" >&2
	@exit 1

$(BUILD)/gen/font.c: $(CONSOLE_FONT) $(BUILD)/psf2c
	@mkdir -p $(dir $@)
	gzip -dc $(CONSOLE_FONT) >$(BUILD)/gen/font.psf
	$(BUILD)/psf2c $(BUILD)/gen/font.psf console_font >$@.tmp && mv $@.tmp $@

$(BUILD)/img/gen/font.c.o: $(BUILD)/gen/font.c
	@mkdir -p $(dir $@)
	$(CC) $(IMG_CFLAGS) -MMD -MP -c $< -o $@

IMG_EXTRA_OBJ += $(BUILD)/img/gen/font.c.o
