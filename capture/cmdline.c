/*
 * The capture command line (docs/cmdline.md). Words are split the way the
 * kernel's next_arg() splits them, quotes included, so that whatever the kernel
 * would accept we read the same way. The input is never modified. What each
 * dumpling.* option holds is in the schema (cmdline_schema.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/cmdline_schema.h"
#include "capture/cmdline_word.h"
#include "capture/ports.h"
#include "capture/fmt.h"

/* The loader splits its config by the same rule (cmdline_word.h). */
static int is_space(char c)
{
	return cmdline_is_space(c);
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

/* elfcorehdr=[SIZE@]ADDR, as crash_dump.c reads it. */
static int parse_elfcorehdr(struct span v, struct capture_config *c)
{
	uint64_t a, b;
	size_t n = span_mem(v.p, v.len, &a);

	if (!n)
		return -1;
	if (n < v.len && v.p[n] == '@') {
		size_t m = span_mem(v.p + n + 1, v.len - n - 1, &b);
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

/* Handles one dumpling.* option; opt is the name after "dumpling.". */
static int parse_option(struct span opt, struct span v, int has_val,
			struct capture_config *c, const char **expect)
{
	const struct cmdline_option *o = cmdline_option_find(opt);

	if (!o) {
		/* A newer loader may know options we do not: say so, go on. */
		port_log("dumpling: ignoring unknown option dumpling.%.*s\n",
			 (int)opt.len, opt.p);
		return 0;
	}
	*expect = has_val ? o->expect : "a value (option=value)";
	if (!has_val)
		return -1;
	return cmdline_option_parse(o, v, c);
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
		if (span_name_is(name, "elfcorehdr")) {
			if (!has_val || parse_elfcorehdr(val, c)) {
				return errf(err, errlen, "elfcorehdr=%.*s: expected [SIZE@]ADDR "
					    "(0x hex or decimal, K/M/G suffix)",
					    (int)val.len, val.p);
			}
		} else if (span_name_is(name, "acpi_rsdp")) {
			uint64_t x;
			/* Only needed to reboot: a bad one is not worth failing the dump. */
			if (has_val && span_hex(val, &x) == 0)
				c->acpi_rsdp = x;
			else
				port_log("dumpling: ignoring acpi_rsdp=%.*s: not a hex address\n",
					 (int)val.len, val.p);
		} else if (name.len > plen && memcmp(name.p, prefix, plen) == 0) {
			struct span opt = { name.p + plen, name.len - plen };
			const char *expect = "";
			if (parse_option(opt, val, has_val, c, &expect)) {
				return errf(err, errlen, "%.*s=%.*s: bad value, expected %s",
					    (int)name.len, name.p, (int)val.len, val.p, expect);
			}
		}
	}
	return 0;
}
