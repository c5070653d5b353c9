// SPDX-License-Identifier: GPL-2.0
/* ebpfdmactl attach / detach: the XDP receive program on an interface. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "tools/lib/rx.h"
#include "uapi/ebpfdma_wire.h"

static const char *why_attach(int err)
{
	switch (err) {
	case EEXIST:
	case EBUSY:
		return "an XDP program is attached already (ebpfdmactl detach first)";
	case EOPNOTSUPP:
		return "the driver has no native XDP (try --generic)";
	case ENODEV:
		return "no such interface";
	case ERANGE:
	case EINVAL:
		return "refused by the driver (MTU too large for XDP on this driver?)";
	default:
		return strerror(err);
	}
}

int cmd_attach(int argc, char **argv)
{
	struct edma_rx_config cfg = {
		.port = EBPFDMA_WIRE_PORT, .full_policy = EBPFDMA_RX_FULL_DROP,
	};
	const char *peers[CTL_MAX_PEERS];
	unsigned int nr_peers = 0, i;
	struct ebpfdma_rx *skel;
	int generic = 0, a, ret;

	if (argc < 1)
		goto usage;
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--generic"))
			generic = 1;
		else if (!strcmp(argv[a], "--port") && a + 1 < argc)
			cfg.port = atoi(argv[++a]);
		else if (!strcmp(argv[a], "--full-policy") && a + 1 < argc)
			cfg.full_policy = !strcmp(argv[++a], "pass") ?
						  EBPFDMA_RX_FULL_PASS :
						  EBPFDMA_RX_FULL_DROP;
		else if (!strcmp(argv[a], "--peer") && a + 1 < argc &&
			 nr_peers < CTL_MAX_PEERS)
			peers[nr_peers++] = argv[++a];
		else
			goto usage;
	}
	if (!nr_peers)
		fprintf(stderr, "ebpfdmactl: no --peer: every sender is refused\n");
	ret = edma_rx_load(&cfg, &skel);
	if (ret) {
		fprintf(stderr, "ebpfdmactl: loading the XDP program: %s%s\n",
			strerror(-ret),
			ret == -ENOENT || ret == -ESRCH ?
				" (is ebpfdma loaded, with its BTF?)" : "");
		return 1;
	}
	for (i = 0; i < nr_peers; i++)
		if (edma_rx_peer_add(edma_rx_peers_fd(skel), peers[i])) {
			fprintf(stderr, "ebpfdmactl: bad peer address '%s'\n",
				peers[i]);
			edma_rx_destroy(skel);
			return 2;
		}
	ret = edma_rx_attach(skel, argv[0], generic);
	edma_rx_destroy(skel);
	if (ret) {
		fprintf(stderr, "ebpfdmactl: attach to %s: %s\n", argv[0],
			why_attach(-ret));
		return 1;
	}
	printf("ebpfdma_rx attached to %s (%s mode), UDP port %u, %u peer(s)\n",
	       argv[0], generic ? "generic" : "native", cfg.port, nr_peers);
	return 0;
usage:
	fprintf(stderr,
		"usage: ebpfdmactl attach IFACE [--generic] [--port N] [--full-policy drop|pass] [--peer ADDR]...\n");
	return 2;
}

int cmd_detach(int argc, char **argv)
{
	int generic = argc == 2 && !strcmp(argv[1], "--generic"), ret;

	if (argc < 1 || argc > 2 || (argc == 2 && !generic)) {
		fprintf(stderr, "usage: ebpfdmactl detach IFACE [--generic]\n");
		return 2;
	}
	ret = edma_rx_detach(argv[0], generic);
	if (ret) {
		fprintf(stderr, "ebpfdmactl: detach from %s: %s\n", argv[0],
			strerror(-ret));
		return 1;
	}
	return 0;
}
