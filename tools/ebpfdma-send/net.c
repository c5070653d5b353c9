// SPDX-License-Identifier: GPL-2.0
/*
 * ebpfdma-send's sockets (see net.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tools/ebpfdma-send/net.h"
#include "tools/ebpfdma-send/opts.h"
#include "uapi/ebpfdma_wire.h"

#define BATCH_MAX 1024U /* datagrams of one net_send_batch() */
#define GSO_MAX 64U /* segments the kernel takes in one send */
/* Datagrams that go to one flow before the next takes over. */
#define FLOW_RUN 16U
#define ECT0 0x02 /* the ECN field's ECN-Capable Transport (0) */

static struct {
	int fd[EBPFDMA_WIRE2_FLOWS_MAX];
	unsigned int nr, next; /* flows open; the one the next run goes to */
	unsigned int run; /* datagrams the current flow took so far */
	struct sockaddr_storage peer, local;
	socklen_t peer_len, local_len;
	bool ecn, gso;
	struct iovec iov[BATCH_MAX];
	struct mmsghdr msg[BATCH_MAX];
	char ctl[BATCH_MAX][CMSG_SPACE(sizeof(uint16_t))];
	unsigned int first[BATCH_MAX]; /* each message's first datagram */
	unsigned char flow[BATCH_MAX]; /* and the flow it goes on */
} N;

static void __attribute__((noreturn)) fail(int code, const char *what,
					   int err)
{
	fprintf(stderr, "ebpfdma-send: %s: %s\n", what, strerror(err));
	exit(code);
}

/* A socket of the peer's family, tuned, bound to @local, connected. */
static int flow_socket(const struct sockaddr *local, socklen_t local_len)
{
	int fd, big = 8 << 20, tos = N.ecn ? ECT0 : 0;
	int df = IP_PMTUDISC_DO, df6 = IPV6_PMTUDISC_DO;

	fd = socket(N.peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail(EXIT_LOCAL, "socket", errno);
	if (local && bind(fd, local, local_len)) {
		int err = errno;

		close(fd);
		return -err;
	}
	/* Past the sysctl limits where allowed (root). */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	/*
	 * ECN-capable: a congested router marks CE rather than drops.
	 * Never fragmented: a datagram longer than the path MTU is refused
	 * (EMSGSIZE), and the kernel learns the path MTU from ICMP.
	 */
	if (N.peer.ss_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
		setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &df6,
			   sizeof(df6));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &df, sizeof(df));
	}
	/* Last: a change of the TOS drops the route connect() cached. */
	if (connect(fd, (struct sockaddr *)&N.peer, N.peer_len))
		fail(EXIT_NETWORK, "connect", errno);
	return fd;
}

void net_connect(const char *host, uint16_t port, const char *source,
		 bool ecn)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai, *src = NULL;
	char p[8], what[300];
	int ret;

	snprintf(p, sizeof(p), "%u", port);
	ret = getaddrinfo(host, p, &hints, &ai);
	if (ret) {
		/*
		 * A name that does not exist is the command line's error; a
		 * resolver that cannot answer now is the network's.
		 */
		bool unknown = ret == EAI_NONAME || ret == EAI_NODATA ||
			       ret == EAI_FAMILY;

		fprintf(stderr, "ebpfdma-send: %s: %s%s\n", host,
			gai_strerror(ret),
			unknown ? " (no such host)" : "");
		exit(unknown ? EXIT_USAGE : EXIT_NETWORK);
	}
	memcpy(&N.peer, ai->ai_addr, ai->ai_addrlen);
	N.peer_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	N.ecn = ecn;
	if (source) {
		hints.ai_family = N.peer.ss_family;
		hints.ai_flags = AI_NUMERICHOST;
		if (getaddrinfo(source, NULL, &hints, &src)) {
			fprintf(stderr,
				"ebpfdma-send: --source %s: not an address of the destination's family\n",
				source);
			exit(EXIT_USAGE);
		}
	}
	N.fd[0] = flow_socket(src ? src->ai_addr : NULL,
			      src ? src->ai_addrlen : 0);
	if (src)
		freeaddrinfo(src);
	if (N.fd[0] < 0) {
		snprintf(what, sizeof(what), "--source %s", source);
		fail(EXIT_USAGE, what, -N.fd[0]);
	}
	N.nr = 1;
	/* The other flows leave from the same address as the first. */
	N.local_len = sizeof(N.local);
	getsockname(N.fd[0], (struct sockaddr *)&N.local, &N.local_len);
}

void net_flows(unsigned int n)
{
	struct sockaddr_storage local = N.local;

	if (n > EBPFDMA_WIRE2_FLOWS_MAX)
		n = EBPFDMA_WIRE2_FLOWS_MAX;
	/* Port 0: a port of its own for each. */
	if (local.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&local)->sin6_port = 0;
	else
		((struct sockaddr_in *)&local)->sin_port = 0;
	while (N.nr < n) {
		int fd = flow_socket((struct sockaddr *)&local, N.local_len);

		if (fd < 0)
			break; /* fewer flows: still correct */
		N.fd[N.nr++] = fd;
	}
}

unsigned int net_nr_flows(void)
{
	return N.nr;
}

int net_fd(void)
{
	return N.fd[0];
}

uint32_t net_path_mtu(uint32_t *fit)
{
	socklen_t ol = sizeof(int);
	int mtu = 0, hdr;

	if (N.peer.ss_family == AF_INET6) {
		hdr = 40; /* IPv6 header */
		getsockopt(N.fd[0], IPPROTO_IPV6, IPV6_MTU, &mtu, &ol);
	} else {
		hdr = 20; /* IPv4 header, no options */
		getsockopt(N.fd[0], IPPROTO_IP, IP_MTU, &mtu, &ol);
	}
	if (mtu <= 0)
		mtu = 1500; /* not known: Ethernet's */
	hdr += 8 + EBPFDMA_WIRE2_HDR_LEN + EBPFDMA_WIRE2_TRAILER_LEN;
	*fit = mtu > hdr ? mtu - hdr : 0;
	return mtu;
}

void net_gso(bool want, uint32_t unit)
{
	int seg = unit;
	unsigned int i;

	N.gso = want && !setsockopt(N.fd[0], SOL_UDP, UDP_SEGMENT, &seg,
				    sizeof(seg));
	/* Set per message from here on; the sockets' default is none. */
	seg = 0;
	for (i = 0; N.gso && i < N.nr; i++)
		setsockopt(N.fd[i], SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg));
}

/*
 * Messages of the batch: a full datagram joins the message being built
 * while it has room (they lie side by side, one iovec covers them, the
 * kernel cuts it at @unit: UDP GSO); a short one (the last block) ends
 * its message.  A flow takes FLOW_RUN datagrams or more before the next
 * flow takes over, so that runs of neighbouring blocks arrive on one
 * receive queue.  Returns the number of messages.
 */
static unsigned int build(uint8_t *buf, const uint32_t *len, unsigned int n,
			  uint32_t unit)
{
	/* Segments of one message: at most 64, at most 64 KiB in all. */
	uint32_t gmax = N.gso ? GSO_MAX : 1, segs = 0, i;
	unsigned int nmsg = 0;

	if (gmax > 65000 / unit)
		gmax = 65000 / unit ? 65000 / unit : 1;
	for (i = 0; i < n; i++) {
		if (nmsg && len[i] == unit && segs < gmax &&
		    N.iov[nmsg - 1].iov_len % unit == 0) {
			N.iov[nmsg - 1].iov_len += unit;
			segs++;
			N.run++;
			continue;
		}
		if (N.run >= FLOW_RUN) {
			N.next = (N.next + 1) % N.nr;
			N.run = 0;
		}
		N.first[nmsg] = i;
		N.flow[nmsg] = N.next;
		N.iov[nmsg] = (struct iovec){ buf + (size_t)i * unit, len[i] };
		memset(&N.msg[nmsg], 0, sizeof(N.msg[nmsg]));
		N.msg[nmsg].msg_hdr.msg_iov = &N.iov[nmsg];
		N.msg[nmsg].msg_hdr.msg_iovlen = 1;
		nmsg++;
		segs = 1;
		N.run++;
	}
	for (i = 0; i < nmsg; i++) {
		struct msghdr *h = &N.msg[i].msg_hdr;
		struct cmsghdr *c;

		if (h->msg_iov->iov_len <= unit)
			continue; /* one datagram: nothing to cut */
		h->msg_control = N.ctl[i];
		h->msg_controllen = sizeof(N.ctl[i]);
		c = CMSG_FIRSTHDR(h);
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		*(uint16_t *)CMSG_DATA(c) = unit;
	}
	return nmsg;
}

int net_send_batch(uint8_t *buf, const uint32_t *len, unsigned int n,
		   uint32_t unit)
{
	unsigned int nmsg, done = 0, end;
	int r;

	if (n > BATCH_MAX)
		n = BATCH_MAX;
	nmsg = build(buf, len, n, unit);
	while (done < nmsg) {
		/* The run of messages that go on one flow. */
		for (end = done + 1; end < nmsg && N.flow[end] == N.flow[done];
		     end++)
			;
		r = sendmmsg(N.fd[N.flow[done]], N.msg + done, end - done, 0);
		if (r > 0) {
			done += r;
			continue;
		}
		if (errno == ECONNREFUSED || errno == EINTR)
			continue; /* an ICMP error of an earlier datagram */
		if (errno == ENOBUFS || errno == EAGAIN) {
			usleep(100);
			continue;
		}
		if (N.gso && (errno == EIO || errno == EINVAL ||
			      errno == EOPNOTSUPP)) {
			/*
			 * The path takes no GSO (or no longer this segment
			 * size: udp_send_skb() says EINVAL when a segment
			 * outgrows the path MTU): a datagram each from here.
			 */
			unsigned int first = N.first[done];

			N.gso = false;
			return net_send_batch(buf + (size_t)first * unit,
					      len + first, n - first, unit);
		}
		if (errno == EMSGSIZE)
			return -EMSGSIZE; /* the path MTU fell below it */
		fail(EXIT_NETWORK, "send", errno); /* unreachable, refused */
	}
	return 0;
}

void net_send(const void *buf, size_t len)
{
	send(N.fd[0], buf, len, 0);
}
