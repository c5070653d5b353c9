# SPDX-License-Identifier: GPL-2.0
"""The transport section of `make bench` (tools/testing/bench-transport.sh's
JSON lines, and the sender's peak RSS measured on the host): figures for
bench/results/latest.json and the lines of BENCHMARKS.md.  report.py calls
it."""

BOTTLENECK_MBIT = 200
TARGETS = {
    "clean_retx_pct": 1.0,      # the demo's transfer on a clean link
    "senders_retx_pct": 2.0,    # 4 and 16 senders into one receiver
    "jain": 0.9,                # fairness of their goodputs
    "bottleneck_fraction": 0.8,  # of 200 Mbit/s, 5 ms, 1% loss
    "tcp_fraction": 0.8,        # of TCP's goodput on the same link
    "rss_mib": 64,              # the sender's peak RSS for a 4 GiB file
}


def med(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def jain(xs):
    """Jain's fairness index: 1 when all are equal, 1/n when one has all."""
    if not xs or not any(xs):
        return None
    return sum(xs) ** 2 / (len(xs) * sum(x * x for x in xs))


def _run(r):
    """One run's figures: goodputs, retransmissions, writes."""
    each = r["each"]
    if len(each) != r["senders"]:
        return None  # a sender's summary is missing: it failed
    good = [e["bytes"] / e["seconds"] / 2 ** 20 for e in each if e["seconds"]]
    dgrams = sum(e["datagrams"] for e in each)
    retx = sum(e["retransmitted"] for e in each)
    return {
        "goodputs": good,
        "aggregate_mib_s": r["bytes"] / r["wall_seconds"] / 2 ** 20,
        "mbit_s": r["bytes"] * 8 / max(e["seconds"] for e in each) / 1e6,
        "datagrams": dgrams,
        "retransmitted": retx,
        "retx_pct": 100 * retx / dgrams if dgrams else None,
        "jain": jain(good),
        # Every block once: as many placed as there are blocks, and as
        # many bytes written as were sent (a block written again adds).
        "written_twice_bytes": r["written"] - r["bytes"],
        "placed_twice": r["placed"] - dgrams,
        "duplicates_dropped": r["duplicates"],
        "congestion": sum(e["congestion"] for e in each),
        "ce": sum(e["ce"] for e in each),
        "verified": r["verified"],
    }


def summarise(rows, rss):
    """Medians of the repetitions, by (kind, cc, senders)."""
    groups = {}
    for r in rows:
        if r.get("transport") in ("clean", "senders", "bottleneck",
                                  "bottleneck-lossless"):
            f = _run(r)
            k = (r["transport"], r["cc"], r["senders"])
            g = groups.setdefault(k, {"runs": [], "failed": 0,
                                      "protect": r.get("protect")})
            if f is None or not f["verified"]:
                g["failed"] += 1
            else:
                g["runs"].append(f)
    out = []
    order = {"clean": 0, "senders": 1, "bottleneck": 2,
             "bottleneck-lossless": 3}
    for (kind, cc, n), g in sorted(groups.items(),
                                   key=lambda kv: (order[kv[0][0]], kv[0][1],
                                                   kv[0][2])):
        rs = g["runs"]
        row = {"kind": kind, "cc": cc, "senders": n, "protect": g["protect"],
               "runs": len(rs), "failed": g["failed"]}
        for f in ("aggregate_mib_s", "mbit_s", "retx_pct", "jain",
                  "written_twice_bytes", "placed_twice",
                  "duplicates_dropped", "retransmitted", "datagrams",
                  "congestion", "ce"):
            row[f] = med([r[f] for r in rs])
        row["retx_pct_max"] = max((r["retx_pct"] for r in rs), default=None)
        row["jain_min"] = min((r["jain"] for r in rs if r["jain"]),
                              default=None)
        row["written_twice_max"] = max((r["written_twice_bytes"] for r in rs),
                                       default=None)
        out.append(row)
    tcp = [r for r in rows if r.get("transport") == "tcp"]
    tcp_mbit = med([r["bits_per_second"] / 1e6 for r in tcp])
    solo = {r["cc"]: r["aggregate_mib_s"] for r in out
            if r["kind"] == "senders" and r["senders"] == 1}
    for r in out:
        if r["kind"] == "senders" and r["senders"] > 1 and solo.get(r["cc"]):
            r["over_solo"] = r["aggregate_mib_s"] / solo[r["cc"]]
        if r["kind"].startswith("bottleneck") and r["mbit_s"]:
            r["bottleneck_fraction"] = r["mbit_s"] / BOTTLENECK_MBIT
            r["tcp_fraction"] = r["mbit_s"] / tcp_mbit if tcp_mbit else None
    lossless = {r["cc"]: r["mbit_s"] for r in out
                if r["kind"] == "bottleneck-lossless"}
    for r in out:
        if r["kind"] == "bottleneck" and lossless.get(r["cc"]):
            r["of_lossless"] = r["mbit_s"] / lossless[r["cc"]]
    return {
        "groups": out,
        "tcp": {"cc": tcp[0]["cc"] if tcp else None, "mbit_s": tcp_mbit,
                "runs": len(tcp),
                "retransmits": med([r["retransmits"] for r in tcp])},
        "rss": rss,
        "targets": TARGETS,
    }


def _fmt(v, d=1):
    return "n/a" if v is None else f"{v:.{d}f}"


def _met(ok, why):
    return "yes" if ok else f"no: {why}"


def markdown(t):
    """BENCHMARKS.md's transport section, as a list of lines."""
    w = []
    tg = t["targets"]
    w.append("## Transport: retransmissions, fairness, a lossy bottleneck\n")
    w.append("`ebpfdma-send` against `ebpfdmactl serve` over the veth pair "
             "with native XDP (tools/testing/bench-transport.sh), each "
             "congestion controller side by side in each repetition "
             "(`--cc newreno`: the window halves on loss; `--cc bbr`: paced "
             "at the measured bottleneck bandwidth, random loss does not "
             "slow it). All senders run on CPU 0, serve on CPU 1; every "
             "transfer is checked on the disk. Medians of the repetitions; "
             "retransmissions as a share of the blocks sent. Goodput is "
             "each sender's bytes over its own time (from its first "
             "datagram to its commit), MiB/s; the aggregate is all bytes "
             "over the time from the senders' start (together, at a "
             "barrier) to the last one's end.\n")
    w.append("| run | cc | protection | senders | goodput MiB/s (aggregate) | Mbit/s | over one sender alone | retransmitted % (max) | Jain's index (min) | bytes written twice | CE / congestion events | runs (failed) |")
    w.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in t["groups"]:
        w.append(f"| {r['kind']} | {r['cc']} | {r['protect']} | {r['senders']} | "
                 f"{_fmt(r['aggregate_mib_s'])} | {_fmt(r['mbit_s'], 0)} | "
                 f"{_fmt(r.get('over_solo'), 2)} | "
                 f"{_fmt(r['retx_pct'], 2)} ({_fmt(r['retx_pct_max'], 2)}) | "
                 f"{_fmt(r['jain'], 3)} ({_fmt(r['jain_min'], 3)}) | "
                 f"{_fmt(r['written_twice_max'], 0)} | "
                 f"{_fmt(r['ce'], 0)} / {_fmt(r['congestion'], 0)} | "
                 f"{r['runs']} ({r['failed']}) |")
    w.append("")
    tcp = t["tcp"]
    w.append(f"Through the bottleneck (netem on the sending side: rate "
             f"{BOTTLENECK_MBIT} Mbit/s, delay 5 ms, loss 1% of packets, "
             f"each packet on its own: `ebpfdma-send --no-gso`, the device's "
             f"segmentation offloads off for TCP, as netem would otherwise "
             f"drop or keep a GSO packet's segments together), "
             f"`ebpfdma-send` with protection crc (the emulated CPU would "
             f"otherwise limit it) beside TCP on the same link (iperf3, "
             f"{tcp['cc'] or '?'}, {tcp['runs']} runs, "
             f"{_fmt(tcp['retransmits'], 0)} retransmissions in the median "
             f"run): TCP {_fmt(tcp['mbit_s'])} Mbit/s.\n")
    w.append("### Targets\n")
    w.append("| target | cc | measured | met? |")
    w.append("|---|---|---|---|")
    for r in t["groups"]:
        if r["kind"] == "clean":
            v = r["retx_pct_max"]
            w.append(f"| retransmissions under {tg['clean_retx_pct']}% for "
                     f"the demo's transfer on a clean link | {r['cc']} | "
                     f"{_fmt(v, 2)}% (worst run) | "
                     f"{_met(v is not None and v < tg['clean_retx_pct'], 'more')} |")
    for r in t["groups"]:
        if r["kind"] != "senders" or r["senders"] == 1:
            continue
        n, cc = r["senders"], r["cc"]
        v = r["retx_pct_max"]
        w.append(f"| {n} senders: retransmissions under "
                 f"{tg['senders_retx_pct']}% | {cc} | {_fmt(v, 2)}% | "
                 f"{_met(v is not None and v < tg['senders_retx_pct'], 'more')} |")
        v = r["written_twice_max"]
        w.append(f"| {n} senders: no block written twice | {cc} | "
                 f"{_fmt(v, 0)} bytes more than sent | "
                 f"{_met(v == 0, 'some were')} |")
        v = r.get("over_solo")
        w.append(f"| {n} senders: aggregate goodput at least one sender's "
                 f"alone | {cc} | {_fmt(v, 2)} of it | "
                 f"{_met(v is not None and v >= 1, 'less')} |")
        v = r["jain_min"]
        w.append(f"| {n} senders: Jain's index at least {tg['jain']} | {cc} | "
                 f"{_fmt(v, 3)} (worst run) | "
                 f"{_met(v is not None and v >= tg['jain'], 'less fair')} |")
    for r in t["groups"]:
        if r["kind"] != "bottleneck":
            continue
        v = r.get("bottleneck_fraction")
        w.append(f"| bottleneck: goodput at least "
                 f"{int(tg['bottleneck_fraction'] * 100)}% of "
                 f"{BOTTLENECK_MBIT} Mbit/s | {r['cc']} | "
                 f"{_fmt(r['mbit_s'])} Mbit/s, {_fmt(v, 2)} of it | "
                 f"{_met(v is not None and v >= tg['bottleneck_fraction'], 'less')} |")
        v2 = r.get("of_lossless")
        if v2 is not None:
            w.append(f"| (for reference: the same link without its loss) | "
                     f"{r['cc']} | the lossy link's goodput is {_fmt(v2, 2)} "
                     f"of the lossless one's | |")
        v = r.get("tcp_fraction")
        w.append(f"| bottleneck: within 20% of TCP's goodput (at least "
                 f"{tg['tcp_fraction']} of it) | {r['cc']} | {_fmt(v, 2)} of "
                 f"TCP's | {_met(v is not None and v >= tg['tcp_fraction'], 'less')} |")
    rss = t.get("rss")
    if rss:
        kib = rss.get("max_rss_kib")
        ok = kib is not None and rss.get("exit") == 0 and \
            kib < tg["rss_mib"] * 1024
        w.append(f"| the sender's peak RSS for a "
                 f"{rss['file_bytes'] / 2 ** 30:.0f} GiB file under "
                 f"{tg['rss_mib']} MiB | {rss.get('cc', 'default')} | "
                 f"{_fmt(kib / 1024 if kib else None)} MiB (exit "
                 f"{rss.get('exit')}) | {_met(ok, 'more')} |")
    w.append("")
    return w
