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


def _markdown(header, body):
    """A Markdown table: ``header`` is a list of column names, ``body`` a list of rows of cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(cells) + " |" for cells in body])


def methods_table(rows):
    tuned = next(r["fit_seconds"] for r in rows if r["method"] == "tuned_loop")
    header = [
        "method",
        "fit s (median)",
        "× tuned loop",
        "accuracy",
        "ROC-AUC",
        "peak RSS MB",
        "predict rows/s",
    ]
    body = [
        [
            r["method"],
            f"{r['fit_seconds']:.2f}",
            f"{r['fit_seconds'] / tuned:.2f}",
            f"{r['accuracy']:.4f}",
            f"{r['roc_auc']:.4f}",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['predict_rows_per_second']:,.0f}",
        ]
        for r in rows
    ]
    return _markdown(header, body)


def ratio_table(rows):
    header = ["device", "rows", "features", "tasks", "sparse", "epochs", "median fit s", "× tuned loop"]
    body = []
    for r in rows:
        seconds = ", ".join(f"{m} {s:.2f}" for m, s in r["median_seconds"].items())
        ratios = ", ".join(
            f"{m} {x:.2f}" for m, x in (r["ratio_to_tuned_loop"] or {}).items() if m != "tuned_loop"
        )
        setting = [
            r["device"],
            f"{r['rows']:,}",
            *(str(r[k]) for k in ("features", "tasks", "sparse", "epochs")),
        ]
        body.append([*setting, seconds, ratios or "–"])
    return _markdown(header, body)


def _setting(r):
    return r["rows"], r["features"], r["tasks"], r["sparse"]


def scaling_table(rows):
    """One line per (setting, method) of the sweeps: per-epoch cost, memory, predict throughput."""
    header = ["rows", "features", "tasks", "sparse", "method", "s per epoch", "× tuned loop"]
    header += ["fit extra RSS MB", "X MB", "predict rows/s"]
    tuned = {_setting(r): r["fit_seconds"] for r in rows if r["method"] == "tuned_loop"}
    body = [
        [
            f"{r['rows']:,}",
            f"{r['features']:,}",
            str(r["tasks"]),
            str(r["sparse"]),
            r["method"],
            f"{r['fit_seconds'] / r['epochs']:.3f}",
            f"{r['fit_seconds'] / tuned[_setting(r)]:.2f}" if _setting(r) in tuned else "–",
            f"{r['fit_extra_rss_mb']:.0f}",
            f"{r['x_mb']:.0f}",
            f"{r['predict_rows_per_second']:,.0f}",
        ]
        for r in rows
    ]
    return _markdown(header, body)


def sweep_table(rows):
    """Seconds per epoch of each method across a sweep's values, fits interleaved."""
    body = [
        [
            r["sweep"],
            r["method"],
            ", ".join(f"{int(v):,}: {s:.3f}" for v, s in r["seconds_per_epoch"].items()),
            ", ".join(f"{int(v):,}: {x:.2f}" for v, x in r["ratio_to_first"].items()),
        ]
        for r in rows
    ]
    return _markdown(["sweep", "method", "seconds per epoch", "× the first value"], body)


def step_table(rows):
    """Tensor operations and kernel launches per optimiser step of each method."""
    body = [
        [
            r["device"],
            r["method"],
            f"{r['operations_per_step']:.1f}",
            "–" if r["kernel_launches_per_step"] is None else f"{r['kernel_launches_per_step']:.1f}",
        ]
        for r in rows
    ]
    header = ["device", "method", "tensor operations per step", "kernel launches per step"]
    return _markdown(header, body)


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
