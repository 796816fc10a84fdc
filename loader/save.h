/* dumpling save: copy a dump off a raw target at boot (see save.c). */
#ifndef LOADER_SAVE_H
#define LOADER_SAVE_H

#define DEFAULT_CRASH_DIR	"/var/crash"

int cmd_save(const char *conf, const char *dir);

#endif
