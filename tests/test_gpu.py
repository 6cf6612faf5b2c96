"""On a GPU: a model trained there pickles and predicts on a CPU-only machine; CUDA graphs; Accelerate."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from mtl_sklearn import MultiTaskClassifier

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]

CPU_ONLY_PREDICT = """
import pickle, sys, warnings
import numpy as np
import torch
assert not torch.cuda.is_available()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    clf = pickle.load(open(sys.argv[1], "rb"))
np.save(sys.argv[2], np.hstack(clf.predict_proba(np.load(sys.argv[3]))))
"""


def test_fit_on_gpu_then_predict_on_cpu_only(shared_factor_data, tmp_path):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(device="cuda", max_epochs=10, random_state=0).fit(X, Y)
    assert next(clf.net_.module_.parameters()).is_cuda
    assert clf.score(X, Y) > 0.85
    expected = np.hstack(clf.predict_proba(X))
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "X.npy", X)
    subprocess.run(
        [
            sys.executable,
            "-c",
            CPU_ONLY_PREDICT,
            tmp_path / "model.pkl",
            tmp_path / "p.npy",
            tmp_path / "X.npy",
        ],
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
        check=True,
    )
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), expected, atol=1e-5)


def test_cuda_graphs_train_as_the_eager_network(shared_factor_data):
    # inductor's kernels replayed as CUDA graphs: α stays out of Adam and is
    # updated in place between replays, so the fit follows the eager one
    X, Y = shared_factor_data
    params = dict(device="cuda", max_epochs=10, random_state=0)
    eager = MultiTaskClassifier(**params).fit(X, Y)
    graphs = MultiTaskClassifier(**params, compile=True, compile__mode="reduce-overhead").fit(X, Y)
    optimised = {id(p) for g in graphs.net_.optimizer_.param_groups for p in g["params"]}
    assert id(graphs.net_.multitask_module.allocation.alpha) not in optimised
    np.testing.assert_allclose(graphs.alpha_, eager.alpha_, atol=1e-3)
    np.testing.assert_allclose(
        np.hstack(graphs.predict_proba(X)), np.hstack(eager.predict_proba(X)), atol=1e-3
    )
    # each batch's loss is read at the end of the epoch: not overwritten by later replays
    np.testing.assert_allclose(
        graphs.net_.history[:, "train_loss"], eager.net_.history[:, "train_loss"], atol=1e-3
    )


def test_an_accelerator_on_one_gpu_trains_there(shared_factor_data):
    # skorch's AccelerateMixin in one process: the module and the batches on the accelerator's
    # device, model reads through the unwrapped module (multi-process runs: tests/test_scaling.py)
    accelerate = pytest.importorskip("accelerate")
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(accelerator=accelerate.Accelerator(), max_epochs=10, random_state=0).fit(X, Y)
    assert next(clf.net_.multitask_module.parameters()).is_cuda
    assert clf.alpha_.shape == (4, 1) and np.all(np.isfinite(clf.alpha_))
    assert clf.score(X, Y) > 0.85
    # one process trains as device="cuda" does (on the CPU the two are equal to the bit)
    alone = MultiTaskClassifier(device="cuda", max_epochs=10, random_state=0).fit(X, Y)
    np.testing.assert_allclose(np.hstack(clf.predict_proba(X)), np.hstack(alone.predict_proba(X)), atol=1e-3)
