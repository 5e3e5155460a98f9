// SPDX-License-Identifier: MIT
/* Parser for firmware sources: `key = value` lines, `#` comments. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fwconf.h"

/* Opcode and level names are the rules library's: opcodes as they are, levels in lower case. */
static int opcode_index(const char *name)
{
	for (int i = 0; i < ROWSTAT_FW_OPCODES; i++)
		if (rs_hw_opcode_name(i) && !strcmp(rs_hw_opcode_name(i), name))
			return i;
	return -1;
}

static int level_index(const char *name)
{
	for (int i = 0; i < ROWSTAT_LEVEL_COUNT; i++) {
		const char *level = rs_hw_level_name(i);
		size_t k = 0;

		while (level[k] && name[k] == tolower((unsigned char)level[k]))
			k++;
		if (!level[k] && !name[k])
			return i;
	}
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

static int number(const char *v, unsigned long max, uint32_t *out)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (!*v || *end || n > max)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

/* Which required keys a source has given. */
enum {
	SEEN_VERSION = 1,
	SEEN_ACCEPT = 2,
	SEEN_TIMING = 4,
	SEEN_ARBITER = 8,
	SEEN_ALL = 15,
};

struct conf_state {
	struct rs_hw_firmware *fw;
	unsigned seen;
	unsigned energies;	/* bit per level given */
};

/* Keys that name an opcode or a level: decode.OP, energy.LEVEL, accept. */
static int parse_named(struct conf_state *st, const char *key, char *val)
{
	struct rs_hw_firmware *fw = st->fw;

	if (!strcmp(key, "accept")) {
		for (char *tok = strtok(val, " \t"); tok; tok = strtok(NULL, " \t")) {
			int op = opcode_index(tok);

			if (op < 0)
				return -1;
			fw->opcode_mask |= 1u << op;
		}
		st->seen |= SEEN_ACCEPT;
		return 0;
	}
	if (!strncmp(key, "decode.", 7)) {
		int op = opcode_index(key + 7);

		return op < 0 || number(val, 1u << 20, &fw->decode_cycles[op]) ? -1 : 0;
	}
	{
		int lv = level_index(key + 7);
		double e;
		char extra;

		if (lv < 0 || sscanf(val, "%lf%c", &e, &extra) != 1 || e < 0 || e > 1e6)
			return -1;
		fw->energy[lv] = (uint32_t)(e * ROWSTAT_ENERGY_ONE + 0.5);
		st->energies |= 1u << lv;
		return 0;
	}
}

/* One `key = value`: 0, -1 for a bad value, -2 for an unknown key. */
static int parse_key(struct conf_state *st, const char *key, char *val)
{
	struct rs_hw_firmware *fw = st->fw;
	unsigned major, minor;
	char extra;

	if (!strcmp(key, "accept") || !strncmp(key, "decode.", 7) ||
	    !strncmp(key, "energy.", 7))
		return parse_named(st, key, val);
	if (!strcmp(key, "version")) {
		if (sscanf(val, "%u.%u%c", &major, &minor, &extra) != 2 ||
		    major > 0xffff || minor > 0xffff)
			return -1;
		fw->version = ROWSTAT_VERSION(major, minor);
		st->seen |= SEEN_VERSION;
		return 0;
	}
	if (!strcmp(key, "abi_minor"))
		return number(val, 0xffff, &fw->abi_minor);
	if (!strcmp(key, "dram_bw")) {
		st->seen |= SEEN_TIMING;
		return number(val, 1u << 30, &fw->dram_bw);
	}
	if (!strcmp(key, "glb_bw"))
		return number(val, 1u << 16, &fw->glb_bw);
	if (!strcmp(key, "heartbeat_us"))
		return number(val, 10u * 1000 * 1000, &fw->heartbeat_us);
	if (!strcmp(key, "arbiter")) {
		st->seen |= SEEN_ARBITER;
		if (!strcmp(val, "round-robin"))
			fw->arbiter_policy = ROWSTAT_ARB_ROUND_ROBIN;
		else if (!strcmp(val, "priority"))
			fw->arbiter_policy = ROWSTAT_ARB_PRIORITY;
		else
			return -1;
		return 0;
	}
	if (!strcmp(key, "quantum"))
		return number(val, 1u << 16, &fw->arbiter_quantum) || !fw->arbiter_quantum ?
		       -1 : 0;
	return -2;
}

int rsfw_conf_parse(FILE *in, const char *name, struct rs_hw_firmware *fw,
		    char *err, size_t errlen)
{
	struct conf_state st = { .fw = fw };
	char line[512];
	unsigned lineno = 0;

	memset(fw, 0, sizeof(*fw));
	fw->arbiter_quantum = 1;
	while (fgets(line, sizeof(line), in)) {
		char *key = trim(line), *eq;
		int ret;

		lineno++;
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq)
			*eq = 0;
		ret = eq ? parse_key(&st, trim(key), trim(eq + 1)) : -1;
		if (ret == -2) {
			snprintf(err, errlen, "%s:%u: unknown key '%s'", name, lineno, trim(key));
			return -1;
		}
		if (ret) {
			snprintf(err, errlen, "%s:%u: bad value for '%s'", name, lineno, trim(key));
			return -1;
		}
	}
	if (st.seen != SEEN_ALL || st.energies != (1u << ROWSTAT_LEVEL_COUNT) - 1 ||
	    !fw->glb_bw || !fw->heartbeat_us) {
		snprintf(err, errlen,
			 "%s: needs version, accept, dram_bw, glb_bw, heartbeat_us, every energy.* and arbiter",
			 name);
		return -1;
	}
	return 0;
}
