/*
 * The capture image file: a bzImage-style setup header (arch/x86_64/bootparam.h)
 * followed by the payload, which holds the DUMPLING-CMDLINE block.
 */
#ifndef LOADER_IMAGE_H
#define LOADER_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define DEFAULT_IMAGE	"/usr/lib/dumpling/dumpling.img"

struct dimage {
	unsigned char *data;	/* the whole file (malloc'd by image_load) */
	size_t len;
	size_t payload_off;	/* (setup_sects + 1) * 512 */
	size_t payload_len;
	uint16_t version, xloadflags;
	uint32_t init_size;	/* memory the payload needs, from its start */
	uint32_t kernel_alignment;
	uint32_t cmdline_size;
	size_t cmdline_area;	/* file offset of the 2048-byte area after the magic */
};

/*
 * Checks a file image already in memory. Returns 0, or -1 with err saying
 * why this is not a dumpling image ("NAME is not a dumpling image: ...").
 */
int image_parse(const char *name, unsigned char *data, size_t len, struct dimage *im,
		char *err, size_t errlen);

/* Reads the file and checks it. */
int image_load(const char *path, struct dimage *im, char *err, size_t errlen);
void image_free(struct dimage *im);

/* Writes cmdline (NUL-terminated, rest zeroed) into the embedded block. */
int image_set_cmdline(struct dimage *im, const char *cmdline);

#endif
