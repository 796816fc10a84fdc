/*
 * psf2c FONT.psf NAME > font.c: the console font for the capture image,
 * from an uncompressed PSF file (the build runs zcat on Debian's .psf.gz).
 */
#include <stdio.h>
#include <stdlib.h>

#include "tools/psf.h"

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	char err[256];
	struct psf f;
	size_t len;
	FILE *in;

	if (argc != 3) {
		fprintf(stderr, "usage: psf2c FONT.psf NAME > font.c\n");
		return 2;
	}
	in = fopen(argv[1], "rb");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	len = fread(buf, 1, sizeof(buf), in);
	if (!feof(in)) {
		fprintf(stderr, "psf2c: %s: larger than 1 MiB, not a console font\n", argv[1]);
		return 1;
	}
	fclose(in);
	if (psf_parse(buf, len, &f, err, sizeof(err)) ||
	    psf_to_c(&f, argv[2], argv[1], stdout, err, sizeof(err))) {
		fprintf(stderr, "psf2c: %s: %s\n", argv[1], err);
		return 1;
	}
	return fflush(stdout) ? 1 : 0;
}
