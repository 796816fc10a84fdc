/*
 * The capture command line (docs/cmdline.md). Words are split the way the
 * kernel's next_arg() splits them, quotes included, so that whatever the kernel
 * would accept we read the same way. The input is never modified.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/cmdline_word.h"
#include "capture/config.h"
#include "capture/ports.h"

void config_defaults(struct capture_config *c)
{
	memset(c, 0, sizeof(*c));
	c->target = TARGET_NONE;
	c->dump_level = 0;
	c->compress = COMPRESS_NONE;
	c->format = FORMAT_KDUMP;
	c->failure_action = ACTION_REBOOT;
	c->final_action = ACTION_REBOOT;
	memcpy(c->path, "/var/crash", sizeof("/var/crash"));
	c->host_ip = 0x7f000001;
	console_spec_default(&c->console);
}

const char *action_name(enum action a)
{
	switch (a) {
	case ACTION_REBOOT: return "reboot";
	case ACTION_HALT: return "halt";
	case ACTION_POWEROFF: return "poweroff";
	}
	return "?";
}

/* A piece of the command line: not NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

/* The loader splits its config by the same rule (cmdline_word.h). */
static int is_space(char c)
{
	return cmdline_is_space(c);
}

static int span_is(struct span s, const char *word)
{
	return strlen(word) == s.len && memcmp(s.p, word, s.len) == 0;
}

/* Parameter names compare with '-' and '_' as the same, as in the kernel. */
static int name_is(struct span s, const char *name)
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

/*
 * Splits off the next word at *pos: name, and value (has_val is 0 for a word
 * without '='). A word may be quoted whole ("a=b c") or in its value
 * (a="b c"); the quotes are dropped like next_arg() drops them.
 */
static int next_word(const char *s, size_t *pos, struct span *name, struct span *val,
		     int *has_val)
{
	size_t i = *pos, start, end, eq = 0;
	int in_quote = 0, quoted = 0;

	while (s[i] && is_space(s[i]))
		i++;
	if (!s[i]) {
		*pos = i;
		return 0;
	}
	if (s[i] == '"') {
		i++;
		in_quote = quoted = 1;
	}
	start = i;
	for (; s[i]; i++) {
		if (is_space(s[i]) && !in_quote)
			break;
		if (!eq && s[i] == '=')
			eq = i;
		if (s[i] == '"')
			in_quote = !in_quote;
	}
	end = i;
	*pos = i;
	if (!eq) {
		*has_val = 0;
		if (quoted && end > start && s[end - 1] == '"')
			end--;
		name->p = s + start;
		name->len = end - start;
		val->p = s + end;
		val->len = 0;
		return 1;
	}
	*has_val = 1;
	name->p = s + start;
	name->len = eq - start;
	val->p = s + eq + 1;
	if (end > eq + 1 && s[eq + 1] == '"') {
		val->p++;
		if (s[end - 1] == '"' && end - 1 > eq + 1)
			end--;
	} else if (quoted && end > eq + 1 && s[end - 1] == '"') {
		end--;
	}
	val->len = (size_t)(s + end - val->p);
	return 1;
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

	if (len >= 3 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		int h = s[2];
		if ((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')) {
			base = 16;
			i = 2;
		}
	} else if (octal && len >= 2 && s[0] == '0') {
		base = 8;
	}
	for (; i < len; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
		else break;
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			return 0;
		v = v * base + d;
		digits++;
	}
	if (!digits)
		return 0;
	*out = v;
	return i;
}

/* A whole value must be one number. */
static int parse_number(struct span v, uint64_t *out)
{
	return v.len && parse_u64(v.p, v.len, 0, out) == v.len ? 0 : -1;
}

/* Linux memparse: a number with an optional K/M/G/T/P/E suffix. */
static size_t parse_mem(const char *s, size_t len, uint64_t *out)
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

/* elfcorehdr=[SIZE@]ADDR, as crash_dump.c reads it. */
static int parse_elfcorehdr(struct span v, struct capture_config *c)
{
	uint64_t a, b;
	size_t n = parse_mem(v.p, v.len, &a);

	if (!n)
		return -1;
	if (n < v.len && v.p[n] == '@') {
		size_t m = parse_mem(v.p + n + 1, v.len - n - 1, &b);
		if (!m || n + 1 + m != v.len)
			return -1;
		c->elfcorehdr_size = a;
		c->elfcorehdr_addr = b;
	} else {
		if (n != v.len)
			return -1;
		c->elfcorehdr_size = 0;
		c->elfcorehdr_addr = a;
	}
	c->have_elfcorehdr = 1;
	return 0;
}

/* acpi_rsdp= is hex with or without 0x (the kernel uses kstrtoul(.., 16)). */
static int parse_hex(struct span v, uint64_t *out)
{
	uint64_t x = 0;
	size_t i = 0;

	if (v.len >= 2 && v.p[0] == '0' && (v.p[1] == 'x' || v.p[1] == 'X'))
		i = 2;
	if (i == v.len)
		return -1;
	for (; i < v.len; i++) {
		char ch = v.p[i];
		unsigned d;
		if (ch >= '0' && ch <= '9') d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f') d = (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F') d = (unsigned)(ch - 'A' + 10);
		else return -1;
		if (x >> 60)
			return -1;
		x = x << 4 | d;
	}
	*out = x;
	return 0;
}

/* A hex field of a PCI address, up to max, ending at one of the stop chars. */
static int pci_field(const char **p, const char *end, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	int n = 0;

	while (*p < end) {
		char ch = **p;
		unsigned d;
		if (ch >= '0' && ch <= '9') d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f') d = (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F') d = (unsigned)(ch - 'A' + 10);
		else break;
		if (++n > 4)
			return -1;
		x = x << 4 | d;
		(*p)++;
	}
	if (!n || x > max)
		return -1;
	*out = x;
	return 0;
}

/* DRIVER@[SEG:]BUS:DEV.FN[/NSID] */
static int parse_disk(struct span v, struct disk_spec *d)
{
	const char *p = v.p, *end = v.p + v.len, *at;
	uint64_t a, b, x;

	memset(d, 0, sizeof(*d));
	at = memchr(p, '@', v.len);
	if (!at || at == p || (size_t)(at - p) >= sizeof(d->driver))
		return -1;
	for (const char *q = p; q < at; q++) {
		char ch = *q;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return -1;
	}
	memcpy(d->driver, p, (size_t)(at - p));
	p = at + 1;

	/* Two fields before the '.', or one: the segment is optional. */
	if (pci_field(&p, end, 0xffff, &a) || p == end || *p++ != ':')
		return -1;
	if (pci_field(&p, end, 0xffff, &b))
		return -1;
	if (p < end && *p == ':') {
		p++;
		if (a > 0xffff || b > 0xff)
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
		struct span ns = { p + 1, (size_t)(end - p - 1) };
		if (parse_number(ns, &x) || x == 0 || x > 0xffffffffu)
			return -1;
		d->nsid = (uint32_t)x;
		p = end;
	}
	return p == end ? 0 : -1;
}

/* START+LENGTH in bytes. */
static int parse_part(struct span v, uint64_t *start, uint64_t *len)
{
	const char *plus = memchr(v.p, '+', v.len);
	struct span a, b;

	if (!plus)
		return -1;
	a.p = v.p;
	a.len = (size_t)(plus - v.p);
	b.p = plus + 1;
	b.len = v.len - a.len - 1;
	if (parse_number(a, start) || parse_number(b, len) || *len == 0)
		return -1;
	if (*start + *len < *start)
		return -1;
	return 0;
}

static int parse_action(struct span v, enum action *a)
{
	if (span_is(v, "reboot")) *a = ACTION_REBOOT;
	else if (span_is(v, "halt")) *a = ACTION_HALT;
	else if (span_is(v, "poweroff")) *a = ACTION_POWEROFF;
	else return -1;
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

/* Dotted-quad IPv4 into host byte order; consumes all of v. */
static size_t ipv4_prefix(const char *p, size_t len, uint32_t *out)
{
	uint32_t ip = 0;
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
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
	return ipv4_prefix(v.p, v.len, out) == v.len && v.len ? 0 : -1;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	return -1;
}

/* n bytes of hex pairs, each group of bytes separated by sep where the
 * pattern says so: used for MACs (xx:xx:..) and UUIDs (8-4-4-4-12). */
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
	if (parse_number((struct span){ v.p + n + 1, v.len - n - 1 }, &prefix) || prefix < 1 ||
	    prefix > 32)
		return -1;
	c->netmask = (uint32_t)(0xffffffffull << (32 - prefix));
	c->dhcp = 0;
	return 0;
}

/* SERVER:/export, server as an IPv4 address (the loader resolves names). */
static int parse_nfs(struct span v, struct capture_config *c)
{
	const char *colon = memchr(v.p, ':', v.len);

	if (!colon)
		return -1;
	if (parse_ipv4((struct span){ v.p, (size_t)(colon - v.p) }, &c->nfs_server))
		return -1;
	if (colon + 1 >= v.p + v.len || colon[1] != '/')
		return -1;
	return parse_string((struct span){ colon + 1, (size_t)(v.p + v.len - colon - 1) },
			    c->nfs_export, sizeof(c->nfs_export));
}

/* MOUNTPORT,NFSPORT */
static int parse_ports(struct span v, struct capture_config *c)
{
	const char *comma = memchr(v.p, ',', v.len);
	uint64_t m, n;

	if (!comma || parse_number((struct span){ v.p, (size_t)(comma - v.p) }, &m) ||
	    parse_number((struct span){ comma + 1, (size_t)(v.p + v.len - comma - 1) }, &n) ||
	    !m || !n || m > 65535 || n > 65535)
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

	if (!dash || parse_hex((struct span){ v.p, (size_t)(dash - v.p) }, &sig) ||
	    sig > 0xffffffffu ||
	    parse_number((struct span){ dash + 1, (size_t)(v.p + v.len - dash - 1) }, &part) ||
	    part < 1 || part > 128)
		return -1;
	c->mbr_signature = (uint32_t)sig;
	c->mbr_partno = (uint32_t)part;
	return 0;
}

/* Handles one dumpling.* option; opt is the name after "dumpling.". */
static int parse_option(struct span opt, struct span v, int has_val,
			struct capture_config *c, const char **expect)
{
	uint64_t x;

	if (!has_val) {
		*expect = "a value (option=value)";
		return -1;
	}
	if (name_is(opt, "target")) {
		*expect = "raw, ext4 or nfs";
		if (span_is(v, "raw")) c->target = TARGET_RAW;
		else if (span_is(v, "ext4")) c->target = TARGET_EXT4;
		else if (span_is(v, "nfs")) c->target = TARGET_NFS;
		else return -1;
	} else if (name_is(opt, "partuuid")) {
		*expect = "a UUID, xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
		if (parse_hex_bytes(v, "xxxx-xx-xx-xx-xxxxxx", c->partuuid))
			return -1;
		c->have_partuuid = 1;
	} else if (name_is(opt, "mbr")) {
		*expect = "DISKSIGNATURE-PARTNO in hex-decimal, e.g. 1a2b3c4d-2";
		if (parse_mbr(v, c))
			return -1;
		c->have_mbr = 1;
	} else if (name_is(opt, "path")) {
		*expect = "an absolute path shorter than 256 bytes";
		if (parse_string(v, c->path, sizeof(c->path)) || c->path[0] != '/')
			return -1;
	} else if (name_is(opt, "hostip")) {
		*expect = "an IPv4 address";
		return parse_ipv4(v, &c->host_ip);
	} else if (name_is(opt, "nic")) {
		*expect = "DRIVER@SEG:BUS:DEV.FN, e.g. e1000@0000:00:03.0";
		if (parse_disk(v, &c->nic))
			return -1;
		c->have_nic = 1;
	} else if (name_is(opt, "mac")) {
		*expect = "a MAC address, xx:xx:xx:xx:xx:xx";
		if (parse_hex_bytes(v, "x:x:x:x:x:x", c->mac))
			return -1;
		c->have_mac = 1;
	} else if (name_is(opt, "ip")) {
		*expect = "ADDRESS/PREFIX, e.g. 10.0.2.15/24, or dhcp";
		return parse_ip_prefix(v, c);
	} else if (name_is(opt, "gw")) {
		*expect = "an IPv4 address";
		return parse_ipv4(v, &c->gateway);
	} else if (name_is(opt, "nfs")) {
		*expect = "SERVER-IP:/EXPORT";
		return parse_nfs(v, c);
	} else if (name_is(opt, "nfs_ports")) {
		*expect = "MOUNTPORT,NFSPORT";
		return parse_ports(v, c);
	} else if (name_is(opt, "timeout")) {
		*expect = "seconds, 1..86400";
		if (parse_number(v, &x) || x < 1 || x > 86400)
			return -1;
		c->timeout_s = (uint32_t)x;
	} else if (name_is(opt, "deadline")) {
		*expect = "seconds, 1..604800";
		if (parse_number(v, &x) || x < 1 || x > 604800)
			return -1;
		c->deadline_s = (uint32_t)x;
	} else if (name_is(opt, "test")) {
		/* Test-only switches, read by the image itself (arch/x86_64/testflag.c). */
	} else if (name_is(opt, "disk")) {
		*expect = "DRIVER@SEG:BUS:DEV.FN[/NSID], e.g. virtio-blk@0000:00:04.0";
		if (parse_disk(v, &c->disk))
			return -1;
		c->have_disk = 1;
	} else if (name_is(opt, "part")) {
		*expect = "START+LENGTH in bytes";
		if (parse_part(v, &c->part_start, &c->part_len))
			return -1;
		c->have_part = 1;
	} else if (name_is(opt, "dump_level")) {
		*expect = "a number 0..31";
		if (parse_number(v, &x) || x > 31)
			return -1;
		c->dump_level = (int)x;
	} else if (name_is(opt, "compress")) {
		*expect = "none or zstd";
		if (span_is(v, "none")) c->compress = COMPRESS_NONE;
		else if (span_is(v, "zstd")) c->compress = COMPRESS_ZSTD;
		else return -1;
	} else if (name_is(opt, "format")) {
		*expect = "kdump or elf";
		if (span_is(v, "kdump")) c->format = FORMAT_KDUMP;
		else if (span_is(v, "elf")) c->format = FORMAT_ELF;
		else return -1;
	} else if (name_is(opt, "failure_action")) {
		*expect = "reboot, halt or poweroff";
		return parse_action(v, &c->failure_action);
	} else if (name_is(opt, "final_action")) {
		*expect = "reboot, halt or poweroff";
		return parse_action(v, &c->final_action);
	} else if (name_is(opt, "console")) {
		*expect = "none, or screen and up to 4 of io@0xPORT[:BAUDpb], mmio@0xADDR[:BAUDpb], "
			  "mmio32@0xADDR[:BAUDpb], separated by commas (docs/console.md)";
		return console_spec_parse(v.p, v.len, &c->console);
	} else {
		/* A newer loader may know options we do not: say so, go on. */
		port_log("dumpling: ignoring unknown option dumpling.%.*s\n",
			 (int)opt.len, opt.p);
	}
	return 0;
}

int cmdline_parse(const char *cmdline, struct capture_config *c, char *err, size_t errlen)
{
	static const char prefix[] = "dumpling.";
	const size_t plen = sizeof(prefix) - 1;
	struct span name, val;
	size_t pos = 0;
	int has_val;

	if (errlen)
		err[0] = '\0';
	if (!cmdline)
		return 0;
	while (next_word(cmdline, &pos, &name, &val, &has_val)) {
		if (name_is(name, "elfcorehdr")) {
			if (!has_val || parse_elfcorehdr(val, c)) {
				snprintf(err, errlen, "elfcorehdr=%.*s: expected [SIZE@]ADDR "
					 "(0x hex or decimal, K/M/G suffix)",
					 (int)val.len, val.p);
				return -1;
			}
		} else if (name_is(name, "acpi_rsdp")) {
			uint64_t x;
			/* Only needed to reboot: a bad one is not worth failing the dump. */
			if (has_val && parse_hex(val, &x) == 0)
				c->acpi_rsdp = x;
			else
				port_log("dumpling: ignoring acpi_rsdp=%.*s: not a hex address\n",
					 (int)val.len, val.p);
		} else if (name.len > plen && memcmp(name.p, prefix, plen) == 0) {
			struct span opt = { name.p + plen, name.len - plen };
			const char *expect = "";
			if (parse_option(opt, val, has_val, c, &expect)) {
				snprintf(err, errlen, "%.*s=%.*s: bad value, expected %s",
					 (int)name.len, name.p, (int)val.len, val.p, expect);
				return -1;
			}
		}
	}
	return 0;
}
