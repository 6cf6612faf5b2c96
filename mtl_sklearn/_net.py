"""The skorch net that trains a :class:`MultiTaskNetwork`.

It keeps skorch's interface (callbacks, history, device, verbose output) and
changes only the data path and the α update, through skorch's extension points.
"""

import itertools
import math

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from torch.utils.data import Subset

from ._data import BatchIterator, TaskDataset
from ._scheduler import proximal_step_

PREDICT_BATCH_VALUES = 2**20  # input values per batch when predicting (4 MB of float32)


class MultiTaskNet(NeuralNet):
    """skorch ``NeuralNet`` with tensor batches and the proximal α step.

    Parameters
    ----------
    alpha_penalty : float
        Weight of ``‖α‖₁`` in the per-row loss (see ``_scheduler.alpha_penalty``).
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(self, *args, alpha_penalty=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.alpha_penalty = alpha_penalty
        # module and criterion are passed as instances, the same objects as
        # module_ and criterion_: pickle them with skorch's device mapping too,
        # so that a net trained on a GPU loads on a CPU-only machine.
        self.cuda_dependent_attributes_ = [*self.cuda_dependent_attributes_, "module", "criterion"]

    def get_dataset(self, X, y=None):
        if isinstance(X, (TaskDataset, Subset)):
            return X
        return TaskDataset(X, y, device=self.device)

    def get_iterator(self, dataset, training=False):
        batch_size = self.batch_size
        if not training and batch_size != -1:
            # no graph is kept when predicting: larger batches, about 4 MB of input each
            rows = dataset.dataset if isinstance(dataset, Subset) else dataset
            batch_size = max(batch_size, PREDICT_BATCH_VALUES // max(1, math.prod(rows.X.shape[1:])))
        shuffle = training and self.get_params_for("iterator_train").get("shuffle", True)
        return BatchIterator(dataset, batch_size, shuffle=shuffle)

    # Evaluation passes (predictions, validation loss) run the modules as
    # written: a single pass gains nothing from compiling, and each new batch
    # shape would compile again.
    def infer(self, x, **fit_params):
        return (self.module_ if self.module_.training else _as_written(self.module_))(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return (self.criterion_ if training else _as_written(self.criterion_))(y_pred, y_true)

    def get_all_learnable_params(self):
        # α has its own update (proximal SGD), not the optimiser's. Compared by
        # identity: a compiled module names it "_orig_mod.alpha".
        for name, param in super().get_all_learnable_params():
            if param is not self.module_.alpha:
                yield name, param

    def _set_training(self, training=True):
        # skorch sets the mode of every submodule at every batch; once is enough.
        if self.module_.training != training:
            super()._set_training(training)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        # the per-batch hooks that some callback (or a subclass) implements
        self._batch_hooks = {
            name
            for name in ("on_batch_begin", "on_batch_end", "on_grad_computed")
            if getattr(type(self), name) is not getattr(NeuralNet, name)
            or any(getattr(type(cb), name) is not getattr(Callback, name) for _, cb in self.callbacks_)
        }

    def notify(self, method_name, **cb_kwargs):
        # every callback's on_grad_computed is a no-op unless one implements it
        if method_name != "on_grad_computed" or method_name in self._batch_hooks:
            super().notify(method_name, **cb_kwargs)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch without its per-batch host sync and, when no callback needs them, hooks.

        skorch reads each batch's loss with ``.item()``, which waits for the
        device; here the losses stay on the device and are read once, at the
        end of the epoch, into the same history entries. When no callback
        implements ``on_batch_begin`` or ``on_batch_end``, the batches' history
        entries are written at the end of the epoch too, without calling them.
        """
        if iterator is None:
            return
        per_batch = bool(self._batch_hooks & {"on_batch_begin", "on_batch_end"})
        # a compiled training step's outputs can live in CUDA graph memory that its next replay overwrites
        keep = (lambda loss: loss.detach().clone()) if self.compile and training else torch.Tensor.detach
        first = len(self.history[-1]["batches"])
        sizes, losses = [], []
        for batch in iterator:
            if per_batch:
                self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(keep(step["loss"]))
            sizes.append(len(batch[0]))
            if per_batch:
                self.notify("on_batch_end", batch=batch, training=training, **step)
        if not per_batch:
            for _ in sizes:
                self.history.new_batch()
        records = self.history[-1]["batches"][first:]
        for record, size, loss in zip(records, sizes, torch.stack(losses).tolist() if losses else []):
            record[prefix + "_batch_size"] = size
            record[prefix + "_loss"] = loss
        self.history.record(prefix + "_batch_count", len(losses))

    def train_step(self, batch, **fit_params):
        step = super().train_step(batch, **fit_params)
        proximal_step_(self.module_.alpha, self.alpha_penalty)
        self.module_.clip_heads_()
        return step

    def predict_task_probas(self, X, n_classes):
        """Softmax probabilities of each task, in float64, one array per task."""
        logits = self.forward(X).double()
        bounds = np.cumsum([0, *n_classes])
        return [torch.softmax(logits[:, a:b], dim=1).numpy() for a, b in itertools.pairwise(bounds)]


def _as_written(module):
    """``module`` itself, not the ``torch.compile`` wrapper around it, if any."""
    return getattr(module, "_orig_mod", module)
