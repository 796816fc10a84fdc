/* Running a function on every worker (see workers.h). */
#include <stddef.h>

#include "capture/workers.h"

int workers_run(const struct workers *w, void (*fn)(void *arg, unsigned k), void *arg)
{
	if (w && w->n > 1 && w->run)
		return w->run(w, fn, arg);
	fn(arg, 0);
	return 0;
}
