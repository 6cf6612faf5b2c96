"""skorch's contracts: what callbacks see and when, iterator parameters, pickling."""

import pickle

import numpy as np
import pytest
from skorch.callbacks import Callback, ProgressBar

from mtl_sklearn import MultiTaskClassifier


def test_progress_bar_shows_the_training_loss(shared_factor_data):
    X, Y = shared_factor_data
    postfixes = []

    class RecordingProgressBar(ProgressBar):
        def on_batch_end(self, net, **kwargs):
            super().on_batch_end(net, **kwargs)
            postfixes.append(self.pbar_.postfix)  # what tqdm shows beside the bar

    # verbose=2 adds skorch's own ProgressBar; this one records what it is given
    MultiTaskClassifier(
        max_epochs=1, lambdas=1.0, early_stopping=False, callbacks=[RecordingProgressBar()], random_state=0
    ).fit(X, Y)
    assert len(postfixes) == 7 and all(p.startswith("train_loss=") for p in postfixes)


def test_on_batch_end_sees_the_batch_s_loss_in_the_history(shared_factor_data):
    X, Y = shared_factor_data
    seen = []

    class ReadLoss(Callback):
        def on_batch_end(self, net, batch=None, training=None, **kwargs):
            seen.append((training, net.history[-1, "batches", -1, "train_loss"], kwargs["loss"].item()))

    params = dict(max_epochs=2, lambdas=1.0, early_stopping=False, random_state=0)  # training batches only
    clf = MultiTaskClassifier(**params, callbacks=[ReadLoss()]).fit(X, Y)
    assert len(seen) == 14  # 7 batches in each of 2 epochs
    for training, recorded, returned in seen:
        assert training and recorded == pytest.approx(returned)
    quiet = MultiTaskClassifier(**params).fit(X, Y)  # the fast path, no hook
    assert quiet.history_[:, "train_loss"] == pytest.approx(clf.history_[:, "train_loss"])


def test_iterator_parameters_are_honoured(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(max_epochs=1, iterator_train__batch_size=200, random_state=0).fit(X, Y)
    assert [b["train_batch_size"] for b in clf.history_[-1, "batches"]] == [200] * 4
    clf = MultiTaskClassifier(max_epochs=1, iterator_train__drop_last=True, batch_size=300).fit(X, Y)
    assert [b["train_batch_size"] for b in clf.history_[-1, "batches"]] == [300, 300]
    ordered = MultiTaskClassifier(max_epochs=1, iterator_train__shuffle=False, random_state=0)
    again = MultiTaskClassifier(max_epochs=1, iterator_train__shuffle=False, random_state=1)
    # without shuffling the batches do not depend on the seed: only the initial weights do
    sizes = [b["train_batch_size"] for b in ordered.fit(X, Y).history_[-1, "batches"]]
    assert sizes == [b["train_batch_size"] for b in again.fit(X, Y).history_[-1, "batches"]]


@pytest.mark.parametrize("param", ["iterator_train__num_workers", "iterator_valid__collate_fn"])
def test_dataloader_parameters_without_meaning_here_are_rejected(shared_factor_data, param):
    X, Y = shared_factor_data
    with pytest.raises(ValueError, match=rf"{param} not supported: batches are cut from tensors"):
        MultiTaskClassifier(max_epochs=1, **{param: 2}).fit(X, Y)


def test_prediction_batches_follow_iterator_valid_batch_size(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(max_epochs=1, iterator_valid__batch_size=7, random_state=0).fit(X, Y)
    sizes = []
    forward = clf.net_.evaluation_step

    def recording_step(batch, training=False):
        sizes.append(len(batch[0]))
        return forward(batch, training=training)

    clf.net_.evaluation_step = recording_step
    clf.predict_proba(X[:30])
    assert sizes == [7, 7, 7, 7, 2]


def test_unpickled_model_trains_alpha_further(shared_factor_data):
    # torch pickles an optimiser without its hooks: α's step must come back with the model
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(max_epochs=1, C=1e-3, random_state=0).fit(X, Y)
    loaded = pickle.loads(pickle.dumps(clf))
    before = loaded.alpha_.copy()
    loaded.partial_fit(X, Y)
    assert not np.allclose(loaded.alpha_, before)  # the penalty keeps shrinking α
    assert (loaded.alpha_ <= before + 1e-6).all()


def test_epoch_table_has_colour_codes_only_on_a_terminal(shared_factor_data, capsys, monkeypatch):
    X, Y = shared_factor_data
    params = dict(max_epochs=3, verbose=1, early_stopping=True, random_state=0)
    MultiTaskClassifier(**params).fit(X, Y)
    piped = capsys.readouterr().out
    assert "valid_loss" in piped and "\x1b[" not in piped
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    MultiTaskClassifier(**params).fit(X, Y)
    assert "\x1b[" in capsys.readouterr().out  # skorch's colours mark the best epochs
