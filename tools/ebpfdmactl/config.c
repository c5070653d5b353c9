// SPDX-License-Identifier: GPL-2.0
/*
 * The serve configuration file: "key = value" lines, '#' comments.
 *
 *   interface = eth1             the NIC to attach the XDP program to
 *   port = 7788                  UDP port (default 7788)
 *   listen = 10.0.0.2            slow-path socket address (default: any)
 *   metrics = 127.0.0.1:9788     Prometheus endpoint (default; "off")
 *   xdp = native | generic | off (default native)
 *   full_policy = drop | pass    pool full: drop, or slow path (default drop)
 *   peer = 10.0.0.1 | 10.0.0.0/24  allowed sender or network (repeatable)
 *   key_file = PATH              volumes' secret (default of key_file=)
 *   protect = aead | mac | crc   volumes' protection (default aead)
 *   idle_timeout = SECONDS       a silent session ends (default 120)
 *   state_dir = PATH             commit records (default $STATE_DIRECTORY,
 *                                else /var/lib/ebpfdma)
 *   volume = ID DEVICE|FILE start=N blocks=N [key_file=PATH] [protect=P]
 *            [flags=fua,flush_on_commit] [writers=one|shared]
 *   store = ID DIRECTORY [key_file=PATH] [protect=P] [flags=...]
 *           [quota=BYTES[K|M|G|T]] [overwrite=no|yes]
 *                                a file store: each transfer a named file
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "tools/lib/rx.h"
#include "bpf/ebpfdma_rx.h"
#include "uapi/ebpfdma_wire.h"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* Decimal digits only: "010" is ten, not an octal eight; no 0x, no sign. */
static int parse_u64(const char *s, uint64_t *v)
{
	const char *p;
	char *end;

	for (p = s; *p >= '0' && *p <= '9'; p++)
		;
	if (!*s || *p)
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

int ctl_parse_vol_flags(const char *s, uint32_t *flags)
{
	char buf[128], *tok, *save;

	*flags = 0;
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "fua"))
			*flags |= EBPFDMA_VOL_FUA;
		else if (!strcmp(tok, "flush_on_commit"))
			*flags |= EBPFDMA_VOL_FLUSH_ON_COMMIT;
		else
			return -1;
	}
	return 0;
}

int ctl_parse_protect(const char *s, uint32_t *protect)
{
	if (!strcmp(s, "aead"))
		*protect = EBPFDMA_PROTECT_AEAD;
	else if (!strcmp(s, "mac"))
		*protect = EBPFDMA_PROTECT_MAC;
	else if (!strcmp(s, "crc"))
		*protect = EBPFDMA_PROTECT_CRC;
	else
		return -1;
	return 0;
}

int ctl_split_hostport(const char *s, char *host, size_t hostlen,
		       uint16_t *port)
{
	const char *colon;
	uint64_t p;
	size_t n;

	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -1;
		n = rb - s - 1;
		colon = rb + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		n = colon - s;
	}
	if (n >= hostlen || parse_u64(colon + 1, &p) || !p || p > 65535)
		return -1;
	memcpy(host, s, n);
	host[n] = 0;
	*port = p;
	return 0;
}

/* "4096", "64M", "2G": bytes, binary suffixes; -1 otherwise. */
static int parse_size(const char *s, uint64_t *v)
{
	static const char units[] = "KMGT";
	char num[32];
	const char *u;
	size_t n = strlen(s);
	unsigned int shift = 0;

	if (!n || n >= sizeof(num))
		return -1;
	strcpy(num, s);
	u = strchr(units, num[n - 1]);
	if (u && num[n - 1]) {
		shift = 10 * (unsigned int)(u - units + 1);
		num[n - 1] = 0;
	}
	if (!isdigit((unsigned char)num[0]) || parse_u64(num, v) ||
	    *v > UINT64_MAX >> shift)
		return -1;
	*v <<= shift;
	return 0;
}

static int parse_volume(char *val, struct ctl_volume_conf *v, bool store,
			char *why, size_t whylen)
{
	const char *kind = store ? "store" : "volume";
	char *tok, *save, *eq;
	uint64_t id;
	int have_blocks = 0;

	memset(v, 0, sizeof(*v));
	v->protect = CTL_PROTECT_UNSET;
	v->store = store;
	tok = strtok_r(val, " \t", &save);
	if (!tok || parse_u64(tok, &id) || id >= EBPFDMA_MAX_VOLUMES) {
		snprintf(why, whylen, "%s: an id below %u first", kind,
			 EBPFDMA_MAX_VOLUMES);
		return -1;
	}
	v->id = id;
	tok = strtok_r(NULL, " \t", &save);
	if (!tok || strlen(tok) >= sizeof(v->dev) || tok[0] != '/') {
		snprintf(why, whylen, "%s %u: %s second", kind, v->id,
			 store ? "a directory's absolute path" :
				 "a block device or file path");
		return -1;
	}
	strcpy(v->dev, tok);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		eq = strchr(tok, '=');
		if (!eq) {
			snprintf(why, whylen, "volume %u: '%s' is not key=value",
				 v->id, tok);
			return -1;
		}
		*eq++ = 0;
		if (store && !strcmp(tok, "quota") &&
		    !parse_size(eq, &v->quota) && v->quota)
			continue;
		if (store && !strcmp(tok, "overwrite") &&
		    (!strcmp(eq, "yes") || !strcmp(eq, "no"))) {
			v->overwrite = !strcmp(eq, "yes");
			continue;
		}
		if (store && (!strcmp(tok, "start") || !strcmp(tok, "blocks") ||
			      !strcmp(tok, "writers"))) {
			snprintf(why, whylen,
				 "store %u: %s= is for block volumes (a store's files are written whole, one writer a name)",
				 v->id, tok);
			return -1;
		}
		if (!strcmp(tok, "start") && !parse_u64(eq, &v->start))
			continue;
		if (!strcmp(tok, "blocks") && !parse_u64(eq, &v->blocks) &&
		    v->blocks) {
			have_blocks = 1;
			continue;
		}
		if (!strcmp(tok, "key_file") && *eq &&
		    strlen(eq) < sizeof(v->key_file)) {
			strcpy(v->key_file, eq);
			continue;
		}
		if (!strcmp(tok, "protect") &&
		    !ctl_parse_protect(eq, &v->protect))
			continue;
		if (!strcmp(tok, "token")) {
			snprintf(why, whylen,
				 "volume %u: token= is gone (wire version 1): give the volume a key file, key_file=PATH (ebpfdmactl genkey PATH makes one)",
				 v->id);
			return -1;
		}
		if (!strcmp(tok, "flags") && !ctl_parse_vol_flags(eq, &v->flags))
			continue;
		if (!strcmp(tok, "writers") &&
		    (!strcmp(eq, "one") || !strcmp(eq, "shared"))) {
			v->shared = !strcmp(eq, "shared");
			continue;
		}
		snprintf(why, whylen, "%s %u: bad %s=%s", kind, v->id, tok, eq);
		return -1;
	}
	if (!have_blocks && !store) {
		snprintf(why, whylen, "volume %u: blocks= is required", v->id);
		return -1;
	}
	return 0;
}

/* A numeric address (no name to resolve), a single one (no /prefix). */
static bool address_ok(const char *host)
{
	struct ebpfdma_rx_peer p;

	return !strchr(host, '/') && !edma_rx_peer_parse(host, &p);
}

/* The keys that take one value: a second is an error naming both lines. */
static const char *const single_keys[] = {
	"interface", "port",	     "listen",	  "metrics",	  "xdp",
	"full_policy", "key_file", "protect", "state_dir", "idle_timeout",
};
#define NR_SINGLE_KEYS (sizeof(single_keys) / sizeof(single_keys[0]))

int ctl_config_load(const char *path, struct ctl_config *c, char *err,
		    size_t errlen)
{
	char *line = NULL, why[320], *key, *val, *eq, *hash;
	size_t cap = 0;
	ssize_t len;
	unsigned int lineno = 0, i, first[NR_SINGLE_KEYS] = { 0 };
	unsigned int vol_line[EBPFDMA_MAX_VOLUMES];
	uint64_t u;
	FILE *f;

	memset(c, 0, sizeof(*c));
	c->port = EBPFDMA_WIRE_PORT;
	c->protect = EBPFDMA_PROTECT_AEAD;
	c->idle_timeout_s = CTL_IDLE_TIMEOUT_S;
	strcpy(c->metrics, "127.0.0.1:9788");
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		why[0] = 0;
		/*
		 * Whole lines or none: a longer line read in pieces would
		 * make a long comment's tail a setting.
		 */
		if (len > CTL_CONF_LINE_MAX) {
			snprintf(why, sizeof(why),
				 "longer than %d bytes", CTL_CONF_LINE_MAX);
			goto bad;
		}
		if (memchr(line, 0, len)) {
			snprintf(why, sizeof(why), "a NUL byte: not text");
			goto bad;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(why, sizeof(why), "expected key = value");
			goto bad;
		}
		*eq = 0;
		key = trim(key);
		val = trim(eq + 1);
		for (i = 0; i < NR_SINGLE_KEYS; i++) {
			if (strcmp(key, single_keys[i]))
				continue;
			if (first[i]) {
				snprintf(why, sizeof(why),
					 "%s given again (first on line %u): one value only",
					 key, first[i]);
				goto bad;
			}
			first[i] = lineno;
		}
		if (!strcmp(key, "interface")) {
			if (!*val || strlen(val) >= sizeof(c->ifname))
				snprintf(why, sizeof(why), "bad interface name");
			else
				strcpy(c->ifname, val);
		} else if (!strcmp(key, "port")) {
			if (parse_u64(val, &u) || !u || u > 65535)
				snprintf(why, sizeof(why), "port: 1..65535");
			else
				c->port = u;
		} else if (!strcmp(key, "listen")) {
			if (strlen(val) >= sizeof(c->listen) ||
			    !address_ok(val))
				snprintf(why, sizeof(why),
					 "listen: a numeric address (10.0.0.2, fd00::2)");
			else
				strcpy(c->listen, val);
		} else if (!strcmp(key, "metrics")) {
			char host[CTL_ADDR_LEN];
			uint16_t p;

			if (strlen(val) >= sizeof(c->metrics) ||
			    (strcmp(val, "off") &&
			     (ctl_split_hostport(val, host, sizeof(host), &p) ||
			      !address_ok(host))))
				snprintf(why, sizeof(why),
					 "metrics: a numeric address and port (127.0.0.1:9788, [::1]:9788) or off, not '%.64s'",
					 val);
			else
				strcpy(c->metrics, val);
		} else if (!strcmp(key, "xdp")) {
			if (!strcmp(val, "native"))
				c->xdp = CTL_XDP_NATIVE;
			else if (!strcmp(val, "generic"))
				c->xdp = CTL_XDP_GENERIC;
			else if (!strcmp(val, "off"))
				c->xdp = CTL_XDP_OFF;
			else
				snprintf(why, sizeof(why),
					 "xdp: native, generic or off");
		} else if (!strcmp(key, "full_policy")) {
			if (!strcmp(val, "drop"))
				c->full_policy = EBPFDMA_RX_FULL_DROP;
			else if (!strcmp(val, "pass"))
				c->full_policy = EBPFDMA_RX_FULL_PASS;
			else
				snprintf(why, sizeof(why),
					 "full_policy: drop or pass");
		} else if (!strcmp(key, "peer")) {
			struct ebpfdma_rx_peer p;

			if (c->nr_peers == CTL_MAX_PEERS)
				snprintf(why, sizeof(why),
					 "peer: at most %u peers", CTL_MAX_PEERS);
			else if (strlen(val) >= CTL_ADDR_LEN ||
				 edma_rx_peer_parse(val, &p))
				snprintf(why, sizeof(why),
					 "peer: '%.64s' is not a numeric address or network (10.0.0.1, 10.0.0.0/24, fd00::/64; no host bits past the prefix)",
					 val);
			else
				strcpy(c->peers[c->nr_peers++], val);
		} else if (!strcmp(key, "key_file")) {
			if (!*val || strlen(val) >= sizeof(c->key_file))
				snprintf(why, sizeof(why), "key_file: a path");
			else
				strcpy(c->key_file, val);
		} else if (!strcmp(key, "protect")) {
			if (ctl_parse_protect(val, &c->protect))
				snprintf(why, sizeof(why),
					 "protect: aead, mac or crc");
		} else if (!strcmp(key, "state_dir")) {
			if (*val != '/' || strlen(val) >= sizeof(c->state_dir))
				snprintf(why, sizeof(why),
					 "state_dir: an absolute path");
			else
				strcpy(c->state_dir, val);
		} else if (!strcmp(key, "idle_timeout")) {
			if (parse_u64(val, &u) || !u || u > 86400)
				snprintf(why, sizeof(why),
					 "idle_timeout: 1..86400 seconds");
			else
				c->idle_timeout_s = u;
		} else if (!strcmp(key, "volume") || !strcmp(key, "store")) {
			if (c->nr_vols == EBPFDMA_MAX_VOLUMES)
				snprintf(why, sizeof(why), "too many volumes");
			else if (!parse_volume(val, &c->vols[c->nr_vols],
					       !strcmp(key, "store"), why,
					       sizeof(why))) {
				for (i = 0; i < c->nr_vols; i++)
					if (c->vols[i].id ==
					    c->vols[c->nr_vols].id)
						snprintf(why, sizeof(why),
							 "volume %u given again (first on line %u)",
							 c->vols[i].id,
							 vol_line[i]);
				vol_line[c->nr_vols++] = lineno;
			}
		} else {
			snprintf(why, sizeof(why), "unknown key '%s'", key);
		}
		if (why[0])
			goto bad;
	}
	free(line);
	fclose(f);
	if (!c->ifname[0] && c->xdp != CTL_XDP_OFF) {
		snprintf(err, errlen, "%s: no interface (or xdp = off)", path);
		return -1;
	}
	if (!c->nr_vols) {
		snprintf(err, errlen, "%s: no volume", path);
		return -1;
	}
	/* The file's defaults, wherever they stand in it. */
	for (i = 0; i < c->nr_vols; i++) {
		struct ctl_volume_conf *v = &c->vols[i];

		if (v->protect == CTL_PROTECT_UNSET)
			v->protect = c->protect;
		if (!v->key_file[0] && c->key_file[0])
			strcpy(v->key_file, c->key_file);
		if (!v->key_file[0]) {
			snprintf(err, errlen,
				 "%s: volume %u has no key file (key_file = PATH, or key_file=PATH on its line; ebpfdmactl genkey PATH makes one)",
				 path, v->id);
			return -1;
		}
	}
	return 0;
bad:
	snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
	free(line);
	fclose(f);
	return -1;
}
