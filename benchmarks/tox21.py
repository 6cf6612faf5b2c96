"""Tox21 under the MoleculeNet protocol: MultiTaskClassifier against per-task models.

    python benchmarks/tox21.py --seeds 0 1 2 --out benchmarks/results/tox21.jsonl
    python benchmarks/tox21.py --report benchmarks/results/tox21.jsonl

Data: ``mtl_sklearn.datasets.load_tox21_fingerprints()`` (the main job's features): ECFP radius 2,
2,048 bits, sparse; 7,823 molecules (8 SMILES RDKit cannot parse are left out), 12 tasks with
NaN for missing labels. Converted once to a float32 CSR matrix, which every method gets.

Protocol (MoleculeNet): for each seed a random 80/10/10 train/valid/test split of the molecules
(permutation by ``np.random.RandomState(seed)``; 6,258 / 782 / 783 molecules). Test ROC-AUC per
task on that task's labelled test rows, and its mean over the 12 tasks. The valid part is only
for model selection, early stopping and λ:

- ``MultiTaskClassifier`` picks its own held-out rows for early stopping and ``lambdas="auto"``.
  It is fitted on train+valid with ``validation_fraction = n_valid / (n_train + n_valid)``, so it
  holds out the same *number* of rows as the protocol's valid part (782), chosen at random by
  its own ``random_state`` among the train+valid rows (not the protocol's valid rows).

Methods (all on the same splits, in one run):

- ``mtl_default``: ``MultiTaskClassifier(random_state=seed)``, every default, on train+valid.
- ``mtl_recommended``: ``MultiTaskClassifier(**TOX21_PARAMS, random_state=seed)`` (the main job's
  settings, ``lambdas="auto"``, early stopping), validation_fraction as above. Also recorded:
  the test ROC-AUC of its network alone and of its baselines alone, and the λ chosen.
- ``mtl_recommended_rf``: the same with ``baseline=RandomForestClassifier(200)``.
- ``mtl_grid``: ``GridSearchCV`` over a few of TOX21_PARAMS's settings (``--grid``), on
  train+valid with ``PredefinedSplit`` (train rows -1: always trained on; valid rows fold 0),
  scored by the mean over tasks of ``score_tasks(..., metric="roc_auc")``, refitted on
  train+valid with the best settings. Each of its fits also holds out ``validation_fraction`` of
  the rows it gets, for early stopping and λ.
- Per task, on that task's labelled rows: ``logreg`` (``LogisticRegression``, C chosen by valid
  ROC-AUC among 0.01, 0.05, 0.1, 0.5, 1 with the model fitted on train, then refitted on
  train+valid), ``rf`` (200 trees, train+valid), ``hgb`` (``HistGradientBoostingClassifier``,
  defaults but ``early_stopping=True``: its default "auto" switches early stopping off below
  10,000 rows; it holds out 10 % of the rows it gets; dense X; train+valid), ``single_task_net``
  (``MultiTaskClassifier(**TOX21_PARAMS, lambdas=1.0, baseline="drop")`` fitted on a one-column Y
  of that task's labelled train+valid rows: the same network trained on one task at a time).

Output: one JSON line per seed × method (per-task test ROC-AUC, mean, fit seconds, extras).
``--report FILE`` renders the Markdown tables of benchmarks/README.md from such a file.
"""

import argparse
import json
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

TASK_METHODS = ["logreg", "rf", "hgb", "single_task_net"]
MTL_METHODS = ["mtl_default", "mtl_recommended", "mtl_recommended_rf", "mtl_grid"]
METHODS = MTL_METHODS + TASK_METHODS
LOGREG_CS = [0.01, 0.05, 0.1, 0.5, 1.0]
GRIDS = {
    # 8 candidates
    "full": {"module__hidden_sizes": [(512,), (1024,)], "module__dropout": [0.25, 0.5], "lr": [1e-4, 3e-4]},
    # 4 candidates
    "small": {"module__hidden_sizes": [(512,), (1024,)], "lr": [1e-4, 3e-4]},
    # 2 candidates
    "tiny": {"module__hidden_sizes": [(512,), (1024,)]},
}


# -- data and splits --------------------------------------------------------


def load():
    from mtl_sklearn.datasets import load_tox21_fingerprints

    tox21 = load_tox21_fingerprints()
    return tox21.data, tox21.target, tox21.n_unparsed


def split(n_rows, seed):
    """MoleculeNet's random 80/10/10 split: (train, valid, test) row indices."""
    order = np.random.RandomState(seed).permutation(n_rows)
    n_train, n_valid = int(0.8 * n_rows), int(0.1 * n_rows)
    return order[:n_train], order[n_train : n_train + n_valid], order[n_train + n_valid :]


def task_aucs(probas, Y):
    """Test ROC-AUC per task, on its labelled rows; ``probas[t]`` is P(class 1)."""
    from sklearn.metrics import roc_auc_score

    scores = {}
    for t, task in enumerate(Y):
        labelled = Y[task].notna().to_numpy()
        scores[task] = float(roc_auc_score(Y[task].to_numpy()[labelled], probas[t][labelled]))
    return scores


def mean_auc_scorer(estimator, X, Y):
    """GridSearchCV scoring: the mean over tasks of the per-task ROC-AUC."""
    from mtl_sklearn import score_tasks

    return float(np.nanmean(list(score_tasks(estimator, X, Y, metric="roc_auc").values())))


# -- methods ------------------------------------------------------------------


def mtl_extras(est, X_test, Y_test):
    """Test ROC-AUC of the fitted model's network alone and baselines alone, λ, epochs."""
    n_tasks = Y_test.shape[1]
    extras = {
        "lambdas": [float(v) for v in est.lambdas_],
        "epochs": len(est.history_),
        "dropped_tasks": list(est.dropped_tasks_),
    }
    network = est.net_.predict_task_probas(X_test, [2] * n_tasks)
    extras["network_auc"] = task_aucs([p[:, 1] for p in network], Y_test)
    if est.baselines_ is not None:
        base = [b.predict_proba(X_test)[:, 1] for b in est.baselines_]
        extras["baseline_auc"] = task_aucs(base, Y_test)
    if est.validation_scores_ is not None:
        extras["validation_scores"] = est.validation_scores_.reset_index().to_dict(orient="list")
    return extras


def run_mtl(method, seed, X, Y, train, valid, test, grid):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import GridSearchCV, PredefinedSplit

    from mtl_sklearn import MultiTaskClassifier
    from mtl_sklearn.datasets import TOX21_PARAMS

    fit_rows = np.concatenate([train, valid])
    fraction = len(valid) / len(fit_rows)
    X_fit, Y_fit, X_test, Y_test = X[fit_rows], Y.iloc[fit_rows], X[test], Y.iloc[test]
    extra = {}
    if method == "mtl_default":
        est = MultiTaskClassifier(random_state=seed)
    elif method == "mtl_recommended":
        est = MultiTaskClassifier(**TOX21_PARAMS, validation_fraction=fraction, random_state=seed)
    elif method == "mtl_recommended_rf":
        params = {**TOX21_PARAMS, "baseline": RandomForestClassifier(200, n_jobs=-1, random_state=seed)}
        est = MultiTaskClassifier(**params, validation_fraction=fraction, random_state=seed)
    elif method == "mtl_grid":
        test_fold = np.r_[np.full(len(train), -1), np.zeros(len(valid), dtype=int)]
        est = GridSearchCV(
            MultiTaskClassifier(**TOX21_PARAMS, validation_fraction=fraction, random_state=seed),
            GRIDS[grid],
            scoring=mean_auc_scorer,
            cv=PredefinedSplit(test_fold),
            refit=True,
            error_score="raise",
        )
    start = time.perf_counter()
    est.fit(X_fit, Y_fit)
    seconds = time.perf_counter() - start
    probas = est.predict_proba(X_test)
    if method == "mtl_grid":
        extra["best_params"] = {
            k: list(v) if isinstance(v, tuple) else v for k, v in est.best_params_.items()
        }
        extra["best_valid_auc"] = float(est.best_score_)
        extra["candidates"] = [
            {
                "params": {k: list(v) if isinstance(v, tuple) else v for k, v in p.items()},
                "valid_auc": float(s),
                "fit_seconds": float(f),
            }
            for p, s, f in zip(
                est.cv_results_["params"],
                est.cv_results_["mean_test_score"],
                est.cv_results_["mean_fit_time"],
            )
        ]
        est = est.best_estimator_
    extra.update(mtl_extras(est, X_test, Y_test))
    return task_aucs([p[:, 1] for p in probas], Y_test), seconds, extra


def run_per_task(method, seed, X, Y, train, valid, test):
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from mtl_sklearn import MultiTaskClassifier
    from mtl_sklearn.datasets import TOX21_PARAMS

    fit_rows = np.concatenate([train, valid])
    fraction = len(valid) / len(fit_rows)
    X_test = X[test]
    if method == "hgb":
        X_dense = X.toarray()
        X_test = X_dense[test]
    probas, extra, seconds = [], {"chosen": []}, 0.0
    for task in Y:
        y = Y[task].to_numpy()
        rows = fit_rows[~np.isnan(y[fit_rows])]
        start = time.perf_counter()
        if method == "logreg":
            tr, va = train[~np.isnan(y[train])], valid[~np.isnan(y[valid])]
            valid_aucs = []
            for C in LOGREG_CS:
                model = LogisticRegression(C=C, max_iter=2000).fit(X[tr], y[tr])
                valid_aucs.append(roc_auc_score(y[va], model.predict_proba(X[va])[:, 1]))
            best = LOGREG_CS[int(np.argmax(valid_aucs))]
            extra["chosen"].append({"C": best, "valid_auc": [float(a) for a in valid_aucs]})
            model = LogisticRegression(C=best, max_iter=2000).fit(X[rows], y[rows])
        elif method == "rf":
            model = RandomForestClassifier(200, n_jobs=-1, random_state=seed).fit(X[rows], y[rows])
        elif method == "hgb":
            model = HistGradientBoostingClassifier(early_stopping=True, random_state=seed)
            model.fit(X_dense[rows], y[rows])
            extra["chosen"].append({"n_iter": int(model.n_iter_)})
        elif method == "single_task_net":
            params = {**TOX21_PARAMS, "lambdas": 1.0, "baseline": "drop"}
            model = MultiTaskClassifier(**params, validation_fraction=fraction, random_state=seed)
            model.fit(X[rows], Y.iloc[rows][[task]])
            extra["chosen"].append({"epochs": len(model.history_)})
        seconds += time.perf_counter() - start
        proba = model.predict_proba(X_test)
        probas.append((proba[0] if isinstance(proba, list) else proba)[:, 1])
    if not extra["chosen"]:
        del extra["chosen"]
    return task_aucs(probas, Y.iloc[test]), seconds, extra


# -- report -------------------------------------------------------------------


def read(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.startswith("{")]


def _pm(values):
    values = np.asarray(values, dtype=float)
    sd = values.std(ddof=1) if len(values) > 1 else float("nan")
    return f"{values.mean():.3f} ± {sd:.3f}"


def report(rows):
    """Markdown tables: overall mean ± sd over seeds, per task, λ against the baseline."""
    methods = [m for m in METHODS if any(r["method"] == m for r in rows)]
    by = {m: [r for r in rows if r["method"] == m] for m in methods}
    tasks = list(rows[0]["auc"])
    seeds = sorted({r["seed"] for r in rows})
    out = [
        f"Test ROC-AUC, mean over the 12 tasks; mean ± sd (ddof=1) over seeds {', '.join(map(str, seeds))}.",
        "",
        "| method | ROC-AUC | per seed | fit s per seed |",
        "|---|---|---|---|",
    ]
    for m in methods:
        means = [r["mean_auc"] for r in by[m]]
        per_seed = ", ".join(f"{v:.3f}" for v in means)
        seconds = ", ".join(f"{r['fit_seconds']:.0f}" for r in by[m])
        out.append(f"| {m} | {_pm(means)} | {per_seed} | {seconds} |")
        if m == "mtl_recommended":  # its two parts, from the same fits
            for key, label in (("network_auc", "network alone"), ("baseline_auc", "baselines alone")):
                parts = [np.mean(list(r[key].values())) for r in by[m]]
                out.append(f"| {m}: {label} | {_pm(parts)} | {', '.join(f'{v:.3f}' for v in parts)} | – |")

    out += ["", "Per task, test ROC-AUC (mean over seeds):", ""]
    out.append("| task | " + " | ".join(methods) + " |")
    out.append("|---|" + "---|" * len(methods))
    table = {m: {t: np.mean([r["auc"][t] for r in by[m]]) for t in tasks} for m in methods}
    for t in tasks:
        best = max(table[m][t] for m in methods)
        cells = [f"**{table[m][t]:.3f}**" if table[m][t] == best else f"{table[m][t]:.3f}" for m in methods]
        out.append(f"| {t} | " + " | ".join(cells) + " |")
    out.append("| mean | " + " | ".join(f"{np.mean(list(table[m].values())):.3f}" for m in methods) + " |")

    for m in [m for m in ("mtl_recommended", "mtl_recommended_rf", "mtl_grid") if m in by]:
        rs = by[m]
        if "baseline_auc" not in rs[0]:
            continue
        out += [
            "",
            (
                f"`{m}`: λ chosen and the test ROC-AUC of the blend, the network alone and the "
                "baseline alone (mean over seeds):"
            ),
            "",
        ]
        out.append(
            "| task | mean λ | λ per seed | blend | network alone | baseline alone | blend − baseline |"
        )
        out.append("|---|---|---|---|---|---|---|")
        below = 0
        for i, t in enumerate(tasks):
            lams = [r["lambdas"][i] for r in rs]
            blend = np.mean([r["auc"][t] for r in rs])
            net = np.mean([r["network_auc"][t] for r in rs])
            base = np.mean([r["baseline_auc"][t] for r in rs])
            below += blend < base
            out.append(
                f"| {t} | {np.mean(lams):.2f} | {', '.join(f'{v:.1f}' for v in lams)} | {blend:.3f} "
                f"| {net:.3f} | {base:.3f} | {blend - base:+.3f} |"
            )
        blend_m = np.mean([r["mean_auc"] for r in rs])
        net_m = np.mean([np.mean(list(r["network_auc"].values())) for r in rs])
        base_m = np.mean([np.mean(list(r["baseline_auc"].values())) for r in rs])
        out.append(
            f"| mean | {np.mean([np.mean(r['lambdas']) for r in rs]):.2f} | | {blend_m:.3f} | {net_m:.3f} "
            f"| {base_m:.3f} | {blend_m - base_m:+.3f} |"
        )
        out += [
            "",
            (
                "Tasks where the blend's test ROC-AUC (mean over seeds) is below the baseline's alone: "
                f"{below} of {len(tasks)}."
            ),
        ]
        if m == "mtl_grid":
            picks = [", ".join(f"{k}={v}" for k, v in r["best_params"].items()) for r in rs]
            out += [
                "",
                "Grid picks per seed: " + "; ".join(f"seed {r['seed']}: {p}" for r, p in zip(rs, picks)),
            ]
    return "\n".join(out)


# -- main ---------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    parser.add_argument("--grid", choices=sorted(GRIDS), default="full", help="mtl_grid's candidates")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads; default 2 when the 1-minute load average is below 0.5, else 1",
    )
    parser.add_argument("--out", default="benchmarks/results/tox21.jsonl")
    parser.add_argument("--report", metavar="JSONL", help="only render the tables of this file")
    args = parser.parse_args(argv)
    if args.report:
        print(report(read(args.report)))
        return

    import sklearn
    import torch

    threads = args.threads or (2 if os.getloadavg()[0] < 0.5 else 1)
    torch.set_num_threads(threads)
    X, Y, n_unparsed = load()
    print(
        f"Tox21: {X.shape[0]:,} molecules ({n_unparsed} unparsable left out), {X.shape[1]} bits, "
        f"{Y.shape[1]} tasks; torch threads {threads}",
        flush=True,
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    common = {
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "threads": threads,
        "date": date.today().isoformat(),
    }
    with out.open("w") as f:
        for seed in args.seeds:
            train, valid, test = split(X.shape[0], seed)
            for method in args.methods:
                load_before = os.getloadavg()[0]
                if method in MTL_METHODS:
                    aucs, seconds, extra = run_mtl(method, seed, X, Y, train, valid, test, args.grid)
                else:
                    aucs, seconds, extra = run_per_task(method, seed, X, Y, train, valid, test)
                row = {
                    "seed": seed,
                    "method": method,
                    "mean_auc": float(np.mean(list(aucs.values()))),
                    "fit_seconds": seconds,
                    "auc": aucs,
                    "n_train": len(train),
                    "n_valid": len(valid),
                    "n_test": len(test),
                    "grid": args.grid if method == "mtl_grid" else None,
                    "load_avg_before": load_before,
                    **extra,
                    **common,
                }
                f.write(json.dumps(row) + "\n")
                f.flush()
                print(
                    f"seed {seed} {method:<20} ROC-AUC {row['mean_auc']:.4f}  fit {seconds:7.1f} s"
                    f"  (load {load_before:.1f})",
                    flush=True,
                )


if __name__ == "__main__":
    sys.exit(main())
