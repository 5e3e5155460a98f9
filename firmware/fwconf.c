// SPDX-License-Identifier: MIT
/* Parser for firmware sources: `key = value` lines, `#` comments. */
#include <stdlib.h>
#include <string.h>

#include "fwconf.h"

static const char *const opcodes[ROWSTAT_FW_OPCODES] = {
	[ROWSTAT_OP_END] = "END", [ROWSTAT_OP_LAYER] = "LAYER",
	[ROWSTAT_OP_MAPPING] = "MAPPING", [ROWSTAT_OP_DMA] = "DMA",
	[ROWSTAT_OP_PASS] = "PASS", [ROWSTAT_OP_BARRIER] = "BARRIER",
};

static const char *const levels[ROWSTAT_LEVEL_COUNT] = {
	"mac", "rf", "noc", "glb", "dram"
};

static int opcode_index(const char *name)
{
	for (int i = 0; i < ROWSTAT_FW_OPCODES; i++)
		if (opcodes[i] && !strcmp(opcodes[i], name))
			return i;
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

int rs_fwconf_parse(FILE *in, const char *name, struct rs_firmware *fw,
		    char *err, size_t errlen)
{
	char line[512];
	unsigned lineno = 0;
	enum { VERSION = 1, ACCEPT = 2, TIMING = 4, ARBITER = 8 } seen = 0;
	unsigned energies = 0;

	memset(fw, 0, sizeof(*fw));
	fw->arbiter_quantum = 1;
	while (fgets(line, sizeof(line), in)) {
		char *key, *val, *eq;

		lineno++;
		key = trim(line);
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq)
			goto bad;
		*eq = 0;
		val = trim(eq + 1);
		key = trim(key);
		if (!strcmp(key, "version")) {
			unsigned major, minor;
			char extra;

			if (sscanf(val, "%u.%u%c", &major, &minor, &extra) != 2 ||
			    major > 0xffff || minor > 0xffff)
				goto bad;
			fw->version = ROWSTAT_VERSION(major, minor);
			seen |= VERSION;
		} else if (!strcmp(key, "abi_minor")) {
			if (number(val, 0xffff, &fw->abi_minor))
				goto bad;
		} else if (!strcmp(key, "accept")) {
			for (char *tok = strtok(val, " \t"); tok; tok = strtok(NULL, " \t")) {
				int op = opcode_index(tok);

				if (op < 0)
					goto bad;
				fw->opcode_mask |= 1u << op;
			}
			seen |= ACCEPT;
		} else if (!strncmp(key, "decode.", 7)) {
			int op = opcode_index(key + 7);

			if (op < 0 || number(val, 1u << 20, &fw->decode_cycles[op]))
				goto bad;
		} else if (!strcmp(key, "dram_bw")) {
			if (number(val, 1u << 30, &fw->dram_bw))
				goto bad;
			seen |= TIMING;
		} else if (!strcmp(key, "glb_bw")) {
			if (number(val, 1u << 16, &fw->glb_bw))
				goto bad;
		} else if (!strcmp(key, "heartbeat_us")) {
			if (number(val, 10u * 1000 * 1000, &fw->heartbeat_us))
				goto bad;
		} else if (!strncmp(key, "energy.", 7)) {
			int lv = -1;
			double e;
			char extra;

			for (int i = 0; i < ROWSTAT_LEVEL_COUNT; i++)
				if (!strcmp(key + 7, levels[i]))
					lv = i;
			if (lv < 0 || sscanf(val, "%lf%c", &e, &extra) != 1 || e < 0 || e > 1e6)
				goto bad;
			fw->energy[lv] = (uint32_t)(e * ROWSTAT_ENERGY_ONE + 0.5);
			energies |= 1u << lv;
		} else if (!strcmp(key, "arbiter")) {
			if (!strcmp(val, "round-robin"))
				fw->arbiter_policy = ROWSTAT_ARB_ROUND_ROBIN;
			else if (!strcmp(val, "priority"))
				fw->arbiter_policy = ROWSTAT_ARB_PRIORITY;
			else
				goto bad;
			seen |= ARBITER;
		} else if (!strcmp(key, "quantum")) {
			if (number(val, 1u << 16, &fw->arbiter_quantum) || !fw->arbiter_quantum)
				goto bad;
		} else {
			snprintf(err, errlen, "%s:%u: unknown key '%s'", name, lineno, key);
			return -1;
		}
		continue;
bad:
		snprintf(err, errlen, "%s:%u: bad value for '%s'", name, lineno, key);
		return -1;
	}
	if (seen != (VERSION | ACCEPT | TIMING | ARBITER) ||
	    energies != (1u << ROWSTAT_LEVEL_COUNT) - 1 || !fw->glb_bw ||
	    !fw->heartbeat_us) {
		snprintf(err, errlen,
			 "%s: needs version, accept, dram_bw, glb_bw, heartbeat_us, every energy.* and arbiter",
			 name);
		return -1;
	}
	return 0;
}
