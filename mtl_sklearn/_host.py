"""X that stays where it is: a memory map, a dask array or a torch Dataset, read a chunk at a time.

Data larger than memory cannot become one tensor on the device. Such an X is
wrapped in :class:`HostRows`: training reads one chunk of consecutive rows
(about ``CHUNK_BYTES`` of float32, or one dask chunk) at a time, moves it to the
device and cuts it into batches, so memory holds a chunk and the model, not X;
reading consecutive rows keeps the disk's reads sequential. Prediction goes
chunk by chunk too (:func:`row_chunks`), into arrays allocated once.
"""

import itertools
import math
import mmap

import numpy as np
from torch.utils.data import Dataset

CHUNK_BYTES = 64 * 2**20  # of float32 rows read at once
# When X is out of core, a task's baseline fits on (and λ is scored on) at most this many of its
# labelled rows, and at most one chunk's bytes of them
MAX_BASELINE_ROWS = 100_000


def _is_dask(X):
    return type(X).__module__.startswith("dask.") and hasattr(X, "chunks") and hasattr(X, "compute")


def is_out_of_core(X):
    """Whether X stays where it is: a ``np.memmap``, a dask array or a torch ``Dataset`` of samples."""
    from ._data import TaskDataset

    return (
        isinstance(X, (np.memmap, HostRows))
        or _is_dask(X)
        or (isinstance(X, Dataset) and not isinstance(X, TaskDataset))
    )


def _sample(item):
    """One sample of a Dataset: its features (the first element of a tuple), as float32."""
    item = item[0] if isinstance(item, (tuple, list)) else item
    return np.asarray(item, dtype=np.float32)


class HostRows:
    """The rows of an out-of-core X, read as float32 a chunk (or a set of rows) at a time.

    Parameters
    ----------
    X : np.memmap, dask array or torch Dataset
        The rows; a Dataset yields one sample (or a tuple whose first element
        is the sample) per index.
    """

    def __init__(self, X):
        self.source = X
        if isinstance(X, Dataset):
            self.shape = (len(X), *_sample(X[0]).shape)
        else:
            self.shape = tuple(X.shape)
        if _is_dask(X):
            bounds = np.cumsum([0, *X.chunks[0]])
        else:
            bounds = [*range(0, self.shape[0], rows_per_chunk(self.shape)), self.shape[0]]
        self.chunks = [(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]

    @property
    def ndim(self):
        return len(self.shape)

    def __len__(self):
        return self.shape[0]

    def read(self, start, stop):
        """Rows ``start:stop`` as one C-contiguous float32 array (a copy, in memory)."""
        X = self.source
        if isinstance(X, Dataset):
            return np.stack([_sample(X[i]) for i in range(start, stop)])
        if _is_dask(X):
            return np.ascontiguousarray(X[start:stop].compute(), dtype=np.float32)
        rows = np.array(X[start:stop], dtype=np.float32, order="C")
        if isinstance(X, np.memmap):
            _release(X, start, stop)
        return rows

    def rows_by_chunk(self, rows):
        """``(start, stop, inside)`` of each chunk holding some of the sorted indices ``rows``.

        ``inside`` is a view of ``rows``: those in ``start:stop``.
        """
        for start, stop in self.chunks:
            inside = rows[np.searchsorted(rows, start) : np.searchsorted(rows, stop)]
            if len(inside):
                yield start, stop, inside

    def take(self, rows):
        """The rows at the sorted indices ``rows``, read chunk by chunk, as one float32 array."""
        rows = np.asarray(rows)
        out = np.empty((len(rows), *self.shape[1:]), dtype=np.float32)
        done = 0
        for start, stop, inside in self.rows_by_chunk(rows):
            out[done : done + len(inside)] = self.read(start, stop)[inside - start]
            done += len(inside)
        return out

    def __getitem__(self, rows):
        """``X[rows]`` for a boolean mask or indices (read into memory: keep it small)."""
        rows = np.asarray(rows)
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        if np.all(rows[1:] >= rows[:-1]):
            return self.take(rows)  # sorted already: read straight into the result
        order = np.argsort(rows, kind="stable")
        out = np.empty((len(rows), *self.shape[1:]), dtype=np.float32)
        out[order] = self.take(rows[order])
        return out


def _release(X, start, stop):
    """Unmap the pages of rows ``start:stop`` of a memory map, now copied: the file stays in the page cache.

    Without it every page read stays mapped into the process, and its resident
    memory (RSS) grows to the size of the file, although the kernel may drop
    those pages. Only a memmap laid out row after row, as ``np.memmap`` makes it.
    """
    mapping = getattr(X, "_mmap", None)
    if mapping is None or not X.flags.c_contiguous or not hasattr(mapping, "madvise"):
        return
    base = np.frombuffer(mapping, dtype=np.uint8).ctypes.data
    begin = X.ctypes.data - base + start * X.strides[0]
    aligned = begin - begin % mmap.PAGESIZE
    mapping.madvise(mmap.MADV_DONTNEED, aligned, begin - aligned + (stop - start) * X.strides[0])


def row_chunks(X):
    """``(start, stop)`` bounds that cut X's rows into chunks of about ``CHUNK_BYTES``."""
    if isinstance(X, HostRows):
        return X.chunks
    n, step = X.shape[0], rows_per_chunk(X.shape)
    return [(start, min(start + step, n)) for start in range(0, n, step)]


def rows_per_chunk(shape):
    """How many float32 rows of this ``shape`` fit in ``CHUNK_BYTES`` (at least one)."""
    return max(1, CHUNK_BYTES // (4 * max(1, math.prod(shape[1:]))))


def read_rows(X, start, stop):
    """Rows ``start:stop`` of X (a view of an in-memory array, a read of an out-of-core one)."""
    return X.read(start, stop) if isinstance(X, HostRows) else X[start:stop]


def bounded_rows(X, rows, seed):
    """``rows`` of X, or, when X is out of core, at most ``baseline_rows(X)`` of them drawn at random."""
    if not isinstance(X, HostRows):
        return rows
    most = baseline_rows(X)
    if len(rows) <= most:
        return rows
    return np.sort(np.random.RandomState(seed).choice(rows, most, replace=False))


def baseline_rows(X):
    """How many rows of an out-of-core X a baseline reads: ``MAX_BASELINE_ROWS``, and one chunk's bytes."""
    return min(MAX_BASELINE_ROWS, rows_per_chunk(X.shape))
