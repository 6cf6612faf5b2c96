"""Data on the device once per fit, and batches taken by index.

skorch's default path collates rows one by one through a DataLoader; here X
and the encoded targets become tensors on the training device once, and each
batch is a single index operation. Sparse X stays a scipy CSR matrix and is
densified one batch at a time.
"""

import math

import numpy as np
import scipy.sparse as sp
import torch
from torch.utils.data import Dataset, Subset


class TaskDataset(Dataset):
    """Rows of X with their encoded targets (``codes``, or None to predict)."""

    def __init__(self, X, codes=None, device="cpu"):
        self.device = torch.device(device)
        self.X = X if sp.issparse(X) else torch.as_tensor(X, device=self.device)
        self.codes = None if codes is None else torch.as_tensor(codes, device=self.device)

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, index):
        X, codes = self.batch(torch.as_tensor([index], device=self.device))
        return X[0], None if codes is None else codes[0]

    def batch(self, index):
        """The rows at ``index`` (a slice or an int tensor) as ``(X, codes)`` tensors."""
        if sp.issparse(self.X):
            rows = index if isinstance(index, slice) else index.cpu().numpy()
            X = torch.from_numpy(self.X[rows].toarray()).to(self.device, non_blocking=True)
        else:
            X = self.X[index]
        return X, None if self.codes is None else self.codes[index]


class BatchIterator:
    """Iterates over a :class:`TaskDataset` (or a ``Subset`` of one) in batches."""

    def __init__(self, dataset, batch_size, shuffle=False):
        if isinstance(dataset, Subset):
            self.dataset = dataset.dataset
            self.rows = torch.as_tensor(np.asarray(dataset.indices), device=self.dataset.device)
        else:
            self.dataset, self.rows = dataset, None
        self.n_rows = len(dataset)
        self.batch_size = self.n_rows if batch_size == -1 else batch_size
        self.shuffle = shuffle

    def __len__(self):
        return math.ceil(self.n_rows / self.batch_size)

    def __iter__(self):
        if not self.shuffle and self.rows is None:
            for start in range(0, self.n_rows, self.batch_size):
                yield self.dataset.batch(slice(start, start + self.batch_size))
            return
        order = torch.arange(self.n_rows, device=self.dataset.device)
        if self.shuffle:
            order = torch.randperm(self.n_rows, device=self.dataset.device)
        if self.rows is not None:
            order = self.rows[order]
        for start in range(0, self.n_rows, self.batch_size):
            yield self.dataset.batch(order[start : start + self.batch_size])
