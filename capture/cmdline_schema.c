/*
 * The dumpling.* options (cmdline_schema.h): the table, and for each type of
 * value its reader and its writer, side by side.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/cmdline_schema.h"
#include "capture/cmdline_word.h"
#include "capture/fmt.h"

/* ---- names ------------------------------------------------------------ */

static const char *const target_names[] = {
	[TARGET_RAW] = "raw", [TARGET_EXT4] = "ext4",
	[TARGET_NFS] = "nfs",
};
static const char *const action_names[] = {
	[ACTION_REBOOT] = "reboot", [ACTION_HALT] = "halt", [ACTION_POWEROFF] = "poweroff",
};
static const char *const compress_names[] = {
	[COMPRESS_NONE] = "none", [COMPRESS_ZSTD] = "zstd",
};
static const char *const format_names[] = {
	[FORMAT_KDUMP] = "kdump", [FORMAT_ELF] = "elf",
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n && names[v] ? names[v] : "?";
}

const char *target_name(enum target_kind t)
{
	return name_of(target_names, NELEM(target_names), t);
}

const char *action_name(enum action a)
{
	return name_of(action_names, NELEM(action_names), a);
}

int action_parse(const char *name, enum action *a)
{
	for (unsigned i = 0; i < NELEM(action_names); i++)
		if (!strcmp(name, action_names[i])) {
			*a = (enum action)i;
			return 0;
		}
	return -1;
}

const char *compress_name(enum compress z)
{
	return name_of(compress_names, NELEM(compress_names), z);
}

const char *format_name(enum dump_format f)
{
	return name_of(format_names, NELEM(format_names), f);
}

/* ---- the table ---------------------------------------------------------- */

#define AT(field)	offsetof(struct capture_config, field)

/* The table reaches fields through offsets: enums as unsigned, flags as int. */
_Static_assert(sizeof(enum target_kind) == sizeof(unsigned) &&
	       sizeof(enum action) == sizeof(unsigned) &&
	       sizeof(enum compress) == sizeof(unsigned) &&
	       sizeof(enum dump_format) == sizeof(unsigned), "enums are not unsigned-sized");

#define ENUM(tbl)	.names = tbl, .nnames = NELEM(tbl)

/* Table order is the order the writer writes in. */
const struct cmdline_option cmdline_options[] = {
	/* No default: without a target the image has nowhere to write. */
	{ "target", OPT_ENUM, AT(target), ENUM(target_names), .def = NULL,
	  .targets = FOR_ALL, .when = WRITE_ALWAYS, .expect = "raw, ext4 or nfs" },
	{ "disk", OPT_PCI_FN, AT(disk), AT(have_disk), .targets = FOR_DISK,
	  .when = WRITE_IF_HAVE,
	  .expect = "DRIVER@SEG:BUS:DEV.FN[/NSID], e.g. virtio-blk@0000:00:04.0" },
	{ "nic", OPT_PCI_FN, AT(nic), AT(have_nic), .targets = FOR_NFS, .when = WRITE_IF_HAVE,
	  .expect = "DRIVER@SEG:BUS:DEV.FN, e.g. e1000@0000:00:03.0" },
	{ "mac", OPT_HEX_BYTES, AT(mac), AT(have_mac), .pattern = "x:x:x:x:x:x",
	  .targets = FOR_NFS, .when = WRITE_IF_HAVE, .expect = "a MAC address, xx:xx:xx:xx:xx:xx" },
	{ "ip", OPT_IP_PREFIX, AT(ip), .targets = FOR_NFS, .when = WRITE_ALWAYS,
	  .expect = "ADDRESS/PREFIX, e.g. 10.0.2.15/24, or dhcp" },
	{ "gw", OPT_IPV4, AT(gateway), .targets = FOR_NFS, .when = WRITE_IF_NONZERO,
	  .expect = "an IPv4 address" },
	{ "nfs", OPT_NFS, AT(nfs_server), .targets = FOR_NFS, .when = WRITE_ALWAYS,
	  .expect = "SERVER-IP:/EXPORT" },
	{ "nfs_ports", OPT_PORTS, AT(mount_port), .targets = FOR_NFS, .when = WRITE_IF_NONZERO,
	  .expect = "MOUNTPORT,NFSPORT" },
	{ "part", OPT_PART, AT(part_start), AT(have_part), .targets = FOR_DISK,
	  .when = WRITE_IF_HAVE, .expect = "START+LENGTH in bytes" },
	{ "partuuid", OPT_HEX_BYTES, AT(partuuid), AT(have_partuuid),
	  .pattern = "xxxx-xx-xx-xx-xxxxxx", .targets = FOR_DISK, .when = WRITE_IF_HAVE,
	  .expect = "a UUID, xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" },
	{ "mbr", OPT_MBR, AT(mbr_signature), AT(have_mbr), .targets = FOR_DISK,
	  .when = WRITE_IF_HAVE, .expect = "DISKSIGNATURE-PARTNO in hex-decimal, e.g. 1a2b3c4d-2" },
	{ "path", OPT_PATH, AT(path), .def = DEFAULT_DUMP_PATH, .targets = FOR_FILES,
	  .when = WRITE_ALWAYS, .expect = "an absolute path shorter than 256 bytes" },
	{ "timeout", OPT_U32, AT(timeout_s), .min = 1, .max = 86400, .targets = FOR_NFS,
	  .when = WRITE_IF_NONZERO, .expect = "seconds, 1..86400" },
	/* For benchmarks: 1 is one WRITE at a time; 0 is net/nfs_sink.h's NFS_WINDOW. */
	{ "nfs_inflight", OPT_U32, AT(nfs_inflight), .min = 1, .max = 16, .targets = FOR_NFS,
	  .when = WRITE_IF_NONZERO, .expect = "WRITEs in flight, 1..16" },
	/* The <ip> of <ip>-<date>; 127.0.0.1 for local targets, as kdump names them. */
	{ "hostip", OPT_IPV4, AT(host_ip), .def = "127.0.0.1", .targets = FOR_FILES,
	  .when = WRITE_ALWAYS, .expect = "an IPv4 address" },
	{ "dump_level", OPT_INT, AT(dump_level), .min = 0, .max = 31, .def = "0",
	  .targets = FOR_ALL, .when = WRITE_ALWAYS, .expect = "a number 0..31" },
	{ "compress", OPT_ENUM, AT(compress), ENUM(compress_names), .def = "none",
	  .targets = FOR_ALL, .when = WRITE_ALWAYS, .expect = "none or zstd" },
	{ "format", OPT_ENUM, AT(format), ENUM(format_names), .def = "kdump",
	  .targets = FOR_ALL, .when = WRITE_ALWAYS, .expect = "kdump or elf" },
	{ "failure_action", OPT_ENUM, AT(failure_action), ENUM(action_names), .def = "reboot",
	  .targets = FOR_ALL, .when = WRITE_ALWAYS, .expect = "reboot, halt or poweroff" },
	{ "final_action", OPT_ENUM, AT(final_action), ENUM(action_names), .def = "reboot",
	  .targets = FOR_ALL, .when = WRITE_ALWAYS, .expect = "reboot, halt or poweroff" },
	{ "deadline", OPT_U32, AT(deadline_s), .min = 1, .max = 604800, .targets = FOR_ALL,
	  .when = WRITE_IF_NONZERO, .expect = "seconds, 1..604800" },
	/* 0, not given: every CPU the MADT lists (docs/smp.md). */
	{ "cpus", OPT_U32, AT(cpus), .min = 1, .max = 4096, .targets = FOR_ALL,
	  .when = WRITE_IF_NONZERO, .expect = "a number of CPUs, 1..4096" },
	/* The crashed kernel's boot CPU, which must never get an INIT (docs/smp.md). */
	{ "bsp_apicid", OPT_U32, AT(bsp_apicid), AT(have_bsp_apicid), .min = 0,
	  .max = 0xffffffffu, .targets = FOR_ALL, .when = WRITE_IF_HAVE,
	  .expect = "an APIC ID, 0..4294967295" },
	/* Disk writes in flight (drivers/blk_queue.h); 0, not given: the driver's default. */
	{ "queue_depth", OPT_U32, AT(queue_depth), .min = 1, .max = 32, .targets = FOR_DISK,
	  .when = WRITE_IF_NONZERO, .expect = "writes in flight, 1..32" },
	/* The default is console_spec_default(): COM1 and the screen. */
	{ "console", OPT_CONSOLE, AT(console), .targets = FOR_ALL, .when = WRITE_ALWAYS,
	  .expect = "none, or screen and up to 4 of io@0xPORT[:BAUDpb], mmio@0xADDR[:BAUDpb], "
		    "mmio32@0xADDR[:BAUDpb], separated by commas (docs/console.md)" },
	{ "test", OPT_IGNORED, 0, .targets = 0, .when = WRITE_NEVER, .expect = "" },
};
const size_t cmdline_noptions = NELEM(cmdline_options);

int span_name_is(struct span s, const char *name)
{
	if (strlen(name) != s.len)
		return 0;
	for (size_t i = 0; i < s.len; i++) {
		char a = s.p[i] == '-' ? '_' : s.p[i];
		char b = name[i] == '-' ? '_' : name[i];
		if (a != b)
			return 0;
	}
	return 1;
}

const struct cmdline_option *cmdline_option_find(struct span name)
{
	for (size_t i = 0; i < cmdline_noptions; i++)
		if (span_name_is(name, cmdline_options[i].name))
			return &cmdline_options[i];
	return NULL;
}

/* Every option's default is in the schema; the console's is console_spec's. */
void config_defaults(struct capture_config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < cmdline_noptions; i++) {
		const struct cmdline_option *o = &cmdline_options[i];

		if (o->def)
			cmdline_option_parse(o, (struct span){ o->def, strlen(o->def) }, c);
	}
	console_spec_default(&c->console);
}

/* ---- numbers ------------------------------------------------------------ */

static int span_is(struct span s, const char *word)
{
	return strlen(word) == s.len && memcmp(s.p, word, s.len) == 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	return -1;
}

/*
 * An unsigned number: 0x hex or decimal, and octal with a leading 0 when
 * octal is set (as memparse does). Parses as much as it can from s; returns
 * the digits used (0: none or overflow).
 */
static size_t parse_u64(const char *s, size_t len, int octal, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0, digits = 0;
	uint64_t v = 0;

	if (len >= 3 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && hexval(s[2]) >= 0) {
		base = 16;
		i = 2;
	} else if (octal && len >= 2 && s[0] == '0') {
		base = 8;
	}
	for (; i < len; i++) {
		int d = hexval(s[i]);

		if (d < 0 || (unsigned)d >= base)
			break;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return 0;
		v = v * base + (unsigned)d;
		digits++;
	}
	if (!digits)
		return 0;
	*out = v;
	return i;
}

int span_number(struct span v, uint64_t *out)
{
	return v.len && parse_u64(v.p, v.len, 0, out) == v.len ? 0 : -1;
}

/* Linux memparse: a number with an optional K/M/G/T/P/E suffix. */
size_t span_mem(const char *s, size_t len, uint64_t *out)
{
	size_t n = parse_u64(s, len, 1, out);
	unsigned shift = 0;

	if (!n)
		return 0;
	if (n < len) {
		switch (s[n]) {
		case 'E': case 'e': shift = 60; break;
		case 'P': case 'p': shift = 50; break;
		case 'T': case 't': shift = 40; break;
		case 'G': case 'g': shift = 30; break;
		case 'M': case 'm': shift = 20; break;
		case 'K': case 'k': shift = 10; break;
		}
	}
	if (shift) {
		if (*out > (UINT64_MAX >> shift))
			return 0;
		*out <<= shift;
		n++;
	}
	return n;
}

/* Hex with or without 0x (the kernel reads acpi_rsdp with kstrtoul(.., 16)). */
int span_hex(struct span v, uint64_t *out)
{
	uint64_t x = 0;
	size_t i = 0;

	if (v.len >= 2 && v.p[0] == '0' && (v.p[1] == 'x' || v.p[1] == 'X'))
		i = 2;
	if (i == v.len)
		return -1;
	for (; i < v.len; i++) {
		int d = hexval(v.p[i]);

		if (d < 0 || x >> 60)
			return -1;
		x = x << 4 | (unsigned)d;
	}
	*out = x;
	return 0;
}

static struct span sub(const char *from, const char *to)
{
	return (struct span){ from, (size_t)(to - from) };
}

/* ---- readers, one per type ------------------------------------------------ */

/* A hex field of a PCI address, up to max. */
static int pci_field(const char **p, const char *end, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	int n = 0;

	while (*p < end && hexval(**p) >= 0) {
		if (++n > 4)
			return -1;
		x = x << 4 | (unsigned)hexval(**p);
		(*p)++;
	}
	if (!n || x > max)
		return -1;
	*out = x;
	return 0;
}

/* DRIVER@[SEG:]BUS:DEV.FN[/NSID] */
static int parse_pci_fn(struct span v, struct pci_fn *d)
{
	const char *p = v.p, *end = v.p + v.len, *at;
	uint64_t a, b, x;

	memset(d, 0, sizeof(*d));
	at = memchr(p, '@', v.len);
	if (!at || (d->kind = pci_fn_kind_find(p, (size_t)(at - p))) == PCI_FN_NONE)
		return -1;
	p = at + 1;

	/* Two fields before the '.', or one: the segment is optional. */
	if (pci_field(&p, end, 0xffff, &a) || p == end || *p++ != ':')
		return -1;
	if (pci_field(&p, end, 0xffff, &b))
		return -1;
	if (p < end && *p == ':') {
		p++;
		if (b > 0xff)
			return -1;
		d->seg = (uint16_t)a;
		d->bus = (uint8_t)b;
		if (pci_field(&p, end, 0x1f, &x))
			return -1;
		d->dev = (uint8_t)x;
	} else {
		if (a > 0xff || b > 0x1f)
			return -1;
		d->bus = (uint8_t)a;
		d->dev = (uint8_t)b;
	}
	if (p == end || *p++ != '.')
		return -1;
	if (pci_field(&p, end, 7, &x))
		return -1;
	d->fn = (uint8_t)x;
	if (p < end && *p == '/') {
		if (span_number(sub(p + 1, end), &x) || x == 0 || x > 0xffffffffu)
			return -1;
		d->nsid = (uint32_t)x;
		p = end;
	}
	return p == end ? 0 : -1;
}

/* START+LENGTH in bytes. */
static int parse_part(struct span v, struct capture_config *c)
{
	const char *plus = memchr(v.p, '+', v.len);
	uint64_t start, len;

	if (!plus || span_number(sub(v.p, plus), &start) ||
	    span_number(sub(plus + 1, v.p + v.len), &len) || len == 0 || start + len < start)
		return -1;
	c->part_start = start;
	c->part_len = len;
	return 0;
}

/* A string value into a fixed buffer: too long is an error, not a cut. */
static int parse_string(struct span v, char *out, size_t size)
{
	if (v.len == 0 || v.len >= size || memchr(v.p, 0, v.len))
		return -1;
	memcpy(out, v.p, v.len);
	out[v.len] = 0;
	return 0;
}

/* Dotted-quad IPv4 into host byte order; returns the bytes used, 0 if none. */
static size_t ipv4_prefix(const char *p, size_t len, uint32_t *out)
{
	uint32_t ip = 0;
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		uint32_t n = 0;
		size_t digits = 0;

		if (part) {
			if (i >= len || p[i] != '.')
				return 0;
			i++;
		}
		while (i < len && p[i] >= '0' && p[i] <= '9' && digits < 4) {
			n = n * 10 + (uint32_t)(p[i++] - '0');
			digits++;
		}
		if (!digits || digits > 3 || n > 255)
			return 0;
		ip = ip << 8 | n;
	}
	*out = ip;
	return i;
}

static int parse_ipv4(struct span v, uint32_t *out)
{
	return v.len && ipv4_prefix(v.p, v.len, out) == v.len ? 0 : -1;
}

/* Hex pairs, and the separators where the pattern has them. */
static int parse_hex_bytes(struct span v, const char *pattern, uint8_t *out)
{
	size_t i = 0, o = 0;

	for (; *pattern; pattern++) {
		if (*pattern != 'x') {
			if (i >= v.len || v.p[i] != *pattern)
				return -1;
			i++;
			continue;
		}
		if (i + 2 > v.len || hexval(v.p[i]) < 0 || hexval(v.p[i + 1]) < 0)
			return -1;
		out[o++] = (uint8_t)(hexval(v.p[i]) << 4 | hexval(v.p[i + 1]));
		i += 2;
	}
	return i == v.len ? 0 : -1;
}

/* ADDR/PREFIX, e.g. 10.0.2.15/24; or "dhcp". */
static int parse_ip_prefix(struct span v, struct capture_config *c)
{
	uint64_t prefix;
	size_t n;

	if (span_is(v, "dhcp")) {
		c->dhcp = 1;
		return 0;
	}
	n = ipv4_prefix(v.p, v.len, &c->ip);
	if (!n || n + 1 >= v.len || v.p[n] != '/')
		return -1;
	if (span_number(sub(v.p + n + 1, v.p + v.len), &prefix) || prefix < 1 || prefix > 32)
		return -1;
	c->netmask = (uint32_t)(0xffffffffull << (32 - prefix));
	c->dhcp = 0;
	return 0;
}

/* SERVER:/export, server as an IPv4 address (the loader resolves names). */
static int parse_nfs(struct span v, struct capture_config *c)
{
	const char *colon = memchr(v.p, ':', v.len);

	if (!colon || parse_ipv4(sub(v.p, colon), &c->nfs_server))
		return -1;
	if (colon + 1 >= v.p + v.len || colon[1] != '/')
		return -1;
	return parse_string(sub(colon + 1, v.p + v.len), c->nfs_export, sizeof(c->nfs_export));
}

/* MOUNTPORT,NFSPORT */
static int parse_ports(struct span v, struct capture_config *c)
{
	const char *comma = memchr(v.p, ',', v.len);
	uint64_t m, n;

	if (!comma || span_number(sub(v.p, comma), &m) ||
	    span_number(sub(comma + 1, v.p + v.len), &n) || !m || !n || m > 65535 || n > 65535)
		return -1;
	c->mount_port = (uint16_t)m;
	c->nfs_port = (uint16_t)n;
	return 0;
}

/* DISKSIGNATURE-PARTNO, e.g. 1a2b3c4d-2 (MBR partitions have no UUID). */
static int parse_mbr(struct span v, struct capture_config *c)
{
	const char *dash = memchr(v.p, '-', v.len);
	uint64_t sig, part;

	if (!dash || span_hex(sub(v.p, dash), &sig) || sig > 0xffffffffu ||
	    span_number(sub(dash + 1, v.p + v.len), &part) || part < 1 || part > 128)
		return -1;
	c->mbr_signature = (uint32_t)sig;
	c->mbr_partno = (uint32_t)part;
	return 0;
}

static int parse_enum(const struct cmdline_option *o, struct span v, unsigned *out)
{
	for (unsigned i = 0; i < o->nnames; i++)
		if (o->names[i] && span_is(v, o->names[i])) {
			*out = i;
			return 0;
		}
	return -1;
}

int cmdline_option_parse(const struct cmdline_option *o, struct span v,
			 struct capture_config *c)
{
	char *field = (char *)c + o->off;
	uint64_t x;
	unsigned e;
	int r;

	switch (o->type) {
	case OPT_ENUM:
		if (parse_enum(o, v, &e))
			return -1;
		*(unsigned *)field = e;		/* the enums are unsigned int sized */
		return 0;
	case OPT_INT:
	case OPT_U32:
		if (span_number(v, &x) || x < o->min || x > o->max)
			return -1;
		if (o->type == OPT_INT)
			*(int *)field = (int)x;
		else
			*(uint32_t *)field = (uint32_t)x;
		r = 0;
		break;
	case OPT_IPV4:
		return parse_ipv4(v, (uint32_t *)field);
	case OPT_PATH:
		/* fields of this type are char[256] */
		return parse_string(v, field, sizeof(c->path)) || field[0] != '/' ? -1 : 0;
	case OPT_PCI_FN:
		r = parse_pci_fn(v, (struct pci_fn *)field);
		break;
	case OPT_HEX_BYTES:
		r = parse_hex_bytes(v, o->pattern, (uint8_t *)field);
		break;
	case OPT_PART:
		r = parse_part(v, c);
		break;
	case OPT_MBR:
		r = parse_mbr(v, c);
		break;
	case OPT_IP_PREFIX:
		return parse_ip_prefix(v, c);
	case OPT_NFS:
		return parse_nfs(v, c);
	case OPT_PORTS:
		return parse_ports(v, c);
	case OPT_CONSOLE:
		return console_spec_parse(v.p, v.len, &c->console);
	case OPT_IGNORED:
		return 0;
	default:
		return -1;
	}
	if (r == 0 && o->when == WRITE_IF_HAVE)
		*(int *)((char *)c + o->have_off) = 1;
	return r;
}

/* ---- writers, one per type ------------------------------------------------ */

static int ip_text(uint32_t ip, char *buf, size_t n)
{
	return snprintf(buf, n, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255);
}

static int hex_bytes_text(const char *pattern, const uint8_t *b, char *buf, size_t n)
{
	size_t k = 0;

	for (; *pattern; pattern++) {
		if (k + 3 > n)
			return -1;
		if (*pattern == 'x')
			k += (size_t)snprintf(buf + k, n - k, "%02x", *b++);
		else
			buf[k++] = *pattern;
	}
	if (k >= n)
		return -1;
	buf[k] = 0;
	return (int)k;
}

/* Only a whole netmask, 1..32 bits, has a prefix; else -1. */
static int prefix_of(uint32_t mask)
{
	int n = 0;

	while (n < 32 && (mask << n) & 0x80000000u)
		n++;
	return n && (n == 32 || (mask << n) == 0) ? n : -1;
}

static int format_value(const struct cmdline_option *o, const struct capture_config *c,
			char *buf, size_t n)
{
	const char *field = (const char *)c + o->off;
	const struct pci_fn *f;
	unsigned e;
	int k, p;

	switch (o->type) {
	case OPT_ENUM:
		e = *(const unsigned *)field;
		if (e >= o->nnames || !o->names[e])
			return -1;
		return snprintf(buf, n, "%s", o->names[e]);
	case OPT_INT:
		return snprintf(buf, n, "%d", *(const int *)field);
	case OPT_U32:
		return snprintf(buf, n, "%u", *(const uint32_t *)field);
	case OPT_IPV4:
		return ip_text(*(const uint32_t *)field, buf, n);
	case OPT_PATH:
		return snprintf(buf, n, "%.*s", (int)sizeof(c->path), field);
	case OPT_PCI_FN:
		f = (const struct pci_fn *)field;
		if (!pci_fn_kind_name(f->kind))
			return -1;
		k = snprintf(buf, n, "%s@%04x:%02x:%02x.%x", pci_fn_kind_name(f->kind),
			     f->seg, f->bus, f->dev, f->fn);
		if (f->nsid && k >= 0 && (size_t)k < n)
			k += snprintf(buf + k, n - (size_t)k, "/%u", f->nsid);
		return k;
	case OPT_HEX_BYTES:
		return hex_bytes_text(o->pattern, (const uint8_t *)field, buf, n);
	case OPT_PART:
		return snprintf(buf, n, "%llu+%llu", (unsigned long long)c->part_start,
				(unsigned long long)c->part_len);
	case OPT_MBR:
		return snprintf(buf, n, "%08x-%u", c->mbr_signature, c->mbr_partno);
	case OPT_IP_PREFIX:
		if (c->dhcp)
			return snprintf(buf, n, "dhcp");
		if ((p = prefix_of(c->netmask)) < 0)
			return -1;
		k = ip_text(c->ip, buf, n);
		if (k >= 0 && (size_t)k < n)
			k += snprintf(buf + k, n - (size_t)k, "/%d", p);
		return k;
	case OPT_NFS:
		k = ip_text(c->nfs_server, buf, n);
		if (k >= 0 && (size_t)k < n)
			k += snprintf(buf + k, n - (size_t)k, ":%.*s",
				      (int)sizeof(c->nfs_export), c->nfs_export);
		return k;
	case OPT_PORTS:
		return snprintf(buf, n, "%u,%u", c->mount_port, c->nfs_port);
	case OPT_CONSOLE:
		return console_spec_format(&c->console, buf, n) < 0 ? -1 : (int)strlen(buf);
	default:
		return -1;
	}
}

int cmdline_option_format(const struct cmdline_option *o, const struct capture_config *c,
			  char *buf, size_t n)
{
	static struct capture_config back;	/* large; the writer runs in the loader */
	int k = format_value(o, c, buf, n);

	if (k < 0 || (size_t)k >= n)
		return -1;
	/* No value may end its word early or open a quote, and each must read
	 * back: a string the parser refuses is refused here, not at crash time. */
	if (cmdline_bad_char(buf))
		return -1;
	config_defaults(&back);
	if (cmdline_option_parse(o, (struct span){ buf, (size_t)k }, &back))
		return -1;
	return k;
}

static int is_set(const struct cmdline_option *o, const struct capture_config *c)
{
	const char *field = (const char *)c + o->off;

	switch (o->when) {
	case WRITE_ALWAYS:
		return 1;
	case WRITE_IF_HAVE:
		return *(const int *)((const char *)c + o->have_off) != 0;
	case WRITE_IF_NONZERO:
		/* the first field of the value: gateway, timeout, deadline, mount port */
		return o->type == OPT_PORTS ? c->mount_port || c->nfs_port
					    : *(const uint32_t *)field != 0;
	default:
		return 0;
	}
}

int cmdline_write(const struct capture_config *c, char *buf, size_t n, char *err,
		  size_t errlen)
{
	char value[512];
	size_t k = 0;

	if (!n)
		return errf(err, errlen, "the capture command line is too long");
	buf[0] = 0;
	if (c->target == TARGET_NONE || (unsigned)c->target >= NELEM(target_names))
		return errf(err, errlen, "no dump target to write on the command line");
	for (size_t i = 0; i < cmdline_noptions; i++) {
		const struct cmdline_option *o = &cmdline_options[i];
		int w;

		if (!(o->targets & (1u << c->target)) || !is_set(o, c))
			continue;
		if (cmdline_option_format(o, c, value, sizeof(value)) < 0)
			return buf[0] = 0, errf(err, errlen, "dumpling.%s: the value cannot be put on the "
				    "command line (expected %s)", o->name, o->expect);
		w = snprintf(buf + k, n - k, "%sdumpling.%s=%s", k ? " " : "", o->name, value);
		if (w < 0 || (size_t)w >= n - k)
			return buf[0] = 0, errf(err, errlen, "the capture command line is too long");
		k += (size_t)w;
	}
	return (int)k;
}
