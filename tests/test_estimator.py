import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from skorch.callbacks import Callback, EarlyStopping
from skorch.dataset import ValidSplit

from mtl_sklearn import MultiTaskClassifier
from mtl_sklearn._data import SparseRows, TaskDataset


def _labelled_accuracy(y_true, y_pred):
    rows = ~pd.isna(y_true)
    return accuracy_score(y_true[rows], y_pred[rows])


def test_tasks_sharing_a_factor_are_learnt_with_missing_labels(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(max_epochs=30, random_state=0).fit(X[:600], Y[:600])
    predicted = clf.predict(X[600:])
    assert predicted.shape == (200, 4)
    for t in range(4):
        assert _labelled_accuracy(Y[600:, t], predicted[:, t]) > 0.85


def test_scarce_task_borrows_from_tasks_sharing_its_factor(shared_factor_data):
    X, Y = shared_factor_data
    Y = Y.copy()
    Y[40:, 1] = np.nan  # task 1 keeps only its first 40 rows (about 28 labels)
    multi = MultiTaskClassifier(max_epochs=40, random_state=0).fit(X[:600], Y[:600])
    alone = MultiTaskClassifier(max_epochs=40, baseline="drop", random_state=0).fit(X[:40], Y[:40, 1])
    truth = shared_factor_data[1][600:, 1]
    multi_accuracy = _labelled_accuracy(truth, multi.predict(X[600:])[:, 1])
    # measured over seeds 0-3: multi-task 0.88-0.94, alone 0.72-0.76, baseline 0.78
    assert multi_accuracy > _labelled_accuracy(truth, alone.predict(X[600:])) + 0.1
    assert multi_accuracy > _labelled_accuracy(truth, multi.baselines_[1].predict(X[600:])) + 0.05


def test_multiclass_string_task_with_classes_in_numpy_order():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(400, 3))
    level = np.select([X[:, 0] < -0.5, X[:, 0] > 0.5], ["low", "high"], "mid")
    Y = pd.DataFrame({"level": level, "sign": X[:, 1] > 0})
    clf = MultiTaskClassifier(max_epochs=40, random_state=0).fit(X[:300], Y[:300])
    assert clf.task_names_ == ["level", "sign"]
    assert clf.classes_[0].tolist() == ["high", "low", "mid"]
    assert clf.classes_[1].tolist() == [False, True]
    predicted = clf.predict(X[300:])
    assert predicted.dtype == object
    assert accuracy_score(Y["level"][300:], predicted[:, 0].astype(str)) > 0.9
    proba = clf.predict_proba(X[300:])[0]
    for column, label in enumerate(clf.classes_[0]):
        assert proba[Y["level"][300:].to_numpy() == label].argmax(axis=1).tolist().count(column) > 20


def test_single_task_y_gives_single_task_outputs():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 4))
    y = np.where(X[:, 0] > 0, "yes", "no")
    clf = MultiTaskClassifier(max_epochs=10, random_state=0).fit(X, y)
    assert clf.classes_.tolist() == ["no", "yes"]
    assert clf.predict(X).shape == (100,)
    assert clf.predict_proba(X).shape == (100, 2)
    assert clf.n_tasks_ == 1


def test_missing_labels_do_not_train_their_task(shared_factor_data):
    X, Y = shared_factor_data
    hidden = np.where(np.isnan(Y), -1, Y)
    junk = np.where(np.isnan(Y), 1 - (np.arange(Y.size).reshape(Y.shape) % 2), Y)
    as_nan = MultiTaskClassifier(max_epochs=3, random_state=0).fit(X, Y)
    as_sentinel = MultiTaskClassifier(max_epochs=3, missing_label=-1, random_state=0).fit(X, hidden)
    on_junk = MultiTaskClassifier(max_epochs=3, random_state=0).fit(X, junk)
    for a, b in zip(as_nan.predict_proba(X), as_sentinel.predict_proba(X)):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(as_nan.predict_proba(X)[0], on_junk.predict_proba(X)[0])


def test_random_state_gives_identical_fits(shared_factor_data):
    X, Y = shared_factor_data
    fits = [MultiTaskClassifier(max_epochs=3, lambdas=1.0, random_state=seed).fit(X, Y) for seed in (7, 7, 8)]
    probas = [np.hstack(clf.predict_proba(X)) for clf in fits]
    np.testing.assert_array_equal(probas[0], probas[1])
    assert not np.allclose(probas[0], probas[2])


def test_sparse_X_gives_the_same_model_as_dense(shared_factor_data):
    X, Y = shared_factor_data
    X = np.where(np.abs(X) > 1, X, 0).astype(np.float32)
    dense = MultiTaskClassifier(max_epochs=3, baseline="drop", random_state=0).fit(X, Y)
    sparse = MultiTaskClassifier(max_epochs=3, baseline="drop", random_state=0).fit(sp.csr_matrix(X), Y)
    for a, b in zip(dense.predict_proba(X), sparse.predict_proba(sp.csr_matrix(X))):
        np.testing.assert_allclose(a, b, rtol=1e-5)


def test_sparse_X_is_densified_one_batch_at_a_time(shared_factor_data, monkeypatch):
    X, Y = shared_factor_data
    X = np.where(np.abs(X) > 1, X, 0).astype(np.float32)
    wide = sp.csr_matrix((len(X), 20_000), dtype=np.float32)  # wide and sparse, as fingerprints
    X = sp.hstack([X, wide], format="csr")
    on_device, on_host = [], []
    dense, toarray = SparseRows.dense, sp.csr_matrix.toarray

    def counting_dense(rows, index):
        batch = dense(rows, index)
        on_device.append(len(batch))
        return batch

    def counting_toarray(matrix, *args, **kwargs):
        on_host.append(matrix.shape[0])
        return toarray(matrix, *args, **kwargs)

    monkeypatch.setattr(SparseRows, "dense", counting_dense)
    monkeypatch.setattr(sp.csr_matrix, "toarray", counting_toarray)
    clf = MultiTaskClassifier(max_epochs=2, batch_size=100, baseline="drop", random_state=0).fit(X, Y)
    clf.predict_proba(X)
    assert max(on_device) <= 100  # never the whole matrix (800 rows): 100 to train, 52 (4 MB) to predict
    assert sum(on_device) >= 3 * 800  # two epochs and a prediction, all by batches
    assert on_host == []  # not a row densified on the host (the trunk's width is measured on zeros)


@pytest.mark.parametrize("index", [[0, 2, 5], [4, 4, 1], [3], [2, 1, 0, 3, 4, 5]])
def test_sparse_rows_are_scipys_rows(index):
    X = sp.random(6, 9, density=0.3, format="lil", random_state=0, dtype=np.float32)
    X[3] = 0  # an empty row
    X = X.tocsr()
    np.testing.assert_array_equal(SparseRows(X, "cpu").dense(torch.tensor(index)).numpy(), X[index].toarray())


def test_sparse_rows_add_duplicate_entries_as_scipy():
    # row 0 stores column 2 twice (a non-canonical CSR), row 1 nothing
    X = sp.csr_matrix((np.float32([1, 2, 3, 4]), [2, 2, 0, 5], [0, 2, 2, 4]), shape=(3, 6))
    np.testing.assert_array_equal(SparseRows(X, "cpu").dense(torch.arange(3)).numpy(), X.toarray())


def test_images_use_the_convolutional_trunk():
    rng = np.random.RandomState(0)
    images = rng.uniform(size=(300, 1, 8, 8)).astype(np.float32)
    left_bright = rng.uniform(size=300) < 0.5
    top_bright = rng.uniform(size=300) < 0.5
    images[left_bright, :, :, :4] += 1.0
    images[top_bright, :, :4, :] += 1.0
    Y = np.c_[left_bright, top_bright].astype(int)
    clf = MultiTaskClassifier(max_epochs=15, random_state=0).fit(images[:200], Y[:200])
    assert clf.input_shape_ == (1, 8, 8)
    assert isinstance(clf.net_.module_.experts[0][0], torch.nn.Conv2d)
    assert clf.score(images[200:], Y[200:]) > 0.9


class TinyTrunk(torch.nn.Module):
    def __init__(self, input_shape, width=8):
        super().__init__()
        self.layer = torch.nn.Linear(input_shape[0], width)

    def forward(self, x):
        return torch.relu(self.layer(x))


def test_user_trunk_class_with_module_parameters(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(TinyTrunk, n_experts=2, max_epochs=5, module__width=5, random_state=0).fit(X, Y)
    experts = clf.net_.module_.experts
    assert len(experts) == 2 and all(isinstance(e, TinyTrunk) for e in experts)
    assert experts[0].layer.out_features == 5
    assert clf.alpha_.shape == (4, 2) and (clf.alpha_ >= 0).all()


def test_user_trunk_with_lazy_layers_and_image_shaped_output():
    images = np.random.RandomState(0).uniform(size=(60, 1, 6, 6)).astype(np.float32)
    Y = np.c_[images[:, 0, :, :3].mean(axis=(1, 2)) > 0.5, images[:, 0, :3].mean(axis=(1, 2)) > 0.5]

    def trunk():
        return torch.nn.Sequential(torch.nn.LazyConv2d(4, 3), torch.nn.ReLU())

    clf = MultiTaskClassifier(trunk, max_epochs=2, random_state=0).fit(images, Y)
    assert clf.net_.module_.heads.in_features == 4 * 4 * 4
    assert clf.predict(images).shape == (60, 2)


def test_score_is_mean_task_accuracy_on_labelled_rows(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(max_epochs=3, random_state=0).fit(X, Y)
    predicted = clf.predict(X)
    per_task = [_labelled_accuracy(Y[:, t], predicted[:, t]) for t in range(4)]
    assert clf.score_tasks(X, Y) == pytest.approx(dict(zip(clf.task_names_, per_task)))
    assert clf.score(X, Y) == pytest.approx(np.mean(per_task))
    auc = clf.score_tasks(X, Y, metric="roc_auc")
    rows = ~np.isnan(Y[:, 3])
    assert auc["task_3"] == pytest.approx(roc_auc_score(Y[rows, 3], clf.predict_proba(X)[3][rows, 1]))


def test_pickle_round_trip_predicts_the_same(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(max_epochs=2, random_state=0).fit(X, Y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_compiled_network_trains_as_the_eager_one_and_pickles(shared_factor_data):
    # dynamo's "eager" backend traces the module as torch.compile does, without inductor's
    # C++ build: the same operations, so the same model, with α still outside the optimiser
    X, Y = shared_factor_data
    params = dict(max_epochs=2, random_state=0)
    eager = MultiTaskClassifier(**params).fit(X, Y)
    compiled = MultiTaskClassifier(**params, compile=True, compile__backend="eager").fit(X, Y)
    assert type(compiled.net_.module_).__name__ == "OptimizedModule"
    assert all(
        p is not compiled.net_.multitask_module.allocation.alpha
        for g in compiled.net_.optimizer_.param_groups
        for p in g["params"]
    )
    np.testing.assert_allclose(compiled.alpha_, eager.alpha_, rtol=1e-5)
    proba = np.hstack(compiled.predict_proba(X))
    np.testing.assert_allclose(proba, np.hstack(eager.predict_proba(X)), atol=1e-5)
    loaded = pickle.loads(pickle.dumps(compiled))
    np.testing.assert_allclose(np.hstack(loaded.predict_proba(X)), proba, atol=1e-6)


def test_compile_serves_training_steps_only_with_static_shapes(shared_factor_data):
    X, Y = shared_factor_data
    batch_sizes = []  # of each graph that torch.compile hands to the backend

    def recording_backend(graph, example_inputs):
        batch_sizes.append(example_inputs[0].shape[0])
        return graph.forward

    torch._dynamo.reset()
    clf = MultiTaskClassifier(
        max_epochs=3,
        batch_size=128,
        compile=True,
        compile__backend=recording_backend,
        lambdas=1.0,
        early_stopping=False,
    )
    clf.fit(X, Y)
    # 800 rows: the network and the loss for batches of 128 and for the last one of 32, once
    assert batch_sizes == [128, 128, 32, 32]
    for rows in (5, 77):  # predicting runs the module as written, whatever the number of rows
        clf.predict_proba(X[:rows])
    assert batch_sizes == [128, 128, 32, 32]
    # so do the validation passes: 640 training rows make 5 full batches, the 160 others are not compiled
    torch._dynamo.reset()
    batch_sizes.clear()
    clf.set_params(early_stopping=True, lambdas=1.0).fit(X, Y)
    assert batch_sizes == [128, 128] and len(clf.net_.history) == 3


def test_clone_keeps_nested_parameters_and_forgets_the_fit(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(max_epochs=2, module__hidden_sizes=(16,), optimizer__weight_decay=0.1)
    clf.fit(X, Y)
    copy = clone(clf)
    assert copy.get_params()["module__hidden_sizes"] == (16,)
    assert not hasattr(copy, "net_")
    assert clf.net_.optimizer_.param_groups[0]["weight_decay"] == 0.1
    assert clf.net_.module_.experts[0][1].out_features == 16


def test_grid_search_in_a_pipeline_over_the_estimators_parameters(shared_factor_data):
    X, Y = shared_factor_data
    Y = np.nan_to_num(Y[:300], nan=-1)
    pipe = make_pipeline(
        StandardScaler(), MultiTaskClassifier(max_epochs=2, missing_label=-1, random_state=0)
    )
    grid = {
        "multitaskclassifier__lambdas": [1.0, "auto"],
        "multitaskclassifier__n_experts": [1, 2],
        "multitaskclassifier__C": [0.1, 10.0],
        "multitaskclassifier__baseline": [None, LogisticRegression(C=0.1)],
        "multitaskclassifier__module__hidden_sizes": [(8,), (16, 16)],
    }
    search = GridSearchCV(pipe, grid, cv=2).fit(X[:300], Y)
    assert len(search.cv_results_["params"]) == 32
    best = search.best_estimator_[-1]
    assert (
        best.net_.module_.experts[0][1].out_features
        == search.best_params_["multitaskclassifier__module__hidden_sizes"][0]
    )


def test_verbose_prints_the_epoch_table(shared_factor_data, capsys):
    X, Y = shared_factor_data
    MultiTaskClassifier(max_epochs=2, verbose=1, random_state=0).fit(X, Y)
    out = capsys.readouterr().out
    assert "epoch" in out and "train_loss" in out
    MultiTaskClassifier(max_epochs=2, random_state=0).fit(X, Y)
    silent = capsys.readouterr()
    assert silent.out == "" and silent.err == ""
    MultiTaskClassifier(max_epochs=2, verbose=2, random_state=0).fit(X, Y)
    assert "/7 [" in capsys.readouterr().err  # tqdm's bar over the 7 batches of an epoch


def test_skorch_callbacks_and_validation_split(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(
        max_epochs=200,
        lr=0.01,
        train_split=ValidSplit(0.25),
        callbacks=[EarlyStopping(patience=3)],
        random_state=0,
    ).fit(X, Y)
    epochs = len(clf.history_)
    assert epochs < 200
    assert "valid_loss" in clf.history_[-1]


def test_early_stopping_keeps_the_best_epoch_on_held_out_rows(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(
        early_stopping=True,
        lambdas=1.0,
        module__dropout=0.0,
        n_iter_no_change=3,
        validation_fraction=0.25,
        max_epochs=200,
        lr=0.01,
        module__hidden_sizes=(512,),
        random_state=0,
    ).fit(X, Y)
    history = clf.history_
    valid_losses = history[:, "valid_loss"]
    best = int(np.argmin(valid_losses))
    assert len(history) == best + 1 + 3 < 200  # stopped 3 epochs after the best one
    assert history[:, "train_batch_count"][0] == 5  # trained on 600 of the 800 rows
    seed = check_random_state(0).randint(np.iinfo(np.int32).max)  # as fit draws it
    held_out = np.random.RandomState(seed).permutation(len(X))[:200]
    assert _mean_log_loss(clf, X[held_out], Y[held_out]) == pytest.approx(valid_losses[best], rel=1e-4)


def test_held_out_rows_are_not_copies_of_X(shared_factor_data, monkeypatch):
    # early stopping and lambdas="auto" train on index subsets of one dataset that shares X's memory
    X, Y = shared_factor_data
    X = np.ascontiguousarray(X, dtype=np.float32)
    datasets = []
    init = TaskDataset.__init__

    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        datasets.append(self)

    monkeypatch.setattr(TaskDataset, "__init__", recording_init)
    MultiTaskClassifier(early_stopping=True, lambdas="auto", max_epochs=2, random_state=0).fit(X, Y)
    training = [d for d in datasets if d.codes is not None]
    assert len(training) == 2  # the fit that chooses λ, and the refit
    assert all(d.X.data_ptr() == X.ctypes.data and len(d) == len(X) for d in training)


def _mean_log_loss(clf, X, Y):
    """The network's log-loss summed over tasks, per row: skorch's valid_loss."""
    probas = clf.net_.predict_task_probas(X)
    labelled = [~np.isnan(y) for y in Y.T]
    return sum(
        -np.log(p[rows, y[rows].astype(int)]).sum() for p, y, rows in zip(probas, Y.T, labelled)
    ) / len(X)


def test_early_stopping_with_auto_lambdas_refits_for_the_best_epoch_count(shared_factor_data):
    X, Y = shared_factor_data
    params = dict(n_iter_no_change=3, max_epochs=200, lr=0.01, module__hidden_sizes=(512,), random_state=0)
    stopped = MultiTaskClassifier(early_stopping=True, lambdas=1.0, **params).fit(X, Y)
    auto = MultiTaskClassifier(early_stopping=True, lambdas="auto", **params).fit(X, Y)
    best_epoch = int(np.argmin(stopped.history_[:, "valid_loss"])) + 1
    assert len(auto.history_) == best_epoch  # the same first fit (same rows, seed), then a refit
    assert "valid_loss" not in auto.history_[-1]
    assert auto.history_[:, "train_batch_count"][0] == 7  # the refit uses all 800 rows


def test_dataframe_feature_names_are_kept(shared_factor_data):
    X, Y = shared_factor_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = MultiTaskClassifier(max_epochs=1, random_state=0).fit(frame, Y)
    assert clf.feature_names_in_.tolist() == list(frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)


def test_partial_fit_trains_the_fitted_network_further(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(max_epochs=2, lambdas=1.0, early_stopping=False, random_state=0).fit(X, Y)
    first = clf.net_.module_.heads.weight.detach().clone()
    baselines = clf.baselines_
    clf.partial_fit(X[:400], Y[:400])
    losses = clf.history_[:, "train_loss"]
    assert len(losses) == 3 and losses[2] < losses[0]  # one more pass, continued, not started again
    assert clf.history_[-1, "train_batch_count"] == 4  # over the 400 rows given
    assert not torch.equal(clf.net_.module_.heads.weight, first)
    assert clf.baselines_ is baselines  # baselines without partial_fit stay as fitted


def test_partial_fit_after_early_stopping_trains_on_without_it(shared_factor_data):
    X, Y = shared_factor_data
    params = dict(
        early_stopping=True, lambdas=1.0, n_iter_no_change=2, max_epochs=100, lr=0.01, random_state=0
    )
    clf = MultiTaskClassifier(**params).fit(X, Y)
    stopped = len(clf.history_)
    assert stopped < 100
    clf.partial_fit(X, Y)  # as scikit-learn's MLP: one pass, no early stopping here
    assert len(clf.history_) == stopped + 1
    assert "valid_loss" not in clf.history_[-1] and clf.history_[-1, "train_batch_count"] == 7
    clone = pickle.loads(pickle.dumps(clf))  # the held-out rows are not kept in the model
    np.testing.assert_array_equal(np.hstack(clone.predict_proba(X)), np.hstack(clf.predict_proba(X)))


def test_warm_start_fit_continues_training(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(max_epochs=3, warm_start=True, random_state=0).fit(X, Y).fit(X, Y)
    assert len(clf.history_) == 6
    cold = MultiTaskClassifier(max_epochs=3, random_state=0).fit(X, Y).fit(X, Y)
    assert len(cold.history_) == 3


def test_batch_history_is_the_same_with_and_without_per_batch_callbacks(shared_factor_data):
    X, Y = shared_factor_data

    class CountBatches(Callback):
        def initialize(self):
            self.count = 0
            return self

        def on_batch_end(self, net, **kwargs):
            self.count += 1

    counter = CountBatches()
    hooked = MultiTaskClassifier(max_epochs=2, callbacks=[counter], random_state=0).fit(X, Y)
    quiet = MultiTaskClassifier(max_epochs=2, random_state=0).fit(X, Y)
    assert counter.count == 14  # 7 batches per epoch, each seen by the callback
    for epoch_hooked, epoch_quiet in zip(hooked.history_, quiet.history_):
        assert epoch_hooked["batches"] == epoch_quiet["batches"]
        assert sum(batch["train_batch_size"] for batch in epoch_quiet["batches"]) == len(X)
