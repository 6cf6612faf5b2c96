"""Fit time and held-out quality of MultiTaskClassifier against the alternatives.

Every method sees the same synthetic data (tasks built on shared latent factors,
a share of labels missing at random), the same network (MLP trunk, one head per
task), epochs, batch size and optimiser. Each (method, setting) runs in a fresh
process, so that its peak memory is its own.

    python benchmarks/bench_fit.py                       # the reference setting, all methods
    python benchmarks/bench_fit.py --rows 100000 --methods mtl,tuned_loop
    python benchmarks/bench_fit.py --device cuda --rows 1000000 --methods mtl,tuned_loop

Methods: mtl (this estimator, baseline="drop"), mtl_plain_trunk (the same
without α: the cost of the scheduler), mtl_compiled (mtl with compile=True) and
mtl_cuda_graphs (the same with compile__mode="reduce-overhead"; neither in the
default list), tuned_loop (hand-written PyTorch: data on
the device once, ignore_index, fused heads, no host sync inside an epoch;
tuned_loop_fused: the same with torch's fused Adam, which this estimator uses),
plain_loop (per-batch numpy → tensor, boolean masks, loss.item() per batch),
skorch (plain skorch NeuralNet with a masked loss), per_task_mlp /
per_task_hgb / per_task_logreg (MultiOutputClassifier-style: one sklearn model
per task, fitted on that task's labelled rows, since MultiOutputClassifier
itself takes no missing labels).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

METHODS = [
    "mtl",
    "mtl_plain_trunk",
    "tuned_loop",
    "tuned_loop_fused",
    "plain_loop",
    "skorch",
    "per_task_mlp",
    "per_task_hgb",
    "per_task_logreg",
]


def make_data(rows, features, tasks, missing, sparse, seed=0):
    """X and Y (NaN = missing) for train and test (20 % of ``rows`` extra)."""
    rng = np.random.RandomState(seed)
    n = rows + rows // 5
    if sparse:
        import scipy.sparse as sp

        X = sp.random(n, features, density=0.05, format="csr", random_state=rng, dtype=np.float32)
        X.data = rng.normal(size=X.nnz).astype(np.float32)
    else:
        X = rng.normal(size=(n, features)).astype(np.float32)
    factors = np.tanh(
        X
        @ rng.normal(size=(features, 4)).astype(np.float32)
        / np.sqrt(0.05 * features if sparse else features)
    )
    Y = (factors @ rng.normal(size=(4, tasks)) + 0.3 * rng.normal(size=(n, tasks)) > 0).astype(float)
    Y[rng.uniform(size=Y.shape) < missing] = np.nan
    return X[:rows], Y[:rows], X[rows:], Y[rows:]


def _network(features, tasks, hidden):
    import torch

    layers, width = [], features
    for size in hidden:
        layers += [torch.nn.Linear(width, size), torch.nn.ReLU()]
        width = size
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 2 * tasks))


def _predictor(model, device, tasks):
    import torch

    model.eval()

    def predict(X_new):
        with torch.no_grad():
            return _probas_from_logits(model(torch.as_tensor(X_new, device=device)), tasks)

    return predict


def _probas_from_logits(logits, tasks):
    import torch

    return torch.softmax(logits.view(len(logits), tasks, 2), dim=2)[:, :, 1].cpu().numpy()


def fit_tuned_loop(X, Y, args, fused=None):
    """The fastest plain PyTorch we could write for this job."""
    import torch

    device = torch.device(args.device)
    torch.manual_seed(0)
    model = _network(X.shape[1], Y.shape[1], args.hidden).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused)
    X_t = torch.as_tensor(X, device=device)
    Y_t = torch.as_tensor(np.nan_to_num(Y, nan=-1), dtype=torch.long, device=device)
    n, tasks = Y.shape
    for _ in range(args.epochs):
        total = torch.zeros((), device=device)
        for index in torch.randperm(n, device=device).split(args.batch_size):
            logits = model(X_t[index]).view(-1, 2)
            loss = torch.nn.functional.cross_entropy(
                logits, Y_t[index].view(-1), ignore_index=-1, reduction="sum"
            )
            loss = loss / len(index)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach()
        total.item()  # one host sync per epoch
    return _predictor(model, device, tasks)


def fit_plain_loop(X, Y, args):
    """A straightforward per-batch loop, as most hand-written code does it."""
    import torch

    device = torch.device(args.device)
    torch.manual_seed(0)
    model = _network(X.shape[1], Y.shape[1], args.hidden).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    n, tasks = Y.shape
    rng = np.random.RandomState(0)
    for _ in range(args.epochs):
        order = rng.permutation(n)
        for start in range(0, n, args.batch_size):
            rows = order[start : start + args.batch_size]
            xb = torch.tensor(X[rows], device=device)
            yb = torch.tensor(Y[rows], device=device)
            logits = model(xb).view(len(rows), tasks, 2)
            loss = 0.0
            for t in range(tasks):
                mask = ~torch.isnan(yb[:, t])
                if mask.any():
                    loss = loss + torch.nn.functional.cross_entropy(
                        logits[mask, t], yb[mask, t].long(), reduction="sum"
                    )
            loss = loss / len(rows)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss.item()
    return _predictor(model, device, tasks)


def fit_skorch(X, Y, args):
    """Plain skorch: its default DataLoader and a masked multi-task loss."""
    import torch
    from skorch import NeuralNet

    tasks = Y.shape[1]

    class MaskedLoss(torch.nn.Module):
        def forward(self, logits, y):
            return torch.nn.functional.cross_entropy(
                logits.view(-1, 2), y.view(-1), ignore_index=-1, reduction="sum"
            ) / len(logits)

    torch.manual_seed(0)
    net = NeuralNet(
        _network(X.shape[1], tasks, args.hidden),
        criterion=MaskedLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        iterator_train__shuffle=True,
        train_split=None,
        device=args.device,
        verbose=0,
    )
    net.fit(X, np.nan_to_num(Y, nan=-1).astype(np.int64))
    return lambda X_new: _probas_from_logits(net.forward(X_new), tasks)


def fit_mtl(X, Y, args, **params):
    from mtl_sklearn import MultiTaskClassifier

    # the same training as the hand-written loops: the network alone, every epoch, no dropout
    clf = MultiTaskClassifier(
        baseline="drop",
        lambdas=1.0,
        early_stopping=False,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        lr=1e-3,
        module__hidden_sizes=tuple(args.hidden),
        module__dropout=0.0,
        device=args.device,
        random_state=0,
        **params,
    ).fit(X, Y)
    return lambda X_new: np.stack([p[:, 1] for p in clf.predict_proba(X_new)], axis=1)


def fit_mtl_plain_trunk(X, Y, args):
    """MultiTaskClassifier without the allocation (C=None): no α, no standardisation, no head bound."""
    return fit_mtl(X, Y, args, C=None)


def fit_per_task(make_estimator):
    def fit(X, Y, args):
        models = []
        for t in range(Y.shape[1]):
            rows = ~np.isnan(Y[:, t])
            models.append(make_estimator(args).fit(X[rows], Y[rows, t]))
        return lambda X_new: np.stack([m.predict_proba(X_new)[:, 1] for m in models], axis=1)

    return fit


def _mlp(args):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(tuple(args.hidden), batch_size=args.batch_size, max_iter=args.epochs, random_state=0)


def _hgb(args):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=0)


def _logreg(args):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000)


FITS = {
    "mtl": fit_mtl,
    "mtl_plain_trunk": fit_mtl_plain_trunk,
    "mtl_compiled": lambda X, Y, args: fit_mtl(X, Y, args, compile=True),
    "mtl_cuda_graphs": lambda X, Y, args: fit_mtl(X, Y, args, compile=True, compile__mode="reduce-overhead"),
    "tuned_loop": fit_tuned_loop,
    "tuned_loop_fused": lambda X, Y, args: fit_tuned_loop(X, Y, args, fused=True),
    "plain_loop": fit_plain_loop,
    "skorch": fit_skorch,
    "per_task_mlp": fit_per_task(_mlp),
    "per_task_hgb": fit_per_task(_hgb),
    "per_task_logreg": fit_per_task(_logreg),
}


def run_one(args):
    """One method, one setting, in this process: print one JSON line."""
    import warnings

    import torch
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import roc_auc_score

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X, Y, X_test, Y_test = make_data(args.rows, args.features, args.tasks, args.missing, args.sparse)
    if args.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    FITS[args.method](X[:2000], Y[:2000], args)  # warm-up: torch's first calls are slow
    seconds = []
    for _ in range(args.repeats):
        if args.device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        predict = FITS[args.method](X, Y, args)
        if args.device == "cuda":
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
    sampler = (
        RssSampler()
    )  # one more fit, untimed: its memory (the sampling thread would slow the timed ones)
    FITS[args.method](X, Y, args)
    rss_before_fit, rss_peak_fit = sampler.stop()
    start = time.perf_counter()
    proba = predict(X_test)
    predict_seconds = time.perf_counter() - start
    accuracy, auc = [], []
    for t in range(Y.shape[1]):
        rows = ~np.isnan(Y_test[:, t])
        accuracy.append(np.mean((proba[rows, t] > 0.5) == Y_test[rows, t]))
        auc.append(roc_auc_score(Y_test[rows, t], proba[rows, t]))
    result = dict(
        method=args.method,
        **setting(args),
        fit_seconds=float(np.median(seconds)),
        fit_seconds_all=[round(s, 3) for s in seconds],
        predict_rows_per_second=float(len(proba) / predict_seconds),
        accuracy=float(np.mean(accuracy)),
        roc_auc=float(np.mean(auc)),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        rss_before_fit_mb=rss_before_fit,
        fit_extra_rss_mb=rss_peak_fit - rss_before_fit,
        x_mb=(X.data.nbytes + X.indices.nbytes + X.indptr.nbytes if args.sparse else X.nbytes) / 2**20,
    )
    if args.device == "cuda":
        result["peak_cuda_mb"] = torch.cuda.max_memory_allocated() / 2**20
    print(json.dumps(result), flush=True)


class RssSampler:
    """Samples this process's resident memory every few ms from creation to ``stop()``."""

    def __init__(self, every=0.005):
        import threading

        self.before = self.peak = _rss_mb()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(every,), daemon=True)
        self._thread.start()

    def _sample(self, every):
        while not self._done.wait(every):
            self.peak = max(self.peak, _rss_mb())

    def stop(self):
        """(MB before, peak MB) over the sampled span."""
        self._done.set()
        self._thread.join()
        return self.before, max(self.peak, _rss_mb())


def _rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def setting(args):
    """The setting of a run, as every result line records it."""
    return dict(
        rows=args.rows,
        features=args.features,
        tasks=args.tasks,
        sparse=args.sparse,
        device=args.device,
        epochs=args.epochs,
    )


def add_setting_arguments(parser):
    """The data, network and training settings that every benchmark shares."""
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--missing", type=float, default=0.2)
    parser.add_argument("--sparse", action="store_true")
    parser.add_argument("--hidden", type=int, nargs="+", default=[256, 256])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--device", default="cpu")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--method", help=argparse.SUPPRESS)
    add_setting_arguments(parser)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.method:
        return run_one(args)
    argv = [a for a in sys.argv[1:]]
    for method in args.methods.split(","):
        subprocess.run([sys.executable, __file__, *argv, "--method", method], check=True, env=os.environ)


if __name__ == "__main__":
    main()
