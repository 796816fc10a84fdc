/*
 * Reading and checking the capture image. It must pass the same checks as
 * the kernel's bzImage64_probe (so kexec_file_load takes it), and carry the
 * DUMPLING-CMDLINE block (so it is ours, and --legacy can pass a command line).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86_64/bootparam.h"
#include "loader/image.h"
#include "capture/fmt.h"

#define MAX_IMAGE_SIZE	(256u << 20)

static uint32_t get_u32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get_u16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

__attribute__((format(printf, 4, 5)))
static int not_ours(const char *name, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(err, errlen, "%s is not a dumpling image: ", name);

	if (k < 0 || (size_t)k >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + k, errlen - k, fmt, ap);
	va_end(ap);
	return -1;
}

int image_parse(const char *name, unsigned char *d, size_t len, struct dimage *im,
		char *err, size_t errlen)
{
	unsigned setup_sects;
	const size_t mlen = sizeof(PAYLOAD_CMDLINE_MAGIC) - 1;
	unsigned char *m;

	memset(im, 0, sizeof(*im));
	im->data = d;
	im->len = len;
	if (len < HDR_END)
		return not_ours(name, err, errlen, "too short (%zu bytes)", len);
	if (get_u16(d + HDR_BOOT_FLAG) != 0xaa55 || memcmp(d + HDR_MAGIC, "HdrS", 4))
		return not_ours(name, err, errlen, "no x86 boot header (HdrS)");
	im->version = get_u16(d + HDR_VERSION);
	if (im->version < BOOT_PROTOCOL)
		return not_ours(name, err, errlen, "boot protocol %u.%02u, need 2.12 or later",
				im->version >> 8, im->version & 0xff);
	im->xloadflags = get_u16(d + HDR_XLOADFLAGS);
	if (!(d[HDR_LOADFLAGS] & LOADED_HIGH) ||
	    (im->xloadflags & (XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G)) !=
	    (XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G))
		return not_ours(name, err, errlen, "not a 64-bit image loadable above 4 GiB");
	setup_sects = d[HDR_SETUP_SECTS] ? d[HDR_SETUP_SECTS] : 4;
	im->payload_off = (size_t)(setup_sects + 1) * 512;
	if (im->payload_off + PAYLOAD_ENTRY64 >= len)
		return not_ours(name, err, errlen, "no payload after the %zu-byte setup area",
				im->payload_off);
	im->payload_len = len - im->payload_off;
	im->init_size = get_u32(d + HDR_INIT_SIZE);
	im->kernel_alignment = get_u32(d + HDR_KERNEL_ALIGNMENT);
	im->cmdline_size = get_u32(d + HDR_CMDLINE_SIZE);
	if (im->init_size < im->payload_len)
		return not_ours(name, err, errlen, "init_size %u is smaller than the %zu-byte "
				"payload", im->init_size, im->payload_len);
	if (im->kernel_alignment & (im->kernel_alignment - 1) ||
	    im->kernel_alignment > (1u << 30))
		return not_ours(name, err, errlen, "kernel_alignment 0x%x is not a power of two",
				im->kernel_alignment);
	m = memmem(d + im->payload_off, im->payload_len, PAYLOAD_CMDLINE_MAGIC, mlen);
	if (!m)
		return not_ours(name, err, errlen, "no %s block", PAYLOAD_CMDLINE_MAGIC);
	im->cmdline_area = (size_t)(m - d) + mlen;
	if (len - im->cmdline_area < PAYLOAD_CMDLINE_SIZE)
		return not_ours(name, err, errlen, "%s block is cut short",
				PAYLOAD_CMDLINE_MAGIC);
	return 0;
}

int image_load(const char *path, struct dimage *im, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *d;
	size_t got = 0;

	memset(im, 0, sizeof(*im));
	if (fd < 0) {
		return errf(err, errlen, "cannot open the image %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_IMAGE_SIZE) {
		snprintf(err, errlen, "%s is not a dumpling image: not a regular file "
			 "of at most %u MiB", path, MAX_IMAGE_SIZE >> 20);
		close(fd);
		return -1;
	}
	d = malloc(st.st_size ? st.st_size : 1);
	if (!d) {
		snprintf(err, errlen, "out of memory reading %s", path);
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, d + got, st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "cannot read %s: %s", path,
				 r < 0 ? strerror(errno) : "file shrank");
			free(d);
			close(fd);
			return -1;
		}
		got += r;
	}
	close(fd);
	if (image_parse(path, d, got, im, err, errlen) < 0) {
		free(d);
		memset(im, 0, sizeof(*im));
		return -1;
	}
	return 0;
}

void image_free(struct dimage *im)
{
	free(im->data);
	memset(im, 0, sizeof(*im));
}

int image_set_cmdline(struct dimage *im, const char *cmdline)
{
	size_t n = strlen(cmdline);

	if (n >= PAYLOAD_CMDLINE_SIZE)
		return -1;
	memset(im->data + im->cmdline_area, 0, PAYLOAD_CMDLINE_SIZE);
	memcpy(im->data + im->cmdline_area, cmdline, n);
	return 0;
}
