// SPDX-License-Identifier: GPL-2.0
/*
 * af-xdp: an AF_XDP receiver of the ebpfdma wire protocol, a baseline of
 * the benchmarks.  The XDP program bpf/bench_xsk.bpf.c redirects DATA
 * datagrams to an AF_XDP socket per RX queue (copy mode: the kernel's one
 * copy, into the socket's umem); HELLO and COMMIT pass to the stack and
 * reach rxcore's UDP socket.  io_uring writes each body to the disk with
 * O_DIRECT straight from its umem frame (no second copy).  Like ebpfdmactl
 * serve, it acknowledges a block only once it is durable: its write
 * completed and a group fdatasync issued after that completed; only then
 * does the frame go back to the fill ring.
 *
 *   af_xdp --iface IFACE [--queues N] --disk DEV --blocks N [rxcore options]
 *
 * The umem's headroom is chosen so that the body of a DATA datagram in an
 * untagged IPv4 frame starts 512-byte aligned: in copy mode the kernel
 * writes a packet at its frame's start + XDP_PACKET_HEADROOM (256) + the
 * umem headroom, and the body follows 14 + 20 + 8 + 32 = 74 bytes of
 * headers.  A body that is not aligned (VLAN tag, IPv6, IP options) is
 * copied into an aligned bounce buffer first, counted as "bounced".
 *
 * Limits: AF_XDP has no multi-buffer on kernel 6.1, so a packet must fit
 * one 4096-byte frame less the two headrooms (3658 bytes); af-xdp
 * announces at most 3072 bytes of body (--max-len is lowered to that), so
 * it takes block runs of about 3 KiB or less (the benchmark sends 1 KiB).
 * The program passes a packet that came with fragments (to the UDP socket,
 * which refuses it) rather than have AF_XDP cut it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dwrite.h"
#include "rxcore.h"
#include "bench_xsk.skel.h"

#define FRAME_SIZE 4096U
#define NR_FRAMES 4096U /* per socket */
#define RX_RING_SIZE NR_FRAMES /* the fill and RX rings hold every frame */
#define COMP_RING_SIZE 64U /* unused (no TX), but bind wants one */
#define MAX_QUEUES 64U /* the program's map "xsks" */
#define BATCH 64U /* descriptors per socket per turn */
#define QD 256U
#define POLL_MS 2

/* Where a packet starts in its frame (copy mode), and O_DIRECT's needs. */
#define KERNEL_HEADROOM 256U /* XDP_PACKET_HEADROOM */
#define DIO_ALIGN 512U
#define V4_BODY_OFF (14U + 20U + 8U + EBPFDMA_WIRE2_HDR_LEN)
#define UMEM_HEADROOM \
	((DIO_ALIGN - (KERNEL_HEADROOM + V4_BODY_OFF) % DIO_ALIGN) % DIO_ALIGN)
/* The longest headers: Ethernet, VLAN tag, IPv6, UDP, ours; and the tag. */
#define MAX_HDRS \
	(14U + 4U + 40U + 8U + EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN)
#define FRAME_ROOM (FRAME_SIZE - KERNEL_HEADROOM - UMEM_HEADROOM)

struct ring {
	uint32_t *prod, *cons;
	void *descs;
	uint32_t mask;
	uint32_t cached; /* our index: fill's producer, RX's consumer */
	uint32_t published; /* fill: the producer the kernel has seen */
};

struct frame {
	struct rx_write w;
	uint64_t arrival_ns;
	uint8_t *bounce; /* aligned copy of the body, allocated when needed */
};

struct xsk {
	int fd;
	uint32_t queue;
	uint8_t *umem;
	struct ring fill, comp, rx;
	uint64_t packets; /* descriptors taken from the RX ring */
	struct frame frames[NR_FRAMES];
};

static struct xsk *xs;
static uint32_t nr_queues = 2;
static uint64_t bounced, empty_polls;
static struct rx rx;
/* Writes, tagged queue * NR_FRAMES + frame. */
static struct dwrite dw;
static struct bench_xsk *skel;
static int ifindex;
static bool attached;

static void fatal(const char *what, int err)
{
	fprintf(stderr, "af_xdp: %s: %s\n", what, strerror(err));
	exit(1);
}

static void usage_exit(void)
{
	fprintf(stderr,
		"usage: af_xdp --iface IFACE [--queues N] --disk DEV --blocks N [--volumes V] [rxcore options]\n");
	exit(2);
}

static void detach(void)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);

	if (!attached)
		return;
	attached = false;
	/* Only ours: never a program that replaced it meanwhile. */
	o.old_prog_fd = bpf_program__fd(skel->progs.bench_xsk);
	if (bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE,
			   &o))
		fprintf(stderr, "af_xdp: detaching from ifindex %d: %s\n",
			ifindex, strerror(errno));
}

static void ring_map(struct ring *r, int sfd, const struct xdp_ring_offset *o,
		     uint32_t size, size_t desc_size, off_t pgoff)
{
	size_t len = o->desc + size * desc_size;
	uint8_t *m;

	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		 sfd, pgoff);
	if (m == MAP_FAILED)
		fatal("mmap of an AF_XDP ring", errno);
	r->prod = (uint32_t *)(m + o->producer);
	r->cons = (uint32_t *)(m + o->consumer);
	r->descs = m + o->desc;
	r->mask = size - 1;
	r->cached = r->published = 0;
}

/* Frame @i of @x goes to the fill ring (published by fill_publish()). */
static void fill_put(struct xsk *x, uint32_t i)
{
	uint64_t *addrs = x->fill.descs;
	uint32_t cons = __atomic_load_n(x->fill.cons, __ATOMIC_ACQUIRE);

	/* Every frame fits: the ring has one entry per frame. */
	if (x->fill.cached - cons > x->fill.mask)
		fatal("fill ring", EOVERFLOW);
	addrs[x->fill.cached++ & x->fill.mask] = (uint64_t)i * FRAME_SIZE;
}

static void fill_publish(void)
{
	uint32_t q;

	for (q = 0; q < nr_queues; q++) {
		struct ring *f = &xs[q].fill;

		if (f->published == f->cached)
			continue;
		/* The addresses before the index that hands them over. */
		__atomic_store_n(f->prod, f->cached, __ATOMIC_RELEASE);
		f->published = f->cached;
	}
}

static void xsk_open(struct xsk *x, uint32_t queue)
{
	struct xdp_umem_reg mr = {
		.len = (uint64_t)NR_FRAMES * FRAME_SIZE,
		.chunk_size = FRAME_SIZE,
		.headroom = UMEM_HEADROOM,
	};
	struct sockaddr_xdp sa = {
		.sxdp_family = AF_XDP,
		.sxdp_flags = XDP_COPY,
		.sxdp_ifindex = ifindex,
		.sxdp_queue_id = queue,
	};
	uint32_t fill = RX_RING_SIZE, comp = COMP_RING_SIZE, rxs = RX_RING_SIZE;
	struct xdp_mmap_offsets off;
	socklen_t ol = sizeof(off);
	uint32_t i;

	x->queue = queue;
	x->fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (x->fd < 0)
		fatal("socket(AF_XDP)", errno);
	x->umem = mmap(NULL, mr.len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (x->umem == MAP_FAILED)
		fatal("umem", errno);
	mr.addr = (uint64_t)(uintptr_t)x->umem;
	if (setsockopt(x->fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr)))
		fatal("XDP_UMEM_REG", errno);
	if (setsockopt(x->fd, SOL_XDP, XDP_UMEM_FILL_RING, &fill,
		       sizeof(fill)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &comp,
		       sizeof(comp)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_RX_RING, &rxs, sizeof(rxs)))
		fatal("AF_XDP ring sizes", errno);
	if (getsockopt(x->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &ol))
		fatal("XDP_MMAP_OFFSETS", errno);
	ring_map(&x->fill, x->fd, &off.fr, fill, sizeof(uint64_t),
		 XDP_UMEM_PGOFF_FILL_RING);
	ring_map(&x->comp, x->fd, &off.cr, comp, sizeof(uint64_t),
		 XDP_UMEM_PGOFF_COMPLETION_RING);
	ring_map(&x->rx, x->fd, &off.rx, rxs, sizeof(struct xdp_desc),
		 XDP_PGOFF_RX_RING);
	if (bind(x->fd, (void *)&sa, sizeof(sa))) {
		char what[64];

		snprintf(what, sizeof(what), "bind AF_XDP to queue %u", queue);
		fatal(what, errno);
	}
	for (i = 0; i < NR_FRAMES; i++)
		fill_put(x, i);
}

/* A frame's write is durable: acknowledge it; the frame may be refilled. */
static void on_durable(void *arg, uint32_t k, uint64_t now)
{
	struct xsk *x = &xs[k / NR_FRAMES];
	struct frame *f = &x->frames[k % NR_FRAMES];

	(void)arg;
	rx.bytes += f->w.len;
	rx.blocks++;
	rx_durable(&rx, f->w.s, f->w.seq, f->arrival_ns, now);
	fill_put(x, k % NR_FRAMES);
}

static void reap(void)
{
	dw_reap(&dw);
	fill_publish();
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The UDP payload of the packet @p of @len bytes, with its sender in
 * *@from: its length, or -1 when it is not a whole UDP datagram.
 */
static int parse(const uint8_t *p, uint32_t len, const uint8_t **payload,
		 struct sockaddr_in6 *from)
{
	uint32_t off = ETH_HLEN, ip_payload;
	struct udphdr udp;
	uint16_t proto;

	if (len < off)
		return -1;
	proto = get16(p + 12);
	if (proto == ETH_P_8021Q) {
		if (len < off + 4)
			return -1;
		proto = get16(p + off + 2);
		off += 4;
	}
	if (proto == ETH_P_IP) {
		struct iphdr ip;
		uint32_t tot;

		if (len < off + sizeof(ip))
			return -1;
		memcpy(&ip, p + off, sizeof(ip));
		tot = ntohs(ip.tot_len);
		if (ip.version != 4 || ip.ihl < 5 ||
		    ip.protocol != IPPROTO_UDP ||
		    (ntohs(ip.frag_off) & 0x3fff) || tot < ip.ihl * 4U ||
		    off + tot > len)
			return -1;
		ip_payload = tot - ip.ihl * 4U;
		off += ip.ihl * 4U;
		if (len < off + sizeof(udp))
			return -1;
		memcpy(&udp, p + off, sizeof(udp));
		rx_v4_mapped(from, ip.saddr, udp.source);
	} else if (proto == ETH_P_IPV6) {
		struct ip6_hdr ip6;

		if (len < off + sizeof(ip6))
			return -1;
		memcpy(&ip6, p + off, sizeof(ip6));
		ip_payload = ntohs(ip6.ip6_plen);
		if ((ip6.ip6_vfc >> 4) != 6 || ip6.ip6_nxt != IPPROTO_UDP ||
		    off + sizeof(ip6) + ip_payload > len)
			return -1;
		off += sizeof(ip6);
		if (len < off + sizeof(udp))
			return -1;
		memcpy(&udp, p + off, sizeof(udp));
		memset(from, 0, sizeof(*from));
		from->sin6_family = AF_INET6;
		from->sin6_port = udp.source;
		from->sin6_addr = ip6.ip6_src;
		if (IN6_IS_ADDR_LINKLOCAL(&ip6.ip6_src))
			from->sin6_scope_id = ifindex;
	} else {
		return -1;
	}
	if (ntohs(udp.len) < sizeof(udp) || ntohs(udp.len) > ip_payload ||
	    off + ntohs(udp.len) > len)
		return -1;
	*payload = p + off + sizeof(udp);
	return ntohs(udp.len) - sizeof(udp);
}

/* Take up to BATCH descriptors from @x's RX ring; how many there were. */
static uint32_t rx_ring(struct xsk *x)
{
	const struct xdp_desc *descs = x->rx.descs;
	uint32_t prod = __atomic_load_n(x->rx.prod, __ATOMIC_ACQUIRE);
	uint32_t n = 0, q = x - xs;
	uint64_t t = rx_now_ns();

	while (x->rx.cached != prod && n < BATCH) {
		struct xdp_desc d = descs[x->rx.cached++ & x->rx.mask];
		uint32_t i = d.addr / FRAME_SIZE, in = d.addr % FRAME_SIZE;
		struct sockaddr_in6 from;
		const uint8_t *payload;
		struct frame *f;
		int len;

		n++;
		if (i >= NR_FRAMES)
			continue; /* not ours: cannot happen */
		f = &x->frames[i];
		len = -1;
		if (d.len <= FRAME_SIZE - in)
			len = parse(x->umem + d.addr, d.len, &payload, &from);
		if (len < 0 ||
		    !rx_datagram(&rx, payload, NULL, len, &from, &f->w)) {
			fill_put(x, i);
			continue;
		}
		f->arrival_ns = t;
		if ((uintptr_t)f->w.body % DIO_ALIGN) {
			if (!f->bounce &&
			    posix_memalign((void **)&f->bounce, FRAME_SIZE,
					   FRAME_SIZE))
				fatal("bounce buffer", ENOMEM);
			memcpy(f->bounce, f->w.body, f->w.len);
			f->w.body = f->bounce;
			bounced++;
		}
		dw_write(&dw, f->w.body, f->w.len, f->w.off, q * NR_FRAMES + i);
	}
	/* The descriptors are read: the kernel may reuse their entries. */
	__atomic_store_n(x->rx.cons, x->rx.cached, __ATOMIC_RELEASE);
	x->packets += n;
	return n;
}

static void options(int argc, char **argv, const char **iface)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--iface") && i + 1 < argc)
			*iface = argv[++i];
		else if (!strcmp(argv[i], "--queues") && i + 1 < argc)
			nr_queues = strtoul(argv[++i], NULL, 0);
		else
			usage_exit();
	}
	if (!*iface || !nr_queues || nr_queues > MAX_QUEUES)
		usage_exit();
}

/* The longest body a frame takes with any headers, in whole blocks. */
static void clamp_max_len(void)
{
	uint32_t room = (FRAME_ROOM - MAX_HDRS) / rx.c.block_size *
			rx.c.block_size;

	if (!room) {
		fprintf(stderr,
			"af_xdp: a block of %u bytes does not fit a %u-byte frame\n",
			rx.c.block_size, FRAME_SIZE);
		exit(2);
	}
	if (rx.c.max_len > room) {
		fprintf(stderr, "af_xdp: --max-len lowered to %u (one frame)\n",
			room);
		rx.c.max_len = room;
	}
}

static void report(void)
{
	struct xdp_statistics st;
	uint64_t dropped = 0, full = 0, empty = 0, invalid = 0;
	char extra[2048], per_q[MAX_QUEUES * 21 + 1];
	size_t used = 0;
	socklen_t sl;
	uint32_t q;

	for (q = 0; q < nr_queues; q++) {
		sl = sizeof(st);
		memset(&st, 0, sizeof(st));
		if (getsockopt(xs[q].fd, SOL_XDP, XDP_STATISTICS, &st, &sl))
			continue;
		dropped += st.rx_dropped;
		full += st.rx_ring_full;
		empty += st.rx_fill_ring_empty_descs;
		invalid += st.rx_invalid_descs;
	}
	for (q = 0; q < nr_queues; q++)
		used += snprintf(per_q + used, sizeof(per_q) - used, "%s%llu",
				 q ? "," : "",
				 (unsigned long long)xs[q].packets);
	snprintf(extra, sizeof(extra),
		 "\"bounced\":%llu,\"rx_ring_empty_polls\":%llu,\"queue_packets\":[%s],\"xsk_rx_dropped\":%llu,\"xsk_rx_ring_full\":%llu,\"xsk_fill_ring_empty\":%llu,\"xsk_rx_invalid\":%llu",
		 (unsigned long long)bounced, (unsigned long long)empty_polls,
		 per_q, (unsigned long long)dropped,
		 (unsigned long long)full, (unsigned long long)empty,
		 (unsigned long long)invalid);
	rx_report(&rx, "af-xdp", extra);
}

int main(int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct pollfd p[MAX_QUEUES + 1];
	const char *iface = NULL;
	uint32_t q, got;
	uint64_t deadline;
	int ret, map_fd, fd;

	rx_init(&rx, &argc, argv);
	options(argc, argv, &iface);
	clamp_max_len();
	ifindex = if_nametoindex(iface);
	if (!ifindex)
		fatal(iface, errno);
	setrlimit(RLIMIT_MEMLOCK, &unlimited); /* umem and maps; best effort */

	fd = open(rx.c.disk, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		fatal(rx.c.disk, errno);
	xs = calloc(nr_queues, sizeof(*xs));
	if (!xs)
		fatal("frames", ENOMEM);
	dw_init(&dw, fd, QD, nr_queues * NR_FRAMES, on_durable, NULL);

	for (q = 0; q < nr_queues; q++)
		xsk_open(&xs[q], q);
	fill_publish();

	skel = bench_xsk__open();
	if (!skel)
		fatal("opening the XDP program", errno);
	skel->rodata->cfg_port = rx.c.port;
	ret = bench_xsk__load(skel);
	if (ret)
		fatal("loading the XDP program", -ret);
	map_fd = bpf_map__fd(skel->maps.xsks);
	for (q = 0; q < nr_queues; q++)
		if (bpf_map_update_elem(map_fd, &q, &xs[q].fd, BPF_ANY))
			fatal("xsks map", errno);
	ret = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.bench_xsk),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (ret) {
		char what[64];

		snprintf(what, sizeof(what), "attach to %s (native)", iface);
		fatal(what, -ret);
	}
	attached = true;
	atexit(detach);
	printf("ready\n");
	fflush(stdout);

	for (q = 0; q < nr_queues; q++)
		p[q] = (struct pollfd){ .fd = xs[q].fd, .events = POLLIN };
	p[nr_queues] = (struct pollfd){ .fd = rx.sock, .events = POLLIN };
	while (!rx_stopping) {
		reap();
		/* Wait for the network or, with writes in flight, the disk. */
		if (dw.in_flight || dw.fsync_in_flight) {
			if (!poll(p, nr_queues + 1, 0))
				dw_wait(&dw, 1000);
		} else {
			poll(p, nr_queues + 1, POLL_MS);
		}
		reap();
		got = 0;
		for (q = 0; q < nr_queues; q++)
			got += rx_ring(&xs[q]);
		if (!got)
			empty_polls++;
		fill_publish();
		rx_read_control(&rx);
		dw_flush(&dw);
		dw_submit(&dw);
		rx_tick(&rx, !dw_busy(&dw));
	}

	/* No more packets; let the disk finish with the umem. */
	detach();
	deadline = rx_now_ms() + 10000;
	while ((dw.in_flight || dw.fsync_in_flight) && rx_now_ms() < deadline) {
		dw_wait(&dw, 10000);
		reap();
	}
	report();
	bench_xsk__destroy(skel);
	return 0;
}
