/*
 * The differential check between the loader and the image (issue 15, finding
 * 1): a config the loader accepts, turned into a capture command line the way
 * `dumpling load` turns it, must parse back in the image's parser
 * (capture/cmdline.c) to the same settings, and the schema's writer
 * (capture/cmdline_schema.c) writes those settings as the same line. Used by tests/fuzz/fuzz_config.c
 * and tests/unit/test_config_cmdline.c.
 *
 * The target is not looked up on this machine: an nfs target gets a fixed
 * card and address, a raw or ext4 target a fixed GPT partition, as if the
 * loader had resolved them. What is compared is everything the config says.
 * Linked with the loader's objects and the capture core.
 */
#ifndef TESTS_FUZZ_CONFIG_ROUNDTRIP_H
#define TESTS_FUZZ_CONFIG_ROUNDTRIP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/cmdline_schema.h"
#include "capture/config.h"
#include "loader/cmdline.h"
#include "loader/config.h"
#include "loader/nfs.h"
#include "loader/resolve.h"

enum { RT_REJECTED, RT_SAME, RT_DIFFERENT };

/* The image's parser on the line the loader built (built < 0: none was). */
static int parse_back(int built, const char *line, struct capture_config *cc, char *why,
		      size_t whylen)
{
	static char again[4096];
	char err[1024];

	if (built < 0) {
		snprintf(why, whylen, "accepted, but no command line could be built");
		return -1;
	}
	config_defaults(cc);
	if (cmdline_parse(line, cc, err, sizeof(err))) {
		snprintf(why, whylen, "the image refuses it: %.300s", err);
		return -1;
	}
	/* What the image read, written by the same schema, is the same line. */
	if (cmdline_write(cc, again, sizeof(again), err, sizeof(err)) < 0 || strcmp(again, line)) {
		snprintf(why, whylen, "written again it reads: %.300s", again);
		return -1;
	}
	return 0;
}

/*
 * Returns RT_REJECTED (the loader refused the config: fine), RT_SAME, or
 * RT_DIFFERENT with what differs in why. line gets the command line.
 */
static int config_roundtrip(const char *text, char *line, size_t linelen, char *why,
			    size_t whylen)
{
	static const uint8_t guid[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
					  0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01 };
	struct loader_config c;
	struct capture_config cc;
	char err[1024];
	const char *want_path;

	line[0] = why[0] = 0;
	/* No sysroot: names in /etc/hosts are not resolved, addresses are. */
	setenv("DUMPLING_SYSROOT", "/nonexistent-dumpling-sysroot", 1);
	if (config_parse_text(text, "fuzz.conf", &c, err, sizeof(err)) < 0)
		return RT_REJECTED;
	/* path alone: the loader resolves it from the mount table to the ext4
	 * filesystem that holds it (loader/mounts.c); the fixed disk below
	 * stands in for that filesystem. */
	if (c.target == TARGET_NONE)
		c.target = TARGET_EXT4;

	if (c.target == TARGET_NFS) {
		struct net_info ni;

		memset(&ni, 0, sizeof(ni));
		if (nfs_parse_spec(c.nfs, &ni.server, ni.export, sizeof(ni.export), err,
				   sizeof(err)) < 0)
			return RT_REJECTED;
		strcpy(ni.ifname, "eth0");
		strcpy(ni.driver, "virtio-net");
		strcpy(ni.pci, "0000:00:03.0");
		memcpy(ni.mac, "\x52\x54\x00\x12\x34\x56", 6);
		ni.ip = 0x0a00020f;
		ni.netmask = 0xffffff00;
		ni.gw = 0x0a000202;
		if (parse_back(nfs_cmdline(&c, &ni, line, linelen), line, &cc, why, whylen) < 0)
			return RT_DIFFERENT;
		if (cc.target != TARGET_NFS || cc.nfs_server != ni.server ||
		    strcmp(cc.nfs_export, ni.export) || cc.ip != ni.ip ||
		    cc.netmask != ni.netmask || cc.gateway != ni.gw || !cc.have_nic ||
		    cc.nic.kind != PCI_FN_VIRTIO_NET || cc.nic.dev != 3 || !cc.have_mac ||
		    memcmp(cc.mac, ni.mac, 6) || cc.host_ip != ni.ip ||
		    cc.timeout_s != c.timeout_s || cc.have_disk || cc.have_part) {
			snprintf(why, whylen, "the image reads another nfs target (export '%.200s')",
				 cc.nfs_export);
			return RT_DIFFERENT;
		}
		want_path = c.path[0] ? c.path : DEFAULT_DUMP_PATH;
	} else {
		struct target_info t;

		memset(&t, 0, sizeof(t));
		strcpy(t.name, "vdb1");
		strcpy(t.driver, "virtio-blk");
		strcpy(t.pci, "0000:00:04.0");
		t.is_part = 1;
		t.part_start = 1 << 20;
		t.part_len = 64 << 20;
		t.size = t.part_len;
		t.partno = 1;
		t.have_partuuid = 1;
		memcpy(t.partuuid, guid, 16);
		if (parse_back(build_cmdline(&c, &t, line, linelen), line, &cc, why, whylen) < 0)
			return RT_DIFFERENT;
		if (cc.target != c.target || !cc.have_disk || cc.disk.kind != PCI_FN_VIRTIO_BLK ||
		    cc.disk.dev != 4 || !cc.have_part || cc.part_start != t.part_start ||
		    cc.part_len != t.part_len || !cc.have_partuuid || memcmp(cc.partuuid, guid, 16) ||
		    cc.have_nic || cc.nfs_server) {
			snprintf(why, whylen, "the image reads another disk target");
			return RT_DIFFERENT;
		}
		want_path = c.target == TARGET_EXT4 && c.path[0] ? c.path : DEFAULT_DUMP_PATH;
	}
	if (strcmp(cc.path, want_path)) {
		snprintf(why, whylen, "path '%.200s' reads back as '%.200s'", want_path, cc.path);
		return RT_DIFFERENT;
	}
	if (cc.dump_level != c.dump_level || cc.compress != c.compress || cc.format != c.format ||
	    cc.failure_action != c.failure_action || cc.final_action != c.final_action ||
	    cc.deadline_s != c.deadline_s) {
		snprintf(why, whylen, "dump level, compression, format, actions or deadline differ");
		return RT_DIFFERENT;
	}
	return RT_SAME;
}

#endif
