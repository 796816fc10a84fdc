/*
 * The one rule for what separates and what may be inside a word of the
 * capture command line. The image splits its command line with it
 * (capture/cmdline.c), and the loader splits /etc/dumpling.conf with it and
 * refuses any value it could not pass on unchanged (loader/config.c): a value
 * that held a separator or a quote would be read back by the image as other
 * options (a config's NFS target turned into a raw dump over another disk).
 */
#ifndef CAPTURE_CMDLINE_WORD_H
#define CAPTURE_CMDLINE_WORD_H

#include <stddef.h>

/* What the kernel's next_arg() (isspace) skips between words. */
static inline int cmdline_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * The first byte of s that cannot be inside a command-line value: a
 * separator, a quote (next_arg() drops and pairs them), or another control
 * character. NULL if every byte can be carried as it is.
 */
static inline const char *cmdline_bad_char(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (cmdline_is_space(*s) || c == '"' || c < 0x20 || c == 0x7f)
			return s;
	}
	return NULL;
}

#endif
