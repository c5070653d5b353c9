// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests (host) of the tools' shared logic in tools/lib/: CRC32C, wire
 * headers, peer addresses.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "tools/ebpfdmactl/ctl.h"
#include "tools/lib/crc32c.h"
#include "tools/lib/seqset.h"
#include "tools/lib/rx.h"
#include "tools/lib/wire.h"
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

static void test_wire(void)
{
	struct edma_wire w = {
		.type = EBPFDMA_WIRE_DATA, .flags = EBPFDMA_WIRE_F_CRC,
		.volume = 0x01020304, .session = 0xa0b0c0d0,
		.token = 0x1122334455667788ULL, .lba = 0x0102030405060708ULL,
		.seq = 0xdeadbeef,
	};
	struct ebpfdma_wire_hdr h;
	const uint8_t *b = (const void *)&h;
	uint8_t body[1024];

	memset(body, 0x5a, sizeof(body));
	tap_ok(sizeof(h) == EBPFDMA_WIRE_HDR_LEN, "wire: the header is 48 bytes");
	edma_wire_fill(&h, &w, body, sizeof(body));
	tap_ok(!memcmp(b, "EDMA", 4) && b[4] == 1 && b[5] == 1,
	       "wire: magic \"EDMA\", version 1, type DATA at bytes 0..5");
	tap_ok(b[6] == 0 && b[7] == 1, "wire: flags big-endian at bytes 6..7");
	tap_ok(!memcmp(b + 8, "\x01\x02\x03\x04\xa0\xb0\xc0\xd0", 8),
	       "wire: volume and session big-endian at bytes 8..15");
	tap_ok(!memcmp(b + 16, "\x11\x22\x33\x44\x55\x66\x77\x88", 8) &&
		       !memcmp(b + 24, "\x01\x02\x03\x04\x05\x06\x07\x08", 8),
	       "wire: token and lba big-endian at bytes 16..31");
	tap_ok(!memcmp(b + 32, "\xde\xad\xbe\xef\x00\x00\x04\x00", 8),
	       "wire: seq and len (1024) big-endian at bytes 32..39");
	tap_ok(be32toh(h.crc) == crc32c(0, body, sizeof(body)) && !h.status,
	       "wire: crc is the body's CRC32C, status 0");
	w.flags = 0;
	edma_wire_fill(&h, &w, body, sizeof(body));
	tap_ok(!h.crc && !h.flags, "wire: no CRC flag, crc 0");
}

static void test_wire_parse(void)
{
	struct edma_wire w = {
		.type = EBPFDMA_WIRE_DATA, .flags = EBPFDMA_WIRE_F_CRC,
		.volume = 7, .session = 0xa0b0c0d0, .token = 0x1122334455667788ULL,
		.lba = 1ULL << 40, .seq = 0xfffffffe,
	};
	uint8_t buf[sizeof(struct ebpfdma_wire_hdr) + 512];
	struct ebpfdma_wire_hdr *h = (void *)buf;
	struct edma_wire r;
	uint32_t len;

	memset(buf + sizeof(*h), 0x3c, 512);
	edma_wire_fill(h, &w, buf + sizeof(*h), 512);
	tap_ok(!edma_wire_parse(buf, sizeof(buf), &r, &len) && len == 512 &&
		       r.type == w.type && r.flags == w.flags &&
		       r.volume == w.volume && r.session == w.session &&
		       r.token == w.token && r.lba == w.lba &&
		       r.seq == w.seq && !r.status &&
		       r.crc == crc32c(0, buf + sizeof(*h), 512),
	       "wire: parse gives back every field of a filled header");
	tap_ok(edma_wire_data_ok(&r, len), "wire: a filled DATA header is valid");
	tap_ok(edma_wire_parse(buf, sizeof(buf) - 1, &r, &len) &&
		       edma_wire_parse(buf, sizeof(*h) - 1, &r, &len),
	       "wire: parse refuses a datagram shorter than len says, and one shorter than a header");
	h->version = 2;
	tap_ok(edma_wire_parse(buf, sizeof(buf), &r, &len),
	       "wire: parse refuses version 2");
	h->version = 1;
	h->magic ^= 1;
	tap_ok(edma_wire_parse(buf, sizeof(buf), &r, &len),
	       "wire: parse refuses a wrong magic");
	h->magic ^= 1;
	edma_wire_parse(buf, sizeof(buf), &r, &len);
	r.flags = 1U << 2;
	tap_ok(!edma_wire_data_ok(&r, len), "wire: DATA with an unknown flag is not valid");
	r.flags = 0;
	tap_ok(!edma_wire_data_ok(&r, len), "wire: DATA with a CRC but not its flag is not valid");
	r.crc = 0;
	tap_ok(edma_wire_data_ok(&r, len) && !edma_wire_data_ok(&r, 0),
	       "wire: DATA without CRC is valid; with no body it is not");
	r.status = 1;
	tap_ok(!edma_wire_data_ok(&r, len), "wire: DATA with a status is not valid");
}

static void test_wire_ack(void)
{
	uint8_t buf[EDMA_ACK_MAX];
	const struct ebpfdma_wire_info *info =
		(const void *)(buf + sizeof(struct ebpfdma_wire_hdr));
	const struct ebpfdma_wire_range *rg = (const void *)(info + 1);
	struct seqset d;
	struct edma_ack a = {
		.volume = 3, .session = 9, .durable = &d,
		.window_blocks = 1ULL << 33, .block_size = 4096, .max_len = 8192,
	};
	struct edma_wire w;
	uint32_t len, i, ok = 1;
	size_t n;

	seqset_init(&d);
	seqset_add_range(&d, 0, 10);
	for (i = 0; i < 100; i++) /* 100 runs above the mark: 12, 14, ... */
		seqset_add(&d, 12 + 2 * i);
	n = edma_wire_ack(buf, &a);
	tap_ok(!edma_wire_parse(buf, n, &w, &len) && w.type == EBPFDMA_WIRE_ACK &&
		       w.volume == 3 && w.session == 9 && w.seq == 10 &&
		       !w.status && !w.flags &&
		       len == sizeof(*info) + 64 * sizeof(*rg),
	       "wire: an ACK carries the cumulative mark and at most 64 runs (%u bytes of body)",
	       len);
	for (i = 0; i < 64; i++)
		ok &= be32toh(rg[i].first) == 12 + 2 * i &&
		      be32toh(rg[i].end) == 13 + 2 * i;
	tap_ok(ok && be64toh(info->window_blocks) == 1ULL << 33 &&
		       be32toh(info->block_size) == 4096 &&
		       be32toh(info->max_len) == 8192,
	       "wire: the ACK's runs are the lowest ones above the mark, and its geometry is the volume's");
	a.committed = true;
	a.commit_seq = 110;
	n = edma_wire_ack(buf, &a);
	tap_ok(!edma_wire_parse(buf, n, &w, &len) && w.seq == 110 &&
		       w.flags == EBPFDMA_WIRE_F_COMMITTED && len == sizeof(*info),
	       "wire: a COMMIT's ACK is flagged COMMITTED with its seq and no runs");
	a = (struct edma_ack){ .volume = 3, .session = 9,
			       .status = EBPFDMA_WIRE_E_TOKEN };
	n = edma_wire_ack(buf, &a);
	tap_ok(!edma_wire_parse(buf, n, &w, &len) &&
		       w.status == EBPFDMA_WIRE_E_TOKEN && !w.seq &&
		       !info->block_size && !info->window_blocks,
	       "wire: a refusal carries its status and no geometry");
	seqset_free(&d);
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

static void test_config(void)
{
	struct ctl_config c;
	char err[256] = "", host[64];
	uint16_t port;
	uint32_t flags;

	write_conf("# comment\ninterface = veth-rx\nport = 9000 # trailing\n"
		   "metrics = [::1]:9101\nxdp = generic\nfull_policy = pass\n"
		   "peer = 10.0.0.1\npeer = fd00::1\n"
		   "volume = 3 /dev/vdb start=2048 blocks=4096 token=0x10 flags=fua,flush_on_commit\n");
	tap_ok(!ctl_config_load("/tmp/ebpfdma-unit.conf", &c, err, sizeof(err)) &&
		       !strcmp(c.ifname, "veth-rx") && c.port == 9000 &&
		       !strcmp(c.metrics, "[::1]:9101") &&
		       c.xdp == CTL_XDP_GENERIC &&
		       c.full_policy == EBPFDMA_RX_FULL_PASS && c.nr_peers == 2 &&
		       c.nr_vols == 1 && c.vols[0].id == 3 &&
		       c.vols[0].start == 2048 && c.vols[0].blocks == 4096 &&
		       c.vols[0].token == 16 &&
		       c.vols[0].flags == (EBPFDMA_VOL_FUA |
					   EBPFDMA_VOL_FLUSH_ON_COMMIT),
	       "config: every key parsed (%s)", err);
	write_conf("interface = eth0\nvolume = 1 /dev/sda blocks=8 token=1\n");
	tap_ok(!ctl_config_load("/tmp/ebpfdma-unit.conf", &c, err, sizeof(err)) &&
		       c.port == 7788 && !strcmp(c.metrics, "127.0.0.1:9788") &&
		       c.xdp == CTL_XDP_NATIVE &&
		       c.full_policy == EBPFDMA_RX_FULL_DROP,
	       "config: defaults: port 7788, metrics on loopback, native, drop");
	conf_refused("interface = eth0\nport = 0\n", "unit.conf:2: port: 1..65535");
	conf_refused("interface = eth0\nport = 65536\n", ":2: port");
	conf_refused("interface = eth0\nvolume = 64 /dev/sda blocks=8 token=1\n",
		     ":2: volume: an id below 64");
	conf_refused("interface = eth0\nvolume = 1 sda blocks=8 token=1\n",
		     "a block device path second");
	conf_refused("interface = eth0\nvolume = 1 /dev/sda blocks=0 token=1\n",
		     "bad blocks=0");
	conf_refused("interface = eth0\nvolume = 1 /dev/sda blocks=8\n",
		     "blocks= and token= are required");
	conf_refused("interface = eth0\nvolume = 1 /dev/sda blocks=8 token=1 flags=sync\n",
		     "bad flags=sync");
	conf_refused("interface = eth0\nvolume = 1 /dev/sda blocks=8 token=1\n"
		     "volume = 1 /dev/sdb blocks=8 token=1\n",
		     ":3: volume 1 twice");
	conf_refused("interface = eth0\nxdp = fast\n", "xdp: native, generic or off");
	conf_refused("interface = eth0\nmetrics = 9788\n", "metrics: host:port or off");
	conf_refused("interface = eth0\nbogus\n", ":2: expected key = value");
	conf_refused("interface = eth0\n", "no volume");
	conf_refused("volume = 1 /dev/sda blocks=8 token=1\n", "no interface");
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

int main(void)
{
	tap_begin();
	test_crc32c();
	test_wire();
	test_wire_parse();
	test_wire_ack();
	test_peer();
	test_seqset();
	test_config();
	return tap_done();
}
