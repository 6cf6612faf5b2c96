"""The main job: ``python -m mtl_sklearn`` fits on the bundled data sets.

``python -m mtl_sklearn`` (or ``tox21``): Tox21's 12 toxicity assays, molecules
as ECFP fingerprints (the ``chem`` extra: RDKit through scikit-fingerprints),
one fixed random 80/20 split. MultiTaskClassifier (λ chosen per task on held-out
training rows, early stopping on the same rows) and, in the same run, per-task
logistic regression and random forest fitted on each task's labelled rows are
scored by ROC-AUC on the test molecules.

``python -m mtl_sklearn penguins``: the Palmer penguins (three tasks), five-fold
cross-validated, accuracy against the per-task baseline. Needs no extra.
"""

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mtl_sklearn import MultiTaskClassifier, score_tasks
from mtl_sklearn.datasets import TOX21_PARAMS, load_penguins, load_tox21_fingerprints


def tox21_job():
    start = time.perf_counter()
    try:
        tox21 = load_tox21_fingerprints()
    except ImportError as error:
        raise SystemExit(str(error)) from error
    X, Y, n_unparsed = tox21.data, tox21.target, tox21.n_unparsed
    print(
        f"Tox21: {X.shape[0]:,} molecules ({n_unparsed} SMILES RDKit cannot parse left out), "
        f"ECFP radius 2, {X.shape[1]:,} bits (sparse), {Y.shape[1]} tasks, "
        f"{Y.isna().to_numpy().mean():.1%} of labels missing"
    )
    train, test = train_test_split(np.arange(len(Y)), test_size=0.2, random_state=0)
    print(f"fixed random split: {len(train):,} molecules to train on, {len(test):,} to test\n")

    model = MultiTaskClassifier(**TOX21_PARAMS, verbose=1, random_state=0)
    model.fit(X[train], Y.iloc[train])
    scores = {"MultiTaskClassifier": score_tasks(model, X[test], Y.iloc[test], metric="roc_auc")}
    scores["per-task logistic regression"] = _roc_auc(model.baselines_, X[test], Y.iloc[test])
    forests = [
        RandomForestClassifier(200, n_jobs=-1, random_state=0).fit(X[train][rows], Y.iloc[train][task][rows])
        for task in Y
        for rows in [Y.iloc[train][task].notna().to_numpy()]
    ]
    scores["per-task random forest"] = _roc_auc(forests, X[test], Y.iloc[test])

    table = pd.DataFrame(scores)
    table["λ"] = model.lambdas_
    table.loc["mean"] = table.mean()
    print(f"\ntest ROC-AUC per task ({time.perf_counter() - start:.0f} s in all)")
    print(table.round(3).to_string())


def _roc_auc(per_task_models, X, Y):
    scores = {}
    for estimator, task in zip(per_task_models, Y):
        labelled = Y[task].notna().to_numpy()
        scores[task] = roc_auc_score(Y[task][labelled], estimator.predict_proba(X[labelled])[:, 1])
    return scores


def penguins_job():
    X, Y = load_penguins(return_X_y=True, as_frame=True)
    print(f"Palmer penguins: {X.shape[0]} rows, {X.shape[1]} features, tasks {list(Y.columns)}")
    print(f"missing labels per task: {Y.isna().sum().to_dict()}\n")
    network, baseline, lambdas = ({task: [] for task in Y} for _ in range(3))
    start = time.perf_counter()
    for fold, (train, test) in enumerate(KFold(5, shuffle=True, random_state=0).split(X)):
        model = make_pipeline(StandardScaler(), MultiTaskClassifier(lambdas="auto", random_state=fold))
        model.fit(X.iloc[train], Y.iloc[train])
        for task, score in score_tasks(model, X.iloc[test], Y.iloc[test]).items():
            network[task].append(score)
        for task, lam in zip(Y, model[-1].lambdas_):
            lambdas[task].append(lam)
        X_test = model[0].transform(X.iloc[test])
        for task, estimator in zip(Y, model[-1].baselines_):
            labelled = Y[task].iloc[test].notna().to_numpy()
            baseline[task].append(estimator.score(X_test[labelled], Y[task].iloc[test][labelled]))
        print(f"fold {fold + 1}/5 done")
    seconds = time.perf_counter() - start

    print(f"\nheld-out accuracy, 5-fold CV (mean ± sd over folds), {seconds:.1f} s in all")
    print(f"{'task':<10}{'classes':>8}{'MultiTaskClassifier':>22}{'per-task baseline':>22}{'mean λ':>9}")
    for task in Y:
        net, base = np.array(network[task]), np.array(baseline[task])
        print(
            f"{task:<10}{Y[task].nunique():>8}"
            f"{net.mean():>15.3f} ± {net.std():.3f}{base.mean():>15.3f} ± {base.std():.3f}"
            f"{np.mean(lambdas[task]):>9.2f}"
        )
    print(
        f"{'mean':<10}{'':>8}{np.mean(list(network.values())):>15.3f}"
        f"{'':>8}{np.mean(list(baseline.values())):>15.3f}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m mtl_sklearn", description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", nargs="?", choices=["tox21", "penguins"], default="tox21")
    jobs = {"tox21": tox21_job, "penguins": penguins_job}
    jobs[parser.parse_args(argv).dataset]()


if __name__ == "__main__":
    main()
