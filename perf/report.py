#!/usr/bin/env python3
"""Turns the newest perf results into perf/REPORT.md with ratio tables and PNG plots.

What it reads: the newest perf/results/<date>.json (perf/ingest-matrix.sh), with the baselines it embeds
(perf/baselines.sh), and the newest perf/results/<date>-latency.json (perf/latency.sh) if there is one.
How to read the output: every Sluice figure sits beside what it is divided by. `ratio` = Sluice events/s ÷
nginx events/s for the same requests from the same generator (1.0 = as fast as an HTTP server doing no
work); `of lz4` = Sluice's uncompressed body MB/s ÷ lz4's single-core compression speed on the same corpus;
under fsync=always, p50 latency is shown beside the disk's median fdatasync. Plots: throughput vs batch size
per fsync policy, and latency percentiles vs offered rate (open loop, from perf/latency.sh).
Run: python3 -m venv .venv-perf && .venv-perf/bin/pip install matplotlib && .venv-perf/bin/python perf/report.py
"""
import glob
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PERF = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(PERF, "results")
PLOTS = os.path.join(PERF, "plots")


def newest(pattern, exclude=()):
    files = [f for f in glob.glob(os.path.join(RESULTS, pattern)) if not any(f.endswith(e) for e in exclude)]
    return max(files) if files else None


def fmt(value, digits=0):
    if value is None:
        return "–"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f} M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.0f} k"
    return f"{value:.{digits}f}"


def baselines_section(b):
    lines = ["## Baselines (what the ratios divide by)", ""]
    if not b:
        return lines + ["No baselines file; run `perf/baselines.sh`.", ""]
    lines += ["| baseline | figure |", "| --- | --- |"]
    for n in b.get("nginx", []):
        lines.append(f"| nginx `return 200`, structured, batch {n['batch']} | {fmt(n['requests_per_second'])} req/s, "
                     f"{fmt(n['events_per_second'])} events/s, p99 {n['latency_ms']['p99']:.2f} ms |")
    g = b.get("generator", {})
    if g:
        lines.append(f"| `wrk -t1 -c64` vs nginx | {fmt(g['wrk_rps'])} req/s on {g['wrk_cpu_s']:.2f} CPU-s "
                     f"({fmt(g['wrk_requests_per_cpu_second'])} req per CPU-s) |")
        lines.append(f"| `sluice bench --threads 1 -c64` vs nginx | {fmt(g['bench_rps'])} req/s on {g['bench_cpu_s']:.2f} CPU-s |")
        lines.append(f"| generator capacity from one core | **{fmt(g['bench_capacity_rps'])} req/s = "
                     f"{g['capacity_vs_wrk']:.1f} × wrk's rate** |")
    z = b.get("lz4", {})
    if "compress_mb_s" in z:
        lines.append(f"| `lz4 -b1` on the generated corpus | compress {z['compress_mb_s']:.0f} MB/s, "
                     f"decompress {z['decompress_mb_s']:.0f} MB/s, ratio {z['ratio']:.2f} |")
    f = b.get("fdatasync", {})
    if f:
        lines.append(f"| 4 KiB write + fdatasync ({f['samples']} samples) | median {f['median_ms']:.3f} ms, "
                     f"p99 {f['p99_ms']:.3f} ms |")
    lines += ["", f"Machine: {b.get('host', {}).get('cores')} cores, kernel {b.get('host', {}).get('kernel')}; "
              "shared with other workloads, so absolute figures move between runs — compare ratios.", ""]
    return lines


def matrix_section(m):
    b = m.get("baselines") or {}
    lz4 = (b.get("lz4") or {}).get("compress_mb_s")
    fsync_ms = (b.get("fdatasync") or {}).get("median_ms")
    cells = m["cells"]
    lines = ["## Ingest matrix", "",
             f"{m['mode']} run, {m['duration_s']:.0f} s per cell, {m['connections']} connections, 1 client thread, "
             f"closed loop. Sluice events/s · ratio to nginx · Sluice p99 ms.", ""]
    for policy in sorted({c["fsync"] for c in cells}, key=lambda p: ["always", "interval=10", "none"].index(p)
                         if p in ["always", "interval=10", "none"] else 9):
        lines += [f"### fsync={policy}", ""]
        if policy == "always" and fsync_ms:
            lines += [f"Disk floor: median fdatasync {fsync_ms:.3f} ms.", ""]
        gz = sorted({c["gzip"] for c in cells})
        header = "| format | batch | " + " | ".join(f"{'gzip' if g else 'plain'}: events/s | ratio | p99 ms" for g in gz)
        header += " | of lz4 |" if lz4 else " |"
        lines += [header, "|" + " --- |" * (2 + 3 * len(gz) + (1 if lz4 else 0))]
        for fmt_name in dict.fromkeys(c["format"] for c in cells):
            for batch in sorted({c["batch"] for c in cells}):
                row = [c for c in cells if c["fsync"] == policy and c["format"] == fmt_name and c["batch"] == batch]
                if not row:
                    continue
                parts = [fmt_name, str(batch)]
                plain = None
                for g in gz:
                    c = next((c for c in row if c["gzip"] == g), None)
                    if c is None:
                        parts += ["–"] * 3
                        continue
                    s = c["sluice"]
                    bad = sum(v for k, v in s["status"].items() if not k.startswith("2")) + s["errors"]
                    parts += [fmt(s["events_per_second"]) + (f" ({bad} refused)" if bad else ""),
                              f"{c['ratio_events']:.2f}" if c["ratio_events"] is not None else "–",
                              f"{s['latency_ms']['p99']:.1f}"]
                    if not g:
                        plain = s
                if lz4:
                    parts.append(f"{plain['raw_bytes'] / plain['seconds'] / 1e6 / lz4:.2f}" if plain else "–")
                lines.append("| " + " | ".join(parts) + " |")
        lines.append("")
    return lines


def throughput_plot(m):
    cells = m["cells"]
    policies = list(dict.fromkeys(c["fsync"] for c in cells))
    fig, axes = plt.subplots(1, len(policies), figsize=(5 * len(policies), 4), sharey=True, squeeze=False)
    for ax, policy in zip(axes[0], policies):
        for fmt_name in dict.fromkeys(c["format"] for c in cells):
            pts = sorted((c["batch"], c["sluice"]["events_per_second"]) for c in cells
                         if c["fsync"] == policy and c["format"] == fmt_name and not c["gzip"])
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=fmt_name)
        nginx = sorted({(c["batch"], c["nginx"]["events_per_second"]) for c in cells
                        if c["format"] == "structured" and not c["gzip"]})
        if nginx:
            ax.plot([p[0] for p in nginx], [p[1] for p in nginx], "k--", label="nginx (structured)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"fsync={policy}")
        ax.set_xlabel("events per request")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("events/s")
    axes[0][-1].legend(fontsize=7)
    fig.suptitle("Sluice ingest throughput vs batch size (plain bodies)")
    fig.tight_layout()
    path = os.path.join(PLOTS, "throughput-vs-batch.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return os.path.relpath(path, PERF)


def latency_table_section(lat):
    """perf/latency.sh's table: p99 per server and fsync policy at fixed rates, against nginx and the disk."""
    sync_p99 = max(p["p99_ms"] for p in lat["fdatasync_probes"])
    cells = {}
    for r in lat["runs"]:
        name = "nginx" if r["server"] == "nginx" else f"Sluice {r['binary']} `{r['fsync']}`"
        cells.setdefault((r["batch"], r["rate"]), {}).setdefault(name, []).append(r["result"]["latency_ms"])
    lines = ["## Latency under open-loop load", "",
             f"{lat['duration_s']:.0f} s per run, {lat['connections']} connections, fixed offered rates; latency from "
             f"each request's scheduled send time. 4 KiB fdatasync p99 {sync_p99:.3f} ms (target under `always`: "
             f"≤ {3 * sync_p99:.2f} ms); under `none` and `interval=10` the target is ≤ 2 × nginx p99. Ranges over rounds.", "",
             "| events/request | offered req/s | server | p50 ms | p99 ms | p99.9 ms | max ms |", "| --- | --- | --- | --- | --- | --- | --- |"]
    def rng(values, key):
        lo, hi = min(v[key] for v in values), max(v[key] for v in values)
        return f"{lo:.2f}" if abs(hi - lo) < 0.005 else f"{lo:.2f}–{hi:.2f}"
    for (batch, rate), servers in cells.items():
        for name, values in servers.items():
            lines.append(f"| {batch} | {fmt(rate)} | {name} | {rng(values, 'p50')} | {rng(values, 'p99')} | "
                         f"{rng(values, 'p999')} | {rng(values, 'max')} |")
    keys = list(cells)
    names = list(dict.fromkeys(n for servers in cells.values() for n in servers))
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(keys)), 4))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        ys = [max(v["p99"] for v in cells[k][name]) if name in cells[k] else 0 for k in keys]
        ax.bar([x + i * width for x in range(len(keys))], ys, width, label=name)
    ax.axhline(3 * sync_p99, color="k", linestyle=":", label="3 × fdatasync p99")
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(keys))], [f"{b} ev @ {fmt(r)}/s" for b, r in keys])
    ax.set_yscale("log")
    ax.set_ylabel("p99 ms (worst round)")
    ax.legend(fontsize=7)
    ax.set_title("p99 latency, open loop")
    fig.tight_layout()
    path = os.path.join(PLOTS, "latency-p99.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    lines += ["", f"![p99 latency]({os.path.relpath(path, PERF)})", ""]
    return lines


def latency_section(lat):
    if lat.get("kind") == "latency-table":
        return latency_table_section(lat)
    runs = [r for r in lat["runs"] if r["fraction"] < 1]
    lines = ["## Latency under open-loop load", "",
             f"{lat['duration_s']:.0f} s per run, {lat['connections']} connections; offered rate = fraction of the "
             "closed-loop maximum measured just before; latency from each request's scheduled send time.", "",
             "| workload | load | offered req/s | achieved req/s | Sluice p50 / p99 / p99.9 / max ms | nginx p50 / p99 ms | unsent |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in runs:
        s, n = r["sluice"], r["nginx"]
        sl, nl = s["latency_ms"], n["latency_ms"]
        lines.append(f"| {r['workload']} | {int(r['fraction'] * 100)} % | {fmt(s['offered_rate'])} | "
                     f"{fmt(s['requests_per_second'])} | {sl['p50']:.2f} / {sl['p99']:.2f} / {sl['p999']:.2f} / "
                     f"{sl['max']:.2f} | {nl['p50']:.2f} / {nl['p99']:.2f} | {s['unsent']} |")
    workloads = list(dict.fromkeys(r["workload"] for r in runs))
    fig, axes = plt.subplots(1, len(workloads), figsize=(5 * len(workloads), 4), squeeze=False)
    for ax, w in zip(axes[0], workloads):
        rs = sorted((r for r in runs if r["workload"] == w), key=lambda r: r["fraction"])
        x = [r["sluice"]["offered_rate"] for r in rs]
        for key, style in (("p50", "o-"), ("p90", "s-"), ("p99", "^-"), ("p999", "v-"), ("max", "x:")):
            ax.plot(x, [r["sluice"]["latency_ms"][key] for r in rs], style, label=f"Sluice {key}")
        ax.plot(x, [r["nginx"]["latency_ms"]["p99"] for r in rs], "k--", label="nginx p99")
        ax.set_yscale("log")
        ax.set_title(w)
        ax.set_xlabel("offered requests/s")
        ax.set_ylabel("latency ms")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][-1].legend(fontsize=7)
    fig.suptitle("Latency percentiles vs offered rate (open loop)")
    fig.tight_layout()
    path = os.path.join(PLOTS, "latency-vs-rate.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    lines += ["", f"![latency vs offered rate]({os.path.relpath(path, PERF)})", ""]
    return lines


def main():
    os.makedirs(PLOTS, exist_ok=True)
    matrix_file = newest("*.json", exclude=("-baselines.json", "-latency.json"))
    latency_file = newest("*-latency.json")
    if not matrix_file:
        sys.exit("no perf/results/<date>.json; run perf/ingest-matrix.sh first")
    m = json.load(open(matrix_file))
    baselines = m.get("baselines") or (json.load(open(newest("*-baselines.json"))) if newest("*-baselines.json") else None)
    out = ["# Sluice performance report", "",
           f"Generated by `perf/report.py` from `results/{os.path.basename(matrix_file)}`"
           + (f" and `results/{os.path.basename(latency_file)}`" if latency_file else "") + ".",
           "", "Commands: `perf/ingest-matrix.sh` (runs `perf/baselines.sh` first; `SHORT=1` for a quick pass), "
           "`perf/latency.sh`, then `.venv-perf/bin/python perf/report.py`.", ""]
    out += baselines_section(baselines)
    out += matrix_section(m)
    out += [f"![throughput vs batch size]({throughput_plot(m)})", ""]
    if latency_file:
        out += latency_section(json.load(open(latency_file)))
    with open(os.path.join(PERF, "REPORT.md"), "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"written {os.path.join(PERF, 'REPORT.md')}")


if __name__ == "__main__":
    main()
