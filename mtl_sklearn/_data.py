"""Data on the device once per fit, and batches taken by index.

skorch's default path collates rows one by one through a DataLoader; here X
and the encoded targets become tensors on the training device once, and each
batch is a single index operation. Sparse X goes to the device in CSR form and
is densified there one batch at a time (:class:`SparseRows`).
"""

import math

import numpy as np
import scipy.sparse as sp
import torch
from torch.utils.data import Dataset, Subset

from ._host import HostRows
from ._targets import MISSING


class SparseRows:
    """A CSR matrix on the device whose rows are densified one batch at a time.

    Each batch reads, for each of its rows, a window of as many stored entries
    as the fullest row of the matrix has, starting at the row's first entry;
    entries past the row's end are masked out, and the rest are scattered into
    a zero batch. That takes a dozen device operations whose sizes do not
    depend on the data (no host sync), and at most the work of a dense batch.

    Parameters
    ----------
    X : scipy sparse matrix of shape (n_samples, n_features)
        Float32 values; its column indices are stored as int64.
    device : torch.device
        Where the matrix and its batches live.
    """

    def __init__(self, X, device):
        X = sp.csr_matrix(X)
        self.shape = X.shape
        self.indptr = torch.as_tensor(X.indptr.astype(np.int64), device=device)
        self.indices = torch.as_tensor(X.indices.astype(np.int64), device=device)
        self.data = torch.as_tensor(X.data, device=device)
        self.window = torch.arange(int(np.diff(X.indptr).max(initial=0)), device=device)

    def dense(self, index):
        """The rows at ``index`` (an int tensor or a slice) as a dense ``(len(index), n_features)`` tensor."""
        if isinstance(index, slice):
            index = torch.arange(*index.indices(self.shape[0]), device=self.data.device)
        start = self.indptr[index]
        inside = self.window < (self.indptr[index + 1] - start)[:, None]
        entry = torch.where(inside, start[:, None] + self.window, 0)
        values = torch.where(inside, self.data[entry], 0)
        batch = torch.zeros(len(index), self.shape[1], dtype=self.data.dtype, device=self.data.device)
        return batch.scatter_add_(1, self.indices[entry], values)


class TaskDataset(Dataset):
    """Rows of X with their encoded targets (``codes``, or None to predict) and row weights.

    A batch is ``(X, codes)``, or ``(X, (codes, weights))`` when the rows are
    weighted (``sample_weight``): the loss reads both. An out-of-core X
    (:class:`~mtl_sklearn._host.HostRows`) stays on the host; its codes stay
    small on the device and become the loss's int64 one batch at a time.
    """

    def __init__(self, X, codes=None, device="cpu", weights=None):
        self.device = torch.device(device)
        if isinstance(X, HostRows):
            self.X = X
        elif sp.issparse(X):
            self.X = SparseRows(X, self.device)
        else:
            self.X = torch.as_tensor(X, device=self.device)
        self.codes = None if codes is None else torch.as_tensor(codes, device=self.device)
        if self.codes is not None and not isinstance(X, HostRows):
            self.codes = self.codes.long()  # once, rather than at every batch
        self.weights = (
            None if weights is None else torch.as_tensor(weights, dtype=torch.float32, device=self.device)
        )

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, index):
        X, target = self.batch(torch.as_tensor([index], device=self.device))
        return X[0], None if target is None else _first(target)

    def batch(self, index):
        """The rows at ``index`` (a slice or an int tensor) as ``(X, codes)`` or ``(X, (codes, weights))``."""
        return _rows(self.X, index), self.targets(index)

    def targets(self, index):
        """The targets of the rows at ``index``: codes, or ``(codes, weights)``; None to predict."""
        codes = _rows(self.codes, index)
        if codes is not None and codes.dtype != torch.int64:
            codes = codes.long()
        if codes is None or self.weights is None:
            return codes
        return codes, _rows(self.weights, index)


def rows_of(dataset):
    """``(base, rows)``: the TaskDataset under ``dataset`` and the row indices it takes (None for all).

    ``dataset`` is a TaskDataset or a ``Subset`` of one, nested or not (skorch's
    ``train_split`` makes Subsets of the Subsets that early stopping makes).
    """
    rows = None
    while isinstance(dataset, Subset):
        indices = np.asarray(dataset.indices)
        rows = indices if rows is None else indices[rows]
        dataset = dataset.dataset
    return dataset, rows


def total_weight(dataset):
    """The rows of ``dataset`` (a TaskDataset or a Subset of one), counted by their weights."""
    base, rows = rows_of(dataset)
    if getattr(base, "weights", None) is None:
        return len(dataset)
    return float(base.weights.sum() if rows is None else base.weights[torch.as_tensor(rows)].sum())


def class_counts(dataset, n_classes):
    """Labels of each class of each task among the rows of ``dataset``, weighted by the rows' weights.

    ``dataset`` is a TaskDataset or a Subset of one; ``n_classes`` the number
    of classes of each task.
    """
    base, rows = rows_of(dataset)
    codes = base.codes.cpu().numpy()
    weights = None if base.weights is None else base.weights.cpu().numpy().astype(np.float64)
    if rows is not None:
        codes, weights = codes[rows], None if weights is None else weights[rows]
    counts = []
    for task, n in zip(codes.T, n_classes):
        labelled = task != MISSING
        counts.append(
            np.bincount(task[labelled], weights=None if weights is None else weights[labelled], minlength=n)
        )
    return counts


def weighted_by_class(counts, class_weights):
    """Class counts weighted by each class's weight (None: unchanged)."""
    if class_weights is None:
        return counts
    return [np.asarray(task, dtype=float) * weights for task, weights in zip(counts, class_weights)]


def _first(target):
    return tuple(part[0] for part in target) if isinstance(target, tuple) else target[0]


def _rows(data, index):
    """``data[index]``: a view for a slice, ``index_select`` for an int tensor."""
    if data is None:
        return None
    if isinstance(data, SparseRows):
        return data.dense(index)
    # index_select costs a third of advanced indexing's fixed cost per batch
    return data[index] if isinstance(index, slice) else data.index_select(0, index)


class BatchIterator:
    """Iterates over a :class:`TaskDataset` (or a ``Subset`` of one) in batches.

    The net's ``iterator_train`` and ``iterator_valid``: skorch passes it the
    ``iterator_train__*`` (or ``iterator_valid__*``) parameters, of which it
    takes those of :class:`torch.utils.data.DataLoader` that make sense for
    batches cut from tensors already on the device (:data:`ITERATOR_PARAMS`).

    An out-of-core X is read a chunk at a time (chunks in random order when
    shuffling, rows shuffled within each chunk), and its batches are cut from
    the chunk on the device: they do not cross chunks.

    In data-parallel training (``shard=(rank, world)``), every process draws
    the same batches (the same seed, so the same order) and keeps its
    ``1/world`` of each, after dropping the rows past a multiple of ``world``:
    the processes' equal parts average to the whole batch's gradient.
    """

    def __init__(self, dataset, batch_size, shuffle=False, drop_last=False, shard=None):
        self.dataset, rows = rows_of(dataset)
        self.rows = None if rows is None else torch.as_tensor(rows, device=self.dataset.device)
        self.n_rows = len(dataset)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.shard = shard

    def __len__(self):
        if isinstance(self.dataset.X, HostRows):
            return sum(
                self._batches_in(stop - start if rows is None else len(rows))
                for start, stop, rows in self._host_chunks()
            )
        return self._batches_in(self.n_rows)

    def _batches_in(self, n_rows):
        return n_rows // self.batch_size if self.drop_last else math.ceil(n_rows / self.batch_size)

    def __iter__(self):
        batches = self._host_batches() if isinstance(self.dataset.X, HostRows) else self._device_batches()
        if self.shard is None:
            yield from batches
            return
        rank, world = self.shard
        for X, target in batches:
            if len(X) >= world:
                keep = len(X) - len(X) % world
                yield X[:keep].tensor_split(world)[rank], _split_target(target, keep, world, rank)

    def _device_batches(self):
        end = len(self) * self.batch_size if self.drop_last else self.n_rows
        if not self.shuffle and self.rows is None:
            for start in range(0, end, self.batch_size):
                yield self.dataset.batch(slice(start, min(start + self.batch_size, end)))
            return
        order = torch.arange(self.n_rows, device=self.dataset.device)
        if self.shuffle:
            order = torch.randperm(self.n_rows, device=self.dataset.device)
        if self.rows is not None:
            order = self.rows[order]
        for start in range(0, end, self.batch_size):
            yield self.dataset.batch(order[start : start + self.batch_size])

    def _host_chunks(self):
        """``(start, stop, rows)`` of each chunk of the out-of-core X holding rows of this iterator.

        ``rows`` are the iterator's rows in the chunk (a view of one sorted
        array), or None when it takes every row: nothing per row is held.
        """
        X = self.dataset.X
        if self.rows is None:
            return ((start, stop, None) for start, stop in X.chunks)
        return X.rows_by_chunk(np.sort(self.rows.cpu().numpy()))

    def _host_batches(self):
        device, X = self.dataset.device, self.dataset.X
        chunks = list(self._host_chunks())
        order = torch.randperm(len(chunks)).tolist() if self.shuffle else range(len(chunks))
        for k in order:
            start, stop, rows = chunks[k]
            block = torch.from_numpy(X.read(start, stop)).to(device, non_blocking=True)
            local = (
                torch.arange(stop - start, device=device)
                if rows is None
                else torch.as_tensor(rows - start, device=device)
            )
            if self.shuffle:
                local = local[torch.randperm(len(local), device=device)]
            for first in range(0, self._batches_in(len(local)) * self.batch_size, self.batch_size):
                index = local[first : first + self.batch_size]
                yield block.index_select(0, index), self.dataset.targets(index + start)


def _split_target(target, keep, world, rank):
    if isinstance(target, tuple):
        return tuple(part[:keep].tensor_split(world)[rank] for part in target)
    return target[:keep].tensor_split(world)[rank]


# The DataLoader parameters that BatchIterator takes (as iterator_train__* / iterator_valid__*)
ITERATOR_PARAMS = ("batch_size", "shuffle", "drop_last")
