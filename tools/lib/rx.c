// SPDX-License-Identifier: GPL-2.0
#include "rx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ebpfdma_rx.skel.h"

#define F(name) { #name, offsetof(struct ebpfdma_rx_counters, name) }
const struct edma_rx_field edma_rx_fields[] = {
	F(packets),
	F(pass),
	F(drop),
	F(pass_not_ip),
	F(pass_not_udp),
	F(pass_fragment),
	F(pass_other_port),
	F(pass_control),
	F(pass_full),
	F(pass_refused),
	F(drop_truncated),
	F(drop_peer),
	F(placed),
	F(placed_bytes),
	F(err_malformed),
	F(err_range),
	F(err_no_volume),
	F(err_no_listener),
	F(err_auth),
	F(err_full),
	F(err_other),
	F(err_no_session),
	F(err_expired),
	F(err_duplicate),
};
#undef F
const unsigned int edma_rx_nr_fields =
	sizeof(edma_rx_fields) / sizeof(edma_rx_fields[0]);
_Static_assert(sizeof(edma_rx_fields) / sizeof(edma_rx_fields[0]) ==
		       sizeof(struct ebpfdma_rx_counters) / sizeof(__u64),
	       "every counter has a name");

int edma_rx_load(const struct edma_rx_config *cfg, struct ebpfdma_rx **skel)
{
	struct ebpfdma_rx *s;
	int ret;

	s = ebpfdma_rx__open();
	if (!s)
		return -errno;
	s->rodata->cfg_port = cfg->port;
	s->rodata->cfg_full_policy = cfg->full_policy;
	s->rodata->cfg_pass_refused = !!cfg->pass_refused;
	ret = ebpfdma_rx__load(s);
	if (ret) {
		ebpfdma_rx__destroy(s);
		return ret < 0 ? ret : -EINVAL;
	}
	*skel = s;
	return 0;
}

void edma_rx_destroy(struct ebpfdma_rx *skel)
{
	ebpfdma_rx__destroy(skel);
}

int edma_rx_prog_fd(const struct ebpfdma_rx *skel)
{
	return bpf_program__fd(skel->progs.ebpfdma_rx);
}

int edma_rx_peers_fd(const struct ebpfdma_rx *skel)
{
	return bpf_map__fd(skel->maps.edma_peers);
}

int edma_rx_counters_fd(const struct ebpfdma_rx *skel)
{
	return bpf_map__fd(skel->maps.edma_counters);
}

int edma_rx_peer_parse(const char *s, struct ebpfdma_rx_peer *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned int bits, max, i;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	bool v4 = false;

	memset(p, 0, sizeof(*p));
	if (!n || n >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = 0;
	if (inet_pton(AF_INET6, addr, p->addr) != 1) {
		if (inet_pton(AF_INET, addr, &p->addr[12]) != 1)
			return -EINVAL;
		p->addr[10] = 0xff;
		p->addr[11] = 0xff;
		v4 = true;
	}
	max = v4 ? 32 : 128;
	bits = max;
	if (slash) {
		/* 1 to 3 digits, no sign, no leading zero, at most max. */
		const char *d = slash + 1;
		size_t len = strlen(d);

		if (!len || len > 3 || (d[0] == '0' && len > 1))
			return -EINVAL;
		for (i = 0, bits = 0; i < len; i++) {
			if (d[i] < '0' || d[i] > '9')
				return -EINVAL;
			bits = bits * 10 + (d[i] - '0');
		}
		if (bits > max)
			return -EINVAL;
	}
	p->prefixlen = bits + (v4 ? 96 : 0);
	/* The host bits must be zero: 10.0.0.1/24 is a typo, not 10.0.0.0/24. */
	for (i = p->prefixlen; i < 128; i++)
		if (p->addr[i / 8] & (0x80 >> (i % 8)))
			return -EINVAL;
	return 0;
}

bool edma_rx_peer_match(const struct ebpfdma_rx_peer *p, const uint8_t *addr)
{
	unsigned int whole = p->prefixlen / 8, rest = p->prefixlen % 8;

	if (memcmp(p->addr, addr, whole))
		return false;
	return !rest ||
	       !((p->addr[whole] ^ addr[whole]) & (uint8_t)(0xff00 >> rest));
}

int edma_rx_peer_update(int peers_fd, const struct ebpfdma_rx_peer *p,
			bool add)
{
	uint8_t one = 1;

	if (add)
		return bpf_map_update_elem(peers_fd, p, &one, BPF_ANY) ?
			       -errno : 0;
	return bpf_map_delete_elem(peers_fd, p) && errno != ENOENT ? -errno :
								     0;
}

int edma_rx_peer_add(int peers_fd, const char *addr)
{
	struct ebpfdma_rx_peer p;
	uint8_t one = 1;

	if (edma_rx_peer_parse(addr, &p))
		return -EINVAL;
	return bpf_map_update_elem(peers_fd, &p, &one, BPF_ANY) ? -errno : 0;
}

static uint32_t xdp_mode(int generic)
{
	return generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

int edma_rx_attach(const struct ebpfdma_rx *skel, const char *ifname,
		   int generic)
{
	int ifindex = if_nametoindex(ifname);

	if (!ifindex)
		return -ENODEV;
	return bpf_xdp_attach(ifindex, edma_rx_prog_fd(skel),
			      xdp_mode(generic) | XDP_FLAGS_UPDATE_IF_NOEXIST,
			      NULL);
}

/* Is @prog_id a program named ebpfdma_rx? */
static int is_rx_prog(uint32_t prog_id)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);
	int fd, ret;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return 0;
	ret = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	      !strcmp(info.name, "ebpfdma_rx");
	close(fd);
	return ret;
}

int edma_rx_detach_ours(const char *ifname, int generic)
{
	int ifindex = if_nametoindex(ifname);
	uint32_t id = 0;
	int ret;

	if (!ifindex)
		return -ENODEV;
	ret = bpf_xdp_query_id(ifindex, xdp_mode(generic), &id);
	if (ret)
		return ret;
	if (!id)
		return 0;
	if (!is_rx_prog(id))
		return -EEXIST;
	return bpf_xdp_detach(ifindex, xdp_mode(generic), NULL);
}

int edma_rx_detach(const char *ifname, int generic)
{
	int ifindex = if_nametoindex(ifname);

	if (!ifindex)
		return -ENODEV;
	return bpf_xdp_detach(ifindex, xdp_mode(generic), NULL);
}


int edma_rx_map_by_name(const char *name)
{
	uint32_t prog_id = 0, map_ids[16], nr_maps, i;
	struct bpf_prog_info info;
	struct bpf_map_info minfo;
	uint32_t len;
	int pfd, fd;

	while (!bpf_prog_get_next_id(prog_id, &prog_id)) {
		if (!is_rx_prog(prog_id))
			continue;
		pfd = bpf_prog_get_fd_by_id(prog_id);
		if (pfd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		info.nr_map_ids = 16;
		info.map_ids = (uint64_t)(unsigned long)map_ids;
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(pfd, &info, &len)) {
			close(pfd);
			continue;
		}
		close(pfd);
		nr_maps = info.nr_map_ids < 16 ? info.nr_map_ids : 16;
		for (i = 0; i < nr_maps; i++) {
			fd = bpf_map_get_fd_by_id(map_ids[i]);
			if (fd < 0)
				continue;
			memset(&minfo, 0, sizeof(minfo));
			len = sizeof(minfo);
			if (!bpf_obj_get_info_by_fd(fd, &minfo, &len) &&
			    !strcmp(minfo.name, name))
				return fd;
			close(fd);
		}
	}
	return -ENOENT;
}

int edma_rx_counters_read(int fd, struct ebpfdma_rx_counters *sum,
			  struct ebpfdma_rx_counters *per_cpu, int nr_cpus)
{
	int n = libbpf_num_possible_cpus(), cpu;
	struct ebpfdma_rx_counters *v;
	uint64_t *s, *c;
	uint32_t key = 0;
	size_t i;

	if (n < 0)
		return n;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, v)) {
		free(v);
		return -errno;
	}
	memset(sum, 0, sizeof(*sum));
	s = (uint64_t *)sum;
	for (cpu = 0; cpu < n; cpu++) {
		c = (uint64_t *)&v[cpu];
		for (i = 0; i < sizeof(*sum) / sizeof(uint64_t); i++)
			s[i] += c[i];
		if (per_cpu && cpu < nr_cpus)
			per_cpu[cpu] = v[cpu];
	}
	free(v);
	return n;
}
