/*
 * crc32c as ext4 uses it: the raw register update, Castagnoli polynomial
 * reflected (0x82F63B78), no final inversion. The caller passes the start
 * value and chains results (docs/ext4-writing.md §7).
 */
#ifndef FS_EXT4_CRC_H
#define FS_EXT4_CRC_H

#include <stddef.h>
#include <stdint.h>

uint32_t ext4_crc32c(uint32_t crc, const void *buf, size_t len);

/* The same over one little-endian u32, for inode numbers, groups, generations. */
uint32_t ext4_crc32c_le32(uint32_t crc, uint32_t v);

#endif
