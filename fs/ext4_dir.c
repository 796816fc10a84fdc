/*
 * Directories (§5): lookup, entry insertion into linear blocks and htree
 * leaves, and mkdir.
 *
 * A full linear directory grows by one block. A full htree leaf is refused:
 * splitting it moves existing entries between blocks and changes the index,
 * and no order of those writes survives an interruption without damage
 * worse than a leak.
 */
#include <string.h>

#include "capture/ports.h"
#include "fs/ext4_crc.h"
#include "fs/ext4_fs.h"

#define DE_TAIL_LEN	12
#define FT_REG		1
#define FT_DIR		2
#define FT_TAIL		0xDE
#define DX_MAX_LEVELS	1	/* without large_dir */

static uint32_t rec_need(uint32_t name_len) { return (8 + name_len + 3) & ~3u; }

int ext4_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > 255 || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	return !memchr(name, '/', len) && !memchr(name, 0, len);
}

/* Where entries end: before the checksum tail under metadata_csum. */
static uint32_t entries_end(const struct ext4_fs *fs) { return fs->bs - (fs->csum ? DE_TAIL_LEN : 0); }

static int has_tail(const struct ext4_fs *fs, const uint8_t *b)
{
	const uint8_t *t = b + fs->bs - DE_TAIL_LEN;

	return get32(t) == 0 && get16(t + 4) == DE_TAIL_LEN && t[6] == 0 && t[7] == FT_TAIL;
}

static void set_tail(struct ext4_fs *fs, uint8_t *b, uint32_t ino, uint32_t gen)
{
	uint8_t *t = b + fs->bs - DE_TAIL_LEN;

	if (!fs->csum)
		return;
	memset(t, 0, DE_TAIL_LEN);
	put16(t + 4, DE_TAIL_LEN);
	t[7] = FT_TAIL;
	put32(t + 8, ext4_crc32c(ext4_inode_seed(fs, ino, gen), b, fs->bs - DE_TAIL_LEN));
}

/*
 * Checks the records of a block: each rec_len sane, the chain ending exactly
 * at end. Returns 0 if the block can be used.
 */
static int block_ok(const uint8_t *b, uint32_t end)
{
	uint32_t off = 0;

	while (off < end) {
		uint32_t rl, nl;

		/* The 8-byte record header must be there before it is read. */
		if (end - off < 8)
			return -1;
		rl = get16(b + off + 4);
		nl = b[off + 6];
		if (rl < 8 || rl % 4 || rl > end - off || (get32(b + off) && rec_need(nl) > rl))
			return -1;
		off += rl;
	}
	return off == end ? 0 : -1;
}

static int read_dir_inode(struct ext4_fs *fs, uint32_t dir, uint8_t *inode)
{
	if (ext4_inode_read(fs, dir, inode))
		return -1;
	if ((get16(inode + I_MODE) & S_IFMT_) != S_IFDIR_ || get16(inode + I_LINKS) == 0) {
		port_log("ext4: inode %u is not a directory\n", dir);
		return -1;
	}
	if (get32(inode + I_FLAGS) & EXT4_INLINE_DATA_FL) {
		port_log("ext4: directory inode %u has inline data: not supported\n", dir);
		return -1;
	}
	if (!(get32(inode + I_FLAGS) & EXT4_EXTENTS_FL)) {
		port_log("ext4: directory inode %u uses block maps, not extents: not supported\n",
			 dir);
		return -1;
	}
	return 0;
}

/* Reads logical block lblk of a directory into buf; *pblk gets its address. */
static int dir_block(struct ext4_fs *fs, uint32_t dir, const uint8_t *inode, uint32_t lblk,
		     uint8_t *buf, uint64_t *pblk)
{
	uint32_t run;
	int r = ext4_map(fs, dir, get32(inode + I_GENERATION), inode + I_BLOCK, lblk, pblk, &run);

	if (r == 0)
		port_log("ext4: directory %u has a hole at block %u\n", dir, lblk);
	if (r != 1)
		return -1;
	return ext4_read_blocks(fs, *pblk, buf, 1);
}

static uint32_t dir_nblocks(struct ext4_fs *fs, const uint8_t *inode)
{
	uint64_t n = ext4_inode_size(inode) / fs->bs;

	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

int ext4_lookup(struct ext4_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino)
{
	uint8_t inode[EXT4_MAX_INODE_SIZE], *b = fs->scr[SCR_DIR];
	uint32_t n;

	if (read_dir_inode(fs, dir, inode))
		return -1;
	n = dir_nblocks(fs, inode);
	/* Every block, htree or not: an index block reads as one big empty record. */
	for (uint32_t lblk = 0; lblk < n; lblk++) {
		uint64_t pblk;
		uint32_t off = 0;

		if (dir_block(fs, dir, inode, lblk, b, &pblk))
			return -1;
		while (off + 8 <= fs->bs) {
			uint32_t rl = get16(b + off + 4), nl = b[off + 6];

			if (rl < 8 || rl % 4 || rl > fs->bs - off) {
				port_log("ext4: directory %u block %u is corrupt at offset %u\n",
					 dir, lblk, off);
				return -1;
			}
			if (get32(b + off) && nl == len && nl + 8u <= rl &&
			    memcmp(b + off + 8, name, len) == 0) {
				*ino = get32(b + off);
				return 1;
			}
			off += rl;
		}
	}
	return 0;
}

/* A record in block b with room for a name of length len, or -1. */
static int find_room(const struct ext4_fs *fs, const uint8_t *b, size_t len)
{
	uint32_t off = 0, end = entries_end(fs), need = rec_need((uint32_t)len);

	if (block_ok(b, end) || (fs->csum && !has_tail(fs, b)))
		return -1;
	while (off < end) {
		uint32_t rl = get16(b + off + 4);
		uint32_t used = get32(b + off) ? rec_need(b[off + 6]) : 0;

		if (rl - used >= need)
			return (int)off;
		off += rl;
	}
	return -1;
}

/* Descends an htree to the leaf for name's hash: its logical block. */
static int dx_leaf(struct ext4_fs *fs, uint32_t dir, const uint8_t *inode, const char *name,
		   size_t len, uint32_t *leaf)
{
	uint8_t *b = fs->scr[SCR_DX];
	uint64_t pblk;
	uint32_t hash, limit_root, limit_node, levels;
	int version, csz = fs->csum ? 8 : 0;
	uint32_t nblocks = dir_nblocks(fs, inode);

	if (dir_block(fs, dir, inode, 0, b, &pblk))
		return -1;
	version = b[0x1C];
	levels = b[0x1E];
	limit_root = (fs->bs - 0x20 - csz) / 8;
	limit_node = (fs->bs - 8 - csz) / 8;
	if (get32(b + 0x18) != 0 || b[0x1D] != 8 || version > 2 || levels > DX_MAX_LEVELS ||
	    get16(b + 0x20) != limit_root) {
		port_log("ext4: directory %u has an htree root we do not understand\n", dir);
		return -1;
	}
	hash = ext4_dirhash(name, len, version, fs->hash_unsigned, fs->hash_seed);
	for (uint32_t level = 0, base = 0x20, limit = limit_root;; level++) {
		uint32_t count = get16(b + base + 2), pick = 0, next;

		if (count == 0 || count > limit || get16(b + base) != limit) {
			port_log("ext4: directory %u: bad htree index counts\n", dir);
			return -1;
		}
		for (uint32_t i = 1; i < count; i++)
			if (get32(b + base + 8 * i) <= hash)
				pick = i;
		next = get32(b + base + 8 * pick + 4) & 0x0FFFFFFF;
		if (next >= nblocks) {
			port_log("ext4: directory %u: htree points past its end\n", dir);
			return -1;
		}
		if (level == levels) {
			*leaf = next;
			return 0;
		}
		if (dir_block(fs, dir, inode, next, b, &pblk))
			return -1;
		if (get32(b) != 0 || get16(b + 4) != fs->bs) {
			port_log("ext4: directory %u: bad htree node\n", dir);
			return -1;
		}
		base = 8;
		limit = limit_node;
	}
}

int ext4_find_slot(struct ext4_fs *fs, uint32_t dir, const char *name, size_t len,
		   struct ext4_slot *s)
{
	uint8_t inode[EXT4_MAX_INODE_SIZE], *b = fs->scr[SCR_DIR];
	uint32_t n;
	int off;

	memset(s, 0, sizeof(*s));
	s->dir = dir;
	if (!ext4_name_ok(name, len)) {
		port_log("ext4: \"%.*s\" is not a valid file name\n", (int)len, name);
		return -1;
	}
	switch (ext4_lookup(fs, dir, name, len, &n)) {
	case 0:
		break;
	case 1:
		port_log("ext4: \"%.*s\" already exists\n", (int)len, name);
		return -1;
	default:
		return -1;
	}
	if (read_dir_inode(fs, dir, inode))
		return -1;
	n = dir_nblocks(fs, inode);
	if (get32(inode + I_FLAGS) & EXT4_INDEX_FL) {
		uint32_t leaf;

		if (dx_leaf(fs, dir, inode, name, len, &leaf) ||
		    dir_block(fs, dir, inode, leaf, b, &s->pblk))
			return -1;
		off = find_room(fs, b, len);
		if (off < 0) {
			port_log("ext4: directory inode %u: the htree leaf for \"%.*s\" is full; "
				 "dumpling does not split leaves: remove old dumps from it\n",
				 dir, (int)len, name);
			return -1;
		}
		s->lblk = leaf;
		s->off = (uint32_t)off;
		return 0;
	}
	for (uint32_t lblk = 0; lblk < n; lblk++) {
		if (dir_block(fs, dir, inode, lblk, b, &s->pblk))
			return -1;
		off = find_room(fs, b, len);
		if (off >= 0) {
			s->lblk = lblk;
			s->off = (uint32_t)off;
			return 0;
		}
	}
	s->grow = 1;
	s->lblk = n;
	return 0;
}

/* Appends an empty block to a linear directory; inode is updated in memory. */
static int grow_dir(struct ext4_fs *fs, struct ext4_slot *s, uint8_t *inode)
{
	struct ext4_tree t;
	uint8_t *bufs[EXT4_MAX_DEPTH], *b = fs->scr[SCR_DIR];
	uint64_t blk;
	int64_t got;

	for (int i = 0; i < EXT4_MAX_DEPTH; i++)
		bufs[i] = fs->scr[SCR_DTREE + i];
	ext4_tree_init(&t, s->dir, 0, bufs);
	if (ext4_tree_load(fs, &t, s->dir, inode))
		return -1;
	if (t.next_lblk != s->lblk) {
		port_log("ext4: directory %u: size and extents disagree\n", s->dir);
		return -1;
	}
	got = ext4_alloc_blocks(fs, t.last_pend, 1, &blk);
	if (got <= 0) {
		if (got == 0)
			port_log("ext4: no space to grow directory %u\n", s->dir);
		return -1;
	}
	if (ext4_tree_append(fs, &t, blk, 1) || ext4_alloc_flush(fs))
		return -1;
	memset(b, 0, fs->bs);
	put16(b + 4, (uint16_t)entries_end(fs));
	set_tail(fs, b, s->dir, t.gen);
	if (ext4_write_blocks(fs, blk, b, 1) || ext4_tree_write(fs, &t))
		return -1;
	memcpy(inode + I_BLOCK, t.root, 60);
	ext4_inode_set_size(inode, ext4_inode_size(inode) + fs->bs);
	ext4_inode_set_blocks(fs, inode, ext4_inode_blocks(fs, inode) + 1 + t.new_tree_blocks);
	s->pblk = blk;
	s->off = 0;
	s->grow = 0;
	return 0;
}

static int bump_links(struct ext4_fs *fs, uint8_t *inode, int add)
{
	uint32_t links = get16(inode + I_LINKS);

	if (!add)
		return 0;
	if (links == 1 && (fs->ro_compat & RO_COMPAT_DIR_NLINK))
		return 0;	/* already "many" */
	if (links + (uint32_t)add >= EXT4_LINK_MAX) {
		if (!(fs->ro_compat & RO_COMPAT_DIR_NLINK)) {
			port_log("ext4: too many subdirectories\n");
			return -1;
		}
		links = 1;
	} else {
		links += (uint32_t)add;
	}
	put16(inode + I_LINKS, (uint16_t)links);
	return 0;
}

/* The directory inode's part of adding a name: growth, links, times. */
static int dir_update(struct ext4_fs *fs, struct ext4_slot *s, int add_links)
{
	uint8_t inode[EXT4_MAX_INODE_SIZE];

	if (read_dir_inode(fs, s->dir, inode))
		return -1;
	if (s->grow && grow_dir(fs, s, inode))
		return -1;
	if (bump_links(fs, inode, add_links))
		return -1;
	ext4_inode_set_times(fs, inode, 1);
	s->gen = get32(inode + I_GENERATION);
	if (ext4_inode_write(fs, s->dir, inode) || ext4_flush(fs))
		return -1;
	return 0;
}

/* The entry itself, in the slot dir_update made ready: the last write. */
static int dir_insert(struct ext4_fs *fs, struct ext4_slot *s, const char *name, size_t len,
		      uint32_t ino, int is_dir)
{
	uint8_t *b = fs->scr[SCR_DIR], *de;
	uint32_t rl, used;

	if (ext4_read_blocks(fs, s->pblk, b, 1))
		return -1;
	if (block_ok(b, entries_end(fs)) || s->off + 8 > entries_end(fs)) {
		port_log("ext4: directory %u changed under us\n", s->dir);
		return -1;
	}
	de = b + s->off;
	rl = get16(de + 4);
	used = get32(de) ? rec_need(de[6]) : 0;
	if (rl - used < rec_need((uint32_t)len)) {
		port_log("ext4: directory %u changed under us\n", s->dir);
		return -1;
	}
	if (used) {
		put16(de + 4, (uint16_t)used);
		de += used;
		rl -= used;
	}
	memset(de, 0, rec_need((uint32_t)len));
	put32(de, ino);
	put16(de + 4, (uint16_t)rl);
	de[6] = (uint8_t)len;
	de[7] = is_dir ? FT_DIR : FT_REG;
	memcpy(de + 8, name, len);
	set_tail(fs, b, s->dir, s->gen);
	return ext4_write_blocks(fs, s->pblk, b, 1);
}

int ext4_link_at(struct ext4_fs *fs, struct ext4_slot *s, const char *name, size_t len,
		 uint32_t ino, int is_dir, int add_links)
{
	/* The directory inode first: a crash now leaves an over-counted link or
	 * an empty block, both harmless; the entry is the last word. */
	if (dir_update(fs, s, add_links))
		return -1;
	return dir_insert(fs, s, name, len, ino, is_dir);
}

int ext4_link(struct ext4_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t ino,
	      int is_dir)
{
	struct ext4_slot s;

	if (ext4_find_slot(fs, dir, name, len, &s))
		return -1;
	return ext4_link_at(fs, &s, name, len, ino, is_dir, 0);
}

int ext4_mkdir(struct ext4_fs *fs, uint32_t dir, const char *name, uint32_t *ino)
{
	uint8_t inode[EXT4_MAX_INODE_SIZE], *b = fs->scr[SCR_DIR];
	size_t len = strlen(name);
	struct ext4_slot s;
	struct ext4_tree t;
	uint8_t *bufs[EXT4_MAX_DEPTH];
	uint64_t blk;
	uint32_t gen = fs->generation++;
	int64_t got;

	if (ext4_find_slot(fs, dir, name, len, &s))
		return -1;
	if (s.grow && ext4_blocks_available(fs) < 2 + EXT4_MAX_DEPTH) {
		port_log("ext4: no space for directory \"%s\"\n", name);
		return -1;
	}
	if (ext4_blocks_available(fs) < 1 || fs->free_inodes == 0) {
		port_log("ext4: no space for directory \"%s\"\n", name);
		return -1;
	}
	/* Allocation: inode and block, their bitmaps and descriptors. */
	if (ext4_alloc_inode(fs, ext4_group_of_inode(fs, dir), 1, ino))
		return -1;
	got = ext4_alloc_blocks(fs, ext4_group_first_block(fs, ext4_group_of_inode(fs, *ino)),
				1, &blk);
	if (got <= 0 || ext4_alloc_flush(fs))
		return -1;

	/* Contents, then the inode. */
	memset(b, 0, fs->bs);
	put32(b, *ino);
	put16(b + 4, 12);
	b[6] = 1;
	b[7] = FT_DIR;
	b[8] = '.';
	put32(b + 12, dir);
	put16(b + 16, (uint16_t)(entries_end(fs) - 12));
	b[18] = 2;
	b[19] = FT_DIR;
	b[20] = '.';
	b[21] = '.';
	set_tail(fs, b, *ino, gen);
	if (ext4_write_blocks(fs, blk, b, 1))
		return -1;

	/*
	 * The parent's extra link (for "..") before the inode that makes it:
	 * cut in between, the parent is over-counted, which only keeps it
	 * from being freed; the other way round it would be under-counted.
	 */
	if (dir_update(fs, &s, 1))
		return -1;

	for (int i = 0; i < EXT4_MAX_DEPTH; i++)
		bufs[i] = fs->scr[SCR_DTREE + i];
	ext4_tree_init(&t, *ino, gen, bufs);
	if (ext4_tree_append(fs, &t, blk, 1))
		return -1;
	ext4_inode_init(fs, inode, S_IFDIR_ | 0755, gen);
	memcpy(inode + I_BLOCK, t.root, 60);
	put16(inode + I_LINKS, 2);
	ext4_inode_set_size(inode, fs->bs);
	ext4_inode_set_blocks(fs, inode, 1);
	if (ext4_inode_write(fs, *ino, inode) || ext4_flush(fs))
		return -1;

	if (dir_insert(fs, &s, name, len, *ino, 1) || ext4_flush(fs))
		return -1;
	return 0;
}

int ext4_mkdir_p(struct ext4_fs *fs, const char *path, uint32_t *ino)
{
	uint32_t cur = EXT4_ROOT_INO;
	const char *p = path;

	while (*p) {
		char name[256];
		const char *e;
		size_t len;
		uint32_t next;
		int r;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len == 1 && p[0] == '.') {
			p += len;
			continue;
		}
		if (!ext4_name_ok(p, len)) {
			port_log("ext4: path \"%s\": bad component \"%.*s\"\n", path, (int)len, p);
			return -1;
		}
		memcpy(name, p, len);
		name[len] = 0;
		r = ext4_lookup(fs, cur, name, len, &next);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (ext4_mkdir(fs, cur, name, &next))
				return -1;
		} else {
			uint8_t inode[EXT4_MAX_INODE_SIZE];

			if (ext4_inode_read(fs, next, inode))
				return -1;
			if ((get16(inode + I_MODE) & S_IFMT_) != S_IFDIR_) {
				port_log("ext4: path \"%s\": \"%s\" is not a directory\n", path, name);
				return -1;
			}
		}
		cur = next;
		p += len;
	}
	*ino = cur;
	return 0;
}
