"""The skorch net that trains a :class:`~mtl_sklearn._module.MultiTaskModule`.

:class:`MultiTaskNet` keeps skorch's interface (callbacks, history, device,
``partial_fit``, verbose output) and changes, through skorch's extension
points, what a multi-task network needs: it builds the module from the trunk
class (``initialize_module``), keeps α out of the optimiser and updates it
after each optimiser step (``initialize_optimizer``), takes batches by index
from tensors already on the device (``get_dataset``, ``iterator_train`` and
``iterator_valid``), and reads an epoch's batch losses from the device once.

:func:`train_network` is what the estimator calls: it builds the net with this
package's skorch defaults and early stopping, trains it and returns it.
"""

import contextlib
import copy
import math
import re
import sys

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, PrintLog, ProgressBar
from skorch.helper import predefined_split
from skorch.hf import AccelerateMixin
from torch.utils.data import Subset

from ._allocation import alpha_penalty
from ._data import ITERATOR_PARAMS, BatchIterator, TaskDataset, class_counts, total_weight, weighted_by_class
from ._guards import TrainingGuard, interrupts_recorded
from ._loss import MultiTaskLoss
from ._module import MultiTaskModule
from ._trunks import ConvTrunk, MLPTrunk, build_trunk, output_width

PREDICT_BATCH_VALUES = 2**20  # input values per batch when predicting (4 MB of float32)
HELD_OUT_STOPPING = "held_out_early_stopping"  # the callback that stops on early_stopping's rows
TRAINING_GUARD = "training_guard"  # the callback that stops non-finite losses and flags divergence
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")  # the colours of skorch's epoch table
BATCH_HOOKS = ("on_batch_begin", "on_batch_end")
# The default trunks' settings that end each expert in one output (kept whole) when there are several
ONE_OUTPUT_PER_EXPERT = {
    MLPTrunk: {"hidden_sizes": (256, 1), "dropout": 0.0},
    ConvTrunk: {"hidden_size": 1},
}


def unwrapped(module):
    """The :class:`MultiTaskModule` inside ``torch.compile``'s (and data-parallel) wrappers."""
    while not isinstance(module, MultiTaskModule):
        module = module._orig_mod if hasattr(module, "_orig_mod") else module.module
    return module


class MultiTaskNet(NeuralNet):
    """skorch ``NeuralNet`` training a :class:`MultiTaskModule` built from a trunk class.

    Parameters
    ----------
    module : torch.nn.Module class
        The trunk: each of the ``n_experts`` experts is an instance, called with
        the ``module__*`` parameters (and ``input_shape`` when it takes it).
    layout : TaskLayout
        The tasks and their blocks of logits.
    input_shape : tuple of int
        Shape of one sample of ``X``.
    class_counts : list of ndarray
        Labels of each class of each task among the training rows, weighted
        by the rows' and the classes' weights: the heads' biases start at
        their log frequencies, where the weighted loss of a constant
        prediction is lowest.
    n_experts : int, default=1
        Number of experts.
    C : float or None, default=1.0
        Inverse strength of α's L1 penalty, per row of the first training
        data (:func:`~mtl_sklearn._allocation.alpha_penalty`); None builds the
        module without α.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(self, module, *args, layout, input_shape, class_counts, n_experts=1, C=1.0, **kwargs):
        kwargs.setdefault("iterator_train", BatchIterator)
        kwargs.setdefault("iterator_valid", BatchIterator)
        super().__init__(module, *args, **kwargs)
        self.layout = layout
        self.input_shape = input_shape
        self.class_counts = class_counts
        self.n_experts = n_experts
        self.C = C

    @property
    def multitask_module(self):
        """The trained :class:`MultiTaskModule`, outside any compile or data-parallel wrapper."""
        return unwrapped(self.module_)

    def initialize_module(self):
        trunk_params = self.get_params_for("module")
        experts = [build_trunk(self.module, trunk_params, self.input_shape) for _ in range(self.n_experts)]
        width = output_width(experts[0], self.input_shape)
        module = MultiTaskModule(experts, width, self.layout, allocation=self.C is not None)
        module.start_at_priors_(self.class_counts)
        self.module_ = module
        return self

    def get_all_learnable_params(self):
        # α has its own update (proximal SGD), not the optimiser's. Compared by
        # identity: a compiled module names it "_orig_mod.allocation.alpha".
        allocation = self.multitask_module.allocation
        for name, param in super().get_all_learnable_params():
            if allocation is None or param is not allocation.alpha:
                yield name, param

    def initialize_optimizer(self, *args, **kwargs):
        super().initialize_optimizer(*args, **kwargs)
        self._attach_allocation_step()
        return self

    def _attach_allocation_step(self):
        # α steps exactly when the optimiser does (after it), whoever calls step()
        self.optimizer_.register_step_post_hook(self.multitask_module.after_optimizer_step)

    def __setstate__(self, state):
        super().__setstate__(state)
        # torch pickles an optimiser without its hooks
        if self.initialized_ and getattr(self, "optimizer_", None) is not None:
            self._attach_allocation_step()

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """skorch's ``partial_fit``, except that a user's interrupt (Ctrl-C) raises ``KeyboardInterrupt``.

        skorch ends training quietly on any ``KeyboardInterrupt``: a callback
        raising one (as ``EarlyStopping`` does) still just stops training.
        """
        with interrupts_recorded() as interrupts:
            super().partial_fit(X, y, classes, **fit_params)
        if interrupts:
            raise KeyboardInterrupt("training was interrupted")
        return self

    @property
    def data_device(self):
        """The device the rows go to: the net's ``device``."""
        return torch.device(self.device)

    def get_dataset(self, X, y=None):
        if isinstance(X, (TaskDataset, Subset)):
            return X
        return TaskDataset(X, y, device=self.data_device)

    # Evaluation passes (predictions, validation loss) run the modules as
    # written: a single pass gains nothing from compiling, and each new batch
    # shape would compile again.
    def infer(self, x, **fit_params):
        written = _as_written(self.module_)  # whose mode skorch sets (torch 2.4's wrapper keeps its own)
        return (self.module_ if written.training else written)(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return (self.criterion_ if training else _as_written(self.criterion_))(y_pred, y_true)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        allocation = self.multitask_module.allocation
        if allocation is not None:
            # C's meaning is per row trained on: the first training's rows, then each later call's
            # (partial_fit chunks add up, so the penalty does not depend on their sizes)
            self._penalty_rows = total_weight(X) + (self._penalty_rows if self.history else 0)
            allocation.penalty = alpha_penalty(self.C, self._penalty_rows)
        # the per-batch hooks that some callback (or a subclass) implements
        self._batch_hooks = {
            name
            for name in (*BATCH_HOOKS, "on_grad_computed")
            if getattr(type(self), name) is not getattr(NeuralNet, name)
            or any(getattr(type(cb), name) is not getattr(Callback, name) for _, cb in self.callbacks_)
        }

    def notify(self, method_name, **cb_kwargs):
        # every callback's on_grad_computed is a no-op unless one implements it
        if method_name != "on_grad_computed" or method_name in self._batch_hooks:
            super().notify(method_name, **cb_kwargs)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch, or, when no callback has per-batch hooks, the same without a host sync per batch.

        skorch reads each batch's loss with ``.item()``, which waits for the
        device, and records it before ``on_batch_end``. When no callback
        implements ``on_batch_begin`` or ``on_batch_end``, nobody can look
        in between: the losses stay on the device and are read once, at the
        end of the epoch, into the same history entries.
        """
        if iterator is None or self._batch_hooks.intersection(BATCH_HOOKS):
            return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        # a compiled training step's outputs can live in CUDA graph memory that its next replay overwrites
        keep = (lambda loss: loss.detach().clone()) if self.compile and training else torch.Tensor.detach
        sizes, losses = [], []
        for batch in iterator:
            losses.append(keep(step_fn(batch, **fit_params)["loss"]))
            sizes.append(len(batch[0]))
        for size, loss in zip(sizes, torch.stack(losses).tolist() if losses else []):
            self.history.new_batch()
            self.history.record_batch(prefix + "_loss", loss)
            self.history.record_batch(prefix + "_batch_size", size)
        self.history.record(prefix + "_batch_count", len(losses))

    def predict_task_probas(self, X):
        """Softmax probabilities of each task, float64, one ``(n_samples, n_classes_t)`` array per task.

        Batch by batch into arrays allocated once: no copy of all logits.
        """
        dataset = self.get_dataset(X)
        probas = [np.empty((len(dataset), n)) for n in self.layout.n_classes]
        start = 0
        for logits in self.forward_iter(dataset):
            stop = start + len(logits)
            for proba, block in zip(probas, self.layout.split(logits.double())):
                proba[start:stop] = torch.softmax(block, dim=1).numpy()
            start = stop
        return probas


class AcceleratedMultiTaskNet(AccelerateMixin, MultiTaskNet):
    """A :class:`MultiTaskNet` trained data-parallel by Accelerate (skorch's ``AccelerateMixin``).

    One process per device, each launched with the same data and seed (e.g.
    ``accelerate launch``): every process draws the same batches and trains
    on its part of each, DDP averages the gradients (α's too, so α and the
    heads move alike everywhere), and every process predicts and scores
    every row itself, so that early stopping sees the same held-out loss in
    each.
    """

    def initialize_criterion(self):
        super().initialize_criterion()
        # Accelerate wraps every torch module it prepares in DDP, which refuses one
        # without parameters, as the loss is; the loss has no state to share.
        self.criterion_ = _Unprepared(self.criterion_.to(self.accelerator.device))
        return self

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        if training and self.accelerator.num_processes > 1:
            iterator.shard = (self.accelerator.process_index, self.accelerator.num_processes)
        return iterator

    def evaluation_step(self, batch, training=False):
        # every process evaluates every row (batches are split only to train): nothing to gather
        return NeuralNet.evaluation_step(self, batch, training=training)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        if training and self.accelerator.num_processes > 1:
            # Each process updated the running batch statistics (α's standardisation, any
            # batch norm) on its own rows: every process takes their mean before reading them.
            for buffer in self.accelerator.unwrap_model(self.module_).buffers():
                if buffer.is_floating_point():
                    buffer.copy_(self.accelerator.reduce(buffer, reduction="mean"))

    @property
    def data_device(self):
        """The device the rows go to: this process's, as Accelerate chose it."""
        return self.accelerator.device


class _Unprepared:
    """A loss module, hidden from Accelerate's ``prepare`` (see :class:`AcceleratedMultiTaskNet`)."""

    def __init__(self, loss):
        self.loss = loss

    def __call__(self, y_pred, y_true):
        return self.loss(y_pred, y_true)


def _as_written(module):
    """``module`` itself, not the ``torch.compile`` wrapper around it, if any."""
    return getattr(module, "_orig_mod", module)


def _takes_fused(optimizer):
    """Whether ``optimizer`` is a torch optimiser with a fused implementation."""
    return optimizer in (torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD)


def make_net(
    *,
    layout,
    input_shape,
    class_counts,
    task_weights,
    class_weights=None,
    held_out=None,
    n_iter_no_change=10,
    **params,
):
    """A :class:`MultiTaskNet` with this package's defaults for skorch's settings.

    Parameters
    ----------
    layout, input_shape, class_counts
        As in :class:`MultiTaskNet`.
    task_weights : array-like of shape (n_tasks,)
        λ, the weight of each task's loss.
    class_weights : list of ndarray or None
        The weight of each class of each task in the loss.
    held_out : Dataset or None
        Rows to stop training on (early stopping, keeping the best epoch's
        weights), or None to train for ``max_epochs``.
    n_iter_no_change : int
        Epochs without improvement on ``held_out`` before stopping.
    **params
        The net's parameters by skorch's names (``module``, ``lr``,
        ``optimizer__*``, ``callbacks``, ``verbose``…), and ``n_experts``, ``C``.
    """
    params = dict(params)
    net_class = MultiTaskNet
    if params.get("accelerator") is not None:  # data-parallel: Accelerate places the model
        net_class, params["device"] = AcceleratedMultiTaskNet, None
    else:
        params.pop("accelerator", None)
    kept = "last" if held_out is None else "best"
    callbacks = net_callbacks(params.pop("callbacks", None), params.get("verbose", 0), kept=kept)
    params.setdefault("callbacks__print_log", epoch_table(params.get("verbose", 0)))
    if held_out is not None:
        params["train_split"] = predefined_split(held_out)
        callbacks.append((HELD_OUT_STOPPING, EarlyStopping(patience=n_iter_no_change, load_best=True)))
    if params.get("n_experts", 1) > 1 and params.get("module") in ONE_OUTPUT_PER_EXPERT:
        # several experts that could each serve every task become copies of one another, and α
        # reads nothing; one output each makes every expert a factor that α routes tasks to
        for name, value in ONE_OUTPUT_PER_EXPERT[params["module"]].items():
            params.setdefault(f"module__{name}", value)
    if _takes_fused(params.get("optimizer")) and not {"optimizer__fused", "optimizer__foreach"} & set(params):
        params["optimizer__fused"] = True  # torch's one-kernel update: same maths, faster
    if params.get("compile"):
        # training batches have two shapes (full and last): static shapes compile twice, and
        # dynamic shapes with CUDA graphs (mode="reduce-overhead") trained to NaN on torch 2.11
        params.setdefault("compile__dynamic", False)
    params.setdefault("iterator_train__shuffle", True)
    if params.get("batch_size", 128) != -1:
        # no graph is kept when predicting: larger batches, about 4 MB of input each
        rows = max(params.get("batch_size", 128), PREDICT_BATCH_VALUES // max(1, math.prod(input_shape)))
        params.setdefault("iterator_valid__batch_size", rows)
    _check_iterator_params(params)
    return net_class(
        layout=layout,
        input_shape=input_shape,
        class_counts=class_counts,
        criterion=MultiTaskLoss,
        criterion__layout=layout,
        criterion__task_weights=task_weights,
        criterion__class_weights=class_weights,
        callbacks=callbacks,
        predict_nonlinearity=None,
        **params,
    )


def net_callbacks(callbacks, verbose, kept="last"):
    """The training guard (``kept``: see it), the user's callbacks, and with ``verbose=2`` a progress bar."""
    progress = [ProgressBar()] if verbose >= 2 else []
    return [(TRAINING_GUARD, TrainingGuard(kept=kept)), *(callbacks or []), *progress]


def print_off_terminal_without_colour(text):
    """``print``, without the colour codes of skorch's epoch table unless stdout is a terminal."""
    print(text if sys.stdout.isatty() else ANSI_CODES.sub("", text))


def epoch_table(verbose):
    """skorch's epoch table (its ``print_log`` callback), printed in colour only to a terminal."""
    return PrintLog(sink=print_off_terminal_without_colour) if verbose else PrintLog()


# Settings that a trained net can take before it trains further (warm_start, partial_fit)
CONTINUABLE = ("lr", "batch_size", "max_epochs", "verbose", "C", "callbacks", "train_split")
CONTINUABLE_PREFIXES = ("optimizer__", "iterator_train__", "iterator_valid__", "callbacks__")


def retune(net, settings, changed):
    """Give a trained net the ``changed`` settings (among :data:`CONTINUABLE`) before it trains further."""
    params = {key: settings[key] for key in changed if key != "callbacks"}
    if {"callbacks", "verbose"} & set(changed):
        params["callbacks"] = net_callbacks(settings.get("callbacks"), settings.get("verbose", 0))
        params.setdefault("callbacks__print_log", epoch_table(settings.get("verbose", 0)))
    _check_iterator_params(params)
    net.set_params(**params)


def train_further(net, X, codes, *, epochs, seed, settings, changed, sample_weight=None):
    """A copy of a fitted net, given the ``changed`` settings and trained ``epochs`` more epochs.

    skorch's ``partial_fit`` on ``X`` and ``codes``, its shuffling and dropout
    drawn from ``seed``; the net itself stays as it was. The copy shares the
    net's accelerator, if any (copying one breaks it).
    """
    accelerator = getattr(net, "accelerator", None)
    net = copy.deepcopy(net, memo={} if accelerator is None else {id(accelerator): accelerator})
    retune(net, settings, changed)
    with _seeded(seed, net.data_device):
        net.partial_fit(TaskDataset(X, codes, device=net.data_device, weights=sample_weight), epochs=epochs)
    return net


@contextlib.contextmanager
def _seeded(seed, device):
    """torch's generators (the CPU's and ``device``'s) seeded within the block, restored after it."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        yield


def _class_weights(class_weight, class_counts):
    """Each class's weight in each task's loss, or None without class weights."""
    if class_weight is None or all(spec is None for spec in class_weight):
        return None
    weights = []
    for spec, counts in zip(class_weight, class_counts):
        counts = np.asarray(counts, dtype=float)
        if spec is None:
            weights.append(np.ones(len(counts)))
        elif isinstance(spec, str):  # "balanced"; a class without training rows is never weighed
            weights.append(
                np.where(counts > 0, counts.sum() / (len(counts) * np.maximum(counts, 1e-12)), 1.0)
            )
        else:
            weights.append(np.asarray(spec, dtype=float))
    return weights


def _check_iterator_params(params):
    unsupported = sorted(
        key
        for key in params
        if key.startswith(("iterator_train__", "iterator_valid__"))
        and key.split("__", 1)[1] not in ITERATOR_PARAMS
    )
    if unsupported:
        raise ValueError(
            f"{', '.join(unsupported)} not supported: batches are cut from tensors already on "
            f"the device, without a DataLoader; iterator_train__* and iterator_valid__* take "
            f"{', '.join(ITERATOR_PARAMS)}."
        )


def train_network(
    X, codes, layout, *, seed, rows=None, held_out=None, sample_weight=None, class_weight=None, **settings
):
    """Build and train a :class:`MultiTaskNet` on ``X`` and the encoded labels ``codes``.

    Parameters
    ----------
    X : ndarray or sparse matrix
        Validated features.
    codes : ndarray of shape (n_samples, n_tasks)
        Encoded labels, ``MISSING`` where missing.
    layout : TaskLayout
    seed : int
        Seeds the module's initialisation and the batch order.
    rows : ndarray or None
        The rows to train on (all when None).
    held_out : ndarray or None
        Rows to stop training on (early stopping), or None.
    sample_weight : ndarray of shape (n_samples,) or None
        Weights of the rows in the loss (and in the class counts the heads
        start from); None weighs every row 1.
    class_weight : list or None
        Per task None, "balanced" (``n_t / (n_classes_t · count_tk)`` on the
        training rows, as scikit-learn) or an array of each class's weight;
        None for no class weights at all.
    **settings
        Passed to :func:`make_net`.

    Returns
    -------
    net : MultiTaskNet
        Trained; with early stopping, its weights are those of the best epoch,
        ``best_epoch_`` is that epoch, and it keeps no reference to the rows.

    Both ``rows`` and ``held_out`` index one dataset: neither copies X.
    """
    accelerator = settings.get("accelerator")
    device = torch.device(accelerator.device if accelerator is not None else settings.get("device", "cpu"))
    dataset = TaskDataset(X, codes, device=device, weights=sample_weight)
    train = dataset if rows is None else Subset(dataset, rows)
    valid = None if held_out is None else Subset(dataset, held_out)
    counts = class_counts(train, layout.n_classes)
    class_weights = _class_weights(class_weight, counts)
    if class_weights is not None:  # the heads start at the minimum of the class-weighted loss
        counts = weighted_by_class(counts, class_weights)
    with _seeded(seed, device):
        net = make_net(
            layout=layout,
            input_shape=tuple(X.shape[1:]),
            class_counts=counts,
            class_weights=class_weights,
            held_out=valid,
            **settings,
        )
        net.fit(train)
    if valid is not None:
        # 0 when a callback stopped training before early stopping saw an epoch: the epochs trained
        net.best_epoch_ = dict(net.callbacks_)[HELD_OUT_STOPPING].best_epoch_ or max(1, len(net.history))
        # Later partial_fit calls train without early stopping, as scikit-learn's
        # MLP does, and the fitted model keeps no reference to the training rows.
        net.set_params(train_split=None, **{f"callbacks__{HELD_OUT_STOPPING}": None})
        net.initialize_callbacks()  # skorch leaves a disabled callback in place until then
    return net
