"""Plots results/cpu_scaling.jsonl (written by run_cpu.sh) into scaling.png.

python benchmarks/plot_scaling.py
"""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HERE = Path(__file__).parent
REFERENCE = dict(rows=20_000, features=100, tasks=8, sparse=False)


def sweep(rows, axis):
    """The runs that differ from the reference setting in ``axis`` only, by method."""
    others = {key: value for key, value in REFERENCE.items() if key != axis}
    runs = [r for r in rows if all(r[key] == value for key, value in others.items())]
    by_method = {}
    for r in sorted(runs, key=lambda r: r[axis]):
        by_method.setdefault(r["method"], []).append(r)
    return by_method


def main():
    rows = [json.loads(line) for line in (HERE / "results" / "cpu_scaling.jsonl").read_text().splitlines()]
    rows = [r for r in rows if not r["sparse"]]
    panels = [
        ("rows", "seconds per epoch", lambda r: r["fit_seconds"] / r["epochs"]),
        ("tasks", "seconds per epoch", lambda r: r["fit_seconds"] / r["epochs"]),
        ("features", "seconds per epoch", lambda r: r["fit_seconds"] / r["epochs"]),
        ("rows", "predict rows / s", lambda r: r["predict_rows_per_second"]),
        ("rows", "extra memory during fit, MB", lambda r: r["fit_extra_rss_mb"]),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.4))
    for ax, (axis, label, value) in zip(axes, panels):
        by_method = sweep(rows, axis)
        for method, runs in by_method.items():
            ax.plot([r[axis] for r in runs], [value(r) for r in runs], marker="o", label=method)
        if label.startswith("extra memory"):
            runs = by_method["mtl"]
            ax.plot([r[axis] for r in runs], [r["x_mb"] for r in runs], "k:", label="size of X (float32)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(axis)
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    fig.suptitle("CPU, 2 cores: MLP 256-256, batch 128 (one process per run)")
    fig.tight_layout()
    fig.savefig(HERE / "scaling.png", dpi=110)


if __name__ == "__main__":
    main()
