"""The README's speed tables, in Markdown, from benchmarks/results/*.json.

Usage: .venv/bin/python benchmarks/report.py [--write]
Prints the tables; --write also stores them in benchmarks/results/tables.md (``make
bench`` does), so that the README can be updated from one run without copying numbers
by hand. Every number comes from the JSON files; nothing is computed here but ratios.
"""

import argparse
import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def load(name):
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def fmt_load(section):
    start, end = section.get("load_average_start"), section.get("load_average_end")
    if not start:
        return "?"
    return f"{start[0]:.2f} -> {end[0]:.2f}" if end else f"{start[0]:.2f}"


def step_table(speed):
    step = speed["step"]
    rows = step["contenders"]
    torch = rows.get("pytorch")
    lines = [f"One training step of the improved CNN, batch {step['batch']}, float32 "
             f"(median of {rows['ours']['by_threads']['1']['steps']} interleaved steps each; "
             f"load average {fmt_load(step)} on {speed['machine']['cpus']} CPUs):", "",
             "| | 1 thread | 2 threads | best | relative to PyTorch |", "|---|---|---|---|---|"]
    for name, row in rows.items():
        cells = []
        for t in ("1", "2"):
            d = row["by_threads"].get(t)
            cells.append(f"{d['median_ms']:.1f} ms" if d else "")
        rel = f"{row['best_median_ms'] / torch['best_median_ms']:.2f}x" if torch else ""
        best = f"**{row['best_median_ms']:.1f} ms**" if name == "ours" else f"{row['best_median_ms']:.1f} ms"
        lines.append(f"| {name} | {cells[0]} | {cells[1]} | {best} | {rel} |")
    flops = step["flops"]["total"]
    floor = step["floor_ms"]
    lines.append(f"| floor: {flops / 1e6:.0f} MFLOP at the measured sgemm rate "
                 f"({step['sgemm_gflops_per_core']:.0f} GFLOP/s per core) "
                 f"| {floor['1']:.1f} ms | {floor['2']:.1f} ms | | |")
    lines.append("")
    over = step["ours_over_floor"]
    summary = [f"ours / floor: {over['1']:.2f}x on 1 thread, {over['2']:.2f}x on 2 threads"]
    if torch:
        summary.insert(0, f"ours / PyTorch at each one's best setting: "
                          f"**{step['ours_over_pytorch']:.2f}** (minimum times: "
                          f"{step['ours_over_pytorch_min']:.2f})")
    summary.append(f"readable kernels / fast path: {step['readable_over_ours']:.1f}x")
    if "cpu_ms_1_thread" in step:
        cpu = step["cpu_ms_1_thread"]
        line = (f"CPU time per step on one thread (independent of the load, up to cache "
                f"sharing): ours {cpu['ours']:.1f} ms")
        if "pytorch" in cpu:
            line += (f", PyTorch {cpu['pytorch']:.1f} ms (ours / PyTorch "
                     f"{step['ours_over_pytorch_cpu_1_thread']:.2f})")
        line += f"; ours / floor {step['ours_cpu_1_thread_over_floor']:.2f}x"
        summary.append(line)
    lines.append("; ".join(summary) + ".")
    return lines


def epoch_table(speed):
    epoch = speed["epoch"]
    lines = [f"One epoch over the 60,000 Fashion-MNIST training images, batch {epoch['batch']}, "
             f"Adam, the same data order (load average {fmt_load(epoch)}):", "",
             "| | threads | seconds per epoch | peak RSS of the process |", "|---|---|---|---|"]
    for name, row in epoch["rows"].items():
        lines.append(f"| {name} | {row['threads']} | {row['median_seconds']:.1f} s "
                     f"({', '.join(f'{s:.1f}' for s in row['epoch_seconds'])}) | "
                     f"{row['peak_rss_mb']:.0f} MB |")
    if "ours_over_pytorch" in epoch:
        lines += ["", f"ours / PyTorch: {epoch['ours_over_pytorch']:.2f}."]
    return lines


def scaling_table(speed):
    scaling = speed["scaling"]
    rows = scaling["rows"]
    torch = rows.get("pytorch")
    lines = [f"Step time and memory against the batch size (best of 1 and 2 threads; load average "
             f"{fmt_load(scaling)}):", ""]
    head = "| batch | ours | ours per image | ours peak RSS (steps add) |"
    rule = "|---|---|---|---|"
    if torch:
        head += " PyTorch | PyTorch per image | PyTorch peak RSS (steps add) | ours / PyTorch |"
        rule += "---|---|---|---|"
    lines += [head, rule]
    for b in map(str, scaling["batches"]):
        o = rows["ours"][b]
        line = (f"| {b} | {o['median_ms']:.1f} ms ({o['best_threads']}t) | {1000 * o['ms_per_image']:.0f} us "
                f"| {o['peak_rss_mb']:.0f} MB (+{o['step_memory_mb']:.0f}) |")
        if torch:
            p = torch[b]
            line += (f" {p['median_ms']:.1f} ms ({p['best_threads']}t) | {1000 * p['ms_per_image']:.0f} us "
                     f"| {p['peak_rss_mb']:.0f} MB (+{p['step_memory_mb']:.0f}) "
                     f"| {o['median_ms'] / p['median_ms']:.2f} |")
        lines.append(line)
    return lines


def training_lines(training):
    lines = []
    epoch = training.get("epoch")
    if epoch:
        acc = epoch["test_accuracy"]
        lines.append(f"- Fashion-MNIST, 5 epochs of `train.fit` (batch {epoch['batch']}): "
                     f"{epoch['median_epoch_seconds']:.1f} s per epoch (median), test accuracy "
                     + ", ".join(f"{100 * a:.1f}%" for a in acc)
                     + f"; peak RSS {epoch['peak_rss_mb']:.0f} MB.")
    bundled = training.get("bundled")
    if bundled:
        lines.append(f"- Bundled MNIST (8,000 / 2,000): {100 * bundled['held_out_accuracy']:.1f}% "
                     f"held out after {sum(bundled['epochs'])} epochs ({bundled['seconds']:.0f} s).")
    ladder = training.get("ladder")
    if ladder:
        lines += ["", "Speed ladder on the article's workload (one forward + backward over its "
                      "200 images):", "", "| version | time | relative |", "|---|---|---|"]
        for name, ms in ladder["ms"].items():
            lines.append(f"| {name} | {ms:.1f} ms | {ladder['relative_to_vectorized_float32'][name]:.1f}x |")
    return lines


def report():
    speed, training, conv = load("speed"), load("training"), load("conv")
    out = []
    if speed:
        m = speed["machine"]
        out += [f"Machine: {m['cpus']} CPUs, Python {m['python']}, NumPy {m['numpy']}"
                + (f", PyTorch {m['torch']}" if "torch" in m else "")
                + (f", Keras {m['keras']}" if "keras" in m else "")
                + (f", JAX {m['jax']}" if "jax" in m else "") + ".", ""]
        for name, table in (("step", step_table), ("epoch", epoch_table), ("scaling", scaling_table)):
            if name in speed:
                out += table(speed) + [""]
    if training:
        out += training_lines(training) + [""]
    if conv:
        sp = conv["speed"]
        out.append(f"Convolution forward on the article's workload, loops vs vectorized: "
                   f"{sp['speedup_forward']:.0f}x ({1000 * sp['naive_forward_s']:.0f} ms vs "
                   f"{1000 * sp['vectorized_forward_s']:.2f} ms).")
    return "\n".join(out).rstrip() + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="also write results/tables.md")
    args = parser.parse_args(argv)
    text = report()
    print(text)
    if args.write:
        (RESULTS / "tables.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
