/* "path" alone: the filesystem holding it, from the mount table (mounts.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/fmt.h"
#include "loader/mounts.h"
#include "loader/sysroot.h"

/* Copies a mount table field, undoing the kernel's \ooo escapes (space, tab, \n, \\). */
static int unescape(const char *s, size_t len, char *out, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\\' && i + 3 < len &&
		    s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		}
		if (k + 1 >= n)
			return -1;
		out[k++] = c;
	}
	out[k] = 0;
	return 0;
}

/* Length of dir as a prefix of path at a component boundary, or -1. */
static long prefix_len(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		return 1;
	if (strncmp(dir, path, n) || (path[n] && path[n] != '/'))
		return -1;
	return (long)n;
}

int mount_for_path(const char *text, const char *path, struct mount_entry *m)
{
	long best = -1;

	while (*text) {
		const char *nl = strchr(text, '\n'), *f[4], *e[4], *p = text;
		const char *end = nl ? nl : text + strlen(text);
		struct mount_entry cand;
		int nf = 0;
		long l;

		while (nf < 4 && p < end) {
			while (p < end && *p == ' ')
				p++;
			if (p == end)
				break;
			f[nf] = p;
			while (p < end && *p != ' ')
				p++;
			e[nf++] = p;
		}
		text = nl ? nl + 1 : end;
		if (nf < 4)
			continue;
		if (unescape(f[0], e[0] - f[0], cand.dev, sizeof(cand.dev)) < 0 ||
		    unescape(f[1], e[1] - f[1], cand.dir, sizeof(cand.dir)) < 0 ||
		    unescape(f[2], e[2] - f[2], cand.type, sizeof(cand.type)) < 0)
			continue;
		/* "ro" as a whole option word */
		cand.read_only = (e[3] - f[3] >= 2 && !strncmp(f[3], "ro", 2) &&
				  (e[3] - f[3] == 2 || f[3][2] == ','));
		l = prefix_len(cand.dir, path);
		if (l >= 0 && l >= best) {
			best = l;
			*m = cand;
		}
	}
	return best >= 0 ? 0 : -1;
}

int config_resolve_path(struct loader_config *c, char *err, size_t errlen)
{
	char file[4096], rel[256];
	struct mount_entry m;
	const char *rest;
	char *text;
	int r;

	if (c->target != TARGET_NONE)
		return 0;
	if (!c->path[0])
		return errf(err, errlen, "no dump target: add a line such as 'raw /dev/vdb', "
			    "or 'path /var/crash' for the ext4 filesystem mounted there");
	if (sysroot_path(file, sizeof(file), "/proc/self/mounts") < 0 ||
	    !(text = read_whole_file(file, NULL)))
		return errf(err, errlen, "path %s: cannot read /proc/self/mounts: %s", c->path,
			    strerror(errno));
	r = mount_for_path(text, c->path, &m);
	free(text);
	if (r < 0)
		return errf(err, errlen, "path %s: no filesystem in /proc/self/mounts holds it",
			    c->path);
	if (strcmp(m.type, "ext4"))
		return errf(err, errlen, "path %s is on a %s filesystem (%s mounted at %s): "
			    "dumpling writes only to ext4; name the target with a raw, ext4 or "
			    "nfs line", c->path, m.type, m.dev, m.dir);
	if (m.dev[0] != '/')
		return errf(err, errlen, "path %s: %s is mounted from '%s', not a block device",
			    c->path, m.dir, m.dev);
	if (strlen(m.dev) >= sizeof(c->raw_dev))
		return errf(err, errlen, "path %s: device name too long", c->path);
	rest = c->path + (strcmp(m.dir, "/") ? strlen(m.dir) : 0);
	snprintf(rel, sizeof(rel), "%s", *rest ? rest : "/");
	c->target = TARGET_EXT4;
	strcpy(c->raw_dev, m.dev);
	strcpy(c->path, rel);
	return 0;
}
