"""Counts the host syncs of one MultiTaskClassifier fit on a GPU.

torch's sync debug mode warns at each operation that makes the host wait for
the GPU; this counts those warnings over a fit and compares with the number of
batches.

    python benchmarks/gpu_sync_count.py --rows 20000 --epochs 2
"""

import argparse
import json
import warnings

import torch
from bench_fit import make_data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    from mtl_sklearn import MultiTaskClassifier

    X, Y, _, _ = make_data(args.rows, 100, 8, 0.2, False)
    clf = MultiTaskClassifier(
        baseline="drop",
        lambdas=1.0,
        early_stopping=False,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        module__dropout=0.0,
        device="cuda",
    )
    clf.fit(X[:1000], Y[:1000])  # warm-up
    torch.cuda.set_sync_debug_mode("warn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, Y)
    torch.cuda.set_sync_debug_mode(0)
    syncs = [str(w.message).splitlines()[0] for w in caught if "synchroniz" in str(w.message)]
    batches = args.epochs * -(-args.rows // args.batch_size)
    print(
        json.dumps(
            dict(
                rows=args.rows,
                epochs=args.epochs,
                batches=batches,
                host_syncs=len(syncs),
                distinct=sorted(set(syncs))[:10],
            )
        )
    )


if __name__ == "__main__":
    main()
