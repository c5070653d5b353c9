// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's load generator, linked into a build of ebpfdma-send of
 * its own (build/bench/ebpfdma-send-blast; ebpfdma-send itself has none of
 * it).  With EBPFDMA_BENCH_BLAST set (a file), each session the receiver
 * grants starts with a blast: every block the flight ring can hold is
 * sealed in advance (as the rounds seal it, under a counter never used
 * before) into a whole Ethernet/IPv4/UDP frame, and the frames are emitted
 * by BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES (bpf/bench_blast.bpf.c):
 * the kernel turns each into a live XDP frame on the sending CPU and
 * redirects it to the sending veth, whose peer's NAPI receives it as from
 * a NIC, for ebpfdma and the UDP baselines alike.  No socket, no UDP send
 * path and no sealing in the blast: the sender costs far less per datagram
 * than any receiver, which is then the bottleneck.
 *
 * The blast keeps the peer's receive ring (256 frames in veth) nearly full
 * and no more: between runs it reads the sending veth's counters
 * (RTM_GETSTATS: tx_packets counts what the peer's NAPI took from its
 * ring, tx_dropped what did not fit), so frames are seldom dropped before
 * the receiver.  What is lost (at the ring, or by the receiver: a full socket
 * buffer, a full pool) is blasted again, resealed, once the ACKs have
 * settled, up to ROUNDS blasts in all; the normal rounds send whatever is
 * left, and the data is checked on the disk as always.  One JSON line per
 * session is appended to the file: frames prepared and emitted by the
 * first blast, dropped at the ring, that blast's seconds and the receiving
 * CPU's busy fraction during it (EBPFDMA_BENCH_BLAST_CPU, 1 by default;
 * /proc/stat), the blasts and the frames sent again.
 *
 * Limits: IPv4 over veth only (the counters are veth's); a live frame is
 * one page, so a frame of at most about 3.3 KiB (3 KiB payloads, not 4).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/udp.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_blast.skel.h"
#include "tools/ebpfdma-send/net.h"
#include "tools/ebpfdma-send/send.h"
#include "tools/lib/inet_csum.h"
#include "uapi/ebpfdma_wire.h"

#define HDRS (ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr))
/* BPF_PROG_RUN's live frames: a page, less headroom, xdp_page_head and
 * skb_shared_info (net/bpf/test_run.c); 3.3 KiB leaves a margin. */
#define LIVE_FRAME_MAX 3328U
#define RING 256U /* veth's receive ring (VETH_RING_SIZE) */
#define RING_FILL 224U /* frames the blast keeps in it at most */
#define RUN_MIN 32U /* frames a run emits at least, once there is room */
#define STALL_US 200000U /* nothing taken from a full ring for this long */
#define STALLS 3U /* ... this many times: the blast ends */
#define ROUNDS 8U /* blasts a session: the first, then what was lost */
#define SETTLE_MS 300U /* no ACK acknowledged anything new for this long */
#define SETTLE_MAX_MS 5000U

static const char *blast_out;
static int blast_cpu = 1;

static void blast_warn(const char *what)
{
	fprintf(stderr, "ebpfdma-send: blast: %s; the normal rounds send\n",
		what);
}

static void blast_warn_slow(void)
{
	fprintf(stderr,
		"ebpfdma-send: blast: cannot attach to lo: two RCU grace periods a run\n");
}

/*
 * The sending interface's counters: tx_packets counts what the peer's NAPI
 * took from its ring, tx_dropped what did not fit (veth_get_stats64()).
 * One RTM_GETSTATS request for the 64-bit link statistics alone, on a
 * route netlink socket of the sender's network namespace: far cheaper
 * than formatting /proc/net/dev, read between every two runs (it takes
 * the RTNL lock, uncontended here).  The socket has a receive timeout: a
 * read that fails ends the blast, the normal rounds send the rest.
 */
static int dev_counters(int nl, int ifindex, uint64_t *tx_packets,
			uint64_t *tx_drop)
{
	static uint32_t seq;
	struct {
		struct nlmsghdr nh;
		struct if_stats_msg ifsm;
	} req = {
		.nh = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct if_stats_msg)),
			.nlmsg_type = RTM_GETSTATS,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = ++seq,
		},
		.ifsm = {
			.ifindex = ifindex,
			.filter_mask =
				IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64),
		},
	};
	union {
		struct nlmsghdr nh;
		uint8_t buf[1024];
	} ans;
	struct rtnl_link_stats64 st;
	struct nlmsghdr *nh = &ans.nh;
	struct rtattr *rta;
	ssize_t n;
	int len;

	if (send(nl, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	do
		n = recv(nl, ans.buf, sizeof(ans.buf), 0);
	while (n >= (ssize_t)sizeof(*nh) && nh->nlmsg_seq != seq);
	if (n < 0)
		return -errno;
	if (n < (ssize_t)sizeof(*nh) || !NLMSG_OK(nh, (size_t)n))
		return -EBADMSG;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nh);

		return e->error ? e->error : -EBADMSG;
	}
	if (nh->nlmsg_type != RTM_NEWSTATS)
		return -EBADMSG;
	len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(struct if_stats_msg));
	rta = (struct rtattr *)((uint8_t *)NLMSG_DATA(nh) +
				NLMSG_ALIGN(sizeof(struct if_stats_msg)));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type != IFLA_STATS_LINK_64 ||
		    RTA_PAYLOAD(rta) < sizeof(st))
			continue;
		memcpy(&st, RTA_DATA(rta), sizeof(st));
		*tx_packets = st.tx_packets;
		*tx_drop = st.tx_dropped;
		return 0;
	}
	return -ENOENT;
}

/*
 * Ticks of a CPU (/proc/stat): busy (user nice system irq softirq steal)
 * and all of them (busy, idle and iowait).  The busy fraction is busy over
 * all, as top and mpstat compute it, not over the wall clock: the tick
 * accounts busy time, and an emulated CPU whose host thread waits for a
 * host core misses ticks that were busy, while its idle time is measured
 * by the clock (NO_HZ).
 */
static void cpu_ticks(int cpu, uint64_t *busy, uint64_t *all)
{
	unsigned long long u, n, s, idle, io, irq, sirq, st;
	char line[512], want[16];
	FILE *f = fopen("/proc/stat", "re");

	*busy = *all = 0;
	if (!f)
		return;
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		if (sscanf(line + strlen(want),
			   "%llu %llu %llu %llu %llu %llu %llu %llu", &u, &n,
			   &s, &idle, &io, &irq, &sirq, &st) == 8) {
			*busy = u + n + s + irq + sirq + st;
			*all = *busy + idle + io;
		}
		break;
	}
	fclose(f);
}

/* The neighbour entry of @ip (/proc/net/arp): its address and device. */
static int neighbour(struct in_addr ip, uint8_t mac[ETH_ALEN], char *dev)
{
	char line[512], addr[64], hw[64], ifname[IFNAMSIZ],
		want[INET_ADDRSTRLEN];
	unsigned int m[ETH_ALEN], type, flags, i;
	FILE *f = fopen("/proc/net/arp", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	inet_ntop(AF_INET, &ip, want, sizeof(want));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s 0x%x 0x%x %63s %*s %15s", addr, &type,
			   &flags, hw, ifname) != 5 ||
		    strcmp(addr, want) ||
		    !(flags & 0x2) || /* ATF_COM: complete */
		    sscanf(hw, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
			   &m[4], &m[5]) != 6)
			continue;
		for (i = 0; i < ETH_ALEN; i++)
			mac[i] = m[i];
		strcpy(dev, ifname);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* Is @dev a veth, and what is its address? */
static int veth_address(int fd, const char *dev, uint8_t mac[ETH_ALEN])
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&di;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		return -errno;
	if (strcmp(di.driver, "veth"))
		return -EOPNOTSUPP;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		return -errno;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	return 0;
}

/* An IPv4 address of @ss (IPv4, or IPv4-mapped IPv6), and its port. */
static int ipv4_of(const struct sockaddr_storage *ss, struct in_addr *ip,
		   uint16_t *port)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;

	if (ss->ss_family == AF_INET) {
		*ip = s4->sin_addr;
		*port = s4->sin_port;
		return 0;
	}
	if (ss->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memcpy(ip, &s6->sin6_addr.s6_addr[12], 4);
		*port = s6->sin6_port;
		return 0;
	}
	return -EAFNOSUPPORT;
}

struct blast_path {
	uint8_t src_mac[ETH_ALEN], dst_mac[ETH_ALEN];
	struct in_addr src, dst;
	uint16_t sport, dport; /* network order */
	char dev[IFNAMSIZ];
	int ifindex;
};

static int blast_path(struct blast_path *p)
{
	struct sockaddr_storage local, peer;
	socklen_t llen = sizeof(local), plen = sizeof(peer);

	if (getsockname(net_fd(), (void *)&local, &llen) ||
	    getpeername(net_fd(), (void *)&peer, &plen))
		return -errno;
	if (ipv4_of(&local, &p->src, &p->sport) ||
	    ipv4_of(&peer, &p->dst, &p->dport))
		return -EAFNOSUPPORT;
	if (neighbour(p->dst, p->dst_mac, p->dev))
		return -EHOSTUNREACH;
	p->ifindex = if_nametoindex(p->dev);
	if (!p->ifindex)
		return -ENODEV;
	return veth_address(net_fd(), p->dev, p->src_mac);
}

/* Frame @seq's headers, around its sealed datagram of @len bytes. */
static void frame_headers(uint8_t *frame, const struct blast_path *p,
			  uint32_t len)
{
	struct ethhdr *eth = (void *)frame;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	memcpy(eth->h_dest, p->dst_mac, ETH_ALEN);
	memcpy(eth->h_source, p->src_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	*ip = (struct iphdr){
		.version = 4,
		.ihl = 5,
		.tos = T.o.ecn ? 0x02 : 0, /* ECT(0), as the sockets mark */
		.tot_len = htons(sizeof(*ip) + sizeof(*udp) + len),
		.frag_off = htons(0x4000), /* DF */
		.ttl = 64,
		.protocol = IPPROTO_UDP,
		.saddr = p->src.s_addr,
		.daddr = p->dst.s_addr,
	};
	ip->check = inet_csum(ip, sizeof(*ip));
	/* No UDP checksum (IPv4 allows none): nobody spends time on one. */
	*udp = (struct udphdr){
		.source = p->sport,
		.dest = p->dport,
		.len = htons(sizeof(*udp) + len),
	};
}

/* One session's blast: the program, the frames, what it has done. */
struct blaster {
	struct bench_blast *skel;
	struct blast_path p;
	uint8_t *frames, *pkt;
	uint32_t frame_max, vsize;
	uint32_t *seq; /* frame i carries block seq[i] */
	int nl; /* route netlink socket, for the interface's counters */
	uint64_t pk0, dr0; /* the interface's counters at the start */
	uint64_t emitted; /* frames handed to the interface, written off too */
	uint64_t runs, waits, run_us, stat_us;
	unsigned int stalls;
};

/* Seal blocks seq[0..@m) into frames 0..@m-1. */
static void seal_frames(struct blaster *b, uint32_t m)
{
	uint32_t k;

	for (k = 0; k < m; k++) {
		uint8_t *v = b->frames + (size_t)k * b->vsize;
		uint32_t len = data_seal(b->seq[k], v + 4 + HDRS);

		frame_headers(v + 4, &b->p, len);
		*(uint32_t *)v = HDRS + len;
	}
}

/*
 * Emit frames 0..@m-1, keeping the peer's ring at most RING_FILL full;
 * each block is in flight from its run on.  False if the blast must end
 * (BPF_PROG_RUN failed, or the ring stopped being taken from).
 */
static bool emit(struct blaster *b, uint32_t m)
{
	struct bench_blast *skel = b->skel;
	uint64_t pk, dr, done, inring, ts, last_done = UINT64_MAX;
	uint64_t stall_t = now_us();
	uint32_t room, n, from, i;
	bool ok = true;
	int ret;

	skel->bss->next = 0;
	skel->bss->nr = m;
	while (skel->bss->next < m) {
		ts = now_us();
		if (dev_counters(b->nl, b->p.ifindex, &pk, &dr)) {
			ok = false;
			break;
		}
		b->stat_us += now_us() - ts;
		/* In the ring: emitted, less taken by the peer and dropped. */
		done = pk - b->pk0 + dr - b->dr0;
		inring = b->emitted > done ? b->emitted - done : 0;
		room = inring >= RING_FILL ? 0 : RING_FILL - inring;
		if (room < RUN_MIN && inring) {
			/*
			 * Frames that never reach the ring nor count as
			 * dropped there (the peer's NAPI gone) would stop the
			 * blast for good: after STALL_US without one taken,
			 * those in the ring are written off (lost, sent again
			 * later), and after STALLS of them the blast ends.
			 */
			if (done != last_done) {
				last_done = done;
				stall_t = now_us();
			} else if (now_us() - stall_t > STALL_US) {
				fprintf(stderr,
					"ebpfdma-send: blast: %llu frames in %s's peer ring untaken for %u ms\n",
					(unsigned long long)inring, b->p.dev,
					STALL_US / 1000);
				b->emitted = done;
				stall_t = now_us();
				if (++b->stalls >= STALLS) {
					ok = false;
					break;
				}
				continue;
			}
			b->waits++;
			sched_yield();
			continue;
		}
		n = m - skel->bss->next;
		if (n > room)
			n = room;
		{
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = b->pkt,
				    .data_size_in = b->frame_max, .repeat = n,
				    .batch_size = n < RING ? n : RING,
				    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

			from = skel->bss->next;
			ts = now_us();
			skel->bss->armed =
				1; /* lo passes what it gets but now */
			ret = bpf_prog_test_run_opts(
				bpf_program__fd(skel->progs.blast), &o);
			skel->bss->armed = 0;
			b->run_us += now_us() - ts;
			b->runs++;
			ts = now_us();
			for (i = from; i < skel->bss->next; i++)
				flight_sent(&T.f, b->seq[i], ts);
			b->emitted += skel->bss->next - from;
			if (ret) {
				blast_warn(strerror(errno));
				ok = false;
				break;
			}
		}
	}
	/* Sealed and not emitted: in flight all the same, lost. */
	ts = now_us();
	for (i = skel->bss->next; i < m; i++)
		flight_sent(&T.f, b->seq[i], ts);
	return ok;
}

/*
 * Read ACKs until none has acknowledged anything new for SETTLE_MS (at
 * most SETTLE_MAX_MS): what is not acknowledged then was lost.
 */
static void settle(void)
{
	uint64_t t0 = now_ms(), quiet = t0;
	uint32_t acked = T.f.acked;

	while (!T.status && now_ms() - quiet < SETTLE_MS &&
	       now_ms() - t0 < SETTLE_MAX_MS) {
		data_read_acks(50000);
		if (T.f.acked != acked) {
			acked = T.f.acked;
			quiet = now_ms();
		}
	}
}

static void blast_session(void)
{
	uint32_t unit = EBPFDMA_WIRE2_HDR_LEN + T.o.block_size +
			EBPFDMA_WIRE2_TRAILER_LEN;
	uint32_t first = T.f.next, count, k, m, rounds = 1, sent0;
	struct blaster b = { .frame_max = HDRS + unit, .nl = -1 };
	uint64_t b0, b1, a0, a1, t0, t1, pk, dr, resent = 0;
	struct bpf_link *link = NULL;
	uint32_t acked0 = T.f.acked;
	bool ok;
	size_t size = 0;
	FILE *out;
	int ret, lo;

	b.vsize = (4 + b.frame_max + 7) & ~7U;
	b.frames = MAP_FAILED;
	count = T.n - first;
	if (count > T.f.cum + T.f.mask + 1 - first)
		count = T.f.cum + T.f.mask + 1 - first;
	if (!count)
		return;
	if (b.frame_max > LIVE_FRAME_MAX) {
		blast_warn("frames longer than a live XDP frame's page holds");
		return;
	}
	ret = blast_path(&b.p);
	if (ret) {
		blast_warn(ret == -EOPNOTSUPP	? "the path is not a veth" :
			   ret == -EAFNOSUPPORT ? "IPv4 only" :
						  strerror(-ret));
		return;
	}
	b.skel = bench_blast__open();
	if (!b.skel) {
		blast_warn("cannot open the BPF program");
		return;
	}
	b.skel->rodata->cfg_ifindex = b.p.ifindex;
	b.skel->rodata->cfg_frame_max = b.frame_max;
	if (bpf_map__set_value_size(b.skel->maps.blast_frames, b.vsize) ||
	    bpf_map__set_max_entries(b.skel->maps.blast_frames, count) ||
	    bench_blast__load(b.skel)) {
		blast_warn("cannot load the BPF program");
		goto destroy;
	}
	size = (size_t)b.vsize * count;
	b.frames = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			bpf_map__fd(b.skel->maps.blast_frames), 0);
	b.pkt = calloc(1, b.frame_max);
	b.seq = calloc(count, sizeof(*b.seq));
	if (b.frames == MAP_FAILED || !b.pkt || !b.seq) {
		blast_warn("cannot map the frames");
		goto unmap;
	}
	b.nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (b.nl >= 0)
		setsockopt(b.nl, SOL_SOCKET, SO_RCVTIMEO,
			   &(struct timeval){ .tv_sec = 1 },
			   sizeof(struct timeval));
	if (b.nl < 0 || dev_counters(b.nl, b.p.ifindex, &b.pk0, &b.dr0)) {
		blast_warn("no counters of the sending interface");
		goto unmap;
	}
	/* Every block sealed before the blast: none of it is measured. */
	for (k = 0; k < count; k++)
		b.seq[k] = first + k;
	seal_frames(&b, count);
	memcpy(b.pkt, b.frames + 4, HDRS); /* any frame: each run rewrites it */
	/*
	 * In the dispatcher for the blast (see bpf/bench_blast.bpf.c): a
	 * link, so that it goes with the process, however it ends.
	 */
	lo = if_nametoindex("lo");
	link = lo ? bpf_program__attach_xdp(b.skel->progs.blast, lo) : NULL;
	if (!link)
		blast_warn_slow();
	dev_counters(b.nl, b.p.ifindex, &b.pk0, &b.dr0);
	cpu_ticks(blast_cpu, &b0, &a0);
	t0 = now_us();
	ok = emit(&b, count);
	sent0 = b.skel->bss->next;
	t1 = now_us();
	cpu_ticks(blast_cpu, &b1, &a1);
	pk = b.pk0; /* a failed read: no drops said */
	dr = b.dr0;
	dev_counters(b.nl, b.p.ifindex, &pk, &dr);
	/*
	 * What the receiver dropped (a full socket buffer, a full pool), the
	 * same way again, a round at a time: the normal rounds, made for a
	 * network, would take long to find thousands of holes.
	 */
	while (ok && rounds < ROUNDS) {
		settle();
		if (T.status)
			break;
		for (k = 0, m = 0; k < count; k++)
			if (!flight_is_acked(&T.f, first + k))
				b.seq[m++] = first + k;
		if (!m)
			break;
		seal_frames(&b, m);
		resent += m;
		rounds++;
		ok = emit(&b, m);
	}
	bpf_link__destroy(link);
	out = fopen(blast_out, "ae");
	if (out) {
		double secs = (t1 - t0) / 1e6;
		long hz = sysconf(_SC_CLK_TCK);

		fprintf(out,
			"{\"frames\":%u,\"emitted\":%llu,\"ring_drops\":%llu,\"errors\":%llu,\"seconds\":%.6f,\"rx_cpu_busy\":%.4f,\"rx_cpu_busy_wall\":%.4f,\"rx_cpu_ticked\":%.4f,\"rounds\":%u,\"resent\":%llu,\"runs\":%llu,\"waits\":%llu,\"run_s\":%.6f,\"stat_s\":%.6f,\"stalls\":%u}\n",
			count, (unsigned long long)sent0,
			(unsigned long long)(dr - b.dr0),
			(unsigned long long)b.skel->bss->errors, secs,
			a1 > a0 ? (double)(b1 - b0) / (a1 - a0) : 0.0,
			secs > 0 ? (double)(b1 - b0) / hz / secs : 0.0,
			secs > 0 ? (double)(a1 - a0) / hz / secs : 0.0, rounds,
			(unsigned long long)resent, (unsigned long long)b.runs,
			(unsigned long long)b.waits, b.run_us / 1e6,
			b.stat_us / 1e6, b.stalls);
		fclose(out);
	}
	/*
	 * The silence clock starts after the blast, which read few ACKs; what
	 * it made durable is progress; and no block it sent gives a round-trip
	 * sample (its ACK waited behind the whole blast).
	 */
	T.last_ack_ms = now_ms();
	if (T.f.acked != acked0)
		T.progress_ms = now_ms();
	T.resumed_us = now_us();
unmap:
	if (b.nl >= 0)
		close(b.nl);
	free(b.seq);
	free(b.pkt);
	if (b.frames != MAP_FAILED)
		munmap(b.frames, size);
destroy:
	bench_blast__destroy(b.skel);
}

__attribute__((constructor)) static void blast_register(void)
{
	const char *cpu = getenv("EBPFDMA_BENCH_BLAST_CPU");

	blast_out = getenv("EBPFDMA_BENCH_BLAST");
	if (!blast_out || !*blast_out)
		return;
	if (cpu)
		blast_cpu = atoi(cpu);
	send_session_hook = blast_session;
}
