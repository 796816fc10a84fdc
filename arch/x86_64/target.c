/* Picks the target the command line names. */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/target.h"

/* Replaced by target_ext4.c / target_nfs.c when those targets are built in. */
__attribute__((weak)) int target_open_ext4(const struct capture_config *cfg,
					   const struct capture *cap, struct target *t,
					   char *err, size_t errlen)
{
	snprintf(err, errlen, "this capture image has no ext4 target");
	return -1;
}

__attribute__((weak)) int target_open_nfs(const struct capture_config *cfg,
					  const struct capture *cap, struct target *t,
					  char *err, size_t errlen)
{
	snprintf(err, errlen, "this capture image has no nfs target");
	return -1;
}

/* On file targets dumpling.log is one more file beside the vmcore. */
static int save_log_as_file(struct target *t, uint64_t dump_len, const void *text, size_t len)
{
	(void)dump_len;
	return t->add_file(t, "dumpling.log", text, len);
}

int target_open(const struct capture_config *cfg, const struct capture *cap,
		struct target *t, char *err, size_t errlen)
{
	int r;

	memset(t, 0, sizeof(*t));
	switch (cfg->target) {
	case TARGET_RAW:
		return target_open_raw(cfg, cap, t, err, errlen);
	case TARGET_EXT4:
	case TARGET_NFS:
		r = cfg->target == TARGET_EXT4 ? target_open_ext4(cfg, cap, t, err, errlen) :
						 target_open_nfs(cfg, cap, t, err, errlen);
		if (r == 0 && t->add_file)
			t->save_log = save_log_as_file;
		return r;
	case TARGET_NONE:
		break;
	}
	snprintf(err, errlen, "no dump target: give dumpling.target= and its options "
		 "(`dumpling cmdline` prints them from /etc/dumpling.conf)");
	return -1;
}
