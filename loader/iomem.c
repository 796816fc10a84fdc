/* Reading /proc/iomem text (see iomem.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "loader/iomem.h"

/* One line: depth, start, end and name (not NUL-terminated). Returns 0 or -1. */
static int iomem_line(const char *p, const char *eol, int *depth, struct range *r,
		      const char **name, size_t *name_len)
{
	const char *s = p;
	char *e;

	while (s < eol && *s == ' ')
		s++;
	*depth = (int)(s - p) / 2;
	if (s == eol || !isxdigit((unsigned char)*s))
		return -1;
	r->start = strtoull(s, &e, 16);
	if (e >= eol || *e != '-' || !isxdigit((unsigned char)e[1]))
		return -1;
	r->end = strtoull(e + 1, &e, 16);
	if (e + 3 > eol || memcmp(e, " : ", 3) != 0 || r->end < r->start)
		return -1;
	*name = e + 3;
	*name_len = eol - *name;
	return 0;
}

int iomem_find(const char *text, const char *name, int depth, struct range *out, int max)
{
	const char *p = text;
	size_t want = strlen(name);
	int n = 0;

	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *nm;
		size_t nlen;
		struct range r;
		int d;

		if (!eol)
			eol = p + strlen(p);
		if (eol > p) {
			if (iomem_line(p, eol, &d, &r, &nm, &nlen) < 0)
				return -1;
			if (nlen == want && !memcmp(nm, name, want) && (depth < 0 || d == depth)) {
				if (n < max)
					out[n] = r;
				n++;
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	return n;
}

int range_subtract(const struct range *r, int nr, const struct range *holes, int nh,
		   struct range *out, int max)
{
	int n = 0;

	for (int i = 0; i < nr; i++) {
		uint64_t cur = r[i].start;
		int done = 0;

		/* Walk the holes in address order, cutting pieces out of r[i]. */
		while (!done) {
			const struct range *h = NULL;

			for (int j = 0; j < nh; j++) {
				if (holes[j].end < cur || holes[j].start > r[i].end)
					continue;
				if (!h || holes[j].start < h->start)
					h = &holes[j];
			}
			if (!h) {
				if (n == max)
					return -1;
				out[n].start = cur;
				out[n++].end = r[i].end;
				break;
			}
			if (h->start > cur) {
				if (n == max)
					return -1;
				out[n].start = cur;
				out[n++].end = h->start - 1;
			}
			if (h->end >= r[i].end)
				done = 1;
			else
				cur = h->end + 1;
		}
	}
	return n;
}
