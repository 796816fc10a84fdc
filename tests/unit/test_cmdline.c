/* capture/cmdline.c: docs/cmdline.md, the kernel's quoting and memparse. */
#include <string.h>

#include "capture/config.h"
#include "test.h"

static struct capture_config c;
static char err[256];

static int parse(const char *s)
{
	config_defaults(&c);
	return cmdline_parse(s, &c, err, sizeof(err));
}

/* A bad value fails, and the message names the option. */
static void bad(const char *s, const char *option)
{
	CHECK(parse(s) == -1);
	if (!strstr(err, option)) {
		CHECK(!"message names the option");
		fprintf(stderr, "  for \"%s\": \"%s\"\n", s, err);
	}
}

int main(void)
{
	/* Defaults */
	config_defaults(&c);
	CHECK(c.have_elfcorehdr == 0);
	CHECK(c.target == TARGET_NONE);
	CHECK(c.dump_level == 0);
	CHECK(c.compress == COMPRESS_NONE);
	CHECK(c.format == FORMAT_KDUMP);
	CHECK(c.failure_action == ACTION_REBOOT && c.final_action == ACTION_REBOOT);
	CHECK_STR(action_name(ACTION_REBOOT), "reboot");
	CHECK_STR(action_name(ACTION_HALT), "halt");
	CHECK_STR(action_name(ACTION_POWEROFF), "poweroff");

	/* elfcorehdr as kexec_file_load writes it, at the front */
	CHECK(parse("elfcorehdr=0x3b000000 console=ttyS0 dumpling.target=raw") == 0);
	CHECK(c.have_elfcorehdr);
	CHECK_EQ_U64(c.elfcorehdr_addr, 0x3b000000);
	CHECK_EQ_U64(c.elfcorehdr_size, 0);
	CHECK(c.target == TARGET_RAW);
	/* ... and as kexec-tools appends it, in KiB */
	CHECK(parse("console=ttyS0 elfcorehdr=1031540K") == 0);
	CHECK_EQ_U64(c.elfcorehdr_addr, 1031540ull * 1024);
	CHECK(parse("elfcorehdr=4096@0x7f000000") == 0);
	CHECK_EQ_U64(c.elfcorehdr_size, 4096);
	CHECK_EQ_U64(c.elfcorehdr_addr, 0x7f000000);
	CHECK(parse("elfcorehdr=64K@1G") == 0);
	CHECK_EQ_U64(c.elfcorehdr_size, 65536);
	CHECK_EQ_U64(c.elfcorehdr_addr, 1ull << 30);
	CHECK(parse("elfcorehdr=2m") == 0);
	CHECK_EQ_U64(c.elfcorehdr_addr, 2ull << 20);
	CHECK(parse("elfcorehdr=1T") == 0);
	CHECK_EQ_U64(c.elfcorehdr_addr, 1ull << 40);
	CHECK(parse("elfcorehdr=010") == 0);		/* memparse: octal */
	CHECK_EQ_U64(c.elfcorehdr_addr, 8);
	CHECK(parse("elfcorehdr=0") == 0);
	CHECK_EQ_U64(c.elfcorehdr_addr, 0);
	CHECK(parse("elfcorehdr=0x1000 elfcorehdr=0x2000") == 0);	/* last wins */
	CHECK_EQ_U64(c.elfcorehdr_addr, 0x2000);
	bad("elfcorehdr=", "elfcorehdr");
	bad("elfcorehdr", "elfcorehdr");
	bad("elfcorehdr=xyz", "elfcorehdr");
	bad("elfcorehdr=0x", "elfcorehdr");
	bad("elfcorehdr=12Q", "elfcorehdr");
	bad("elfcorehdr=1@", "elfcorehdr");
	bad("elfcorehdr=@1", "elfcorehdr");
	bad("elfcorehdr=1@2@3", "elfcorehdr");
	bad("elfcorehdr=99999999999999999999", "elfcorehdr");
	bad("elfcorehdr=17179869184G", "elfcorehdr");	/* 2^34 G overflows */

	/* acpi_rsdp: hex; a bad one is ignored, not fatal */
	CHECK(parse("acpi_rsdp=0xf05b0") == 0);
	CHECK_EQ_U64(c.acpi_rsdp, 0xf05b0);
	CHECK(parse("acpi_rsdp=7fb7e014") == 0);
	CHECK_EQ_U64(c.acpi_rsdp, 0x7fb7e014);
	CHECK(parse("acpi_rsdp=zz") == 0);
	CHECK_EQ_U64(c.acpi_rsdp, 0);

	/* Disk */
	CHECK(parse("dumpling.disk=virtio-blk@0000:00:04.0") == 0);
	CHECK(c.have_disk);
	CHECK(c.disk.kind == PCI_FN_VIRTIO_BLK);
	CHECK(c.disk.seg == 0 && c.disk.bus == 0 && c.disk.dev == 4 && c.disk.fn == 0);
	CHECK(c.disk.nsid == 0);
	CHECK(parse("dumpling.disk=nvme@0001:3a:1f.7/2") == 0);
	CHECK(c.disk.kind == PCI_FN_NVME);
	CHECK(c.disk.seg == 1 && c.disk.bus == 0x3a && c.disk.dev == 0x1f && c.disk.fn == 7);
	CHECK_EQ_U64(c.disk.nsid, 2);
	CHECK(parse("dumpling.disk=nvme@00:05.0") == 0);	/* no segment */
	CHECK(c.disk.seg == 0 && c.disk.bus == 0 && c.disk.dev == 5);
	bad("dumpling.disk=virtio-blk", "dumpling.disk");
	bad("dumpling.disk=@0000:00:04.0", "dumpling.disk");
	bad("dumpling.disk=nvme@0000:00:20.0", "dumpling.disk");	/* dev > 0x1f */
	bad("dumpling.disk=nvme@0000:00:04.8", "dumpling.disk");	/* fn > 7 */
	bad("dumpling.disk=nvme@0000:100:04.0", "dumpling.disk");	/* bus > 0xff */
	bad("dumpling.disk=nvme@10000:00:04.0", "dumpling.disk");
	bad("dumpling.disk=nvme@0000:00:04.0/0", "dumpling.disk");	/* nsid 0 */
	bad("dumpling.disk=nvme@0000:00:04.0/", "dumpling.disk");
	bad("dumpling.disk=nvme@0000:00:04.0x", "dumpling.disk");
	bad("dumpling.disk=nvme@0000:00:04", "dumpling.disk");
	bad("dumpling.disk=averyveryverylongdriver@0000:00:04.0", "dumpling.disk");
	bad("dumpling.disk=Nv!me@0000:00:04.0", "dumpling.disk");

	/* Partition */
	CHECK(parse("dumpling.part=1048576+0x40000000") == 0);
	CHECK(c.have_part);
	CHECK_EQ_U64(c.part_start, 1048576);
	CHECK_EQ_U64(c.part_len, 0x40000000);
	bad("dumpling.part=1048576", "dumpling.part");
	bad("dumpling.part=1+0", "dumpling.part");
	bad("dumpling.part=+5", "dumpling.part");
	bad("dumpling.part=0xffffffffffffffff+2", "dumpling.part");
	bad("dumpling.part=1x+2", "dumpling.part");

	/* dump_level, compress, format, actions */
	CHECK(parse("dumpling.dump_level=31 dumpling.compress=zstd dumpling.format=elf") == 0);
	CHECK(c.dump_level == 31 && c.compress == COMPRESS_ZSTD && c.format == FORMAT_ELF);
	CHECK(parse("dumpling.dump_level=0x1f") == 0);
	CHECK(c.dump_level == 31);
	CHECK(parse("dumpling.dump-level=3") == 0);	/* - and _ are the same */
	CHECK(c.dump_level == 3);
	bad("dumpling.dump_level=32", "dumpling.dump_level");
	bad("dumpling.dump_level=-1", "dumpling.dump_level");
	bad("dumpling.dump_level=", "dumpling.dump_level");
	bad("dumpling.dump_level", "dumpling.dump_level");
	bad("dumpling.dump_level=99999999999999999999999", "dumpling.dump_level");
	bad("dumpling.compress=gzip", "dumpling.compress");
	bad("dumpling.format=raw", "dumpling.format");
	bad("dumpling.target=ssh", "dumpling.target");
	CHECK(parse("dumpling.failure_action=halt dumpling.final_action=poweroff") == 0);
	CHECK(c.failure_action == ACTION_HALT && c.final_action == ACTION_POWEROFF);
	bad("dumpling.final_action=explode", "dumpling.final_action");
	bad("dumpling.failure_action=Reboot", "dumpling.failure_action");

	/* Unknown words and unknown dumpling.* options are ignored */
	CHECK(parse("quiet root=/dev/sda1 dumpling.future_option=1 -- init=/bin/sh") == 0);
	CHECK(parse("") == 0);
	CHECK(parse("   \t\n ") == 0);
	CHECK(cmdline_parse(NULL, &c, err, sizeof(err)) == 0);
	CHECK(parse("xdumpling.dump_level=99 dumpling=3 dumpling.=4") == 0);

	/* Quotes, as the kernel's next_arg() handles them */
	CHECK(parse("foo=\"a b c\" dumpling.dump_level=5") == 0);
	CHECK(c.dump_level == 5);
	CHECK(parse("\"dumpling.dump_level=7\" x") == 0);
	CHECK(c.dump_level == 7);
	CHECK(parse("dumpling.final_action=\"halt\"") == 0);
	CHECK(c.final_action == ACTION_HALT);
	CHECK(parse("x=\"dumpling.dump_level=9 \" dumpling.dump_level=2") == 0);
	CHECK(c.dump_level == 2);			/* the quoted one is x's value */
	CHECK(parse("x=\"unterminated dumpling.dump_level=9") == 0);
	CHECK(c.dump_level == 0);			/* swallowed by the quote */
	bad("dumpling.compress=\"zs td\"", "dumpling.compress");
	CHECK(parse("dumpling.dump_level=\"") == -1);

	/* Everything together, and the error buffer can be tiny */
	CHECK(parse("elfcorehdr=0x7f000000 dumpling.target=raw "
		    "dumpling.disk=virtio-blk@0000:00:04.0 dumpling.part=1048576+104857600 "
		    "dumpling.dump_level=1 dumpling.compress=none dumpling.format=kdump "
		    "dumpling.failure_action=poweroff dumpling.final_action=reboot") == 0);
	CHECK(c.have_elfcorehdr && c.target == TARGET_RAW && c.have_disk && c.have_part);
	CHECK(c.dump_level == 1 && c.failure_action == ACTION_POWEROFF);
	/* dumpling.deadline: seconds for the whole capture; 0 means "scale with RAM". */
	CHECK(parse("dumpling.target=raw") == 0 && c.deadline_s == 0);
	CHECK(parse("dumpling.deadline=25") == 0 && c.deadline_s == 25);
	CHECK(parse("dumpling.deadline=604800") == 0 && c.deadline_s == 604800);
	bad("dumpling.deadline=0", "dumpling.deadline");
	bad("dumpling.deadline=604801", "dumpling.deadline");
	bad("dumpling.deadline=1h", "dumpling.deadline");
	bad("dumpling.deadline", "dumpling.deadline");
	/* dumpling.cpus: at most this many CPUs; 0 (not given) is all of them. */
	CHECK(parse("dumpling.target=raw") == 0 && c.cpus == 0);
	CHECK(parse("dumpling.cpus=1") == 0 && c.cpus == 1);
	CHECK(parse("dumpling.cpus=4096") == 0 && c.cpus == 4096);
	bad("dumpling.cpus=0", "dumpling.cpus");
	bad("dumpling.cpus=4097", "dumpling.cpus");
	bad("dumpling.cpus=all", "dumpling.cpus");
	bad("dumpling.cpus=-1", "dumpling.cpus");
	/* dumpling.bsp_apicid: the boot CPU never to INIT; APIC ID 0 is a real one. */
	CHECK(parse("dumpling.target=raw") == 0 && !c.have_bsp_apicid);
	CHECK(parse("dumpling.bsp_apicid=0") == 0 && c.have_bsp_apicid && c.bsp_apicid == 0);
	CHECK(parse("dumpling.bsp_apicid=4294967295") == 0 && c.bsp_apicid == 0xffffffffu);
	bad("dumpling.bsp_apicid=4294967296", "dumpling.bsp_apicid");
	bad("dumpling.bsp_apicid=x", "dumpling.bsp_apicid");
	bad("dumpling.bsp_apicid", "dumpling.bsp_apicid");
	/* dumpling.nfs_inflight: WRITEs outstanding; 0 (not given) is the sink's default. */
	CHECK(parse("dumpling.target=nfs") == 0 && c.nfs_inflight == 0);
	CHECK(parse("dumpling.nfs_inflight=1") == 0 && c.nfs_inflight == 1);
	CHECK(parse("dumpling.nfs-inflight=16") == 0 && c.nfs_inflight == 16);
	bad("dumpling.nfs_inflight=0", "dumpling.nfs_inflight");
	bad("dumpling.nfs_inflight=17", "dumpling.nfs_inflight");
	/* dumpling.queue_depth: disk writes in flight; 0 (not given): the driver's default. */
	CHECK(parse("dumpling.target=raw") == 0 && c.queue_depth == 0);
	CHECK(parse("dumpling.queue_depth=1") == 0 && c.queue_depth == 1);
	CHECK(parse("dumpling.queue-depth=32") == 0 && c.queue_depth == 32);
	bad("dumpling.queue_depth=0", "dumpling.queue_depth");
	bad("dumpling.queue_depth=33", "dumpling.queue_depth");
	/* Test switches are the image's business: accepted, changing nothing here. */
	CHECK(parse("dumpling.test=fault,nowatchdog dumpling.dump_level=3") == 0 && c.dump_level == 3);
	{
		char tiny[8];
		config_defaults(&c);
		CHECK(cmdline_parse("dumpling.format=zzz", &c, tiny, sizeof(tiny)) == -1);
		CHECK(strlen(tiny) == 7);
		CHECK(cmdline_parse("dumpling.format=zzz", &c, tiny, 0) == -1);
	}
	return test_summary("test_cmdline");
}
