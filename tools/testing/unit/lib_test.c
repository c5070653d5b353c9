// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests (host) of the tools' shared logic in tools/lib/: CRC32C, the
 * Internet checksum, peer
 * addresses, sequence sets, the id map, serve's configuration (wire version 2 itself:
 * wire2_test.c).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tools/ebpfdmactl/ctl.h"
#include "tools/ebpfdmactl/store.h"
#include "tools/lib/crc32c.h"
#include "tools/lib/idmap.h"
#include "tools/lib/inet_csum.h"
#include "tools/lib/seqset.h"
#include "tools/lib/rx.h"
#include "uapi/ebpfdma_wire.h"
#include "tools/testing/selftests/tap.h"

/* Bit by bit, straight from the definition, to check the tables. */
static uint32_t crc32c_slow(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffU;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78U : c >> 1;
	}
	return ~c;
}

static void test_crc32c(void)
{
	static const uint8_t zeros[32], ones[32] = {
		[0 ... 31] = 0xff,
	};
	uint8_t buf[4099];
	unsigned int i, len, off, bad = 0;

	tap_ok(crc32c(0, "123456789", 9) == 0xe3069283U,
	       "crc32c: the check value of \"123456789\" is 0xe3069283");
	/* RFC 3720, B.4: 32 bytes of zeros, of ones. */
	tap_ok(crc32c(0, zeros, 32) == 0x8a9136aaU, "crc32c: RFC 3720 32 zeros");
	tap_ok(crc32c(0, ones, 32) == 0x62a8ab43U, "crc32c: RFC 3720 32 ones");
	tap_ok(crc32c(0, "", 0) == 0, "crc32c: of nothing is 0");
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = i * 7 + (i >> 3);
	/* Every length 0..64 at every alignment 0..7, and large ones. */
	for (off = 0; off < 8; off++)
		for (len = 0; len <= 64; len++)
			bad += crc32c_sw(0, buf + off, len) !=
			       crc32c_slow(buf + off, len);
	bad += crc32c_sw(0, buf, 4096) != crc32c_slow(buf, 4096);
	bad += crc32c_sw(0, buf + 3, 4096) != crc32c_slow(buf + 3, 4096);
	tap_ok(!bad, "crc32c: sliced tables agree with the bitwise definition at every length 0..64 and alignment 0..7, and at 4096 (%u differ)",
	       bad);
	bad = 0;
	for (off = 0; off < 8; off++)
		for (len = 0; len <= 64; len++)
			bad += crc32c(0, buf + off, len) !=
			       crc32c_slow(buf + off, len);
	bad += crc32c(0, buf + 5, 4094) != crc32c_slow(buf + 5, 4094);
	tap_ok(!bad, "crc32c: the one used (%s) agrees with the definition at every length 0..64 and alignment 0..7, and at 4094 (%u differ)",
	       crc32c_has_hw() ? "the CPU's crc32 instruction" : "tables: no SSE4.2",
	       bad);
	tap_ok(crc32c(crc32c(0, buf, 1000), buf + 1000, 3099) ==
		       crc32c(0, buf, 4099),
	       "crc32c: continuing over two pieces equals one pass");
}

static void test_peer(void)
{
	struct ebpfdma_rx_peer p;
	static const uint8_t v4[16] = { [10] = 0xff, [11] = 0xff, 10, 11, 0, 1 };
	static const uint8_t v6[16] = { 0xfd, 0x11, [15] = 1 };

	tap_ok(!edma_rx_peer_parse("10.11.0.1", &p) && !memcmp(p.addr, v4, 16),
	       "peer: 10.11.0.1 is ::ffff:10.11.0.1");
	tap_ok(!edma_rx_peer_parse("fd11::1", &p) && !memcmp(p.addr, v6, 16),
	       "peer: fd11::1");
	tap_ok(edma_rx_peer_parse("10.11.0", &p) == -EINVAL,
	       "peer: 10.11.0 is refused");
	tap_ok(edma_rx_peer_parse("host.example", &p) == -EINVAL,
	       "peer: a name is refused (addresses only)");
	tap_ok(edma_rx_peer_parse("", &p) == -EINVAL, "peer: empty is refused");
	tap_ok(!edma_rx_peer_parse("10.11.0.1", &p) && p.prefixlen == 128 &&
		       !edma_rx_peer_parse("fd11::1", &p) && p.prefixlen == 128,
	       "peer: an address is a /128 (IPv4 mapped)");
	tap_ok(!edma_rx_peer_parse("10.11.0.0/16", &p) && p.prefixlen == 112 &&
		       !memcmp(p.addr, v4, 12) && p.addr[12] == 10 &&
		       p.addr[13] == 11 && !p.addr[14],
	       "peer: 10.11.0.0/16 is ::ffff:10.11.0.0/112");
	tap_ok(!edma_rx_peer_parse("fd11::/16", &p) && p.prefixlen == 16 &&
		       !edma_rx_peer_parse("0.0.0.0/0", &p) &&
		       p.prefixlen == 96 && !edma_rx_peer_parse("::/0", &p) &&
		       !p.prefixlen,
	       "peer: fd11::/16, 0.0.0.0/0 (every IPv4 sender), ::/0 (every sender)");
	tap_ok(edma_rx_peer_parse("10.11.0.1/16", &p) == -EINVAL &&
		       edma_rx_peer_parse("10.11.0.0/33", &p) == -EINVAL &&
		       edma_rx_peer_parse("fd11::/129", &p) == -EINVAL &&
		       edma_rx_peer_parse("10.11.0.0/", &p) == -EINVAL &&
		       edma_rx_peer_parse("10.11.0.0/016", &p) == -EINVAL &&
		       edma_rx_peer_parse("10.11.0.0/+8", &p) == -EINVAL &&
		       edma_rx_peer_parse("10.11.0.0/8x", &p) == -EINVAL &&
		       edma_rx_peer_parse("/8", &p) == -EINVAL,
	       "peer: host bits past the prefix, a prefix too long, empty, signed, padded or not a number: refused");
	{
		static const uint8_t in[16] = { [10] = 0xff, [11] = 0xff,
						10, 11, 200, 7 };
		static const uint8_t out[16] = { [10] = 0xff, [11] = 0xff,
						 10, 12, 0, 1 };
		static const uint8_t v6in[16] = { 0xfd, 0x11, 0x80, [15] = 9 };
		bool ok;

		ok = !edma_rx_peer_parse("10.11.0.0/16", &p) &&
		     edma_rx_peer_match(&p, in) && !edma_rx_peer_match(&p, out);
		ok = ok && !edma_rx_peer_parse("10.8.0.0/13", &p) &&
		     edma_rx_peer_match(&p, in) && edma_rx_peer_match(&p, out);
		ok = ok && !edma_rx_peer_parse("10.11.200.7", &p) &&
		     edma_rx_peer_match(&p, in) && !edma_rx_peer_match(&p, out);
		ok = ok && !edma_rx_peer_parse("fd11:8000::/17", &p) &&
		     edma_rx_peer_match(&p, v6in) && !edma_rx_peer_match(&p, in);
		ok = ok && !edma_rx_peer_parse("fd11::/18", &p) &&
		     !edma_rx_peer_match(&p, v6in);
		ok = ok && !edma_rx_peer_parse("0.0.0.0/0", &p) &&
		     edma_rx_peer_match(&p, in) && !edma_rx_peer_match(&p, v6in);
		tap_ok(ok, "peer: networks match their addresses only, at byte and bit boundaries");
	}
}

static void test_seqset(void)
{
	uint32_t runs[8][2];
	struct seqset s;
	unsigned int n, i, bad = 0;

	seqset_init(&s);
	tap_ok(s.cum == 0 && !seqset_runs(&s, 0, runs, 8),
	       "seqset: empty: cum 0, no runs");
	tap_ok(seqset_add(&s, 5) == 1 && seqset_add(&s, 5) == 0 &&
		       s.count == 1 && s.cum == 0,
	       "seqset: a duplicate is not new; cum stays below a gap");
	seqset_add(&s, 6);
	seqset_add(&s, 100);
	n = seqset_runs(&s, 0, runs, 8);
	tap_ok(n == 2 && runs[0][0] == 5 && runs[0][1] == 7 &&
		       runs[1][0] == 100 && runs[1][1] == 101,
	       "seqset: runs [5, 7) and [100, 101)");
	for (i = 0; i < 5; i++)
		seqset_add(&s, 4 - i); /* reordered */
	tap_ok(s.cum == 7 && s.count == 8,
	       "seqset: filling the gap in reverse moves cum to 7");
	n = seqset_runs(&s, s.cum, runs, 8);
	tap_ok(n == 1 && runs[0][0] == 100, "seqset: runs above cum: [100, 101)");
	tap_ok(seqset_add_range(&s, 0, 200) == 200 - 8 && s.cum == 200 &&
		       s.count == 200,
	       "seqset: a range adds only what is new; cum 200");
	tap_ok(seqset_runs(&s, 0, runs, 1) == 1 && runs[0][1] == 200,
	       "seqset: one run [0, 200)");
	seqset_free(&s);
	seqset_init(&s);
	for (i = 0; i < 100000; i += 2)
		bad += seqset_add(&s, i) != 1;
	n = seqset_runs(&s, 0, runs, 8);
	tap_ok(!bad && n == 8 && runs[7][0] == 14 && runs[7][1] == 15 &&
		       s.count == 50000,
	       "seqset: 50000 alternate numbers; runs stop at the limit asked");
	seqset_free(&s);
	/* A session of more than 2^22 blocks (a 2 GiB file in 512 bytes). */
	seqset_init(&s);
	tap_ok(seqset_add_range(&s, 0, (1U << 22) - 3) == (1 << 22) - 3 &&
		       seqset_add(&s, (1U << 22) + 5) == 1 &&
		       seqset_add_range(&s, (1U << 22) + 7, (1U << 22) + 9) == 2 &&
		       s.cum == (1U << 22) - 3 &&
		       seqset_runs(&s, s.cum, runs, 8) == 2 &&
		       runs[0][0] == (1U << 22) + 5 &&
		       runs[0][1] == (1U << 22) + 6 &&
		       runs[1][0] == (1U << 22) + 7 &&
		       runs[1][1] == (1U << 22) + 9,
	       "seqset: past 2^22: cum 2^22 - 3, runs [2^22 + 5, +1), [2^22 + 7, +2)");
	tap_ok(seqset_add_range(&s, (1U << 22) - 3, (1U << 22) + 7) == 9 &&
		       s.cum == (1U << 22) + 9 && s.count == (1U << 22) + 9 &&
		       seqset_has(&s, (1U << 22) + 8) &&
		       !seqset_has(&s, (1U << 22) + 9) &&
		       !seqset_runs(&s, s.cum, runs, 8),
	       "seqset: the gap across 2^22 filled: cum 2^22 + 9, nothing above");
	seqset_free(&s);
}

static int write_conf(const char *text)
{
	FILE *f = fopen("/tmp/ebpfdma-unit.conf", "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void conf_refused(const char *text, const char *want)
{
	struct ctl_config c;
	char err[256] = "";

	write_conf(text);
	if (!tap_ok(ctl_config_load("/tmp/ebpfdma-unit.conf", &c, err,
				    sizeof(err)) &&
			    strstr(err, want),
		    "config: refused with \"%s\"", want))
		printf("# got \"%s\"\n", err);
}

/*
 * The id map against a plain array, through 20000 random puts, gets and
 * deletes of 48 ids in a map of 16 entries (at most 8 ids): long probe
 * runs, runs that wrap around the table's end, deletions in their middle.
 */
static void test_idmap(void)
{
	uint64_t ids[48], x = 88172645463325252ULL;
	void *ref[48] = { 0 };
	unsigned int i, k, n = 0, bad = 0, full = 0, wrapped = 0;
	struct idmap m;

	tap_ok(idmap_init(&m, 0) == -EINVAL && idmap_init(&m, (1U << 24) + 1) == -EINVAL,
	       "idmap: a map of 0 or more than 2^24 ids is refused");
	tap_ok(!idmap_init(&m, 8) && m.mask == 15, "idmap: 8 ids take 16 entries");
	for (i = 0; i < 48; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		ids[i] = x | 1;
	}
	tap_ok(idmap_put(&m, 0, &m) == -EINVAL && idmap_put(&m, 5, NULL) == -EINVAL &&
	       !idmap_get(&m, 0) && !idmap_del(&m, 0),
	       "idmap: id 0 and a NULL value are refused, id 0 is never found");
	for (k = 0; k < 20000; k++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		i = x % 48;
		if ((x >> 8) % 3) {
			int r = idmap_put(&m, ids[i], &ids[i]);
			int want = ref[i] ? -EEXIST : n == 8 ? -ENOSPC : 0;

			bad += r != want;
			full += r == -ENOSPC;
			if (!r) {
				ref[i] = &ids[i];
				n++;
			}
		} else {
			bad += idmap_del(&m, ids[i]) != ref[i];
			n -= !!ref[i];
			ref[i] = NULL;
		}
		for (i = 0; i < 48; i++)
			bad += idmap_get(&m, ids[i]) != ref[i];
		bad += m.count != n;
		/* An entry in use at both ends of the table: a wrapped run. */
		wrapped += m.keys[0] && m.keys[m.mask];
	}
	tap_ok(!bad, "idmap: 20000 random operations agree with an array (%u disagreements)", bad);
	tap_ok(full > 100 && wrapped > 100,
	       "idmap: ... with the map full %u times and runs wrapped %u times", full, wrapped);
	idmap_free(&m);
}

static void test_config(void)
{
	struct ctl_config c;
	char err[256] = "", host[64];
	uint16_t port;
	uint32_t flags;

	write_conf("# comment\ninterface = veth-rx\nport = 9000 # trailing\n"
		   "metrics = [::1]:9101\nxdp = generic\nfull_policy = pass\n"
		   "peer = 10.0.0.1\npeer = fd00::1\npeer = 10.1.0.0/16\n"
		   "idle_timeout = 30\nprotect = mac\nstate_dir = /srv/edma\n"
		   "volume = 3 /dev/vdb start=2048 blocks=4096 key_file=/k3 protect=crc flags=fua,flush_on_commit\n"
		   "volume = 4 /dev/vdb start=8192 blocks=8 writers=shared\n"
		   "key_file = /etc/k\n");
	tap_ok(!ctl_config_load("/tmp/ebpfdma-unit.conf", &c, err, sizeof(err)) &&
		       !strcmp(c.ifname, "veth-rx") && c.port == 9000 &&
		       !strcmp(c.metrics, "[::1]:9101") &&
		       c.xdp == CTL_XDP_GENERIC &&
		       c.full_policy == EBPFDMA_RX_FULL_PASS && c.nr_peers == 3 &&
		       c.nr_vols == 2 && c.vols[0].id == 3 &&
		       c.vols[0].start == 2048 && c.vols[0].blocks == 4096 &&
		       !strcmp(c.vols[0].key_file, "/k3") &&
		       c.vols[0].protect == EBPFDMA_PROTECT_CRC &&
		       c.vols[0].flags == (EBPFDMA_VOL_FUA |
					   EBPFDMA_VOL_FLUSH_ON_COMMIT) &&
		       !c.vols[0].shared && c.vols[1].shared &&
		       !strcmp(c.state_dir, "/srv/edma") &&
		       c.idle_timeout_s == 30,
	       "config: every key parsed (%s)", err);
	tap_ok(!strcmp(c.vols[1].key_file, "/etc/k") &&
		       c.vols[1].protect == EBPFDMA_PROTECT_MAC,
	       "config: key_file and protect lines are the volumes' defaults, wherever they stand");
	write_conf("interface = eth0\nvolume = 1 /dev/sda blocks=8 key_file=/k\n");
	tap_ok(!ctl_config_load("/tmp/ebpfdma-unit.conf", &c, err, sizeof(err)) &&
		       c.port == 7788 && !strcmp(c.metrics, "127.0.0.1:9788") &&
		       c.xdp == CTL_XDP_NATIVE &&
		       c.full_policy == EBPFDMA_RX_FULL_DROP &&
		       c.vols[0].protect == EBPFDMA_PROTECT_AEAD &&
		       c.idle_timeout_s == CTL_IDLE_TIMEOUT_S,
	       "config: defaults: port 7788, metrics on loopback, native, drop, aead, idle 120 s");
	write_conf("interface = eth0\nvolume = 1 /dev/sda start=010 blocks=0100 key_file=/k\n"
		   "idle_timeout = 09\n");
	tap_ok(!ctl_config_load("/tmp/ebpfdma-unit.conf", &c, err, sizeof(err)) &&
		       c.vols[0].start == 10 && c.vols[0].blocks == 100 &&
		       c.idle_timeout_s == 9,
	       "config: numbers are decimal: start=010 is block ten, not an octal eight (%s)",
	       err);
	conf_refused("interface = eth0\nvolume = 1 /dev/sda blocks=0x10 key_file=/k\n",
		     ":2: volume 1: bad blocks=0x10");
	conf_refused("interface = eth0\nport = +80\n", ":2: port: 1..65535");
	conf_refused("interface = eth0\nport = 0\n", "unit.conf:2: port: 1..65535");
	conf_refused("interface = eth0\nport = 65536\n", ":2: port");
	conf_refused("interface = eth0\nvolume = 64 /dev/sda blocks=8 key_file=/k\n",
		     ":2: volume: an id below 64");
	conf_refused("interface = eth0\nstate_dir = var/lib\n",
		     "state_dir: an absolute path");
	conf_refused("interface = eth0\nvolume = 1 /dev/sda blocks=8 writers=two\n",
		     "volume 1: bad writers=two");
	conf_refused("interface = eth0\nvolume = 1 sda blocks=8 key_file=/k\n",
		     "a block device or file path second");
	conf_refused("interface = eth0\nvolume = 1 /dev/sda blocks=0 key_file=/k\n",
		     "bad blocks=0");
	conf_refused("interface = eth0\nvolume = 1 /dev/sda key_file=/k\n",
		     "blocks= is required");
	conf_refused("interface = eth0\nvolume = 1 /dev/sda blocks=8\n",
		     "volume 1 has no key file");
	conf_refused("interface = eth0\nvolume = 1 /dev/sda blocks=8 token=1\n",
		     "token= is gone (wire version 1)");
	conf_refused("interface = eth0\nvolume = 1 /dev/sda blocks=8 key_file=/k protect=none\n",
		     "bad protect=none");
	conf_refused("interface = eth0\nprotect = rot13\n",
		     ":2: protect: aead, mac or crc");
	conf_refused("interface = eth0\nidle_timeout = 0\n",
		     ":2: idle_timeout: 1..86400 seconds");
	conf_refused("interface = eth0\nvolume = 1 /dev/sda blocks=8 key_file=/k flags=sync\n",
		     "bad flags=sync");
	conf_refused("interface = eth0\nvolume = 1 /dev/sda blocks=8 key_file=/k\n"
		     "volume = 1 /dev/sdb blocks=8 key_file=/k\n",
		     ":3: volume 1 given again (first on line 2)");
	conf_refused("interface = eth0\nport = 9000\n# x\nport = 9001\n",
		     "unit.conf:4: port given again (first on line 2): one value only");
	conf_refused("interface = eth0\ninterface = eth1\n",
		     ":2: interface given again (first on line 1)");
	conf_refused("interface = eth0\nkey_file = /a\nkey_file = /b\n",
		     ":3: key_file given again (first on line 2)");
	conf_refused("interface = eth0\nxdp = fast\n", "xdp: native, generic or off");
	conf_refused("interface = eth0\nmetrics = 9788\n",
		     ":2: metrics: a numeric address and port");
	conf_refused("interface = eth0\nmetrics = localhost:9788\n",
		     ":2: metrics: a numeric address and port (127.0.0.1:9788, [::1]:9788) or off, not 'localhost:9788'");
	conf_refused("interface = eth0\nmetrics = 127.0.0.1:77x\n",
		     ":2: metrics: a numeric address");
	conf_refused("interface = eth0\nlisten = node1\n",
		     ":2: listen: a numeric address");
	conf_refused("interface = eth0\nlisten = 10.0.0.0/8\n",
		     ":2: listen: a numeric address");
	conf_refused("interface = eth0\npeer = sender.example\n",
		     ":2: peer: 'sender.example' is not a numeric address or network");
	conf_refused("interface = eth0\npeer = 10.0.0.1/24\n",
		     ":2: peer: '10.0.0.1/24' is not");
	conf_refused("interface = eth0\npeer = 10.0.0.0/33\n",
		     ":2: peer: '10.0.0.0/33' is not");
	conf_refused("interface = eth0\nbogus\n", ":2: expected key = value");
	write_conf("interface = eth0\nkey_file = /k\n"
		   "store = 5 /srv/files quota=64M overwrite=yes protect=mac\n"
		   "store = 6 /srv/other quota=4096\n");
	tap_ok(!ctl_config_load("/tmp/ebpfdma-unit.conf", &c, err, sizeof(err)) &&
		       c.nr_vols == 2 && c.vols[0].store && c.vols[0].id == 5 &&
		       !strcmp(c.vols[0].dev, "/srv/files") &&
		       c.vols[0].quota == 64ULL << 20 && c.vols[0].overwrite &&
		       c.vols[0].protect == EBPFDMA_PROTECT_MAC &&
		       c.vols[1].quota == 4096 && !c.vols[1].overwrite &&
		       !strcmp(c.vols[1].key_file, "/k"),
	       "config: file stores: quota with a binary suffix, overwrite, protect (%s)",
	       err);
	conf_refused("interface = eth0\nstore = 5 /srv/f blocks=8 key_file=/k\n",
		     "store 5: blocks= is for block volumes");
	conf_refused("interface = eth0\nstore = 5 /srv/f writers=shared key_file=/k\n",
		     "store 5: writers= is for block volumes");
	conf_refused("interface = eth0\nstore = 5 /srv/f quota=12X key_file=/k\n",
		     "store 5: bad quota=12X");
	conf_refused("interface = eth0\nstore = 5 /srv/f quota=0 key_file=/k\n",
		     "store 5: bad quota=0");
	conf_refused("interface = eth0\nstore = 5 /srv/f quota=99999999999T key_file=/k\n",
		     "store 5: bad quota=99999999999T");
	conf_refused("interface = eth0\nstore = 5 /srv/f overwrite=maybe key_file=/k\n",
		     "store 5: bad overwrite=maybe");
	conf_refused("interface = eth0\nstore = 5 srv key_file=/k\n",
		     "store 5: a directory's absolute path second");
	conf_refused("interface = eth0\nvolume = 5 /dev/sda blocks=8 key_file=/k quota=1M\n",
		     "volume 5: bad quota=1M");
	conf_refused("interface = eth0\n", "no volume");
	conf_refused("volume = 1 /dev/sda blocks=8 key_file=/k\n", "no interface");
	conf_refused("", "no interface");
	tap_ok(ctl_config_load("/nonexistent/x.conf", &c, err, sizeof(err)) &&
		       strstr(err, "No such file"),
	       "config: a missing file is named with its error");
	tap_ok(!ctl_split_hostport("[fd00::1]:80", host, sizeof(host), &port) &&
		       !strcmp(host, "fd00::1") && port == 80 &&
		       !ctl_split_hostport("1.2.3.4:9", host, sizeof(host), &port) &&
		       !strcmp(host, "1.2.3.4") && port == 9 &&
		       ctl_split_hostport("1.2.3.4", host, sizeof(host), &port) &&
		       ctl_split_hostport("h:0", host, sizeof(host), &port),
	       "config: host:port split, [v6]:port, port 1..65535");
	tap_ok(!ctl_parse_vol_flags("", &flags) && !flags &&
		       ctl_parse_vol_flags("fua,", &flags) == 0 &&
		       ctl_parse_vol_flags("fua,x", &flags) == -1,
	       "config: volume flags");
	unlink("/tmp/ebpfdma-unit.conf");
}

static int count_entry(const struct store_entry *e, void *arg)
{
	(void)e;
	++*(unsigned int *)arg;
	return 0;
}

/* store.c on the host's file system: names, admission, publishing. */
static void test_store(void)
{
	static const char *const bad[] = {
		"", ".", "..", "a/b", "/", "tab\there", "nl\n", "del\x7f",
		"x.partial", ".partial",
	};
	static const uint8_t digest[STORE_DIGEST_LEN] = { 1, 2, 3 };
	char dir[] = "/tmp/ebpfdma-store-XXXXXX", longest[256], buf[64];
	unsigned int i, refused = 0, removed = 99, n = 0;
	bool renamed = false;
	struct stat st;
	int dfd, fd, ret;
	ssize_t len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused += store_name_ok(bad[i]) == -EINVAL;
	memset(longest, 'a', sizeof(longest));
	longest[EBPFDMA_WIRE2_NAME_MAX] = 0;
	tap_ok(refused == sizeof(bad) / sizeof(bad[0]) &&
		       !store_name_ok("a.bin") && !store_name_ok(".hidden") &&
		       !store_name_ok("x.partial.bin") &&
		       !store_name_ok("\xc3\xa9t\xc3\xa9 2026.tar") &&
		       !store_name_ok(longest),
	       "store: names: %u bad ones refused ('/', control characters, . and .., .partial), UTF-8 and %u bytes taken",
	       refused, EBPFDMA_WIRE2_NAME_MAX);
	longest[EBPFDMA_WIRE2_NAME_MAX] = 'a';
	longest[EBPFDMA_WIRE2_NAME_MAX + 1] = 0;
	tap_ok(store_name_ok(longest) == -EINVAL, "store: a name of %u bytes refused",
	       EBPFDMA_WIRE2_NAME_MAX + 1);
	if (!mkdtemp(dir)) {
		tap_ok(0, "store: a temporary directory: %s", strerror(errno));
		return;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	fd = store_create(dfd, "f.bin");
	ret = fd < 0 ? fd : store_reserve(fd, 0, 8192);
	tap_ok(!ret && !fstatat(dfd, "f.bin.partial", &st, 0) &&
		       st.st_size == 8192 && fstatat(dfd, "f.bin", &st, 0),
	       "store: created as f.bin.partial, preallocated, no f.bin (%s)",
	       strerror(-ret));
	ret = store_publish(dfd, fd, "f.bin", 5000, digest, false, &renamed);
	len = getxattr(strcat(strcpy(buf, dir), "/f.bin"), STORE_XATTR_LENGTH,
		       buf, sizeof(buf) - 1);
	buf[len > 0 ? len : 0] = 0;
	/* tmpfs has no user.* xattrs: then publishing fails, and says so. */
	if (ret == -EOPNOTSUPP) {
		tap_skip("store: publish", "the host's /tmp has no user extended attributes");
	} else {
		tap_ok(!ret && renamed && !fstatat(dfd, "f.bin", &st, 0) &&
			       st.st_size == 5000 &&
			       fstatat(dfd, "f.bin.partial", &st, 0) &&
			       !strcmp(buf, "5000"),
		       "store: published: cut to 5000 bytes, renamed, its length recorded (%s)",
		       strerror(-ret));
		tap_ok(store_admit(dfd, "f.bin", 1, 0, false) == -EEXIST &&
			       !store_admit(dfd, "f.bin", 1, 0, true) &&
			       !store_admit(dfd, "g.bin", 1, 0, false),
		       "store: an existing name refused unless overwrite");
		fd = store_create(dfd, "f.bin");
		tap_ok(fd >= 0 &&
			       store_publish(dfd, fd, "f.bin", 0, digest,
					     false, &renamed) == -EEXIST &&
			       !renamed &&
			       !fstatat(dfd, "f.bin", &st, 0) &&
			       st.st_size == 5000,
		       "store: publishing over an existing name without overwrite: EEXIST, the old file kept");
		if (fd >= 0)
			close(fd);
		fd = -1;
		store_list(dfd, count_entry, &n);
		tap_ok(n == 1, "store: ls lists the stored file, not the partial (%u)",
		       n);
	}
	if (fd >= 0)
		close(fd);
	tap_ok(store_admit(dfd, "h.bin", 1 << 20, 4096, false) == -EDQUOT &&
		       store_admit(dfd, "h.bin", 1ULL << 62, 0, false) == -ENOSPC,
	       "store: over the quota: EDQUOT; more than the file system has: ENOSPC");
	fd = store_create(dfd, "z.bin");
	close(fd);
	ret = store_clean(dfd, &removed);
	tap_ok(!ret && removed >= 1 && fstatat(dfd, "z.bin.partial", &st, 0),
	       "store: partial files removed at start (%u)", removed);
	unlinkat(dfd, "f.bin", 0);
	close(dfd);
	rmdir(dir);
}

/*
 * RFC 1071's own example (section 3: the words 0001 f203 f4f5 f6f7 sum
 * to ddf2, the checksum is its complement), and an IPv4 header whose
 * checksum is b861: a header with its checksum in place sums to zero.
 */
static void test_inet_csum(void)
{
	static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03,
				       0xf4, 0xf5, 0xf6, 0xf7 };
	uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
			   0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
			   0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	static const uint8_t odd[] = { 0x01, 0x02, 0x03 };
	uint16_t c;

	tap_ok(ntohs(inet_csum(rfc, sizeof(rfc))) == (uint16_t)~0xddf2,
	       "inet_csum: RFC 1071's example sums to ddf2");
	c = inet_csum(ip, sizeof(ip));
	tap_ok(ntohs(c) == 0xb861, "inet_csum: an IPv4 header's is b861 (%04x)",
	       ntohs(c));
	memcpy(ip + 10, &c, 2);
	tap_ok(inet_csum(ip, sizeof(ip)) == 0,
	       "inet_csum: ... and with it in place, the header sums to 0");
	tap_ok(ntohs(inet_csum(odd, 3)) == (uint16_t)~0x0402,
	       "inet_csum: an odd last byte is padded with zero (0102 + 0300)");
}

int main(void)
{
	tap_begin();
	test_crc32c();
	test_inet_csum();
	test_peer();
	test_seqset();
	test_idmap();
	test_config();
	test_store();
	return tap_done();
}
