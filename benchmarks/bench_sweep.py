"""Cost per epoch across values of one setting, fits interleaved in one process.

The scaling sweeps of run_cpu.sh run each setting in its own process (for its
peak memory), so machine noise between processes enters their ratios; here
every (value, method) fit alternates in one process after a warm-up round, and
the ratios of the medians compare like with like.

    python benchmarks/bench_sweep.py --sweep tasks --values 2 128
    python benchmarks/bench_sweep.py --sweep rows --values 10000 100000 --epochs 1
    python benchmarks/bench_sweep.py --sweep batch_size --values 128 1024 --methods mtl_plain_trunk,mtl
    python benchmarks/bench_sweep.py --sweep width --values 256 1024   # hidden layers (width, width)
"""

import argparse
import json
import time

import numpy as np
from bench_fit import FITS, add_setting_arguments, make_data


def main():
    parser = argparse.ArgumentParser()
    add_setting_arguments(parser)
    parser.add_argument(
        "--sweep", choices=["rows", "features", "tasks", "batch_size", "width"], required=True
    )
    parser.add_argument("--values", type=int, nargs="+", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--methods", default="tuned_loop,mtl")
    args = parser.parse_args()
    methods = args.methods.split(",")
    data, fit_args = {}, {}
    for value in args.values:
        setting = {"rows": args.rows, "features": args.features, "tasks": args.tasks, args.sweep: value}
        data[value] = make_data(
            setting["rows"], setting["features"], setting["tasks"], args.missing, args.sparse
        )[:2]
        fit_args[value] = argparse.Namespace(**{**vars(args), **setting})
        if args.sweep == "width":
            fit_args[value].hidden = [value] * len(args.hidden)
    seconds = {(m, v): [] for m in methods for v in args.values}
    for repeat in range(args.repeats + 1):
        for method in methods:
            for value in args.values:
                start = time.perf_counter()
                FITS[method](*data[value], fit_args[value])
                if repeat:  # the first round warms up
                    seconds[method, value].append(time.perf_counter() - start)
    first = args.values[0]
    for method in methods:
        per_epoch = {v: float(np.median(seconds[method, v])) / args.epochs for v in args.values}
        print(
            json.dumps(
                dict(
                    sweep=args.sweep,
                    method=method,
                    epochs=args.epochs,
                    rows=args.rows,
                    features=args.features,
                    tasks=args.tasks,
                    seconds_per_epoch=per_epoch,
                    ratio_to_first={v: per_epoch[v] / per_epoch[first] for v in args.values},
                )
            )
        )


if __name__ == "__main__":
    main()
