#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the raw figures of `make bench` into bench/results/latest.json,
the PNG plots and BENCHMARKS.md.

    report.py RUNS.jsonl SUBMIT.jsonl OUTDIR BENCHMARKS.md CONTEXT.json [AEAD.jsonl]
    report.py --files RUNS.jsonl OUTDIR BENCHMARKS.md CONTEXT.json

RUNS.jsonl: one line per run of tools/testing/bench-guest.sh; SUBMIT.jsonl:
tools/bench/submit_vs_pwrite's lines; AEAD.jsonl: tools/bench/aead_bw's,
on the host; CONTEXT.json: the run's conditions
(kernel, accelerator, date, MiB per run, repetitions).  The prose of
BENCHMARKS.md that is not computed comes from bench/analysis.md.
"""
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import saturation  # noqa: E402
import transport  # noqa: E402

EBPFDMA = "ebpfdma"
# The module of an earlier revision (EBPFDMA_BENCH_BASELINE), when run.
BEFORE = "ebpfdma-before"
BASELINES = ["udp-pwrite", "udp-direct", "af-xdp", "nvmet-tcp"]
RECEIVERS = [EBPFDMA, BEFORE] + BASELINES
# Each receiver runs under each protection; nvmet-tcp has none (no TLS on
# 6.1): its runs are "none".  A table key's receiver is "NAME/PROTECT".
PROTECTS = ["aead", "mac", "crc"]
NONE = "none"
# The goal of wire version 2: aead costs at most this many times the CPU
# per GiB of crc, in the same run.
AEAD_OVER_CRC_GOAL = 1.3


def key(rcv, protect):
    """The table's receiver: NAME/PROTECT (nvmet-tcp's is always none)."""
    return f"{rcv}/{NONE if rcv == 'nvmet-tcp' else protect}"
GIB = 1 << 30
# The targets of the "make it win" work: CPU per GiB of ebpfdma at most
# this fraction of the baseline's, and goodput at 4 KiB payloads and more
# at least this fraction of the one-copy bound.
CPU_TARGETS = {"udp-pwrite": 1 / 3, "af-xdp": 2 / 3, "nvmet-tcp": 1.0}
MEMCPY_TARGET = 0.70


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


def med(xs):
    return statistics.median(xs) if xs else None


def percentile(hist, p):
    """Upper bound (us) of the log2 bucket holding the p-th percentile:
    bucket i counts [2^(i-1), 2^i) us."""
    total = sum(hist)
    if not total:
        return None
    need, acc = p * total, 0
    for i, n in enumerate(hist):
        acc += n
        if acc >= need:
            return 2 ** i
    return 2 ** (len(hist) - 1)


# The file-store rows (bench-guest.sh, EBPFDMA_BENCH_FILESYSTEMS).
FILESYSTEMS = ["ext4", "xfs"]

NETS = {
    "veth": "a veth pair (veth hands XDP a copy of every packet, in a new "
            "page: an XDP receiver pays one copy more than on a NIC)",
    "virtio": "two virtio-net NICs joined by qemu (the driver runs XDP on "
              "its own receive buffers, as a physical NIC's does; on 6.1 "
              "a frame must fit one page with its XDP headroom, so 3 KiB "
              "payloads are the largest)",
}


def summarise(runs, fs=None):
    """Per (net, receiver/protection, payload, streams): medians and
    ranges, of the block rows or of the file system fs's."""
    groups = {}
    for r in runs:
        if ("memcpy" in r or "unsupported" in r or "scale" in r
                or "saturation" in r or "protect_bw" in r
                or r.get("fs") != fs):
            continue
        groups.setdefault((r.get("net", "veth"),
                           key(r["receiver"], r.get("protect", "aead")),
                           r["payload"], r["streams"]), []).append(r)
    out = {}
    for k, rs in groups.items():
        good = [r for r in rs if r.get("verified")]
        tput = [r["bytes"] / r["seconds"] / 2 ** 20 for r in good
                if r["seconds"] > 0]
        cpu = [r["rx_cpu_s"] / (r["bytes"] / GIB) for r in good]
        # Guest instructions of the receiving CPU (the TCG plugin), in
        # billions per GiB: a measure host load does not move.
        ins = [r["rx_insns"] / (r["bytes"] / GIB) / 1e9 for r in good
               if r.get("rx_insns") is not None]
        hist = [0] * max([len(r["detail"].get("latency_us_log2", []))
                          for r in good] + [1])
        for r in good:
            for i, n in enumerate(r["detail"].get("latency_us_log2", [])):
                hist[i] += n
        out[k] = {
            "runs": len(rs), "verified": len(good),
            "mib_s": med(tput), "mib_s_min": min(tput, default=None),
            "mib_s_max": max(tput, default=None),
            "cpu_s_per_gib": med(cpu), "cpu_min": min(cpu, default=None),
            "cpu_max": max(cpu, default=None),
            "ginsns_per_gib": med(ins), "ginsns_min": min(ins, default=None),
            "ginsns_max": max(ins, default=None),
            "p50_us": percentile(hist, 0.50), "p99_us": percentile(hist, 0.99),
            "latency_kind": good[0]["detail"].get(
                "latency_kind", "arrival to durable") if good else None,
            "retransmitted": med([r["retransmitted"] for r in good]),
        }
    return out


def memcpy_bounds(runs):
    by = {}
    for r in runs:
        if "memcpy" in r and "saturation" not in r:
            by.setdefault(r["size"], []).append(r["mib_per_s"])
    return {k: {"mib_s": med(v), "min": min(v), "max": max(v)}
            for k, v in by.items()}


def plot_panel(ax, table, bounds, net, st, metric):
    payloads = sorted({k[2] for k in table if k[0] == net})
    lo_key, hi_key = (("mib_s_min", "mib_s_max") if metric == "mib_s"
                      else ("cpu_min", "cpu_max"))
    for name in RECEIVERS:
        rcv = key(name, "aead")
        g = [(pl, table[(net, rcv, pl, st)]) for pl in payloads
             if table.get((net, rcv, pl, st), {}).get(metric) is not None]
        if not g:
            continue
        xs = [pl / 1024 for pl, _ in g]
        ys = [e[metric] for _, e in g]
        err = [[y - e[lo_key] for y, (_, e) in zip(ys, g)],
               [e[hi_key] - y for y, (_, e) in zip(ys, g)]]
        ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=rcv,
                    linewidth=2.5 if name == EBPFDMA else 1.2)
    if metric == "mib_s":
        xs = [pl for pl in payloads if pl in bounds]
        ax.plot([x / 1024 for x in xs],
                [bounds[x]["mib_s"] * MEMCPY_TARGET for x in xs],
                linestyle=":", color="grey",
                label=f"{int(MEMCPY_TARGET * 100)}% of one copy")
    ax.set_title(f"{net}, {st} stream{'s' if st > 1 else ''}")
    ax.set_xlabel("payload (KiB)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)


def kib(pl):
    return f"{pl / 1024:g} KiB"


def file_store_section(runs, table, note=""):
    """The file stores: each receiver's CPU per GiB on each file system,
    beside its block rows of the same network, payload, streams and
    protection (table), and ebpfdma against each baseline on the same
    file system.  Returns the rows, the ratios and the Markdown section
    (note: a paragraph of its own after the heading)."""
    fss = [f for f in FILESYSTEMS if any(r.get("fs") == f for r in runs)]
    fs_tables = {f: summarise(runs, f) for f in fss}
    file_stores, file_summary = [], []
    for f in fss:
        for (net, rcv, pl, st), e in sorted(fs_tables[f].items()):
            blk = table.get((net, rcv, pl, st), {})
            file_stores.append(dict(
                fs=f, net=net, receiver=rcv, payload=pl, streams=st,
                block_cpu_s_per_gib=blk.get("cpu_s_per_gib"),
                block_mib_s=blk.get("mib_s"), **e))
            name, protect = rcv.split("/")
            if name != EBPFDMA or not e["cpu_s_per_gib"]:
                continue
            for b in BASELINES:
                o = fs_tables[f].get((net, key(b, protect), pl, st))
                if not o or o["cpu_s_per_gib"] is None:
                    continue
                ob = table.get((net, key(b, protect), pl, st), {})
                file_summary.append({
                    "fs": f, "net": net, "protect": protect, "baseline": b,
                    "payload": pl, "streams": st,
                    "cpu_per_gib_ratio": o["cpu_s_per_gib"] / e["cpu_s_per_gib"],
                    "block_cpu_per_gib_ratio": (
                        ob["cpu_s_per_gib"] / blk["cpu_s_per_gib"]
                        if ob.get("cpu_s_per_gib") and blk.get("cpu_s_per_gib")
                        else None),
                })

    md = []
    w = md.append
    if file_stores:
        w("## File stores on ext4 and xfs\n")
        if note:
            w(note + "\n")
        w("The same transfers into files, on veth, after the block rows: the "
          "RAM-backed disk formatted with each file system. ebpfdma writes "
          "each stream as a named file of a store (`store =`): serve creates "
          "`NAME.partial`, preallocates it, the module writes it with direct "
          "I/O from the pool, and at COMMIT serve fsyncs it, records its "
          "checksum, renames it and fsyncs the directory; every run's cost "
          "includes that. The baselines write the same streams into one file "
          "preallocated before the run (unwritten extents, as serve's), "
          "with O_DIRECT, acknowledging after a group fdatasync (a file is "
          "not a device whose writes are durable when they complete); "
          "udp-pwrite buffered, acknowledging before anything is durable, "
          "with an fsync at COMMIT; nvmet-tcp exports that file through its "
          "file backend (direct I/O). ext4's journal thread runs on the "
          "receiving CPU. After each run the file system is mounted again "
          "and every file checked (sha256): what reached the disk. Receiver "
          "CPU-s per GiB (CPU 1's busy time in /proc/stat during the "
          "transfer, as in the block tables), median (min..max) of the "
          "repetitions; the block column is the same "
          "receiver's block-device row, measured in the same run.\n")
        w("| receiver | payload | streams | block CPU-s/GiB | " + " | ".join(
            f"{f} CPU-s/GiB | {f} MiB/s" for f in fss) + " | verified |")
        w("|---|---|---|---|" + "---|---|" * len(fss) + "---|")
        rows = sorted({(e["receiver"], e["payload"], e["streams"])
                       for e in file_stores},
                      key=lambda t: (t[1], t[2], RECEIVERS.index(
                          t[0].split("/")[0]) if t[0].split("/")[0] in
                          RECEIVERS else 99, t[0]))
        for rcv, pl, st in rows:
            cells, ver, blk = [], [], None
            for f in fss:
                e = next((x for x in file_stores if x["fs"] == f and
                          x["receiver"] == rcv and x["payload"] == pl and
                          x["streams"] == st), None)
                if not e:
                    cells += ["n/a", "n/a"]
                    continue
                blk = e["block_cpu_s_per_gib"]
                cells += [f"{fmt(e['cpu_s_per_gib'], 2)} "
                          f"({fmt(e['cpu_min'], 2)}..{fmt(e['cpu_max'], 2)})",
                          fmt(e["mib_s"])]
                ver.append(f"{f} {e['verified']}/{e['runs']}")
            label = f"**{rcv}**" if rcv.startswith(EBPFDMA + "/") else rcv
            w(f"| {label} | {kib(pl)} | {st} | {fmt(blk, 2)} | "
              + " | ".join(cells) + f" | {', '.join(ver)} |")
        w("")
        why = sorted({(u["fs"], u["receiver"], u["payload"], u["unsupported"])
                      for u in runs if "unsupported" in u and u.get("fs")})
        for f, rcv, pl, reason in why:
            w(f"- Not run: {rcv} at {kib(pl)} on {f}: {reason}.")
        if why:
            w("")
        if file_summary:
            w("ebpfdma against each baseline on the same file system: the "
              "baseline's CPU per GiB over ebpfdma's (above 1 ebpfdma wins), "
              "and the same ratio of their block rows.\n")
            w("| file system | protection | baseline | payload | streams | CPU/GiB ratio | on the block device |")
            w("|---|---|---|---|---|---|---|")
            for s in file_summary:
                w(f"| {s['fs']} | {s['protect']} | {s['baseline']} | "
                  f"{kib(s['payload'])} | {s['streams']} | "
                  f"{fmt(s['cpu_per_gib_ratio'], 2)} | "
                  f"{fmt(s['block_cpu_per_gib_ratio'], 2)} |")
            w("")
        analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "bench", "analysis-files.md")
        if os.path.exists(analysis):
            w(open(analysis).read().strip() + "\n")

    return file_stores, file_summary, md


def fmt(v, digits=1):
    return "n/a" if v is None else f"{v:.{digits}f}"


def files_only(runs_path, outdir, md_path, ctx_path):
    """EBPFDMA_BENCH_PARTS=files: the file-store section alone, its runs
    in OUTDIR/files.json and its section of BENCHMARKS.md replaced (or
    inserted before the scale tables), dated, the rest left as it was."""
    runs, ctx = load(runs_path), json.load(open(ctx_path))
    table = summarise(runs)
    file_stores, file_summary, md = file_store_section(
        runs, table,
        f"Written by `make bench` with `EBPFDMA_BENCH_PARTS=files` on "
        f"{ctx['date']}, a run of its own ({ctx['kernel']}, {ctx['accel']}, "
        f"{ctx['mib']} MiB per run, {ctx['reps']} repetitions, receivers "
        f"interleaved): its block-device column comes from that run, not "
        f"from the tables above. Raw figures: "
        f"[bench/results/files.json](bench/results/files.json).")
    if not md:
        sys.exit("report.py: no file-store runs")
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "files.json"), "w") as f:
        json.dump({"context": ctx, "runs": runs,
                   "file_stores": file_stores,
                   "file_store_summary": file_summary}, f, indent=1)
    replace_section(md_path, "## File stores on ext4 and xfs", md)


def replace_section(md_path, head, md, before="## Scale"):
    """Replace the section of BENCHMARKS.md headed HEAD with the lines MD
    (or insert them before the first section starting with BEFORE)."""
    text = open(md_path).read().split("\n")
    if head in text:
        a = text.index(head)
        b = next((i for i in range(a + 1, len(text))
                  if text[i].startswith("## ")), len(text))
    else:
        a = b = next((i for i, t in enumerate(text)
                      if t.startswith(before)), len(text))
    text[a:b] = md
    with open(md_path, "w") as f:
        f.write("\n".join(text))


def saturation_only(runs_path, outdir, md_path, ctx_path):
    """EBPFDMA_BENCH_PARTS=saturation: the saturation rows alone.  Their
    summary replaces latest.json's "saturation" list (with the run's
    context beside it, "saturation_context"), their runs go to
    OUTDIR/saturation.json, and their section of BENCHMARKS.md is
    replaced, dated; the rest stays as the last full run left it."""
    runs, ctx = load(runs_path), json.load(open(ctx_path))
    sat = saturation.summarise(runs)
    if not sat:
        sys.exit("report.py: no saturation runs")
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "saturation.json"), "w") as f:
        json.dump({"context": ctx, "runs": runs, "saturation": sat}, f,
                  indent=1)
    latest_path = os.path.join(outdir, "latest.json")
    latest = json.load(open(latest_path)) if os.path.exists(latest_path) else {}
    latest["saturation"] = sat
    latest["saturation_context"] = ctx
    with open(latest_path, "w") as f:
        json.dump(latest, f, indent=1)
    md = saturation.markdown(
        sat,
        f"Written by `make bench` with `EBPFDMA_BENCH_PARTS=saturation` on "
        f"{ctx['date']}, a run of its own ({ctx['kernel']}, {ctx['accel']}, "
        f"{ctx['mib']} MiB per run, {ctx['reps']} repetitions, receivers "
        f"interleaved): not the run of the tables above. Raw figures: "
        f"[bench/results/saturation.json](bench/results/saturation.json); "
        f"its summary is latest.json's `saturation`.")
    replace_section(md_path, saturation.HEADING, md, before="## File stores")


def main():
    if sys.argv[1] == "--files":
        files_only(*sys.argv[2:6])
        return
    if sys.argv[1] == "--saturation":
        saturation_only(*sys.argv[2:6])
        return
    runs_path, submit_path, outdir, md_path, ctx_path = sys.argv[1:6]
    runs, submit = load(runs_path), load(submit_path)
    aead = load(sys.argv[6]) if len(sys.argv) > 6 else []
    trows = load(sys.argv[7]) if len(sys.argv) > 7 else []
    rss = (json.load(open(sys.argv[8]))
           if len(sys.argv) > 8 and os.path.getsize(sys.argv[8]) else None)
    tsum = transport.summarise(trows, rss) if trows or rss else None
    ctx = json.load(open(ctx_path))
    table = summarise(runs)
    bounds = memcpy_bounds(runs)
    unsupported = [r for r in runs if "unsupported" in r and "fs" not in r]
    sat = saturation.summarise(runs)
    nets = [n for n in NETS if any(k[0] == n for k in table)]
    streams = sorted({k[3] for k in table})

    protects = [p for p in PROTECTS
                if any(k[1] == key(EBPFDMA, p) for k in table)]
    summary, fractions = [], []
    for (net, rcv, pl, st), e in sorted(table.items()):
        name, protect = rcv.split("/")
        if name != EBPFDMA or e["mib_s"] is None:
            continue
        frac = e["mib_s"] / bounds[pl]["mib_s"] if pl in bounds else None
        if protect == "aead":
            fractions.append({"net": net, "payload": pl, "streams": st,
                              "memcpy_bound_fraction": frac})
        for b in BASELINES:
            o = table.get((net, key(b, protect), pl, st))
            if not o or o["mib_s"] is None:
                continue
            summary.append({
                "net": net, "protect": protect, "baseline": b,
                "payload": pl, "streams": st,
                "throughput_ratio": e["mib_s"] / o["mib_s"],
                "cpu_per_gib_ratio": (o["cpu_s_per_gib"] / e["cpu_s_per_gib"]
                                      if e["cpu_s_per_gib"] else None),
                "memcpy_bound_fraction": frac,
            })

    # Today's module against an earlier revision's, same tools, same run.
    before_after = []
    for (net, rcv, pl, st), e in sorted(table.items()):
        name, protect = rcv.split("/")
        o = table.get((net, key(BEFORE, protect), pl, st))
        if name != EBPFDMA or not o or None in (e["mib_s"], o["mib_s"]):
            continue
        before_after.append({
            "net": net, "protect": protect, "payload": pl, "streams": st,
            "throughput_ratio": e["mib_s"] / o["mib_s"],
            "cpu_per_gib_ratio": (o["cpu_s_per_gib"] / e["cpu_s_per_gib"]
                                  if e["cpu_s_per_gib"] else None),
            "cpu_before": o["cpu_s_per_gib"], "cpu_after": e["cpu_s_per_gib"],
            "cpu_before_range": [o["cpu_min"], o["cpu_max"]],
            "cpu_after_range": [e["cpu_min"], e["cpu_max"]],
        })

    # The cost of each protection: ebpfdma's runs side by side.
    protection = []
    for (net, rcv, pl, st), e in sorted(table.items()):
        if rcv != key(EBPFDMA, "crc") or not e["cpu_s_per_gib"]:
            continue
        row = {"net": net, "payload": pl, "streams": st,
               "cpu_s_per_gib": {}, "mib_s": {}, "over_crc": {}}
        for p in protects:
            o = table.get((net, key(EBPFDMA, p), pl, st))
            if not o or o["cpu_s_per_gib"] is None:
                continue
            row["cpu_s_per_gib"][p] = o["cpu_s_per_gib"]
            row["mib_s"][p] = o["mib_s"]
            row["over_crc"][p] = o["cpu_s_per_gib"] / e["cpu_s_per_gib"]
        protection.append(row)

    file_stores, file_summary, file_md = file_store_section(runs, table)

    os.makedirs(outdir, exist_ok=True)
    latest = {
        "context": ctx, "runs": runs, "submit_vs_pwrite": submit,
        "memcpy_bound": bounds,
        "groups": [dict(net=k[0], receiver=k[1], payload=k[2], streams=k[3],
                        **v) for k, v in sorted(table.items())],
        "summary": summary, "memcpy_bound_fraction": fractions,
        "before_after": before_after, "protection": protection,
        "aead_host": aead,
        "unsupported": unsupported,
        "file_stores": file_stores, "file_store_summary": file_summary,
        "transport": tsum, "transport_runs": trows,
        "saturation": sat,
    }
    with open(os.path.join(outdir, "latest.json"), "w") as f:
        json.dump(latest, f, indent=1)

    # Plots: goodput and CPU per GiB against payload, one line per
    # receiver; a row per network, a panel per stream count.
    plots = []
    for metric, ylabel, name in (
            ("mib_s", "goodput (MiB/s)", "throughput.png"),
            ("cpu_s_per_gib", "receiver CPU-s per GiB", "cpu_per_gib.png")):
        if not nets or not streams:
            break  # no block rows (the saturation rows alone)
        plots.append(name)
        fig, axes = plt.subplots(len(nets), len(streams),
                                 figsize=(4.2 * len(streams), 3.4 * len(nets)),
                                 squeeze=False, sharey="row")
        for row, net in zip(axes, nets):
            for ax, st in zip(row, streams):
                plot_panel(ax, table, bounds, net, st, metric)
            row[0].set_ylabel(ylabel)
        axes[0][-1].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, name), dpi=110)
        plt.close(fig)

    md = []
    w = md.append
    w("# Benchmarks\n")
    w(f"Written by `make bench` on {ctx['date']}; every figure below comes "
      f"from one run of it. Raw figures: "
      f"[bench/results/latest.json](bench/results/latest.json).\n")
    w(f"The guest runs Debian's stock kernel {ctx['kernel']} under qemu "
      f"({ctx['accel']}), 2 vCPUs: CPU 0 sends, CPU 1 receives. Each run "
      f"moves {ctx['mib']} MiB of fresh random data, split over the "
      f"streams, and checks it on the disk (sha256) before it counts; "
      f"{ctx['reps']} repetitions, receivers interleaved; medians with "
      f"min..max. Under software emulation absolute numbers mean little: "
      f"read the ratios, measured side by side in the same run.\n")
    analysis = os.path.join(os.path.dirname(md_path), "bench", "analysis.md")
    if os.path.exists(analysis):
        w(open(analysis).read().strip() + "\n")

    w("## Results\n")
    for net in nets:
        w(f"### Over {NETS[net]}\n")
        for pl in sorted({k[2] for k in table if k[0] == net}):
            bound = bounds.get(pl, {}).get("mib_s")
            w(f"#### {net}: {kib(pl)} payloads (one-copy bound: "
              f"{fmt(bound)} MiB/s)\n")
            w("| receiver | streams | goodput MiB/s | receiver CPU-s/GiB | receiver Ginsn/GiB | latency p50 / p99 (us, log2 buckets) | retransmitted | verified |")
            w("|---|---|---|---|---|---|---|---|")
            for st in streams:
                for name in RECEIVERS:
                    why = next((u["unsupported"] for u in unsupported
                                if u["receiver"] == name and
                                u["payload"] == pl and
                                u.get("net", "veth") == net), None)
                    if why:
                        w(f"| {name} | {st} | n/a | n/a | n/a | n/a | | {why} |")
                        continue
                    for p in ([NONE] if name == "nvmet-tcp" else protects):
                        rcv = key(name, p)
                        e = table.get((net, rcv, pl, st))
                        if not e:
                            continue
                        kind = "" if e["latency_kind"] in (
                            None, "arrival to durable") else " (client-side)"
                        label = ("nvmet-tcp (data digest; no TLS on 6.1)"
                                 if name == "nvmet-tcp" else rcv)
                        w(f"| {'**' + label + '**' if name == EBPFDMA else label} | {st} | "
                          f"{fmt(e['mib_s'])} ({fmt(e['mib_s_min'])}..{fmt(e['mib_s_max'])}) | "
                          f"{fmt(e['cpu_s_per_gib'], 2)} ({fmt(e['cpu_min'], 2)}..{fmt(e['cpu_max'], 2)}) | "
                          f"{fmt(e['ginsns_per_gib'], 2)} ({fmt(e['ginsns_min'], 2)}..{fmt(e['ginsns_max'], 2)}) | "
                          f"<= {e['p50_us']} / <= {e['p99_us']}{kind} | "
                          f"{fmt(e['retransmitted'], 0)} | {e['verified']}/{e['runs']} |")
            w("")
    for name in plots:
        w(f"![{name[:-4]}](bench/results/{name})\n")

    if protection:
        w("## The cost of each protection\n")
        w("ebpfdma's receiver CPU-s per GiB under each protection, side by "
          "side in the same run, and its ratio to crc's. Goal: aead at most "
          f"{AEAD_OVER_CRC_GOAL}x crc. Under TCG the guest's ChaCha20 and "
          "Poly1305 run without SIMD (emulated), so aead's share is "
          "larger here than on hardware: see the host's figures below.\n")
        w("| network | payload | streams | " + " | ".join(
            f"{p} CPU-s/GiB" for p in protects) + " | " + " | ".join(
            f"{p} / crc" for p in protects if p != "crc") + " | aead goal met? |")
        w("|---|---|---|" + "---|" * (2 * len(protects)))
        for row in protection:
            r = row["over_crc"].get("aead")
            met = "" if r is None else (
                "yes" if r <= AEAD_OVER_CRC_GOAL else
                f"no: {r:.2f}x")
            w(f"| {row['net']} | {kib(row['payload'])} | {row['streams']} | "
              + " | ".join(fmt(row["cpu_s_per_gib"].get(p), 2)
                           for p in protects) + " | "
              + " | ".join(fmt(row["over_crc"].get(p), 2)
                           for p in protects if p != "crc")
              + f" | {met} |")
        w("")
    if aead:
        w("### The AEADs on the host's CPU\n")
        w("User space, libsodium, one core of the host that runs the guest "
          f"({aead[0].get('cpu', 'unknown CPU')}): opening (verifying, and decrypting) "
          "messages of each size as a receiver does, MiB/s of body, median of the repetitions. "
          "AES-256-GCM needs AES-NI and PCLMULQDQ (libsodium offers it only "
          "then); the kernel's ChaCha20-Poly1305 uses the same SIMD "
          "(AVX2) where the CPU has it, which TCG does not emulate.\n")
        algs = sorted({a["alg"] for a in aead})
        w("| message | " + " | ".join(f"{a} MiB/s" for a in algs) + " |")
        w("|---|" + "---|" * len(algs))
        for size in sorted({a["size"] for a in aead}):
            cells = []
            for a in algs:
                rs = [x for x in aead if x["alg"] == a and x["size"] == size]
                v = [x["mib_per_s"] for x in rs if "mib_per_s" in x]
                if any(x.get("failed") for x in rs):
                    cells.append("FAILED to verify")
                elif v:
                    cells.append(fmt(med(v)))
                else:
                    cells.append("n/a (" + (rs[0].get("unavailable", "not run")
                                            if rs else "not run") + ")")
            w(f"| {kib(size)} | " + " | ".join(cells) + " |")
        w("")

    w("## ebpfdma against each baseline\n")
    w("Ratios of medians, each protection against the baselines' under "
      "the same protection (nvmet-tcp: its data digest, a CRC32C; it has "
      "no TLS on 6.1): throughput is ebpfdma's over the baseline's, CPU "
      "per GiB the baseline's over ebpfdma's; above 1 ebpfdma wins. The "
      "targets: ebpfdma's CPU per GiB at most 1/3 of udp-pwrite's, 2/3 of "
      "af-xdp's, and below nvmet-tcp's.\n")
    w("| network | protection | baseline | payload | streams | throughput ratio | CPU/GiB ratio | target (CPU/GiB ratio) | met? |")
    w("|---|---|---|---|---|---|---|---|---|")
    for s in summary:
        t = CPU_TARGETS.get(s["baseline"])
        need = None if t is None else 1 / t
        strict = s["baseline"] == "nvmet-tcp"
        r = s["cpu_per_gib_ratio"]
        met = "" if need is None or r is None else (
            "yes" if (r > need if strict else r >= need)
            else f"no: {r / need:.2f} of the target")
        target = "" if need is None else \
            ("> " if strict else ">= ") + format(need, ".2f")
        w(f"| {s['net']} | {s['protect']} | {s['baseline']} | {kib(s['payload'])} | "
          f"{s['streams']} | {fmt(s['throughput_ratio'], 2)} | "
          f"{fmt(r, 2)} | {target} | {met} |")
    w("")
    if before_after:
        w(f"## ebpfdma against its previous engine\n")
        w(f"`{BEFORE}` is the module of revision {ctx.get('baseline') or '?'} "
          f"(global work items and counters), run in the same guest with "
          f"today's tools, interleaved with today's module. Ratios of "
          f"medians, above 1 today's wins; receiver CPU-s per GiB, "
          f"median (min..max).\n")
        w("| network | protection | payload | streams | throughput ratio | CPU/GiB ratio | CPU-s/GiB before | CPU-s/GiB after |")
        w("|---|---|---|---|---|---|---|---|")
        for b in before_after:
            w(f"| {b['net']} | {b['protect']} | {kib(b['payload'])} | {b['streams']} | "
              f"{fmt(b['throughput_ratio'], 2)} | "
              f"{fmt(b['cpu_per_gib_ratio'], 2)} | "
              f"{fmt(b['cpu_before'], 2)} ({fmt(b['cpu_before_range'][0], 2)}.."
              f"{fmt(b['cpu_before_range'][1], 2)}) | "
              f"{fmt(b['cpu_after'], 2)} ({fmt(b['cpu_after_range'][0], 2)}.."
              f"{fmt(b['cpu_after_range'][1], 2)}) |")
        w("")
    w("### Goodput against the one-copy bound\n")
    w(f"Target: at least {int(MEMCPY_TARGET * 100)}% of single-core memcpy "
      f"bandwidth at 4 KiB payloads and above.\n")
    w("| network | payload | streams | ebpfdma MiB/s | memcpy MiB/s | fraction | met? |")
    w("|---|---|---|---|---|---|---|")
    for fr in fractions:
        e = table[(fr["net"], key(EBPFDMA, "aead"), fr["payload"],
                   fr["streams"])]
        f = fr["memcpy_bound_fraction"]
        met = "" if fr["payload"] < 4096 or f is None else (
            "yes" if f >= MEMCPY_TARGET else
            f"no: {f / MEMCPY_TARGET:.3f} of the target")
        w(f"| {fr['net']} | {kib(fr['payload'])} | {fr['streams']} | "
          f"{fmt(e['mib_s'])} | {fmt(bounds[fr['payload']]['mib_s'])} | "
          f"{fmt(f, 4)} | {met} |")
    w("")

    md.extend(saturation.markdown(sat))

    md.extend(file_md)

    if tsum:
        md.extend(transport.markdown(tsum))

    mine = {}
    for r in runs:
        if (r.get("receiver") == "ebpfdma" and r.get("verified")
                and r.get("protect", "aead") == "aead" and "scale" not in r
                and "fs" not in r and "saturation" not in r):
            mine.setdefault((r.get("net", "veth"), r["payload"],
                             r["streams"]), []).append(r)
    if mine:
        w("## Scale: streams and payload size\n")
        w("ebpfdma's aead runs above: slots of the payload rounded up to a power "
          "of two, the default number of slots; the module's memory is "
          "`pool_memory_bytes` (sysfs); writes per bio are the volumes' "
          "`(bios + merges) / bios`. Medians of the repetitions.\n")
        w("| network | payload | streams | slot size | pool memory (MiB) | writes per bio | goodput MiB/s | receiver CPU-s/GiB |")
        w("|---|---|---|---|---|---|---|---|")
        for k in sorted(mine):
            rs = mine[k]
            d = rs[0]["detail"]
            per_bio = med([(r["detail"]["bios"] + r["detail"]["merges"]) /
                           r["detail"]["bios"] for r in rs
                           if r["detail"].get("bios")])
            mem = d.get("pool_memory_bytes")
            t = table[(k[0], key(EBPFDMA, "aead"), k[1], k[2])]
            w(f"| {k[0]} | {kib(k[1])} | {k[2]} | "
              f"{d.get('slot_size', 'n/a')} | "
              f"{fmt(mem / 2 ** 20 if mem else None)} | {fmt(per_bio)} | "
              f"{fmt(t['mib_s'])} | {fmt(t['cpu_s_per_gib'], 2)} |")
        w("")

    scale = [r for r in runs if "scale" in r and r.get("verified")]
    if scale:
        w("## Scale: pool size and bios in flight\n")
        w("ebpfdma alone, 4 KiB payloads, 2 streams, one run each; the "
          "module's memory is `pool_memory_bytes` (sysfs).\n")
        w("| nr_slots | max_in_flight | pool memory (MiB) | goodput MiB/s | receiver CPU-s/GiB | retransmitted |")
        w("|---|---|---|---|---|---|")
        for r in scale:
            sc = r["scale"]
            w(f"| {sc['nr_slots']} | {sc['max_in_flight']} | "
              f"{sc['pool_memory_bytes'] / 2 ** 20:.1f} | "
              f"{r['bytes'] / r['seconds'] / 2 ** 20:.1f} | "
              f"{r['rx_cpu_s'] / (r['bytes'] / GIB):.2f} | {r['retransmitted']} |")
        w("")

    if submit:
        w("## User-space SUBMIT from the mapped pool vs pwrite() with O_DIRECT\n")
        w("The module's user-space path alone (no network): each writes "
          "the same data sequentially in writes of the slot size; CPU is "
          "the whole guest's busy time, as SUBMIT's work runs in kernel "
          "workers. Most of the gap is queue depth and merging: pwrite() "
          "keeps one write in flight.\n")
        w("| write size | method | MiB/s median (min..max) | CPU-s/GiB median (min..max) |")
        w("|---|---|---|---|")
        for size in sorted({r["io_bytes"] for r in submit}):
            for m in ("ebpfdma-submit", "pwrite-odirect"):
                rs = [r for r in submit if r["io_bytes"] == size and r["method"] == m]
                if not rs:
                    continue
                t = [r["mib_per_s"] for r in rs]
                c = [r["cpu_s_per_gib"] for r in rs]
                w(f"| {size // 1024} KiB | {m} | {med(t):.1f} ({min(t):.1f}..{max(t):.1f}) "
                  f"| {med(c):.2f} ({min(c):.2f}..{max(c):.2f}) |")
        w("")
    with open(md_path, "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
