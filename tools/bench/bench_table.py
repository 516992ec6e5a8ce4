#!/usr/bin/python3
"""bench_table.py RESULTS: compare.sh's Markdown tables from its raw results (--out).

RESULTS, TAB-separated lines: first "label", key, label (the table's rows, in order);
then one line per measured row and round: server (volumed, ganesha or machine), round,
key, the result line of loadgen/netbench/syncbench (key=value words), server_cpu_us=N.
Prints the medians over the rounds, ratio = volumed / ganesha (every figure is a rate:
above 1, volumed is faster) and the range of the per-round ratios, p99 latency of one
unit and the server's CPU time per item, then the machine's limits.
"""
import statistics
import sys
from collections import defaultdict

MB_UNIT = "MB/s"


def parse(path):
    runs = defaultdict(list)  # (server, key) -> [fields], in round order
    labels = []  # (key, label)
    rounds = set()
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "label":
                labels.append((parts[1], parts[2]))
                continue
            server, round_, key = parts[:3]
            rounds.add(round_)
            fields = {"round": round_}
            for part in parts[3:]:
                for word in part.split():
                    k, _, v = word.partition("=")
                    fields[k] = v
            runs[(server, key)].append(fields)
    return runs, labels, len(rounds)


def ratio_range(v_runs, g_runs):
    """The smallest and largest volumed / ganesha ratio of a single round."""
    g_by_round = {r["round"]: float(r["rate"]) for r in g_runs}
    ratios = [float(r["rate"]) / g_by_round[r["round"]] for r in v_runs
              if g_by_round.get(r["round"])]
    return f"{min(ratios):.2f}–{max(ratios):.2f}" if ratios else "–"


def median(runs, field):
    values = [float(r[field]) for r in runs if field in r]
    return statistics.median(values) if values else None


# Below this much server CPU time (5 clock ticks) a row's CPU figure is mostly rounding.
MIN_CPU_US = 50_000


def cpu_per_item(runs):
    """Median server CPU µs per item (per MB for MB/s rows); None when too little to tell."""
    values = []
    for r in runs:
        if float(r["server_cpu_us"]) < MIN_CPU_US:
            continue
        items = float(r["items"])
        if r.get("unit") == MB_UNIT:
            items /= 1e6
        if items > 0:
            values.append(float(r["server_cpu_us"]) / items)
    return statistics.median(values) if values else None


def fmt_rate(v, unit):
    if v is None:
        return "–"
    text = f"{v:,.1f}" if v < 100 else f"{v:,.0f}"
    return f"{text} {unit}"


def fmt_num(v, digits=0):
    return "–" if v is None else f"{v:,.{digits}f}"


def main():
    runs, labels, rounds = parse(sys.argv[1])

    print(f"Medians of {rounds} alternating rounds; ratio = volumed / ganesha (above 1: "
          "volumed faster), with the lowest and highest ratio of a single round; p99 = 99th percentile of one unit's latency (ms); CPU = server "
          "CPU time per item (µs; per MB for MB/s rows; – when it used under 50 ms in every round).")
    print()
    print("| workload | ganesha | volumed | ratio | rounds | p99 ms g / v | CPU µs g / v |")
    print("|---|---|---|---|---|---|---|")
    for key, label in labels:
        v_runs = runs.get(("volumed", key), [])
        # The ephemeral row has no Ganesha counterpart: compare with its persisted create.
        g_key = "create16" if key == "eph16" else key
        g_runs = runs.get(("ganesha", g_key), [])
        unit = (v_runs or g_runs or [{"unit": ""}])[0].get("unit", "")
        v, g = median(v_runs, "rate"), median(g_runs, "rate")
        ratio = f"**{v / g:.2f}**" if v and g and v / g < 1 else (f"{v / g:.2f}" if v and g else "–")
        p99 = "{} / {}".format(
            fmt_num(median(g_runs, "p99_us") / 1000 if g_runs else None, 1),
            fmt_num(median(v_runs, "p99_us") / 1000 if v_runs else None, 1))
        cpu = f"{fmt_num(cpu_per_item(g_runs))} / {fmt_num(cpu_per_item(v_runs))}"
        spread = ratio_range(v_runs, g_runs)
        print(f"| {label} | {fmt_rate(g, unit)} | {fmt_rate(v, unit)} | {ratio} | {spread} | "
              f"{p99} | {cpu} |")

    print()
    print("Machine limits, same rounds (medians):")
    print()
    print("| limit | rate | p50 | p99 |")
    print("|---|---|---|---|")
    limits = [
        ("tcp_rtt", "loopback TCP round trips, 1 in flight, 100 B each way"),
        ("tcp_bw", "loopback TCP bandwidth, one connection, 1 MiB writes"),
        ("fdatasync_append", "fdatasync of a 4 KiB append to a growing file"),
        ("fdatasync_append16", "the same from 16 threads on one file at once (overlapping syncs)"),
        ("fdatasync_overwrite", "fdatasync of a 4 KiB overwrite in a pre-written file"),
        ("fdatasync_fallocated", "fdatasync of a 4 KiB write into a fallocated (unwritten) file"),
        ("disk_read", "sequential read of a file not in the page cache, 1 MiB ×8, buffered"),
        ("disk_read_direct", "the same with O_DIRECT (the device alone)"),
    ]
    for key, label in limits:
        r = runs.get(("machine", key), [])
        if not r:
            continue
        unit = r[0].get("unit", "")
        p50, p99 = median(r, "p50_us"), median(r, "p99_us")
        print(f"| {label} | {fmt_rate(median(r, 'rate'), unit)} | "
              f"{'–' if p50 is None else f'{p50:,.0f} µs'} | "
              f"{'–' if p99 is None else f'{p99:,.0f} µs'} |")

    rtt = median(runs.get(("machine", "tcp_rtt"), []), "rate")
    bw = median(runs.get(("machine", "tcp_bw"), []), "rate")
    disk = median(runs.get(("machine", "disk_read"), []), "rate")
    print()
    for server in ("ganesha", "volumed"):
        null1 = median(runs.get((server, "null1"), []), "rate")
        cold = median(runs.get((server, "srcold"), []), "rate")
        parts = []
        if null1 and rtt:
            parts.append(f"NULL at 1 in flight = {100 * null1 / rtt:.0f} % of loopback TCP round trips")
        if cold and bw:
            parts.append(f"cold sequential read = {100 * cold / bw:.0f} % of loopback TCP bandwidth")
        if cold and disk:
            parts.append(f"{100 * cold / disk:.0f} % of the buffered disk read")
        if parts:
            print(f"- {server}: " + "; ".join(parts) + ".")


if __name__ == "__main__":
    main()
