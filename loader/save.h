/* dumpling save: copy a dump off a raw target at boot (see save.c). */
#ifndef LOADER_SAVE_H
#define LOADER_SAVE_H

#include "capture/config.h"

/* Raw dumps are saved where kdump saves them, the file targets' default. */
#define DEFAULT_CRASH_DIR	DEFAULT_DUMP_PATH

int cmd_save(const char *conf, const char *dir);

#endif
