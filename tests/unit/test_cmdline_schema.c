/*
 * capture/cmdline_schema.c: every dumpling.* option goes through the writer
 * and back through the image's parser unchanged, defaults are the schema's,
 * and a value the command line cannot carry is refused by the writer, never
 * written (the \f, \v and quote injections of issue 14).
 */
#include <stdio.h>
#include <string.h>

#include "capture/cmdline_schema.h"
#include "capture/config.h"
#include "tests/unit/test.h"

static char line[4096], err[512];

/* Writes c, parses the line back into *back; 0 if both steps worked. */
static int round_trip(const struct capture_config *c, struct capture_config *back)
{
	char perr[512];

	if (cmdline_write(c, line, sizeof(line), err, sizeof(err)) < 0) {
		fprintf(stderr, "write failed: %s\n", err);
		return -1;
	}
	config_defaults(back);
	if (cmdline_parse(line, back, perr, sizeof(perr))) {
		fprintf(stderr, "parse failed: %s\n  line: %s\n", perr, line);
		return -1;
	}
	return 0;
}

/* Every option the schema says applies to c->target is on the line. */
static void check_all_written(const struct capture_config *c)
{
	for (size_t i = 0; i < cmdline_noptions; i++) {
		const struct cmdline_option *o = &cmdline_options[i];
		char want[64];

		if (!(o->targets & (1u << c->target)))
			continue;
		snprintf(want, sizeof(want), "dumpling.%s=", o->name);
		if (strstr(line, want)) {
			test_passed++;
		} else {
			test_failed++;
			fprintf(stderr, "target %s: %s missing from: %s\n", target_name(c->target),
				want, line);
		}
	}
}

/* A line written from a config reads back to itself when written again. */
static void check_fixed_point(const struct capture_config *back)
{
	char again[sizeof(line)];

	CHECK(cmdline_write(back, again, sizeof(again), err, sizeof(err)) > 0);
	CHECK_STR(again, line);
}

static void test_nfs_every_option(void)
{
	struct capture_config c, b;

	config_defaults(&c);
	c.target = TARGET_NFS;
	c.have_nic = 1;
	c.nic = (struct pci_fn){ .kind = PCI_FN_E1000, .seg = 1, .bus = 0x3a, .dev = 0x1f, .fn = 7 };
	c.have_mac = 1;
	memcpy(c.mac, "\x52\x54\x00\xab\xcd\xef", 6);
	c.ip = 0xc0a80714;
	c.netmask = 0xfffffe00;
	c.gateway = 0xc0a80701;
	c.nfs_server = 0x0a000202;
	strcpy(c.nfs_export, "/srv/a=b,c/\xc3\xa9t\xc3\xa9");
	c.mount_port = 635;
	c.nfs_port = 2049;
	strcpy(c.path, "/dumps/x=y");
	c.timeout_s = 86400;
	c.nfs_inflight = 16;
	c.host_ip = 0xc0a80714;
	c.dump_level = 31;
	c.compress = COMPRESS_ZSTD;
	c.format = FORMAT_ELF;
	c.failure_action = ACTION_POWEROFF;
	c.final_action = ACTION_HALT;
	c.deadline_s = 604800;
	c.cpus = 4096;
	c.have_bsp_apicid = 1;
	c.bsp_apicid = 0xffffffffu;	/* x2APIC IDs are 32 bits */
	memset(&c.console, 0, sizeof(c.console));
	CHECK(console_spec_parse("mmio32@0xfedc9000:57600n8,screen", 32, &c.console) == 0);

	CHECK(round_trip(&c, &b) == 0);
	check_all_written(&c);
	CHECK(b.target == TARGET_NFS);
	CHECK(b.have_nic && b.nic.kind == PCI_FN_E1000 && b.nic.seg == 1 && b.nic.bus == 0x3a &&
	      b.nic.dev == 0x1f && b.nic.fn == 7 && b.nic.nsid == 0);
	CHECK(b.have_mac && memcmp(b.mac, c.mac, 6) == 0);
	CHECK_EQ_U64(b.ip, c.ip);
	CHECK_EQ_U64(b.netmask, c.netmask);
	CHECK(!b.dhcp);
	CHECK_EQ_U64(b.gateway, c.gateway);
	CHECK_EQ_U64(b.nfs_server, c.nfs_server);
	CHECK_STR(b.nfs_export, c.nfs_export);
	CHECK_EQ_U64(b.mount_port, 635);
	CHECK_EQ_U64(b.nfs_port, 2049);
	CHECK_STR(b.path, c.path);
	CHECK_EQ_U64(b.timeout_s, 86400);
	CHECK_EQ_U64(b.nfs_inflight, 16);
	CHECK_EQ_U64(b.host_ip, c.host_ip);
	CHECK_EQ_U64(b.dump_level, 31);
	CHECK(b.compress == COMPRESS_ZSTD && b.format == FORMAT_ELF);
	CHECK(b.failure_action == ACTION_POWEROFF && b.final_action == ACTION_HALT);
	CHECK_EQ_U64(b.deadline_s, 604800);
	CHECK_EQ_U64(b.cpus, 4096);
	CHECK(b.have_bsp_apicid && b.bsp_apicid == 0xffffffffu);
	CHECK(b.console.nr_uarts == 1 && b.console.screen &&
	      b.console.uart[0].type == UART_MMIO32 && b.console.uart[0].addr == 0xfedc9000 &&
	      b.console.uart[0].baud == 57600);
	/* Disk options do not apply to nfs: not written even if set. */
	CHECK(!b.have_disk && !b.have_part && !b.have_partuuid && !b.have_mbr);
	check_fixed_point(&b);

	/* dhcp instead of an address */
	c.dhcp = 1;
	CHECK(round_trip(&c, &b) == 0);
	CHECK(strstr(line, " dumpling.ip=dhcp ") != NULL);
	CHECK(b.dhcp);
}

static void test_disk_every_option(void)
{
	static const uint8_t guid[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
					  0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01 };
	struct capture_config c, b;

	config_defaults(&c);
	c.target = TARGET_EXT4;
	c.have_disk = 1;
	c.disk = (struct pci_fn){ .kind = PCI_FN_NVME, .seg = 0, .bus = 1, .dev = 0, .fn = 0,
				  .nsid = 0xffffffffu };
	c.have_part = 1;
	c.part_start = 1ull << 20;
	c.part_len = 0xffffffffffull;
	c.have_partuuid = 1;
	memcpy(c.partuuid, guid, 16);
	c.have_mbr = 1;			/* both identities: each has its own option */
	c.mbr_signature = 0x1a2b3c4d;
	c.mbr_partno = 128;
	strcpy(c.path, "/");
	c.dump_level = 17;
	c.deadline_s = 1;
	c.cpus = 1;
	c.have_bsp_apicid = 1;		/* APIC ID 0 is written: it has a have_ flag */
	c.bsp_apicid = 0;
	c.queue_depth = 32;
	CHECK(round_trip(&c, &b) == 0);
	check_all_written(&c);
	CHECK(b.target == TARGET_EXT4);
	CHECK(b.have_disk && b.disk.kind == PCI_FN_NVME && b.disk.bus == 1 &&
	      b.disk.nsid == 0xffffffffu);
	CHECK(b.have_part && b.part_start == c.part_start && b.part_len == c.part_len);
	CHECK(b.have_partuuid && memcmp(b.partuuid, guid, 16) == 0);
	CHECK(b.have_mbr && b.mbr_signature == 0x1a2b3c4d && b.mbr_partno == 128);
	CHECK_STR(b.path, "/");
	CHECK_EQ_U64(b.host_ip, 0x7f000001);
	CHECK_EQ_U64(b.dump_level, 17);
	CHECK_EQ_U64(b.deadline_s, 1);
	CHECK_EQ_U64(b.cpus, 1);
	CHECK(b.have_bsp_apicid && b.bsp_apicid == 0);
	CHECK_EQ_U64(b.queue_depth, 32);
	CHECK(!b.have_nic && !b.nfs_server);
	check_fixed_point(&b);

	/* raw: no path or hostip on the line (raw writes at offset 0) */
	c.target = TARGET_RAW;
	strcpy(c.path, "/ignored");
	CHECK(round_trip(&c, &b) == 0);
	check_all_written(&c);
	CHECK(strstr(line, "dumpling.path=") == NULL);
	CHECK(strstr(line, "dumpling.hostip=") == NULL);
	CHECK(b.target == TARGET_RAW);
	check_fixed_point(&b);

	/* Options whose 0 means "not given" stay off the line. */
	config_defaults(&c);
	c.target = TARGET_RAW;
	c.have_disk = 1;
	c.disk.kind = PCI_FN_VIRTIO_BLK;
	c.disk.dev = 4;
	CHECK(round_trip(&c, &b) == 0);
	CHECK_STR(line, "dumpling.target=raw dumpling.disk=virtio-blk@0000:00:04.0 "
		  "dumpling.dump_level=0 dumpling.compress=none dumpling.format=kdump "
		  "dumpling.failure_action=reboot dumpling.final_action=reboot "
		  "dumpling.console=io@0x3f8:115200n8,screen");
	CHECK(b.deadline_s == 0 && !b.have_part && b.queue_depth == 0);
}

/* The schema's defaults are what config_defaults gives, spelled as the writer
 * spells them. */
static void test_defaults(void)
{
	struct capture_config c;
	char v[512];
	int ndef = 0;

	config_defaults(&c);
	CHECK_STR(c.path, DEFAULT_DUMP_PATH);
	CHECK_STR(c.path, "/var/crash");
	CHECK_EQ_U64(c.host_ip, 0x7f000001);
	CHECK(c.target == TARGET_NONE && c.dump_level == 0 && c.compress == COMPRESS_NONE &&
	      c.format == FORMAT_KDUMP && c.failure_action == ACTION_REBOOT &&
	      c.final_action == ACTION_REBOOT && c.timeout_s == 0 && c.deadline_s == 0);
	for (size_t i = 0; i < cmdline_noptions; i++) {
		const struct cmdline_option *o = &cmdline_options[i];

		if (!o->def)
			continue;
		ndef++;
		CHECK(cmdline_option_format(o, &c, v, sizeof(v)) > 0);
		CHECK_STR(v, o->def);
	}
	CHECK(ndef >= 7);
	/* No target: nothing to write. */
	CHECK(cmdline_write(&c, line, sizeof(line), err, sizeof(err)) == -1);
	CHECK(strstr(err, "no dump target") != NULL);
}

/* Every name the table knows is found, '-' for '_' too; others are not. */
static void test_names(void)
{
	enum action a;

	for (size_t i = 0; i < cmdline_noptions; i++) {
		const char *n = cmdline_options[i].name;
		char dashed[64];

		CHECK(cmdline_option_find((struct span){ n, strlen(n) }) == &cmdline_options[i]);
		snprintf(dashed, sizeof(dashed), "%s", n);
		for (char *p = dashed; *p; p++)
			if (*p == '_')
				*p = '-';
		CHECK(cmdline_option_find((struct span){ dashed, strlen(dashed) }) ==
		      &cmdline_options[i]);
	}
	CHECK(cmdline_option_find((struct span){ "pathx", 5 }) == NULL);
	CHECK(cmdline_option_find((struct span){ "pat", 3 }) == NULL);

	CHECK_STR(action_name(ACTION_HALT), "halt");
	CHECK(action_parse("poweroff", &a) == 0 && a == ACTION_POWEROFF);
	CHECK(action_parse("reboot", &a) == 0 && a == ACTION_REBOOT);
	CHECK(action_parse("shell", &a) == -1);
	CHECK(action_parse("Halt", &a) == -1);
	CHECK_STR(action_name((enum action)9), "?");
	CHECK_STR(compress_name(COMPRESS_ZSTD), "zstd");
	CHECK_STR(format_name(FORMAT_ELF), "elf");
	CHECK_STR(target_name(TARGET_EXT4), "ext4");
}

/* The writer refuses c, naming the option. */
static void refused(const struct capture_config *c, const char *option)
{
	line[0] = 'x';
	err[0] = 0;
	if (cmdline_write(c, line, sizeof(line), err, sizeof(err)) == -1 && strstr(err, option) &&
	    line[0] == 0) {
		test_passed++;
	} else {
		test_failed++;
		fprintf(stderr, "want %s refused; err \"%s\", line \"%s\"\n", option, err, line);
	}
}

static void test_hostile_values(void)
{
	static const char *const bad_paths[] = {
		"/var/crash\fdumpling.target=raw", "/x\vdumpling.nfs=10.0.0.9:/evil",
		"/a b", "/a\tb", "/a\nb", "/a\rb", "/var/\"crash dumpling.dump_level=0",
		"/a\001b", "/a\x7f", "relative/path", "",
	};
	struct capture_config c, base;

	config_defaults(&base);
	base.target = TARGET_NFS;
	base.have_nic = 1;
	base.nic.kind = PCI_FN_VIRTIO_NET;
	base.nic.dev = 3;
	base.ip = 0x0a00020f;
	base.netmask = 0xffffff00;
	base.nfs_server = 0x0a000202;
	strcpy(base.nfs_export, "/srv");
	c = base;
	CHECK(cmdline_write(&c, line, sizeof(line), err, sizeof(err)) > 0);

	for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		c = base;
		strcpy(c.path, bad_paths[i]);
		refused(&c, "dumpling.path");
	}
	/* A path that fills the field, unterminated, is refused, not overrun. */
	c = base;
	memset(c.path, 'a', sizeof(c.path));
	c.path[0] = '/';
	refused(&c, "dumpling.path");

	/* The issue's \f in an nfs value: a raw dump over another disk. */
	c = base;
	strcpy(c.nfs_export, "/srv\fdumpling.target=raw\fdumpling.disk=nvme@00:05.0");
	refused(&c, "dumpling.nfs");
	c = base;
	strcpy(c.nfs_export, "srv");		/* the parser wants :/ */
	refused(&c, "dumpling.nfs");
	c = base;
	c.nfs_export[0] = 0;
	refused(&c, "dumpling.nfs");

	/* Values the struct can hold but the line cannot say. */
	c = base;
	c.compress = (enum compress)7;
	refused(&c, "dumpling.compress");
	c = base;
	c.final_action = (enum action)3;
	refused(&c, "dumpling.final_action");
	c = base;
	c.nic.kind = PCI_FN_NONE;
	refused(&c, "dumpling.nic");
	c = base;
	c.nic.kind = (enum pci_fn_kind)99;
	refused(&c, "dumpling.nic");
	c = base;
	c.netmask = 0xff00ff00;			/* not a prefix */
	refused(&c, "dumpling.ip");
	c = base;
	c.netmask = 0;
	refused(&c, "dumpling.ip");
	c = base;
	c.dump_level = 32;
	refused(&c, "dumpling.dump_level");
	c = base;
	c.timeout_s = 86401;
	refused(&c, "dumpling.timeout");
	c = base;
	c.deadline_s = 604801;
	refused(&c, "dumpling.deadline");
	c = base;
	c.nfs_inflight = 17;
	refused(&c, "dumpling.nfs_inflight");
	c.target = TARGET_RAW;
	c.have_disk = 1;
	c.disk.kind = PCI_FN_VIRTIO_BLK;
	c.queue_depth = 33;
	refused(&c, "dumpling.queue_depth");
	c = base;
	c.mount_port = 635;			/* one port without the other */
	refused(&c, "dumpling.nfs_ports");

	c = base;
	c.target = TARGET_RAW;
	c.have_disk = 1;
	c.disk.kind = PCI_FN_VIRTIO_BLK;
	c.have_part = 1;
	c.part_start = 1;
	c.part_len = 0;
	refused(&c, "dumpling.part");
	c.part_len = UINT64_MAX;		/* start + len wraps */
	refused(&c, "dumpling.part");
	c.part_len = 1;
	c.have_mbr = 1;
	c.mbr_partno = 0;
	refused(&c, "dumpling.mbr");
	c.mbr_partno = 1;
	c.disk.dev = 0x20;			/* beyond a PCI device number */
	refused(&c, "dumpling.disk");

	/* Too small a buffer is an error, not a cut line. */
	c = base;
	CHECK(cmdline_write(&c, line, 40, err, sizeof(err)) == -1);
	CHECK(strstr(err, "too long") != NULL);
}

/* What the writer refuses the parser refuses too: a value read from a hostile
 * line is one the parser accepted whole, so it never splits. */
static void test_parser_reads_one_word_per_value(void)
{
	struct capture_config c;
	char perr[256];

	config_defaults(&c);
	CHECK(cmdline_parse("dumpling.disk=foo@00:04.0", &c, perr, sizeof(perr)) == -1);
	CHECK(strstr(perr, "dumpling.disk") != NULL);
	config_defaults(&c);
	CHECK(cmdline_parse("dumpling.nic=e1000@00:03.0 dumpling.target=nfs", &c, perr,
			    sizeof(perr)) == 0);
	CHECK(c.have_nic && c.nic.kind == PCI_FN_E1000 && c.target == TARGET_NFS);
	CHECK(cmdline_parse("dumpling.target=none", &c, perr, sizeof(perr)) == -1);
}

int main(void)
{
	test_nfs_every_option();
	test_disk_every_option();
	test_defaults();
	test_names();
	test_hostile_values();
	test_parser_reads_one_word_per_value();
	return test_summary("test_cmdline_schema");
}
