/* The two kexec system calls, and what their errors mean. */
#ifndef LOADER_KEXEC_H
#define LOADER_KEXEC_H

#include <linux/kexec.h>
#include <stddef.h>

/* Each returns 0 or -errno. */
int kexec_file_crash_load(int image_fd, const char *cmdline);
int kexec_legacy_crash_load(unsigned long entry, struct kexec_segment *segs, int nsegs);
int kexec_crash_unload(void);

/* A sentence saying what err (positive errno) means for this call. */
const char *kexec_explain(int err, int legacy);

#endif
