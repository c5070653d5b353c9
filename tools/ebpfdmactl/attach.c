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

static const char attach_usage[] =
	"usage: ebpfdmactl attach IFACE [--generic] [--port N] [--full-policy drop|pass]\n"
	"                         [--peer ADDR|NETWORK]...\n"
	"Load the XDP receive program and attach it to IFACE (serve does this\n"
	"itself; this is for a receiver of one's own).\n"
	"  --generic            generic (skb) mode, for a driver without native XDP\n"
	"  --port N             the protocol's UDP port, 1..65535 (default 7788)\n"
	"  --full-policy P      pool full: drop (senders retransmit; the default) or\n"
	"                       pass (to the stack: a user-space slow path)\n"
	"  --peer ADDR|NETWORK  an allowed sender, 10.0.0.1, fd00::1, 10.0.0.0/24\n"
	"                       (repeatable; none: every sender is refused)\n";

static const char detach_usage[] =
	"usage: ebpfdmactl detach IFACE [--generic]\n"
	"Detach the XDP program from IFACE (--generic: the one attached in\n"
	"generic mode).\n";

int cmd_attach(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "generic", no_argument, NULL, 'g' },
		{ "port", required_argument, NULL, 'p' },
		{ "full-policy", required_argument, NULL, 'f' },
		{ "peer", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct edma_rx_config cfg = {
		.port = EBPFDMA_WIRE_PORT, .full_policy = EBPFDMA_RX_FULL_DROP,
	};
	const char *peers[CTL_MAX_PEERS];
	unsigned int nr_peers = 0, i;
	struct ebpfdma_rx_peer p;
	struct ebpfdma_rx *skel;
	int generic = 0, o, ret;
	uint64_t u;

	while ((o = ctl_getopt(argc, argv, "attach", lo)) != -1) {
		switch (o) {
		case 'g':
			generic = 1;
			break;
		case 'p':
			if (ctl_number("attach", "--port", optarg, 1, 65535, &u))
				return CTL_EXIT_USAGE;
			cfg.port = u;
			break;
		case 'f':
			if (!strcmp(optarg, "drop"))
				cfg.full_policy = EBPFDMA_RX_FULL_DROP;
			else if (!strcmp(optarg, "pass"))
				cfg.full_policy = EBPFDMA_RX_FULL_PASS;
			else
				return ctl_usage_error("attach",
						       "--full-policy: drop or pass, not '%s'",
						       optarg);
			break;
		case 'P':
			if (edma_rx_peer_parse(optarg, &p))
				return ctl_usage_error("attach",
						       "--peer: '%s' is not a numeric address or network (10.0.0.1, 10.0.0.0/24, fd00::/64)",
						       optarg);
			if (nr_peers == CTL_MAX_PEERS)
				return ctl_usage_error("attach",
						       "--peer: at most %u",
						       CTL_MAX_PEERS);
			peers[nr_peers++] = optarg;
			break;
		case 'h':
			return ctl_help(attach_usage);
		default:
			return CTL_EXIT_USAGE;
		}
	}
	ret = ctl_operands("attach", argc - optind, 1, 1);
	if (ret)
		return ret;
	if (!nr_peers)
		fprintf(stderr, "ebpfdmactl: no --peer: every sender is refused\n");
	ret = edma_rx_load(&cfg, &skel);
	if (ret) {
		fprintf(stderr, "ebpfdmactl: loading the XDP program: %s%s\n",
			strerror(-ret),
			ret == -ENOENT || ret == -ESRCH ?
				" (is ebpfdma loaded, with its BTF?)" : "");
		return CTL_EXIT_FAILED;
	}
	for (i = 0; i < nr_peers; i++) {
		ret = edma_rx_peer_add(edma_rx_peers_fd(skel), peers[i]);
		if (ret) {
			fprintf(stderr, "ebpfdmactl: peer '%s': %s\n",
				peers[i], strerror(-ret));
			edma_rx_destroy(skel);
			return CTL_EXIT_FAILED;
		}
	}
	ret = edma_rx_attach(skel, argv[optind], generic);
	edma_rx_destroy(skel);
	if (ret) {
		fprintf(stderr, "ebpfdmactl: attach to %s: %s\n", argv[optind],
			why_attach(-ret));
		return CTL_EXIT_FAILED;
	}
	printf("ebpfdma_rx attached to %s (%s mode), UDP port %u, %u peer(s)\n",
	       argv[optind], generic ? "generic" : "native", cfg.port,
	       nr_peers);
	return CTL_EXIT_OK;
}

int cmd_detach(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "generic", no_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int generic = 0, o, ret;

	while ((o = ctl_getopt(argc, argv, "detach", lo)) != -1) {
		if (o == 'g')
			generic = 1;
		else if (o == 'h')
			return ctl_help(detach_usage);
		else
			return CTL_EXIT_USAGE;
	}
	ret = ctl_operands("detach", argc - optind, 1, 1);
	if (ret)
		return ret;
	ret = edma_rx_detach(argv[optind], generic);
	if (ret) {
		fprintf(stderr, "ebpfdmactl: detach from %s: %s\n",
			argv[optind], strerror(-ret));
		return CTL_EXIT_FAILED;
	}
	return CTL_EXIT_OK;
}
