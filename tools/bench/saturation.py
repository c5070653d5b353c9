# SPDX-License-Identifier: GPL-2.0
"""The saturation rows of `make bench` (tools/testing/bench-guest.sh,
EBPFDMA_BENCH_SATURATION): each receiver fed by the load generator
(tools/bench/blast.c) until its CPU is busy, one stream over veth.

summarise(runs) gives bench/results/latest.json's list "saturation", one
entry per receiver, network, payload, streams and protection (medians of
the repetitions); markdown(rows) the section of BENCHMARKS.md.

A run's figures: its receiving CPU's busy time over the whole transfer
(the blast and the retransmission of what was lost in it) against the
blocks written, checked on the disk; rx_cpu_busy is that CPU's busy
fraction during the blast alone, its busy ticks over all its ticks (busy,
idle, iowait), as top computes it (nvmet-tcp, fed by its own writer: busy
time over its run's wall-clock time); rx_cpu_ticked is the share of the
blast's wall-clock ticks that CPU accounted at all (under emulation, busy
ticks go missing while the vCPU's host thread waits for a host core).  The one-copy bound of a payload and protection is what one
core of the same guest does copying and protecting the bytes once:
1 / (1 / memcpy + 1 / protection), each in bytes per second, measured on
the receiving CPU in the same run (tools/bench/memcpy_bw, aead_bw).
"""
import statistics

GIB = 1 << 30
# The protection's cost measured for each mode (aead_bw's algorithms);
# nvmet-tcp's data digest is a CRC32C.
ALG = {"aead": "chacha20poly1305", "mac": "blake2b-mac", "crc": "crc32c",
       "none": "crc32c"}
EBPFDMA = "ebpfdma"
# Issue targets: ebpfdma's datagrams per second per receiving core against
# these baselines', at saturation; its CPU per GiB below nvmet-tcp's.
RATE_TARGETS = {"af-xdp": 2.0, "udp-direct": 3.0}
BUSY_TARGET = 0.95
ORDER = [EBPFDMA, "ebpfdma-before", "udp-pwrite", "udp-direct", "af-xdp",
         "nvmet-tcp"]
PROT_ORDER = ["aead", "mac", "crc", "none"]


def _order(k):
    rcv, net, pl, st, prot = k
    return (net, pl, st, ORDER.index(rcv) if rcv in ORDER else len(ORDER),
            rcv, PROT_ORDER.index(prot) if prot in PROT_ORDER else 9, prot)


def med(xs):
    return statistics.median(xs) if xs else None


def _bounds(runs):
    """(payload, alg) -> MiB/s medians: memcpy under "memcpy"."""
    by = {}
    for r in runs:
        if r.get("memcpy") and r.get("saturation"):
            by.setdefault((r["size"], "memcpy"), []).append(r["mib_per_s"])
        elif r.get("protect_bw") and "mib_per_s" in r:
            by.setdefault((r["size"], r["alg"]), []).append(r["mib_per_s"])
    return {k: med(v) for k, v in by.items()}


def bound_mib_s(bounds, payload, protect):
    m = bounds.get((payload, "memcpy"))
    p = bounds.get((payload, ALG.get(protect, "crc32c")))
    if not m or not p:
        return None
    return 1 / (1 / m + 1 / p)


def summarise(runs):
    bounds = _bounds(runs)
    groups = {}
    for r in runs:
        if not r.get("saturation") or "receiver" not in r or "bytes" not in r:
            continue
        k = (r["receiver"], r.get("net", "veth"), r["payload"], r["streams"],
             r.get("protect", "none"))
        groups.setdefault(k, []).append(r)
    rows = []
    for (rcv, net, pl, st, prot), rs in sorted(groups.items(),
                                               key=lambda kv: _order(kv[0])):
        good = [r for r in rs if r.get("verified") and r["rx_cpu_s"] > 0]
        busy, ticked = [], []
        for r in good:
            b = r.get("blast")
            if b:
                busy.append(b["rx_cpu_busy"])
                if "rx_cpu_ticked" in b:
                    ticked.append(b["rx_cpu_ticked"])
            elif r.get("wall_seconds"):
                busy.append(r["rx_cpu_s"] / r["wall_seconds"])
        cpu = [r["rx_cpu_s"] / (r["bytes"] / GIB) for r in good]
        dps = [r["bytes"] / pl / r["rx_cpu_s"] for r in good]
        ins = [r["rx_insns"] / (r["bytes"] / GIB) / 1e9 for r in good
               if r.get("rx_insns") is not None]
        c = med(cpu)
        gib = 1 / c if c else None
        bound = bound_mib_s(bounds, pl, prot)
        rows.append({
            "receiver": rcv, "net": net, "payload": pl, "streams": st,
            "protect": prot,
            "rx_cpu_busy": med(busy),
            "datagrams_per_core_s": med(dps),
            "gib_per_core_s": gib,
            "cpu_s_per_gib": c,
            "bound_fraction": gib * 1024 / bound if gib and bound else None,
            # Beside the required fields: the stable measure, the bound,
            # ranges, and what the blast lost.
            "ginsns_per_gib": med(ins),
            "rx_cpu_ticked": med(ticked),
            "bound_mib_s": bound,
            "cpu_min": min(cpu, default=None), "cpu_max": max(cpu, default=None),
            "ginsns_min": min(ins, default=None),
            "ginsns_max": max(ins, default=None),
            "ring_drops": med([r["blast"]["ring_drops"] for r in good
                               if r.get("blast")]),
            "retransmitted": med([r["retransmitted"] for r in good]),
            "runs": len(rs), "verified": len(good),
        })
    return rows


def _fmt(v, d=1):
    return "n/a" if v is None else f"{v:.{d}f}"


def _x(v):
    return "n/a" if v is None else f"{v:.2f}x"


def _ratio(a, b):
    return a / b if a and b else None


def _pct(v):
    return "n/a" if v is None else f"{100 * v:.0f} %"


HEADING = "## At saturation: the receiver as the bottleneck"


def markdown(rows, note=""):
    if not rows:
        return []
    md = []
    w = md.append
    w(HEADING + "\n")
    if note:
        w(note + "\n")
    w("The load generator (`tools/bench/blast.c`, linked into a build of "
      "`ebpfdma-send` of its own) seals a session's datagrams in advance "
      "and emits them with `BPF_PROG_RUN`'s live XDP frames "
      "(`BPF_F_TEST_XDP_LIVE_FRAMES`) into the sending veth, keeping the "
      "receiving ring nearly full: every UDP receiver gets the same frames "
      "the same way, as from a NIC. What is lost is sent again by the "
      "normal rounds and the data is checked on the disk. One stream; "
      "nvmet-tcp, which is not UDP, runs its own writer (queue depth 64). "
      "Busy: the receiving CPU's busy fraction during the blast (target "
      f"{_pct(BUSY_TARGET)}), its busy ticks over all its ticks as top "
      "computes it (nvmet-tcp: its busy time over its run's wall-clock "
      "time); ticked: the share of the blast's wall-clock ticks it "
      "accounted at all (under emulation busy ticks go missing while the "
      "vCPU's host thread waits for a host core, which is also why CPU "
      "time is the noisy measure). Per-core figures: the blocks written over "
      "the receiving CPU's busy time for the whole transfer (blast and "
      "recovery); Ginsn/GiB: its instructions (TCG plugin), the stable "
      "measure. Bound: one core of this guest copying the bytes once and "
      "running the protection over them (memcpy_bw, aead_bw on the "
      "receiving CPU, same run).\n")
    for pl in sorted({r["payload"] for r in rows}):
        w(f"### {pl // 1024} KiB payloads\n")
        w("| receiver | protection | busy | ticked | datagrams/s per core | GiB/s per core | CPU-s/GiB | Ginsn/GiB | bound MiB/s | of the bound | lost at the ring | retransmitted | verified |")
        w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            if r["payload"] != pl:
                continue
            w(f"| {r['receiver']} | {r['protect']} | {_pct(r['rx_cpu_busy'])} | "
              f"{_pct(r.get('rx_cpu_ticked'))} | "
              f"{_fmt(r['datagrams_per_core_s'], 0)} | "
              f"{_fmt(r['gib_per_core_s'], 3)} | "
              f"{_fmt(r['cpu_s_per_gib'], 2)} ({_fmt(r['cpu_min'], 2)}..{_fmt(r['cpu_max'], 2)}) | "
              f"{_fmt(r['ginsns_per_gib'], 2)} | {_fmt(r['bound_mib_s'])} | "
              f"{_pct(r['bound_fraction'])} | {_fmt(r['ring_drops'], 0)} | "
              f"{_fmt(r['retransmitted'], 0)} | {r['verified']}/{r['runs']} |")
        w("")
    w("### Targets at saturation\n")
    w("ebpfdma's datagrams per second per receiving core against each "
      "baseline's, same payload and protection (targets: "
      + ", ".join(f"{v:g}x {k}" for k, v in RATE_TARGETS.items())
      + "), and its CPU per GiB against nvmet-tcp's (target: below); by "
      "CPU time, and by instructions (the stable measure: the baseline's "
      "Ginsn/GiB over ebpfdma's, or ebpfdma's over nvmet-tcp's). Met "
      "only when both say so (by CPU time alone where there are no "
      "instruction counts: under KVM).\n")
    w("| payload | protection | against | ratio (CPU time) | ratio (instructions) | target | met? |")
    w("|---|---|---|---|---|---|---|")
    by = {(r["receiver"], r["payload"], r["protect"]): r for r in rows}
    for r in rows:
        if r["receiver"] != EBPFDMA:
            continue
        pl, prot = r["payload"], r["protect"]
        for b, t in RATE_TARGETS.items():
            o = by.get((b, pl, prot))
            if not o or not o["datagrams_per_core_s"] or not r["datagrams_per_core_s"]:
                continue
            ratio = r["datagrams_per_core_s"] / o["datagrams_per_core_s"]
            ins = _ratio(o["ginsns_per_gib"], r["ginsns_per_gib"])
            met = ratio >= t and (ins is None or ins >= t)
            w(f"| {pl // 1024} KiB | {prot} | {b} datagrams/s per core | "
              f"{ratio:.2f}x | {_x(ins)} | {t:g}x | "
              f"{'yes' if met else 'no'} |")
        o = by.get(("nvmet-tcp", pl, "none"))
        if o and o["cpu_s_per_gib"] and r["cpu_s_per_gib"]:
            ratio = r["cpu_s_per_gib"] / o["cpu_s_per_gib"]
            ins = _ratio(r["ginsns_per_gib"], o["ginsns_per_gib"])
            met = ratio < 1 and (ins is None or ins < 1)
            w(f"| {pl // 1024} KiB | {prot} | nvmet-tcp CPU per GiB | "
              f"{ratio:.2f}x | {_x(ins)} | below 1x | "
              f"{'yes' if met else 'no'} |")
    w("")
    return md
