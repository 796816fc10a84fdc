/*
 * dumpling status: is a crash dump going to be taken, and where is the last
 * one. Exit codes as kdumpctl status: 0 operational, 3 not loaded, 1 error.
 */
#ifndef LOADER_STATUS_H
#define LOADER_STATUS_H

#define STATUS_OK		0
#define STATUS_ERROR		1
#define STATUS_NOT_LOADED	3

int cmd_status(const char *conf, const char *image);

/* The newest <dir>/<name>/vmcore, by modification time: 0 and its path, or -1. */
int newest_dump(const char *dir, char *out, size_t n, long long *mtime, long long *size);

#endif
