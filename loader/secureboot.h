/*
 * The loader under Secure Boot and lockdown: which image to use, what to say
 * before loading, and what a refused signature means (docs/secure-boot.md).
 */
#ifndef LOADER_SECUREBOOT_H
#define LOADER_SECUREBOOT_H

#include <stddef.h>
#include <stdio.h>

#include "loader/lockdown.h"
#include "loader/pesig.h"

#define DEFAULT_SIGNED_IMAGE	"/usr/lib/dumpling/dumpling.signed.img"

/* The kernel's ENOTSUPP, which reaches user space as a bare 524. */
#define KERNEL_ENOTSUPP		524

/* The image `load` uses without -i: the signed one when it is installed. */
const char *secureboot_default_image(void);

/* Lockdown (or, when securityfs is not mounted, Secure Boot) restricts kexec. */
int secureboot_restricted(const struct lockdown_state *ld);

/* "lockdown integrity", "Secure Boot": what restricts kexec, for messages. */
const char *secureboot_what(const struct lockdown_state *ld, char *buf, size_t n);

/* --legacy under lockdown: says why it cannot work and returns -1; else 0. */
int secureboot_refuse_legacy(const struct lockdown_state *ld, FILE *out);

/* Before kexec_file_load: says so when the kernel will want a signature the
 * image does not have. */
void secureboot_notice(const struct lockdown_state *ld, const char *image,
		       const struct pe_sig *ps, FILE *out);

/*
 * What kexec_file_load's err (positive errno) means for this image, with the
 * fix; NULL when err is not about signatures or lockdown.
 */
const char *secureboot_explain(int err, const struct lockdown_state *ld, const char *image,
			       const struct pe_sig *ps, char *buf, size_t n);

/* "lockdown: ..." and "image: ..." lines for `dumpling status`. */
void secureboot_status(FILE *out);

#endif
