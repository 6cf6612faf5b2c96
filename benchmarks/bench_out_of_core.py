"""Fit and predict on a memory-mapped X larger than the process may hold, against the same rows in memory.

Writes ``--rows`` × ``--features`` float32 rows (4 GB at the defaults) and their labels (``--tasks``
binary tasks on shared factors, 20 % missing) to ``--dir``, then runs each mode in a fresh process:

- ``out_of_core``: ``fit`` and ``predict_proba`` on ``np.load(path, mmap_mode="r")``, the process
  allowed ``--limit-gb`` more private memory than it held before (``RLIMIT_DATA``, which counts
  reserved address space, not only resident pages, and not a read-only file mapping): X is several
  times that. The limit must hold what ``predict_proba`` returns (float64: 640 MB for 10^7 rows
  and four binary tasks);
- ``in_memory``: the same rows read into memory first (``np.load(path)``), no limit;
- ``out_of_core_defaults``: as ``out_of_core``, with the estimator's defaults (λ and each task's
  baseline chosen on held-out rows, early stopping, a refit): the baselines fit on a bounded
  sample of rows, not on a copy of X.

Each mode first fits 2,000 rows in memory (torch imports parts of itself at a first fit, thread
pools reserve address space: not what X costs), then prints one JSON line: the fit's seconds,
predicted rows per second, the peak growth of anonymous memory (RssAnon, sampled every 10 ms)
during the fit and over fit and predict together, and the peak resident set (VmHWM, which counts
the file's mapped pages too). In the first two modes the network alone trains
(``baseline="drop"``, ``lambdas=1.0``) for one epoch, as the speed benchmarks do:
``fit_seconds`` is the time of one epoch.

    python benchmarks/bench_out_of_core.py --dir /tmp/ooc               # 10^7 × 100: 4 GB
    python benchmarks/bench_out_of_core.py --dir /tmp/ooc --rows 1000000 --limit-gb 1
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time

import numpy as np


def write(directory, rows, features, tasks, seed=0):
    """X (memmap file) and Y (int8 file, -1 missing), written chunk by chunk."""
    os.makedirs(directory, exist_ok=True)
    rng = np.random.RandomState(seed)
    mix = rng.normal(size=(features, 4)).astype(np.float32) / np.sqrt(features)
    heads = rng.normal(size=(4, tasks))
    X = np.lib.format.open_memmap(
        os.path.join(directory, "X.npy"), mode="w+", dtype=np.float32, shape=(rows, features)
    )
    Y = np.lib.format.open_memmap(
        os.path.join(directory, "Y.npy"), mode="w+", dtype=np.int8, shape=(rows, tasks)
    )
    for start in range(0, rows, 500_000):
        stop = min(start + 500_000, rows)
        part = rng.normal(size=(stop - start, features)).astype(np.float32)
        labels = (np.tanh(part @ mix) @ heads + 0.3 * rng.normal(size=(stop - start, tasks)) > 0).astype(
            np.int8
        )
        labels[rng.uniform(size=labels.shape) < 0.2] = -1
        X[start:stop], Y[start:stop] = part, labels
    X.flush()
    Y.flush()


def _status(key):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key)) / 1024


def run(mode, directory, limit_gb, threads):
    import torch

    torch.set_num_threads(threads)
    from mtl_sklearn import MultiTaskClassifier

    Y = np.load(os.path.join(directory, "Y.npy"))
    network_alone = dict(baseline="drop", lambdas=1.0, early_stopping=False)
    params = dict(max_epochs=1, missing_label=-1, random_state=0)
    params.update({} if mode.endswith("defaults") else network_alone)
    # A warm-up fit on 2,000 rows in memory: torch imports parts of itself at a first fit, and
    # thread pools reserve address space; neither is what X costs.
    warm = np.array(np.load(os.path.join(directory, "X.npy"), mmap_mode="r")[:2000])
    MultiTaskClassifier(**params).fit(warm, Y[:2000])
    anon_before, data_before = _status("RssAnon"), _status("VmData")
    if mode.startswith("out_of_core"):
        # RLIMIT_DATA caps private writable address space (reserved, not only resident); a
        # read-only file mapping does not count
        resource.setrlimit(resource.RLIMIT_DATA, (int(data_before * 2**20 + limit_gb * 2**30),) * 2)
        X = np.load(os.path.join(directory, "X.npy"), mmap_mode="r")
    else:
        X = np.load(os.path.join(directory, "X.npy"))
    peak, done = [_status("RssAnon")], threading.Event()

    def sample():
        while not done.is_set():
            peak.append(_status("RssAnon"))
            time.sleep(0.01)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    clf = MultiTaskClassifier(**params)
    start = time.perf_counter()
    clf.fit(X, Y)
    fit_seconds = time.perf_counter() - start
    fit_growth = max(peak) - anon_before
    start = time.perf_counter()
    proba = clf.predict_proba(X)
    predict_seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    labelled = Y[:, 0] >= 0
    accuracy = float(((proba[0][:, 1] > 0.5) == (Y[:, 0] == 1))[labelled].mean())
    return dict(
        mode=mode,
        rows=int(X.shape[0]),
        features=int(X.shape[1]),
        x_gb=round(X.nbytes / 2**30, 2)
        if mode == "in_memory"
        else round(os.path.getsize(X.filename) / 2**30, 2),
        limit_gb=limit_gb if mode.startswith("out_of_core") else None,
        threads=threads,
        fit_seconds=round(fit_seconds, 1),
        predict_rows_per_second=round(len(proba[0]) / predict_seconds),
        anon_growth_fit_mb=round(fit_growth),
        anon_growth_mb=round(max(peak) - anon_before),
        peak_rss_mb=round(_status("VmHWM")),
        task0_accuracy=round(accuracy, 4),
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dir", required=True)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--limit-gb", type=float, default=1.5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--modes", default="out_of_core,in_memory,out_of_core,in_memory,out_of_core_defaults")
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(run(args.mode, args.dir, args.limit_gb, args.threads)), flush=True)
        return
    if not os.path.exists(os.path.join(args.dir, "X.npy")):
        write(args.dir, args.rows, args.features, args.tasks)
    for mode in args.modes.split(","):
        command = [sys.executable, __file__, "--dir", args.dir, "--mode", mode]
        command += ["--limit-gb", str(args.limit_gb), "--threads", str(args.threads)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
