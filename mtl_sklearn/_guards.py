"""What stops or flags a fit that went wrong: non-finite losses, divergence, a user's interrupt."""

import signal
import threading
import warnings
from contextlib import contextmanager

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback

from ._data import class_counts, total_weight, weighted_by_class

# A fit whose kept weights end with a training loss above this multiple of the starting loss diverged
DIVERGED = 1.1


class TrainingGuard(Callback):
    """Stops a fit whose loss is not finite; warns when training ends above where it started.

    The network starts by predicting each task's class frequencies (its head
    weights are zero and its biases their logs), so the loss it starts from is
    that of the class-frequency predictor. A first training (``fit``, or the
    first ``partial_fit``) whose kept weights end more than 10 % above it has
    diverged. Further training starts elsewhere; there only non-finite losses
    are caught.

    Parameters
    ----------
    kept : {"last", "best"}, default="last"
        Which epoch's weights the fit keeps: the last one, or the one of the
        lowest validation loss (early stopping that restores the best epoch).
    """

    def __init__(self, kept="last"):
        self.kept = kept

    def initialize(self):
        self.start_loss_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        # only a network's first training starts where we know: at its training rows' class frequencies
        self.start_loss_ = None
        if not net.history:
            counts = weighted_by_class(class_counts(X, net.layout.n_classes), net.criterion__class_weights)
            self.start_loss_ = class_frequency_loss(counts, net.criterion__task_weights, total_weight(X))

    def on_epoch_end(self, net, **kwargs):
        epoch = net.history[-1]
        for key, rows in (("train_loss", "training rows"), ("valid_loss", "held-out rows")):
            if key in epoch and not np.isfinite(epoch[key]):
                raise ValueError(
                    f"The network's loss on its {rows} became {epoch[key]} at epoch {epoch['epoch']}: "
                    f"training diverged. Lower the learning rate (lr={net.lr}), scale the features "
                    "(e.g. with StandardScaler; very large values overflow), or check that the trunk "
                    "cannot produce NaN."
                )

    def on_train_end(self, net, **kwargs):
        done = [row for row in net.history if "train_loss" in row]  # an interrupt can cut the last one
        kept = [row for row in done if row.get("valid_loss_best")] if self.kept == "best" else []
        if not done or self.start_loss_ is None:
            return
        epoch = (kept or done)[-1]
        if epoch["train_loss"] > DIVERGED * self.start_loss_:
            warnings.warn(
                f"The network's training loss ended at {epoch['train_loss']:.4g} (epoch {epoch['epoch']}), "
                f"more than {DIVERGED - 1:.0%} above {self.start_loss_:.4g}, the loss of predicting each "
                f"task's class frequencies where training started: training diverged. Lower the "
                f"learning rate (lr={net.lr}) or scale the features (e.g. with StandardScaler).",
                ConvergenceWarning,
                stacklevel=2,
            )


def class_frequency_loss(class_counts, task_weights, n_rows):
    """The loss per row of predicting each task's (add-one smoothed) class frequencies on ``n_rows`` rows.

    ``class_counts`` may be weighted (by the rows' and the classes' weights):
    the frequencies and the loss are then the weighted ones.
    """
    total = 0.0
    for counts, weight in zip(class_counts, task_weights):
        counts = np.asarray(counts, dtype=float)
        total += weight * -(counts * np.log((counts + 1) / (counts.sum() + len(counts)))).sum()
    return total / n_rows


@contextmanager
def interrupts_recorded():
    """Record whether SIGINT (Ctrl-C, a notebook's interrupt) arrives within the block.

    skorch ends training quietly on a ``KeyboardInterrupt``, which is also how
    its callbacks (``EarlyStopping``) stop training; a user's interrupt must
    end the whole fit instead, so it is told apart by its signal. Python
    handles signals in the main thread only; elsewhere nothing can arrive.
    """
    received = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = signal.getsignal(signal.SIGINT)

    def record(signum, frame):
        if previous is signal.SIG_IGN:
            return
        received.append(signum)
        if callable(previous):
            previous(signum, frame)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, record)
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)
