/*
 * Extent trees (§4), for files that only grow at the end.
 *
 * Appending keeps the tree's rightmost path in memory: the root (i_block)
 * and one block per level below it. Every other block is full and already
 * on disk, so the tree stays as narrow and as shallow as it can be, which
 * is what e2fsck expects. When the rightmost block of a level is full it is
 * written out and a fresh one takes its place, with a new index entry one
 * level up; when the root is full the tree grows one level, as the kernel
 * does it: the root's entries move into a new block the root points to.
 */
#include <string.h>

#include "capture/ports.h"
#include "fs/ext4_crc.h"
#include "fs/ext4_fs.h"

#define EH_MAGIC	0xF30A
#define EXT_MAX_LEN	32768u
#define ROOT_MAX	4

static uint16_t eh_entries(const uint8_t *h) { return get16(h + 2); }
static uint16_t eh_max(const uint8_t *h) { return get16(h + 4); }
static uint16_t eh_depth(const uint8_t *h) { return get16(h + 6); }
static uint8_t *entry(uint8_t *h, unsigned i) { return h + 12 + 12 * i; }

static uint16_t node_max(const struct ext4_fs *fs) { return (uint16_t)((fs->bs - 12) / 12); }

static void header_init(uint8_t *h, uint16_t max, uint16_t depth)
{
	put16(h, EH_MAGIC);
	put16(h + 2, 0);
	put16(h + 4, max);
	put16(h + 6, depth);
	put32(h + 8, 0);
}

static uint64_t leaf_start(const uint8_t *e) { return get32(e + 8) | (uint64_t)get16(e + 6) << 32; }
static uint64_t index_child(const uint8_t *e) { return get32(e + 4) | (uint64_t)get16(e + 8) << 32; }

static void set_leaf(uint8_t *e, uint32_t lblk, uint16_t len, uint64_t pblk)
{
	put32(e, lblk);
	put16(e + 4, len);
	put16(e + 6, (uint16_t)(pblk >> 32));
	put32(e + 8, (uint32_t)pblk);
}

static void set_index(uint8_t *e, uint32_t lblk, uint64_t child)
{
	put32(e, lblk);
	put32(e + 4, (uint32_t)child);
	put16(e + 8, (uint16_t)(child >> 32));
	put16(e + 10, 0);
}

static uint32_t tail_off(const struct ext4_fs *fs) { return 12 + 12u * node_max(fs); }

static uint32_t node_csum(struct ext4_fs *fs, uint32_t ino, uint32_t gen, const uint8_t *b)
{
	return ext4_crc32c(ext4_inode_seed(fs, ino, gen), b, tail_off(fs));
}

static int node_write(struct ext4_fs *fs, struct ext4_tree *t, int level)
{
	uint8_t *b = t->node[level];

	if (fs->csum)
		put32(b + tail_off(fs), node_csum(fs, t->ino, t->gen, b));
	return ext4_write_blocks(fs, t->node_blk[level], b, 1);
}

/* Reads and checks a tree block expected at the given depth. */
static int node_read(struct ext4_fs *fs, uint32_t ino, uint32_t gen, uint64_t blk,
		     uint8_t *b, int depth)
{
	if (blk < fs->first_data_block || blk >= fs->blocks_count) {
		port_log("ext4: inode %u: extent block %llu is outside the filesystem\n", ino,
			 (unsigned long long)blk);
		return -1;
	}
	if (ext4_read_blocks(fs, blk, b, 1))
		return -1;
	if (get16(b) != EH_MAGIC || eh_max(b) != node_max(fs) || eh_entries(b) > eh_max(b) ||
	    eh_depth(b) != depth || eh_entries(b) == 0) {
		port_log("ext4: inode %u: extent block %llu is malformed\n", ino,
			 (unsigned long long)blk);
		return -1;
	}
	if (fs->csum && get32(b + tail_off(fs)) != node_csum(fs, ino, gen, b)) {
		port_log("ext4: inode %u: extent block %llu has a bad checksum\n", ino,
			 (unsigned long long)blk);
		return -1;
	}
	return 0;
}

void ext4_tree_init(struct ext4_tree *t, uint32_t ino, uint32_t gen, uint8_t *bufs[EXT4_MAX_DEPTH])
{
	memset(t, 0, sizeof(*t));
	t->ino = ino;
	t->gen = gen;
	header_init(t->root, ROOT_MAX, 0);
	for (int i = 0; i < EXT4_MAX_DEPTH; i++)
		t->node[i] = bufs[i];
}

static int root_ok(const uint8_t *r)
{
	return get16(r) == EH_MAGIC && eh_max(r) == ROOT_MAX && eh_entries(r) <= ROOT_MAX;
}

int ext4_tree_load(struct ext4_fs *fs, struct ext4_tree *t, uint32_t ino, const uint8_t *inode)
{
	uint8_t *h;
	int d;

	memcpy(t->root, inode + I_BLOCK, 60);
	t->ino = ino;
	t->gen = get32(inode + I_GENERATION);
	t->new_tree_blocks = 0;
	t->cache_len = 0;
	if (!(get32(inode + I_FLAGS) & EXT4_EXTENTS_FL) || !root_ok(t->root)) {
		port_log("ext4: inode %u is not extent-mapped: not supported\n", ino);
		return -1;
	}
	d = eh_depth(t->root);
	if (d > EXT4_MAX_DEPTH) {
		port_log("ext4: inode %u: extent tree of depth %d is too deep\n", ino, d);
		return -1;
	}
	t->depth = d;
	h = t->root;
	for (int level = d - 1; level >= 0; level--) {
		if (eh_entries(h) == 0)
			return -1;
		t->node_blk[level] = index_child(entry(h, eh_entries(h) - 1u));
		if (node_read(fs, ino, t->gen, t->node_blk[level], t->node[level], level))
			return -1;
		h = t->node[level];
	}
	if (eh_entries(h) == 0) {
		t->next_lblk = 0;
		t->last_pend = 0;
	} else {
		uint8_t *e = entry(h, eh_entries(h) - 1u);
		uint32_t len = get16(e + 4);

		if (len > EXT_MAX_LEN)
			len -= EXT_MAX_LEN;
		t->next_lblk = get32(e) + len;
		t->last_pend = leaf_start(e) + len;
	}
	return 0;
}

/* The node at a level, counting leaves as 0; the root is level depth. */
static uint8_t *level_node(struct ext4_tree *t, int level)
{
	return level == t->depth ? t->root : t->node[level];
}

static int new_block(struct ext4_fs *fs, struct ext4_tree *t, uint64_t *blk)
{
	int64_t n = ext4_alloc_blocks(fs, t->last_pend, 1, blk);

	if (n <= 0) {
		if (n == 0)
			port_log("ext4: no free block left for the extent tree\n");
		return -1;
	}
	t->new_tree_blocks++;
	return 0;
}

/* Moves the root's entries into a new block and points the root at it. */
static int grow_depth(struct ext4_fs *fs, struct ext4_tree *t)
{
	int d = t->depth;
	uint8_t *b;
	uint64_t blk;

	if (d >= EXT4_MAX_DEPTH) {
		port_log("ext4: extent tree of inode %u would be deeper than %d levels\n",
			 t->ino, EXT4_MAX_DEPTH);
		return -1;
	}
	if (new_block(fs, t, &blk))
		return -1;
	b = t->node[d];
	memset(b, 0, fs->bs);
	header_init(b, node_max(fs), (uint16_t)d);
	put16(b + 2, eh_entries(t->root));
	memcpy(b + 12, t->root + 12, 12u * eh_entries(t->root));
	t->node_blk[d] = blk;

	header_init(t->root, ROOT_MAX, (uint16_t)(d + 1));
	memset(t->root + 12, 0, 48);
	put16(t->root + 2, 1);
	set_index(entry(t->root, 0), get32(b + 12), blk);
	t->depth = d + 1;
	return 0;
}

/*
 * Makes room for one more entry at a level. A full non-root node is written
 * out and replaced by an empty one, hooked in one level up with key lblk
 * (the first logical block that will go under it).
 */
static int make_room(struct ext4_fs *fs, struct ext4_tree *t, int level, uint32_t lblk)
{
	uint8_t *h = level_node(t, level), *up;
	uint64_t blk;

	if (eh_entries(h) < eh_max(h))
		return 0;
	if (level == t->depth)
		return grow_depth(fs, t);
	if (node_write(fs, t, level) || new_block(fs, t, &blk))
		return -1;
	if (make_room(fs, t, level + 1, lblk))
		return -1;
	up = level_node(t, level + 1);
	set_index(entry(up, eh_entries(up)), lblk, blk);
	put16(up + 2, eh_entries(up) + 1);
	/* make_room may have grown the tree: this level's buffer is still ours. */
	h = t->node[level];
	memset(h, 0, fs->bs);
	header_init(h, node_max(fs), (uint16_t)level);
	t->node_blk[level] = blk;
	return 0;
}

int ext4_tree_append(struct ext4_fs *fs, struct ext4_tree *t, uint64_t pblk, uint32_t len)
{
	while (len) {
		uint8_t *leaf = level_node(t, 0);
		unsigned n = eh_entries(leaf);
		uint32_t k;

		if (n) {
			uint8_t *e = entry(leaf, n - 1);
			uint32_t elen = get16(e + 4);

			if (elen < EXT_MAX_LEN && get32(e) + elen == t->next_lblk &&
			    leaf_start(e) + elen == pblk) {
				k = len < EXT_MAX_LEN - elen ? len : EXT_MAX_LEN - elen;
				put16(e + 4, (uint16_t)(elen + k));
				goto advance;
			}
		}
		if (make_room(fs, t, 0, t->next_lblk))
			return -1;
		leaf = level_node(t, 0);
		n = eh_entries(leaf);
		k = len < EXT_MAX_LEN ? len : EXT_MAX_LEN;
		set_leaf(entry(leaf, n), t->next_lblk, (uint16_t)k, pblk);
		put16(leaf + 2, (uint16_t)(n + 1));
advance:
		t->next_lblk += k;
		pblk += k;
		len -= k;
		t->last_pend = pblk;
	}
	return 0;
}

int ext4_tree_write(struct ext4_fs *fs, struct ext4_tree *t)
{
	for (int level = 0; level < t->depth; level++)
		if (node_write(fs, t, level))
			return -1;
	return 0;
}

/* Finds lblk in a leaf: 1 with the mapping, 0 for a hole. */
static int leaf_find(const uint8_t *h, uint32_t lblk, uint64_t *pblk, uint32_t *run,
		     uint32_t *estart)
{
	for (unsigned i = 0; i < eh_entries(h); i++) {
		const uint8_t *e = h + 12 + 12 * i;
		uint32_t s = get32(e), len = get16(e + 4);

		if (len > EXT_MAX_LEN)
			continue;	/* unwritten: reads as zeros, i.e. a hole to us */
		if (lblk >= s && lblk - s < len) {
			*pblk = leaf_start(e) + (lblk - s);
			*run = len - (lblk - s);
			*estart = s;
			return 1;
		}
	}
	return 0;
}

/* The child of an index node that covers lblk, or -1. */
static int index_find(const uint8_t *h, uint32_t lblk)
{
	int found = -1;

	for (unsigned i = 0; i < eh_entries(h); i++)
		if (get32(h + 12 + 12 * i) <= lblk)
			found = (int)i;
	return found;
}

/*
 * Walks down from node h at level d. Nodes whose block is in mem_blk[] are
 * taken from mem[] (a tree being built); others are read into SCR_MAP.
 */
static int walk(struct ext4_fs *fs, uint32_t ino, uint32_t gen, const uint8_t *h, int d,
		struct ext4_tree *t, uint32_t lblk, uint64_t *pblk, uint32_t *run, uint32_t *estart)
{
	while (d > 0) {
		int i = index_find(h, lblk);
		uint64_t child;

		if (i < 0)
			return 0;
		child = index_child(h + 12 + 12 * i);
		d--;
		if (t && d < t->depth && t->node_blk[d] == child && h == level_node(t, d + 1)) {
			h = t->node[d];
		} else {
			if (node_read(fs, ino, gen, child, fs->scr[SCR_MAP], d))
				return -1;
			h = fs->scr[SCR_MAP];
		}
	}
	return leaf_find(h, lblk, pblk, run, estart);
}

int ext4_map(struct ext4_fs *fs, uint32_t ino, uint32_t gen, const uint8_t *root,
	     uint32_t lblk, uint64_t *pblk, uint32_t *run)
{
	uint32_t s;

	if (!root_ok(root) || eh_depth(root) > 5) {
		port_log("ext4: inode %u has no valid extent root\n", ino);
		return -1;
	}
	return walk(fs, ino, gen, root, eh_depth(root), NULL, lblk, pblk, run, &s);
}

int ext4_tree_map(struct ext4_fs *fs, struct ext4_tree *t, uint32_t lblk, uint64_t *pblk,
		  uint32_t *run)
{
	uint32_t s;
	int r;

	if (t->cache_len && lblk >= t->cache_lblk && lblk - t->cache_lblk < t->cache_len) {
		*pblk = t->cache_pblk + (lblk - t->cache_lblk);
		*run = t->cache_len - (lblk - t->cache_lblk);
		return 1;
	}
	r = walk(fs, t->ino, t->gen, t->root, t->depth, t, lblk, pblk, run, &s);
	if (r == 1) {
		t->cache_lblk = s;
		t->cache_len = lblk - s + *run;
		t->cache_pblk = *pblk - (lblk - s);
	}
	return r;
}
