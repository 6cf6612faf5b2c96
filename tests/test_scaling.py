"""Beyond one machine's memory and one process: out-of-core X, dask, data-parallel training, search."""

import os
import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from mtl_sklearn import MultiTaskClassifier, dask_predict, dask_predict_proba
from mtl_sklearn._data import TaskDataset
from mtl_sklearn._host import HostRows

rng = np.random.RandomState(0)
X = rng.normal(size=(1200, 8)).astype(np.float32)
Y = np.c_[X[:, 0] > 0, np.digitize(X[:, 1] + X[:, 2], [-0.7, 0.7])].astype(float)  # binary, 3 classes
Y[rng.uniform(size=Y.shape) < 0.2] = np.nan
CLASSES = [[0.0, 1.0], [0.0, 1.0, 2.0]]
QUICK = dict(max_epochs=3, random_state=0)


@pytest.fixture
def memmap(tmp_path):
    """X written to a file and opened read-only, as np.load(mmap_mode="r") gives it."""
    path = tmp_path / "X.npy"
    np.save(path, X)
    return np.load(path, mmap_mode="r")


def _recorded_datasets(monkeypatch):
    datasets, init = [], TaskDataset.__init__

    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        datasets.append(self)

    monkeypatch.setattr(TaskDataset, "__init__", recording_init)
    return datasets


def test_a_read_only_memmap_is_read_in_place_chunk_by_chunk(memmap, monkeypatch):
    assert not memmap.flags.writeable
    datasets = _recorded_datasets(monkeypatch)
    clf = MultiTaskClassifier(**QUICK).fit(memmap, Y)
    training = [d for d in datasets if d.codes is not None]
    assert training and all(isinstance(d.X, HostRows) and d.X.source is memmap for d in training)
    assert clf.score(memmap, Y) > 0.8
    # the same model predicts the same from the memmap and from X in memory
    for a, b in zip(clf.predict_proba(memmap), clf.predict_proba(np.asarray(memmap))):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_out_of_core_training_reads_one_chunk_at_a_time(memmap, monkeypatch):
    monkeypatch.setattr("mtl_sklearn._host.CHUNK_BYTES", 200 * 8 * 4)  # 200 rows a chunk
    reads = []
    read = HostRows.read

    def recording_read(self, start, stop):
        reads.append(stop - start)
        return read(self, start, stop)

    monkeypatch.setattr(HostRows, "read", recording_read)
    MultiTaskClassifier(**QUICK, lambdas=1.0, early_stopping=False).fit(memmap, Y)
    assert max(reads) == 200 and sum(reads) >= 3 * 1200  # three epochs, never the whole of X at once


def test_a_dask_array_fits_and_predicts_by_chunks():
    da = pytest.importorskip("dask.array")
    X_dask = da.from_array(X, chunks=(300, 8))
    clf = MultiTaskClassifier(**QUICK).fit(X_dask, Y)
    assert clf.score(X_dask, Y) > 0.8
    for a, b in zip(clf.predict_proba(X_dask), clf.predict_proba(X)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    # lazily over the blocks, as dask-ml's ParallelPostFit would (it cannot: a list per task)
    for a, b in zip(dask_predict_proba(clf, X_dask), clf.predict_proba(X)):
        np.testing.assert_allclose(a.compute(), b, rtol=1e-6)
    np.testing.assert_array_equal(dask_predict(clf, X_dask).compute(), clf.predict(X))


def test_a_torch_dataset_of_samples_fits():
    class Samples(torch.utils.data.Dataset):
        def __len__(self):
            return len(X)

        def __getitem__(self, i):
            return torch.as_tensor(X[i]), torch.tensor(0)  # (features, anything): the features are read

    clf = MultiTaskClassifier(**QUICK).fit(Samples(), Y)
    assert clf.n_features_in_ == 8 and clf.score(X, Y) > 0.8


def _anon_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssAnon"))


@pytest.mark.slow
def test_out_of_core_fit_holds_far_less_memory_than_X(tmp_path, monkeypatch):
    # 256 MB of X on disk, read 16 MB at a time (baselines fit on 16 MB of rows): the fit's
    # anonymous memory (not the file's pages) must stay far below X
    monkeypatch.setattr("mtl_sklearn._host.CHUNK_BYTES", 16 * 2**20)
    n = 2**16
    path = tmp_path / "big.npy"
    big = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, 1024))
    for start in range(0, n, 8192):
        big[start : start + 8192] = np.random.RandomState(start).normal(size=(8192, 1024))
    big.flush()
    del big
    X_big = np.load(path, mmap_mode="r")
    Y_big = (X_big[:, 0] > 0).astype(float)
    params = dict(max_epochs=1, lambdas=1.0, early_stopping=False, module__hidden_sizes=(32,))
    MultiTaskClassifier(**params).fit(X_big[:1000], Y_big[:1000])  # torch's own start-up memory
    peak, done = [_anon_kb()], threading.Event()

    def sample():
        while not done.is_set():
            peak.append(_anon_kb())
            time.sleep(0.01)

    watcher = threading.Thread(target=sample)
    watcher.start()
    try:
        MultiTaskClassifier(**params).fit(X_big, Y_big).predict_proba(X_big)
    finally:
        done.set()
        watcher.join()
    growth_mb = (max(peak) - peak[0]) / 1024
    print(f"{growth_mb:.0f} MB")
    assert growth_mb < 128, f"{growth_mb:.0f} MB of anonymous memory for 256 MB of X"


def test_dask_ml_incremental_drives_partial_fit():
    dd = pytest.importorskip("dask.dataframe")
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X_dask = da.from_array(X, chunks=(300, 8))
    # dask-ml hands a 2-D dask array's blocks to partial_fit wrongly (its key lacks the column
    # index, dask/dask-ml#972); a dask DataFrame with X's row chunks passes each block whole
    Y_frame = dd.from_dask_array(da.from_array(Y, chunks=(300, 2)), columns=["a", "b"])
    incremental = wrappers.Incremental(MultiTaskClassifier(random_state=0), shuffle_blocks=False)
    fitted = incremental.fit(X_dask, Y_frame, classes=CLASSES).estimator_
    assert len(fitted.history_) == 4  # one pass per block
    assert fitted.task_names_ == ["a", "b"]
    # the same as partial_fit called on each block in turn by hand
    by_hand = MultiTaskClassifier(random_state=0)
    for start in range(0, len(X), 300):
        block = slice(start, start + 300)
        by_hand.partial_fit(X[block], pd.DataFrame(Y[block], columns=["a", "b"]), classes=CLASSES)
    for a, b in zip(fitted.predict_proba(X), by_hand.predict_proba(X)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert fitted.score_tasks(X, Y)["a"] > 0.85


def test_hyperband_search_over_partial_fit():
    dask = pytest.importorskip("dask")
    pytest.importorskip("dask_ml")
    from packaging.version import Version

    if Version(dask.__version__) >= Version("2025.3"):
        pytest.skip(
            "dask-ml's HyperbandSearchCV fails with dask >= 2025.3 for every estimator (dask/dask-ml#1016)"
        )
    import dask.array as da
    from dask.distributed import Client, LocalCluster
    from dask_ml.model_selection import HyperbandSearchCV

    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster),
    ):
        X_dask, Y_dask = (
            da.from_array(X, chunks=(300, 8)),
            da.from_array(Y, chunks=(300, 2)),
        )  # Y: one chunk wide
        search = HyperbandSearchCV(
            MultiTaskClassifier(random_state=0),
            {"lr": [1e-3, 3e-3], "batch_size": [32, 64]},
            max_iter=3,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(X_dask, Y_dask, classes=CLASSES)
    assert search.best_params_["lr"] in (1e-3, 3e-3) and search.best_estimator_.score(X, Y) > 0.6


def _torch_threads():
    return torch.get_num_threads()


@pytest.mark.slow
def test_grid_search_on_dask_s_joblib_backend_equals_serial():
    pytest.importorskip("dask.distributed")
    import joblib
    from dask.distributed import Client, LocalCluster
    from sklearn.model_selection import GridSearchCV, KFold

    grid = {"lr": [1e-3, 1e-2], "lambdas": [1.0, "auto"]}
    search = GridSearchCV(MultiTaskClassifier(**QUICK), grid, cv=KFold(3, shuffle=True, random_state=0))
    serial = search.fit(X, Y).cv_results_
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster) as client,
    ):
        threads = set(client.run(_torch_threads).values())
        with joblib.parallel_config(backend="dask"):
            distributed = search.fit(X, Y).cv_results_
    assert threads == {1}  # the workers' torch does not fight over the cores (OMP_NUM_THREADS=1)
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_array_equal(distributed[key], serial[key])


@pytest.mark.slow
def test_grid_search_on_ray_s_joblib_backend_equals_serial():
    ray = pytest.importorskip("ray")
    import joblib
    from ray.util.joblib import register_ray
    from sklearn.model_selection import GridSearchCV, KFold

    grid = {"lr": [1e-3, 1e-2], "lambdas": [1.0, "auto"]}
    search = GridSearchCV(MultiTaskClassifier(**QUICK), grid, cv=KFold(3, shuffle=True, random_state=0))
    serial = search.fit(X, Y).cv_results_
    # Ray's servers listen on the machine's address, not loopback only (ray.init maps 127.0.0.1 to
    # it): ray stays out of the test extra and this test runs where a user installed ray
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        register_ray()
        # Ray's workers cannot import this test module: a local function travels by value
        threads = ray.get(ray.remote(lambda: torch.get_num_threads()).remote())
        with joblib.parallel_config(backend="ray"):
            distributed = search.fit(X, Y).cv_results_
    finally:
        ray.shutdown()
    assert threads == 1  # Ray sets OMP_NUM_THREADS to a task's CPUs (1)
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_array_equal(distributed[key], serial[key])


def _fit_on_rank(rank, world, rendezvous, out_dir, params):
    """One process of a data-parallel fit: the same data and seed everywhere, loopback only."""
    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world),
        LOCAL_WORLD_SIZE=str(world),
        OMP_NUM_THREADS="1",
        GLOO_SOCKET_IFNAME="lo",
    )
    torch.set_num_threads(1)
    torch.distributed.init_process_group(
        "gloo", init_method=f"file://{rendezvous}", rank=rank, world_size=world
    )
    try:
        from accelerate import Accelerator

        clf = MultiTaskClassifier(accelerator=Accelerator(cpu=True), **params).fit(X, Y)
        state = {k: v.detach().numpy() for k, v in clf.net_.multitask_module.state_dict().items()}
        np.savez(os.path.join(out_dir, f"rank{rank}.npz"), proba=np.hstack(clf.predict_proba(X)), **state)
    finally:
        torch.distributed.destroy_process_group()


@pytest.mark.slow
def test_two_processes_train_as_one(tmp_path):
    pytest.importorskip("accelerate")
    import torch.multiprocessing as mp

    # the network alone, without α's batch statistics (each process standardises its own rows)
    params = dict(
        max_epochs=3,
        batch_size=64,
        C=None,
        lambdas=1.0,
        early_stopping=False,
        module__dropout=0.0,
        random_state=0,
    )
    mp.spawn(_fit_on_rank, args=(2, tmp_path / "rendezvous", str(tmp_path), params), nprocs=2)
    ranks = [np.load(tmp_path / f"rank{r}.npz") for r in range(2)]
    single = MultiTaskClassifier(**params)
    torch.set_num_threads(1)
    single.fit(X, Y)
    for key in ranks[0].files:
        np.testing.assert_array_equal(ranks[0][key], ranks[1][key])  # every process ends with one model
    np.testing.assert_allclose(ranks[0]["proba"], np.hstack(single.predict_proba(X)), atol=1e-5)


@pytest.mark.slow
def test_two_processes_keep_alpha_heads_and_statistics_alike(tmp_path):
    pytest.importorskip("accelerate")
    import torch.multiprocessing as mp

    # α, its batch statistics, early stopping and λ="auto" on held-out rows: all must agree
    params = dict(max_epochs=3, batch_size=64, n_experts=2, early_stopping=True, random_state=0)
    mp.spawn(_fit_on_rank, args=(2, tmp_path / "rendezvous", str(tmp_path), params), nprocs=2)
    ranks = [np.load(tmp_path / f"rank{r}.npz") for r in range(2)]
    assert "allocation.alpha" in ranks[0].files
    for key in ranks[0].files:
        np.testing.assert_array_equal(ranks[0][key], ranks[1][key])
