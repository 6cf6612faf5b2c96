"""Renders results/*.jsonl as the Markdown tables of benchmarks/README.md.

python benchmarks/report.py
"""

import json
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def _rows(name):
    path = RESULTS / name
    return (
        [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
        if path.exists()
        else []
    )


def methods_table(rows):
    tuned = next(r["fit_seconds"] for r in rows if r["method"] == "tuned_loop")
    lines = [
        "| method | fit s (median) | × tuned loop | accuracy | ROC-AUC | peak RSS MB | predict rows/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['fit_seconds']:.2f} | {r['fit_seconds'] / tuned:.2f} "
            f"| {r['accuracy']:.4f} | {r['roc_auc']:.4f} | {r['peak_rss_mb']:.0f} "
            f"| {r['predict_rows_per_second']:,.0f} |"
        )
    return "\n".join(lines)


def ratio_table(rows):
    lines = [
        "| device | rows | features | tasks | sparse | epochs | median fit s | × tuned loop |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        seconds = ", ".join(f"{m} {s:.2f}" for m, s in r["median_seconds"].items())
        ratios = ", ".join(
            f"{m} {x:.2f}" for m, x in (r["ratio_to_tuned_loop"] or {}).items() if m != "tuned_loop"
        )
        lines.append(
            f"| {r['device']} | {r['rows']:,} | {r['features']} | {r['tasks']} | {r['sparse']} "
            f"| {r['epochs']} | {seconds} | {ratios or '–'} |"
        )
    return "\n".join(lines)


def _setting(r):
    return r["rows"], r["features"], r["tasks"], r["sparse"]


def scaling_table(rows):
    """One line per (setting, method) of the sweeps: per-epoch cost, memory, predict throughput."""
    lines = [
        "| rows | features | tasks | sparse | method | s per epoch | × tuned loop "
        "| fit extra RSS MB | X MB | predict rows/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    tuned = {_setting(r): r["fit_seconds"] for r in rows if r["method"] == "tuned_loop"}
    for r in rows:
        ratio = f"{r['fit_seconds'] / tuned[_setting(r)]:.2f}" if _setting(r) in tuned else "–"
        lines.append(
            f"| {r['rows']:,} | {r['features']:,} | {r['tasks']} | {r['sparse']} | {r['method']} "
            f"| {r['fit_seconds'] / r['epochs']:.3f} | {ratio} | {r['fit_extra_rss_mb']:.0f} "
            f"| {r['x_mb']:.0f} | {r['predict_rows_per_second']:,.0f} |"
        )
    return "\n".join(lines)


def sweep_table(rows):
    """Seconds per epoch of each method across a sweep's values, fits interleaved."""
    lines = ["| sweep | method | seconds per epoch | × the first value |", "|---|---|---|---|"]
    for r in rows:
        per_epoch = ", ".join(f"{int(v):,}: {s:.3f}" for v, s in r["seconds_per_epoch"].items())
        ratios = ", ".join(f"{int(v):,}: {x:.2f}" for v, x in r["ratio_to_first"].items())
        lines.append(f"| {r['sweep']} | {r['method']} | {per_epoch} | {ratios} |")
    return "\n".join(lines)


def step_table(rows):
    """Tensor operations and kernel launches per optimiser step of each method."""
    lines = [
        "| device | method | tensor operations per step | kernel launches per step |",
        "|---|---|---|---|",
    ]
    for r in rows:
        launches = "–" if r["kernel_launches_per_step"] is None else f"{r['kernel_launches_per_step']:.1f}"
        lines.append(f"| {r['device']} | {r['method']} | {r['operations_per_step']:.1f} | {launches} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print("### CPU, reference setting, one process per method\n")
    print(methods_table(_rows("cpu_reference.jsonl")))
    print("\n### CPU, the same at 100,000 rows (one timed fit per method)\n")
    print(methods_table(_rows("cpu_reference_100k.jsonl")))
    print("\n### Interleaved in one process: ratio to the tuned loop\n")
    print(ratio_table(_rows("cpu_ratio.jsonl") + _rows("gpu_ratio.jsonl")))
    print("\n### Scaling (CPU), fits interleaved in one process\n")
    print(sweep_table(_rows("cpu_sweep.jsonl")))
    print("\n### Scaling (CPU), one process per method and setting\n")
    print(scaling_table(_rows("cpu_scaling.jsonl")))
    print("\n### Per optimiser step\n")
    print(step_table(_rows("cpu_step_profile.jsonl") + _rows("gpu_step_profile.jsonl")))
    for r in _rows("gpu_sync.jsonl"):
        print(
            f"\nGPU host syncs in one fit: {r['host_syncs']} over {r['batches']} batches "
            f"({r['epochs']} epochs)."
        )
