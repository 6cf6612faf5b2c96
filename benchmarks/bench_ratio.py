"""Fit-time ratio of MultiTaskClassifier to the tuned hand-written loop, interleaved.

Fits alternate in one process (after one warm-up fit of each), so that machine
noise hits every method alike; prints the median seconds of each and the
ratio of medians.

    python benchmarks/bench_ratio.py                    # 20,000 rows, 100 features, 8 tasks
    python benchmarks/bench_ratio.py --rows 100000 --repeats 5
    python benchmarks/bench_ratio.py --device cuda --rows 1000000
"""

import argparse
import json
import time

import numpy as np
from bench_fit import FITS, add_setting_arguments, make_data, setting


def main():
    parser = argparse.ArgumentParser()
    add_setting_arguments(parser)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--methods", default="tuned_loop,mtl")
    args = parser.parse_args()
    import torch

    X, Y, _, _ = make_data(args.rows, args.features, args.tasks, args.missing, args.sparse)
    methods = args.methods.split(",")
    seconds = {m: [] for m in methods}
    for repeat in range(args.repeats + 1):
        for method in methods:
            if args.device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            FITS[method](X, Y, args)
            if args.device == "cuda":
                torch.cuda.synchronize()
            if repeat:  # the first round warms up
                seconds[method].append(time.perf_counter() - start)
    medians = {m: float(np.median(s)) for m, s in seconds.items()}
    print(
        json.dumps(
            dict(
                **setting(args),
                median_seconds=medians,
                ratio_to_tuned_loop={m: medians[m] / medians["tuned_loop"] for m in methods}
                if "tuned_loop" in medians
                else None,
                seconds={m: [round(x, 3) for x in s] for m, s in seconds.items()},
            )
        )
    )


if __name__ == "__main__":
    main()
