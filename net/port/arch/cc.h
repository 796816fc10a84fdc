/* lwIP's compiler and platform port for the freestanding capture image. */
#ifndef DUMPLING_LWIP_ARCH_CC_H
#define DUMPLING_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

/* No inttypes.h or ctype.h in a freestanding build. */
#define LWIP_NO_INTTYPES_H	1
#define LWIP_NO_CTYPE_H		1
#define X8_F	"02x"
#define U16_F	"u"
#define S16_F	"d"
#define X16_F	"x"
#define U32_F	"u"
#define S32_F	"d"
#define X32_F	"x"
#define SZT_F	"zu"

#define lwip_htons(x)	__builtin_bswap16(x)
#define lwip_htonl(x)	__builtin_bswap32(x)

void lwip_port_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lwip_port_assert(const char *msg, const char *file, int line) __attribute__((noreturn));
unsigned int lwip_port_rand(void);

#define LWIP_PLATFORM_DIAG(x)	do { lwip_port_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)	lwip_port_assert(x, __FILE__, __LINE__)
#define LWIP_RAND()		((u32_t)lwip_port_rand())

#endif
