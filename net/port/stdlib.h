/* What lwIP takes from <stdlib.h> in our build: atoi (netif_find). */
#ifndef DUMPLING_LWIP_STDLIB_H
#define DUMPLING_LWIP_STDLIB_H

int atoi(const char *s);

#endif
