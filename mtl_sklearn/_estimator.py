"""MultiTaskClassifier: one shared network for several classification tasks."""

import copy
import functools
import warnings
from functools import partial
from numbers import Integral, Real
from typing import ClassVar, NamedTuple

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ._blend import (
    baseline_probas,
    blend,
    candidate_baselines,
    choose_lambdas,
    default_baseline,
    fit_baselines,
    update_baselines,
)
from ._compat import HasMethods, Interval, Options, StrOptions, _check_sample_weight, _fit_context
from ._host import HostRows, bounded_rows, is_out_of_core, read_rows, row_chunks
from ._layout import TaskLayout
from ._net import CONTINUABLE, CONTINUABLE_PREFIXES, train_further, train_network
from ._scoring import score_tasks
from ._split import held_out_rows
from ._targets import MISSING, check_missing_label, encode_targets, encode_with_classes, task_columns
from ._trunks import ConvTrunk, MLPTrunk

__all__ = ["MultiTaskClassifier"]

# Prefixes of the dunder parameters passed on to the trunk, optimiser, callbacks, iterators and torch.compile.
EXTRA_PARAM_PREFIXES = (
    "module__",
    "optimizer__",
    "callbacks__",
    "iterator_train__",
    "iterator_valid__",
    "compile__",
)
# Parameters that only concern starting a fit: training further ignores them
STARTING_PARAMS = ("warm_start", "random_state", "early_stopping", "validation_fraction", "n_iter_no_change")


def _all_or_nothing(fit_method):
    """A fit method that either succeeds or leaves the estimator's attributes as they were."""

    @functools.wraps(fit_method)
    def wrapper(estimator, *args, **kwargs):
        before = dict(vars(estimator))
        try:
            return fit_method(estimator, *args, **kwargs)
        except BaseException:  # KeyboardInterrupt too: the fit did not happen
            vars(estimator).clear()
            vars(estimator).update(before)
            raise

    return wrapper


class MultiTaskClassifier(ClassifierMixin, BaseEstimator):
    """Several classification tasks learnt by one shared torch network.

    ``K = n_experts`` shared trunks ("experts") ``h_k`` read ``X``; task ``t``
    reads ``z_t = Σ_k α_tk · h_k(x)`` into its own linear head. α is learnt,
    non-negative and sparse (an L1 penalty of strength ``1 / C``). A per-task
    ``baseline`` classifier is fitted on each task's labelled rows and blended
    with the network: ``p_t = λ_t · p_net,t + (1 − λ_t) · p_base,t``.

    Each task (a column of ``Y``) has its own classes; missing labels (NaN,
    None, ``pd.NA`` or ``missing_label``) are left out of that task's loss
    only, so a row with some labels still trains the other tasks. The network
    is trained through skorch (:class:`skorch.NeuralNet`).

    Parameters
    ----------
    module : torch.nn.Module class, default=None
        Class of the trunk (one expert). It is called with the ``module__*``
        parameters, and with ``input_shape`` (the shape of one sample of ``X``)
        when its ``__init__`` accepts that argument. It must map a float32
        batch of shape ``(batch, *input_shape)`` to features ``(batch, width)``
        (or ``(batch, ...)``, flattened). Lazy layers (``nn.LazyLinear``) work.
        None uses :class:`MLPTrunk` for 2-D ``X`` and :class:`ConvTrunk` for
        images ``(n, channels, height, width)``.
    lambdas : "auto", float, array-like of shape (n_tasks,), dict or Series, default="auto"
        λ_t in [0, 1]: the weight of the network in task t's blend with its
        baseline, ``p_t = λ_t · p_net,t + (1 − λ_t) · p_base,t``; 1 uses the
        network alone, 0 the baseline alone. "auto" chooses λ_t per task: a
        first fit on ``1 - validation_fraction`` of the rows scores the blends
        λ ∈ {0, 0.1, …, 1} by log-loss on the other rows and keeps the best of
        each task (never worse there than the baseline, λ = 0); then the
        network (every task weighing 1, as in the first fit, for its best
        number of epochs with early stopping) and the baselines are refitted
        on all rows. A task with fewer than 5 held-out labels gets λ = 0.5 (by
        convexity, no worse than the mean of the two log-losses); with
        ``baseline="drop"`` every λ is 1. A number, array, dict or Series (by
        task name) gives λ, which then also weighs each task's loss in
        training the network (λ_t = 0: the task does not shape it). Before
        0.2 the default was 1.0.
    validation_fraction : float, default=0.2
        Share of the rows held out to choose λ when ``lambdas="auto"`` and to
        stop training when ``early_stopping=True`` (the same rows for both).
        They are drawn at random, then adjusted so that every class of every
        task keeps a labelled row for training, and a class with two labels
        or more one on each side.
    early_stopping : "auto" or bool, default="auto"
        Stop training when the network's loss on the held-out
        ``validation_fraction`` of the rows has not improved for
        ``n_iter_no_change`` epochs, and keep the weights of its best epoch
        (as :class:`~sklearn.neural_network.MLPClassifier`: the network then
        trains on the other rows only). With ``lambdas="auto"``, the first fit
        stops early and the refit on all rows runs for its best number of
        epochs. "auto" stops early unless ``train_split`` is given (your own
        validation, e.g. for your callbacks). :meth:`partial_fit` (and
        ``warm_start``) train on without early stopping, as in scikit-learn.
        Before 0.2 the default was False.
    n_iter_no_change : int, default=10
        Epochs without improvement of the held-out loss before stopping, with
        ``early_stopping=True``.
    C : float or None, default=1.0
        Inverse strength of the L1 penalty on α, as in
        :class:`~sklearn.linear_model.LogisticRegression`: the per-task
        objective is ``C · Σ_i loss_i + ‖α_t‖₁``, summed over that task's
        labelled rows. Smaller values give sparser α. None trains without α
        (the plain shared network: every task reads the sum of the experts,
        with no standardisation or bound on the heads; ``alpha_`` is all ones
        and no task is dropped), which saves α's fixed cost per step.
    baseline : "auto", estimator, None or "drop", default="auto"
        The per-task model that the network is blended with: a classifier
        with ``predict_proba``, cloned and fitted on each task's labelled rows.
        "auto" chooses per task, on the rows ``lambdas="auto"`` holds out,
        between a standardised logistic regression and histogram gradient
        boosting (:class:`~sklearn.ensemble.HistGradientBoostingClassifier`),
        whichever blends to the lower log-loss (``validation_scores_`` says
        which); with given λ, "auto" is the logistic regression. None is the
        standardised :class:`~sklearn.linear_model.LogisticRegression` (the
        default before 0.2). "drop" fits none (then every λ must be 1).
    class_weight : None, "balanced", dict or list, default=None
        Weights of the classes in each task's loss in the network (not in the
        baselines: give the baseline its own ``class_weight``). "balanced"
        weighs the classes of every task inversely to their frequency on the
        training rows, as scikit-learn does (``n_t / (n_classes_t · count)``),
        which raises the recall of rare classes. A dict whose keys are task
        names gives each named task None, "balanced" or a dict of class labels
        to weights (classes left out weigh 1); any other dict maps class
        labels to weights for every task (scikit-learn's form for one task);
        a list gives one such value per task.
    n_experts : int, default=1
        Number of shared trunks ``K``. With ``K > 1`` the default trunk ends
        each expert in one output (``module__hidden_sizes=(256, 1)``, no
        dropout), so that ``alpha_`` reads as a map of which tasks share which
        factor: wide experts become copies of one another (docs/user_guide.rst).
        Give ``module__hidden_sizes`` to choose otherwise.
    missing_label : int, float, str or None, default=None
        A label value that marks a missing label, in addition to NaN, None and
        ``pd.NA`` (which always do), e.g. -1.
    optimizer : torch optimiser class, default=torch.optim.Adam
        Optimiser of the network's weights; ``optimizer__*`` sets its options.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=100
        Number of passes over the training data.
    batch_size : int, default=128
        Rows per batch; -1 uses all rows in one batch.
    train_split : callable or None, default=None
        skorch's internal validation split, e.g. ``skorch.dataset.ValidSplit(0.1)``
        to see a validation loss and use early stopping. None trains on all rows.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks, e.g. ``[skorch.callbacks.EarlyStopping()]``;
        ``callbacks__*`` sets their parameters.
    device : str or torch.device, default="cpu"
        Where the network trains, e.g. "cuda".
    compile : bool, default=False
        Compile the network and loss for training with :func:`torch.compile`
        (skorch's ``compile``); ``compile__*`` sets its options, e.g.
        ``compile__mode="reduce-overhead"`` (CUDA graphs). Shapes are static
        unless ``compile__dynamic`` is given: each fit compiles for its full
        batches and its last one; predictions and validation run uncompiled. The
        first fit in a process spends tens of seconds compiling: worth it only
        for long fits.
    accelerator : accelerate.Accelerator, default=None
        Train data-parallel with Hugging Face Accelerate, through skorch's
        ``AccelerateMixin``: launch one process per device (``accelerate
        launch``, ``torchrun``) that fits the same estimator on the same data
        with the same ``random_state``; each process trains on its part of
        every batch (``batch_size`` is the batch of all processes together),
        the gradients are averaged, and every process ends with the same
        model. Accelerate places the model (``device`` is then ignored).
        ``docs/scaling.rst`` shows how.
    n_jobs : int, default=None
        Number of tasks whose baselines are fitted in parallel (joblib, as
        :class:`~sklearn.multioutput.MultiOutputClassifier`). None is 1
        unless in a :func:`joblib.parallel_backend` context; -1 uses all
        processors. The results do not depend on it.
    warm_start : bool, default=False
        When True, :meth:`fit` on a fitted estimator trains its network further
        (see :meth:`partial_fit`) instead of starting again.
    random_state : int, RandomState instance or None, default=None
        Seeds the network's initialisation, the batch order and the
        baselines. Pass an int for identical results across calls (with the
        same number of torch threads: their sums may round differently).
    verbose : int, default=0
        0 is silent; 1 prints skorch's table of epochs; 2 adds a progress bar
        over the batches of each epoch.
    **kwargs
        Parameters of the trunk (``module__hidden_sizes=(512,)``), of the
        optimiser (``optimizer__weight_decay=1e-4``), of the callbacks
        (``callbacks__<name>__<param>``), of ``torch.compile``
        (``compile__mode``) and ``iterator_train__shuffle``.
        They work with ``set_params`` and ``GridSearchCV`` as in skorch.

    Attributes
    ----------
    classes_ : list of ndarray, or ndarray
        Classes of each task, sorted; one array when ``y`` was 1-D.
    n_tasks_ : int
        Number of tasks.
    task_names_ : list of str
        Column names of ``Y`` (``task_0``, ``task_1``… when it had none).
    outputs_2d_ : bool
        False when ``y`` was 1-D: ``predict`` is then 1-D and
        ``predict_proba`` returns one array.
    n_features_in_ : int
        Number of features (channels for images) seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X``, when it was a DataFrame with string names.
    input_shape_ : tuple of int
        Shape of one sample of ``X``.
    alpha_ : ndarray of shape (n_tasks, n_experts)
        The learnt task-to-expert allocation α.
    lambdas_ : ndarray of shape (n_tasks,)
        The λ used to blend each task: the given or chosen λ, and 0 for a task
        the L1 penalty on α dropped (served by its baseline alone).
    dropped_tasks_ : list of str
        Tasks whose row of ``alpha_`` is all zero: not scheduled on the shared
        network, predicted by their baseline alone (by the network's bias
        alone with ``baseline="drop"``).
    validation_scores_ : DataFrame or None
        With ``lambdas="auto"``: per task, the held-out rows' count and
        log-loss of the network, the baseline and the chosen blend, and the
        chosen λ, from the first fit. None otherwise.
    baselines_ : list of estimators or None
        The fitted baseline of each task; None with ``baseline="drop"``.
    net_ : MultiTaskNet
        The fitted skorch net; ``net_.module_`` is the torch module.
    history_ : skorch.History
        The training history of ``net_``.

    Notes
    -----
    With ``GridSearchCV`` or ``cross_val_score``, pass ``cv`` as a splitter
    such as ``KFold(5, shuffle=True)``: given an int, scikit-learn inspects
    ``y`` to choose a stratified split and rejects NaN labels and columns that
    mix strings with missing values or numbers.

    See Also
    --------
    sklearn.multioutput.MultiOutputClassifier : One independent classifier per
        task, without missing labels.

    Examples
    --------
    >>> import numpy as np
    >>> from mtl_sklearn import MultiTaskClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 5))
    >>> Y = np.c_[X[:, 0] > 0, X[:, 0] + X[:, 1] > 0].astype(float)
    >>> Y[::4, 1] = np.nan  # a quarter of task 1's labels are missing
    >>> clf = MultiTaskClassifier(random_state=0).fit(X, Y)
    >>> Y[:3]
    array([[ 1., nan],
           [ 0.,  0.],
           [ 1.,  1.]])
    >>> clf.predict(X[:3])
    array([[1., 1.],
           [0., 0.],
           [1., 1.]])
    >>> [p.shape for p in clf.predict_proba(X[:3])]
    [(3, 2), (3, 2)]
    >>> {task: round(acc, 2) for task, acc in clf.score_tasks(X, Y).items()}
    {'task_0': 1.0, 'task_1': 1.0}
    >>> clf.validation_scores_["baseline"].tolist(), clf.lambdas_  # chosen on held-out rows
    (['gradient_boosting', 'logistic_regression'], array([0., 1.]))
    """

    _parameter_constraints: ClassVar[dict] = {
        "module": [None, callable],
        "lambdas": [Interval(Real, 0, 1, closed="both"), "array-like", dict, StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "C": [Interval(Real, 0, None, closed="neither"), None],
        "baseline": [None, StrOptions({"drop", "auto"}), HasMethods(["fit", "predict_proba"])],
        "n_experts": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [None, StrOptions({"balanced"}), dict, list],
        "missing_label": [None, Real, str],
        "optimizer": [callable],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
        "train_split": [None, callable],
        "callbacks": [None, list],
        "device": [str, torch.device],
        "compile": ["boolean"],
        "warm_start": ["boolean"],
        "accelerator": [None, HasMethods(["prepare", "unwrap_model"])],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        module=None,
        *,
        lambdas="auto",
        validation_fraction=0.2,
        early_stopping="auto",
        n_iter_no_change=10,
        C=1.0,
        baseline="auto",
        n_experts=1,
        class_weight=None,
        missing_label=None,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=100,
        batch_size=128,
        train_split=None,
        callbacks=None,
        device="cpu",
        compile=False,
        warm_start=False,
        accelerator=None,
        n_jobs=None,
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self.module = module
        self.lambdas = lambdas
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.C = C
        self.baseline = baseline
        self.n_experts = n_experts
        self.class_weight = class_weight
        self.missing_label = missing_label
        self.optimizer = optimizer
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.train_split = train_split
        self.callbacks = callbacks
        self.device = device
        self.compile = compile
        self.warm_start = warm_start
        self.accelerator = accelerator
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        vars(self).update(kwargs)

    # -- parameters --------------------------------------------------------

    def _extra_params(self):
        return {key: value for key, value in vars(self).items() if key.startswith(EXTRA_PARAM_PREFIXES)}

    def get_params(self, deep=True):
        """Get parameters of this estimator, ``module__*`` and the like included.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of contained estimators (the baseline).

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return {**super().get_params(deep=deep), **self._extra_params()}

    def set_params(self, **params):
        """Set parameters, ``module__*``, ``optimizer__*`` and ``callbacks__*`` included.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : MultiTaskClassifier
            This estimator.
        """
        extra = {key: params.pop(key) for key in list(params) if key.startswith(EXTRA_PARAM_PREFIXES)}
        vars(self).update(extra)
        return super().set_params(**params)

    def _check_extra_params(self):
        known = {*self._get_param_names(), *self._extra_params()}
        unknown = [
            key
            for key in vars(self)
            if key not in known and not key.startswith("_") and not key.endswith("_")
        ]
        if unknown:
            raise ValueError(
                f"Unknown parameter(s) {unknown}. Extra parameters must start "
                f"with one of {', '.join(EXTRA_PARAM_PREFIXES)}"
            )

    def _check_lambdas(self, task_names):
        """λ per task from ``lambdas``: a scalar, one value per task, or a dict or Series by task name."""
        lambdas = self.lambdas
        if isinstance(lambdas, (dict, pd.Series)):
            given = {str(name): value for name, value in dict(lambdas).items()}
            missing, unexpected = sorted(set(task_names) - set(given)), sorted(set(given) - set(task_names))
            if missing or unexpected:
                raise ValueError(
                    f"lambdas names tasks that do not match Y's: missing {missing}, unexpected "
                    f"{unexpected}; give one value per task name of {task_names}."
                )
            lambdas = [given[name] for name in task_names]
        lambdas = np.asarray(lambdas, dtype=float)
        if lambdas.ndim == 0:
            lambdas = np.full(len(task_names), float(lambdas))
        if lambdas.shape != (len(task_names),):
            raise ValueError(
                f"lambdas has {lambdas.size} values but Y has {len(task_names)} tasks "
                f"({', '.join(task_names)}); pass one value per task or a scalar."
            )
        if not np.all((lambdas >= 0) & (lambdas <= 1)):
            raise ValueError(f"lambdas must lie in [0, 1]; got {lambdas.tolist()}.")
        if self.baseline == "drop" and np.any(lambdas < 1):
            raise ValueError(
                "lambdas below 1 blend the network with the baseline, but "
                "baseline='drop' fits none. Set lambdas=1 or choose a baseline."
            )
        return lambdas

    # -- data --------------------------------------------------------------

    def _validate_X(self, X, reset):
        """X checked as scikit-learn does; an out-of-core X is wrapped, and only a sample of it read."""
        if is_out_of_core(X):
            X = X if isinstance(X, HostRows) else HostRows(X)
            self._validate_array(X.read(0, min(2, len(X))), reset)  # its dimensions and features
            return X
        return self._validate_array(X, reset)

    def _validate_array(self, X, reset):
        if isinstance(X, pd.DataFrame):
            non_numeric = [
                str(name)
                for name, dtype in X.dtypes.items()
                if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
            ]
            if non_numeric:
                raise ValueError(
                    f"X has non-numeric columns {non_numeric}; MultiTaskClassifier "
                    "needs numeric features. Encode them first, e.g. with a "
                    "OneHotEncoder in a ColumnTransformer."
                )
        shape = tuple(getattr(X, "shape", ()))
        if not reset and len(shape) == 4 and shape[1:] != self.input_shape_:
            raise ValueError(_image_shape_message(shape[1:], self.input_shape_))
        try:
            X = validate_data(self, X, reset=reset, accept_sparse="csr", dtype=np.float32, allow_nd=True)
        except ValueError as error:
            if "could not convert" not in str(error):
                raise
            raise ValueError(
                f"X holds values that are not numbers ({error}); MultiTaskClassifier "
                "needs numeric features. Encode strings first, e.g. with a "
                "OneHotEncoder in a ColumnTransformer."
            ) from error
        if isinstance(X, np.ndarray) and (not X.flags.writeable or min(X.strides, default=0) < 0):
            X = np.ascontiguousarray(X) if X.flags.writeable else X.copy()  # torch takes neither as it is
        if X.ndim not in (2, 4):
            raise ValueError(
                f"X has {X.ndim} dimensions; pass tabular X of shape (n_samples, "
                "n_features) or images of shape (n_samples, channels, height, width)."
            )
        if not reset and tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {tuple(X.shape[1:])} but the model was "
                f"fitted on samples of shape {self.input_shape_}."
            )
        return X

    # -- fit ---------------------------------------------------------------

    def _check_settings(self):
        """What ``_parameter_constraints`` cannot say about the parameters."""
        self._check_extra_params()
        check_missing_label(self.missing_label)
        if str(self.device).startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(
                f"device={self.device!r} but torch sees no CUDA GPU; use "
                "device='cpu' or install a CUDA build of torch."
            )
        if self.early_stopping is True and self.train_split is not None:
            raise ValueError(
                "early_stopping=True holds out validation_fraction of the rows itself; "
                "pass train_split=None, or early_stopping=False to use your train_split."
            )

    def _net_settings(self, X):
        """The parameters of the skorch net, by skorch's names."""
        return {
            "module": self.module or (MLPTrunk if X.ndim == 2 else ConvTrunk),
            "n_experts": self.n_experts,
            "C": self.C,
            "optimizer": self.optimizer,
            "lr": self.lr,
            "max_epochs": self.max_epochs,
            "batch_size": self.batch_size,
            "train_split": self.train_split,
            "callbacks": self.callbacks,
            "device": self.device,
            "accelerator": self.accelerator,
            "compile": self.compile,
            "verbose": int(self.verbose),
            "n_iter_no_change": self.n_iter_no_change,
            **self._extra_params(),
        }

    @_fit_context(prefer_skip_nested_validation=False)
    @_all_or_nothing
    def fit(self, X, y, sample_weight=None):
        """Fit the shared network and the per-task baselines.

        A fit either succeeds or raises and leaves the estimator as it was
        (unfitted, or with its previous model).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features) \
                or array of shape (n_samples, channels, height, width)
            Numeric features, or images. Sparse matrices stay sparse in memory
            and are densified one batch at a time.
        y : array-like or DataFrame of shape (n_samples, n_tasks) or (n_samples,)
            One column of class labels per task (ints, strings, bools,
            categoricals); NaN, None, ``pd.NA`` or ``missing_label`` marks a
            missing label. A 1-D ``y`` is a single task.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows: in the network's loss (a weight of 2 counts a
            row twice), in the choice of λ, and in the baselines that take
            ``sample_weight`` (a warning says when the baseline does not).

        Returns
        -------
        self : MultiTaskClassifier
            The fitted estimator.
        """
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        if self.warm_start and hasattr(self, "net_"):
            return self._train_further(X, y, sample_weight, epochs=self.max_epochs)
        self._check_settings()
        X = self._validate_X(X, reset=True)
        targets = encode_targets(y, self.missing_label)
        _check_rows(X, targets.codes)
        weights = _row_weights(sample_weight, X)
        layout = TaskLayout([len(c) for c in targets.classes])
        seed = self._seed()
        train = partial(
            train_network,
            X,
            targets.codes,
            layout,
            seed=seed,
            sample_weight=weights,
            class_weight=self._class_weight_per_task(targets),
            **self._net_settings(X),
        )
        fit_baselines = partial(self._fit_baselines, X, targets, seed=seed, sample_weight=weights)
        early_stopping = self._early_stopping()
        if isinstance(self.lambdas, str) and self.baseline != "drop":  # "auto": chosen on held-out rows
            choice = self._choose_lambdas(X, targets, seed, train, fit_baselines, weights, early_stopping)
            lambdas, scores = choice.lambdas, choice.scores
            self._say(
                f"Refit on all {X.shape[0]:,} rows for {choice.epochs} epochs (the first fit's best), every "
                "task weighing 1 as there; the chosen baselines refit on all rows too."
            )
            baselines = fit_baselines(targets.codes, choice.baselines)
            net = train(task_weights=np.ones(len(lambdas)), max_epochs=choice.epochs)
        else:  # λ given, or "auto" without baselines: the network alone, λ = 1
            lambdas, scores = self._unchosen_lambdas(targets.task_names), None
            baselines = fit_baselines(targets.codes, self._baselines(X))
            rows = held_out = None
            if early_stopping:
                rows, held_out = held_out_rows(targets.codes, self.validation_fraction, seed, "stop training")
                self._say(
                    f"The network trains on {len(rows):,} rows and stops when its loss on the other "
                    f"{len(held_out):,} stops improving."
                )
            net = train(task_weights=lambdas, rows=rows, held_out=held_out)

        self._set_fitted(X, targets, net, baselines, lambdas, scores)
        return self

    def _set_fitted(self, X, targets, net, baselines, lambdas, scores):
        """The fitted attributes, set together once everything has trained."""
        self.input_shape_ = tuple(X.shape[1:])
        self.net_ = net
        self.baselines_ = baselines
        self.validation_scores_ = scores
        self.task_names_ = targets.task_names
        self.n_tasks_ = len(targets.classes)
        self.outputs_2d_ = not targets.one_dimensional
        self.classes_ = targets.classes if self.outputs_2d_ else targets.classes[0]
        self._tasks_named = targets.named
        self._trained_lambdas = lambdas
        self._fit_params = self.get_params(deep=False)
        self._read_allocation()

    def _read_allocation(self):
        """``alpha_``, ``dropped_tasks_`` and ``lambdas_`` from the trained network."""
        self.alpha_ = self.net_.multitask_module.alpha.cpu().numpy()
        dropped = ~self.alpha_.any(axis=1)
        self.dropped_tasks_ = [name for name, out in zip(self.task_names_, dropped) if out]
        self.lambdas_ = np.where(dropped & (self.baselines_ is not None), 0.0, self._trained_lambdas)
        if dropped.all():
            served = "their baselines alone" if self.baselines_ is not None else "their class frequencies"
            warnings.warn(
                f"C={self.C} dropped every task from the shared network (alpha_ is all zero): the "
                f"model predicts with {served}. Use a larger C to keep the tasks that share it.",
                UserWarning,
                stacklevel=2,
            )

    @_fit_context(prefer_skip_nested_validation=False)
    @_all_or_nothing
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One pass of training on ``X, y``: scikit-learn's incremental learning.

        The first call (on an unfitted model) builds the network, with each
        task's classes from ``classes`` (or from ``y``), and trains it one
        pass over the rows; each later call trains it one more pass on the
        rows it is given, keeping its weights, α and optimiser state. There is
        no early stopping and no held-out rows: ``lambdas="auto"`` means λ = 1
        (the network alone), and baselines are kept only if they learn
        incrementally (a ``baseline`` with ``partial_fit``, such as
        :class:`~sklearn.linear_model.SGDClassifier` with ``loss="log_loss"``,
        updated on every call; λ below 1 needs one). On a model fitted with
        :meth:`fit`, its baselines without ``partial_fit`` and its λ stay as
        fitted. α's penalty counts every row trained on so far, so C keeps
        its meaning whatever the chunks' sizes.

        Changed training settings (``lr``, ``batch_size``, ``C``,
        ``optimizer__*``, ``iterator_*__*``, callbacks, ``verbose``) apply
        from the call on; a change the fitted network cannot take (its trunk,
        ``n_experts``, optimiser class, device, ``lambdas``, ``baseline``…)
        raises a ValueError. A call that raises leaves the model as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame}
            Samples, as in :meth:`fit`.
        y : array-like or DataFrame of shape (n_samples, n_tasks) or (n_samples,)
            Labels of the same tasks; columns matched by name when both the
            first call and ``y`` name the tasks.
        classes : list of array-like, or array-like, default=None
            The classes of each task (one array when ``y`` is 1-D), used by the
            first call: a chunk need not hold every class. Ignored later.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows, as in :meth:`fit`.

        Returns
        -------
        self : MultiTaskClassifier
            The estimator, trained one more pass.
        """
        if not hasattr(self, "net_"):
            return self._start_incrementally(X, y, classes, sample_weight)
        return self._train_further(X, y, sample_weight, epochs=1)

    def _start_incrementally(self, X, y, classes, sample_weight):
        """The first ``partial_fit``: the network built and trained one pass, no held-out rows."""
        self._check_settings()
        X = self._validate_X(X, reset=True)
        targets = encode_targets(y, self.missing_label, classes=classes)
        _check_rows(X, targets.codes)
        weights = _row_weights(sample_weight, X)
        lambdas = self._unchosen_lambdas(targets.task_names)
        seed = self._seed()
        baseline = self._baselines(X)
        baselines = None
        if hasattr(baseline, "partial_fit"):
            baselines = fit_baselines(
                baseline,
                X,
                targets.classes,
                targets.codes,
                seed,
                targets.task_names,
                weights,
                self.n_jobs,
                incremental=True,
            )
        elif (lambdas < 1).any():
            raise ValueError(
                "partial_fit blends the network with baselines that learn chunk by chunk: lambdas below "
                "1 need a baseline with partial_fit, such as SGDClassifier(loss='log_loss'); or leave "
                "lambdas='auto' (λ = 1 in partial_fit), or use fit."
            )
        net = train_network(
            X,
            targets.codes,
            TaskLayout([len(c) for c in targets.classes]),
            seed=seed,
            sample_weight=weights,
            class_weight=self._class_weight_per_task(targets),
            task_weights=lambdas,
            **{**self._net_settings(X), "max_epochs": 1},
        )
        self._set_fitted(X, targets, net, baselines, lambdas, scores=None)
        return self

    def _train_further(self, X, y, sample_weight, epochs):
        """Train a copy of the fitted network ``epochs`` more epochs; it replaces the fitted one.

        Baselines that have ``partial_fit`` learn the rows too; the others stay.
        """
        self._validate_params()  # scikit-learn's _fit_context skips it for partial_fit on a fitted model
        X = self._validate_X(X, reset=False)
        frame = task_columns(y, self.task_names_, self._tasks_named)
        classes = self._task_classes()
        codes = encode_with_classes(frame, classes, self.task_names_, self.missing_label)
        _check_rows(X, codes)
        weights = _row_weights(sample_weight, X)
        # each call's passes drawn from random_state and the epochs already trained: a run of
        # calls repeats exactly, and no two calls shuffle alike
        seed = self._seed()
        net = train_further(
            self.net_,
            X,
            codes,
            epochs=epochs,
            seed=(seed + len(self.net_.history)) % np.iinfo(np.int32).max,
            settings=self._net_settings(X),
            changed=self._changed_training_params(),
            sample_weight=weights,
        )
        if self.baselines_ is not None and any(hasattr(b, "partial_fit") for b in self.baselines_):
            self.baselines_ = update_baselines(copy.deepcopy(self.baselines_), X, classes, codes, weights)
        self.net_ = net
        self._fit_params = self.get_params(deep=False)
        self._read_allocation()
        return self

    def _changed_training_params(self):
        """Names of the training parameters changed since the last fit; raise for the others."""
        now, then = self.get_params(deep=False), self._fit_params
        changed = sorted(key for key in now.keys() | then.keys() if not _same(now.get(key), then.get(key)))
        fixed = [
            key
            for key in changed
            if key not in (*CONTINUABLE, *STARTING_PARAMS) and not key.startswith(CONTINUABLE_PREFIXES)
        ]
        if fixed:
            raise ValueError(
                f"Training the fitted model further (partial_fit, warm_start) keeps its network, "
                f"baselines and λ, so it cannot apply the changed {fixed}; call fit with "
                "warm_start=False to fit a new model with them."
            )
        return [key for key in changed if key not in STARTING_PARAMS]

    def _seed(self):
        """The seed of this fit's torch generators, held-out rows and baselines, from ``random_state``."""
        return check_random_state(self.random_state).randint(np.iinfo(np.int32).max)

    def _unchosen_lambdas(self, task_names):
        """λ when no held-out rows choose it: as given, or the network alone (1) for "auto"."""
        return np.ones(len(task_names)) if isinstance(self.lambdas, str) else self._check_lambdas(task_names)

    def _say(self, text):
        """Tell what the fit does next, with ``verbose``."""
        if self.verbose:
            print(f"[{type(self).__name__}] {text}")

    def _early_stopping(self):
        """Whether to stop training on held-out rows: "auto" does unless a train_split is given."""
        return self.train_split is None if self.early_stopping == "auto" else self.early_stopping

    def _baselines(self, X):
        """The baseline: an estimator, None for none ("drop"), or the candidates of "auto" by name."""
        sparse = hasattr(X, "toarray")
        if self.baseline == "auto":
            return candidate_baselines(sparse)
        if self.baseline is None:
            return default_baseline(sparse)
        return None if self.baseline == "drop" else self.baseline

    def _fit_baselines(self, X, targets, codes, baseline, *, seed, sample_weight):
        """``baseline`` (one estimator, one per task, or the candidates of "auto") fitted per task."""
        if baseline is None:
            return None
        if isinstance(baseline, dict):  # no held-out rows to choose on: the first candidate
            baseline = next(iter(baseline.values()))
        return fit_baselines(
            baseline, X, targets.classes, codes, seed, targets.task_names, sample_weight, self.n_jobs
        )

    def _class_weight_per_task(self, targets):
        """``class_weight`` as None or, per task, None, "balanced" or an array over the task's classes."""
        class_weight, names = self.class_weight, targets.task_names
        if class_weight is None or isinstance(class_weight, str):
            return None if class_weight is None else ["balanced"] * len(names)
        if isinstance(class_weight, dict) and {str(key) for key in class_weight} <= set(names):
            by_name = {str(key): spec for key, spec in class_weight.items()}
            specs = [by_name.get(name) for name in names]
        elif isinstance(class_weight, dict):  # scikit-learn's form: class labels to weights, for every task
            specs = [class_weight] * len(names)
        elif len(class_weight) == len(names):
            specs = list(class_weight)
        else:
            raise ValueError(f"class_weight has {len(class_weight)} entries but Y has {len(names)} tasks.")
        per_task = []
        for name, classes, spec in zip(names, targets.classes, specs):
            if isinstance(spec, dict):
                labels = list(classes.tolist())
                extra = [label for label in spec if label not in labels]
                if extra:
                    raise ValueError(
                        f"class_weight of task {name!r} names labels {extra} that it does not have."
                    )
                spec = np.array([float(spec.get(label, 1.0)) for label in labels])
            elif spec not in (None, "balanced"):
                raise ValueError(
                    f"class_weight of task {name!r} is {spec!r}; use None, 'balanced' or a dict of "
                    "class weights."
                )
            per_task.append(spec)
        return per_task

    def _choose_lambdas(self, X, targets, seed, train, fit_baselines, sample_weight, early_stopping):
        """λ (and, with ``baseline="auto"``, the baseline) per task from a first fit on part of the rows.

        The first fit trains the network (every λ = 1) and the baselines on
        ``1 - validation_fraction`` of the rows; per task, the blend of lowest
        log-loss on the others gives λ (and the baseline among the candidates).
        """
        codes, classes, names = targets.codes, targets.classes, targets.task_names
        rows, held_out = held_out_rows(codes, self.validation_fraction, seed, "choose lambdas")
        scored = bounded_rows(X, held_out, seed)  # all held-out rows, unless X is out of core
        train_codes = codes.copy()
        train_codes[held_out] = MISSING  # baselines fit on the training rows, without a copy of X
        candidates = self._baselines(X)
        candidates = candidates if isinstance(candidates, dict) else {"baseline": candidates}
        self._say(
            f"Choosing λ{' and the baseline' if self.baseline == 'auto' else ''} of each task on "
            f"{len(held_out):,} held-out rows; first the baselines and the network fit on the other "
            f"{len(rows):,}"
            + (
                ", the network stopping when its loss on the held-out rows stops improving."
                if early_stopping
                else "."
            )
        )
        fitted = {name: fit_baselines(train_codes, estimator) for name, estimator in candidates.items()}
        net = train(
            rows=rows, held_out=held_out if early_stopping else None, task_weights=np.ones(len(classes))
        )
        alive = net.multitask_module.alpha.cpu().numpy().any(axis=1)
        X_scored = X[scored]
        network = [p if keep else None for p, keep in zip(net.predict_task_probas(X_scored), alive)]
        weights = None if sample_weight is None else sample_weight[scored]
        choices = [
            choose_lambdas(
                network, baseline_probas(baselines, X_scored, classes), codes[scored], names, weights
            )
            for baselines in fitted.values()
        ]
        # per task, the candidate whose best blend has the lowest held-out log-loss (the first without labels)
        losses = np.column_stack([scores["blend_log_loss"].fillna(np.inf) for _, scores in choices])
        best = losses.argmin(axis=1)
        scores = pd.DataFrame([choices[b][1].iloc[t] for t, b in enumerate(best)]).rename_axis("task")
        if self.baseline == "auto":
            scores.insert(0, "baseline", [list(candidates)[b] for b in best])
        lambdas = np.array([choices[b][0][t] for t, b in enumerate(best)])
        if self.verbose:
            self._say(f"Chosen on the held-out rows (validation_scores_):\n{scores.round(4).to_string()}")
        return _Choice(
            lambdas=lambdas,
            scores=scores,
            baselines=[list(candidates.values())[b] for b in best],
            epochs=net.best_epoch_ if early_stopping else self.max_epochs,
        )

    @property
    def history_(self):
        """skorch's training history of the fitted network."""
        check_is_fitted(self)
        return self.net_.history

    # -- predict -----------------------------------------------------------

    def _task_classes(self):
        check_is_fitted(self)
        return self.classes_ if self.outputs_2d_ else [self.classes_]

    def _probas(self, X):
        """Probabilities of each task, a list even for a single task.

        Chunk by chunk of rows (about 64 MB of X each, read from disk when X
        is out of core), into arrays allocated once.
        """
        classes = self._task_classes()
        X = self._validate_X(X, reset=False)
        probas = [np.empty((X.shape[0], len(c))) for c in classes]
        needs_baseline = self.baselines_ is not None and (self.lambdas_ < 1).any()
        for start, stop in row_chunks(X):
            rows = read_rows(X, start, stop)
            base = baseline_probas(self.baselines_, rows, classes) if needs_baseline else None
            for out, proba in zip(probas, blend(self.net_.predict_task_probas(rows), base, self.lambdas_)):
                out[start:stop] = proba
        for name, proba in zip(self.task_names_, probas):
            bad = ~np.isfinite(proba).all(axis=1)
            if bad.any():
                raise ValueError(
                    f"The model's probabilities of task {name!r} are not finite for {bad.sum()} rows "
                    f"of X (the first: {np.flatnonzero(bad)[:5].tolist()}): those rows hold values "
                    "far outside the range the model was fitted on; scale X as at fit."
                )
        return probas

    def predict_proba(self, X):
        """Class probabilities of each task.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame}
            Samples, as in :meth:`fit`.

        Returns
        -------
        probas : list of ndarray of shape (n_samples, n_classes_t), or ndarray
            One array per task, columns in the order of ``classes_[t]`` (the
            layout of :class:`~sklearn.multioutput.MultiOutputClassifier`);
            one array when ``y`` was 1-D.
        """
        probas = self._probas(X)
        return probas if self.outputs_2d_ else probas[0]

    def predict(self, X):
        """Most probable class of each task.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame}
            Samples, as in :meth:`fit`.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_tasks), or (n_samples,)
            Predicted labels; 1-D when ``y`` was 1-D. Its dtype is the tasks'
            common label dtype, or object when tasks differ.
        """
        classes = self._task_classes()
        probas = self._probas(X)
        dtypes = {c.dtype for c in classes}
        Y = np.empty((len(probas[0]), len(classes)), dtype=dtypes.pop() if len(dtypes) == 1 else object)
        for t, (task_classes, proba) in enumerate(zip(classes, probas)):
            Y[:, t] = task_classes[proba.argmax(axis=1)]
        return Y if self.outputs_2d_ else Y[:, 0]

    # -- score -------------------------------------------------------------

    def score_tasks(self, X, y, metric="accuracy", sample_weight=None):
        """A figure per task, on that task's labelled rows.

        Same as :func:`mtl_sklearn.score_tasks` (which also takes a Pipeline).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame}
            Samples, as in :meth:`fit`.
        y : array-like or DataFrame of shape (n_samples, n_tasks) or (n_samples,)
            True labels, missing ones marked as in :meth:`fit`; columns matched
            by name when both the fit and ``y`` name the tasks.
        metric : {"accuracy", "balanced_accuracy", "roc_auc", "log_loss"} or callable, \
                default="accuracy"
            A callable is called as ``metric(y_true, y_pred)`` on the labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows (not for a callable metric).

        Returns
        -------
        scores : dict
            Task name mapped to its figure (NaN for a task with no labels in ``y``).
        """
        return score_tasks(self, X, y, metric=metric, sample_weight=sample_weight)

    def score(self, X, y, sample_weight=None):
        """Mean over tasks of the accuracy on each task's labelled rows.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame}
            Samples, as in :meth:`fit`.
        y : array-like or DataFrame of shape (n_samples, n_tasks) or (n_samples,)
            True labels, missing ones marked as in :meth:`fit`; a DataFrame's
            columns are matched to the tasks by name when the fit named them
            too. A label never seen during fit counts as a wrong prediction.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        score : float
            Mean of :meth:`score_tasks` over the tasks with labels in ``y``.
        """
        return float(np.nanmean(list(self.score_tasks(X, y, sample_weight=sample_weight).values())))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags


def _same(a, b):
    """Whether two parameter values are the same (arrays by content, estimators by identity)."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


class _Choice(NamedTuple):
    """What the first fit of ``lambdas="auto"`` chose, and trained."""

    lambdas: np.ndarray
    scores: pd.DataFrame
    baselines: list  # the baseline of each task, unfitted
    epochs: int  # for the refit on all rows


def _row_weights(sample_weight, X):
    """``sample_weight`` checked against X (float64, non-negative), or None."""
    return None if sample_weight is None else _check_sample_weight(sample_weight, X, ensure_non_negative=True)


def _check_rows(X, codes):
    if codes.shape[0] != X.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows but Y has {codes.shape[0]}; each row of "
            "Y must hold the labels of the same row of X."
        )


def _image_shape_message(shape, fitted):
    message = f"X has images of shape {shape} but the model was fitted on images of shape {fitted}"
    if sorted(shape) == sorted(fitted) and shape[-1] == fitted[0]:
        return message + " (channels, height, width): X looks channels-last; pass X.transpose(0, 3, 1, 2)."
    return message + " (channels, height, width)."
