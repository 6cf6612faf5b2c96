"""The rows held out to stop training early and to choose λ, drawn so that every task keeps its classes.

The rule: ``validation_fraction`` of the rows are drawn at random; then, from
the rarest (task, class) pair to the most common, rows move across so that a
class with two or more labelled rows has at least one on each side, and a
class with a single labelled row is on the training side. A row moves only if
no other class of its tasks loses its last row on the side it leaves, when
such a row exists. So the network's first fit and the baselines see every
class of every task, and λ is scored on every class that has two labels or
more. A task may still have few or no held-out labels (λ then falls back,
see :func:`mtl_sklearn._blend.choose_lambdas`).
"""

import numpy as np

from ._targets import MISSING


def held_out_rows(codes, fraction, seed, purpose):
    """Sorted ``(train, held_out)`` row indices, about ``fraction`` of the rows held out.

    Parameters
    ----------
    codes : ndarray of shape (n_samples, n_tasks)
        Encoded labels, ``MISSING`` where missing.
    fraction : float
        Share of the rows to hold out.
    seed : int
        Seeds the draw.
    purpose : str
        What the held-out rows are for, for the error message.
    """
    n_rows = len(codes)
    n_held = round(fraction * n_rows)
    if not 0 < n_held < n_rows:
        raise ValueError(
            f"validation_fraction={fraction} leaves {n_held} of {n_rows} rows to {purpose} on; "
            "use a larger fraction or more rows."
        )
    rng = np.random.RandomState(seed)
    held = np.zeros(n_rows, dtype=bool)
    held[rng.permutation(n_rows)[:n_held]] = True
    _keep_classes_on_both_sides(codes, held, rng)
    if held.all() or not held.any():
        raise ValueError(
            f"validation_fraction={fraction} leaves no rows to {purpose} on once every class of "
            "every task keeps a labelled row for training; use more rows."
        )
    return np.flatnonzero(~held), np.flatnonzero(held)


def _keep_classes_on_both_sides(codes, held, rng):
    """Move rows across ``held`` (in place) as the module's rule says."""
    n_classes = [int(task[task != MISSING].max(initial=-1)) + 1 for task in codes.T]
    pairs = [(t, c) for t, n in enumerate(n_classes) for c in range(n)]
    counts = {pair: int((codes[:, pair[0]] == pair[1]).sum()) for pair in pairs}
    for t, c in sorted(pairs, key=counts.get):
        rows = np.flatnonzero(codes[:, t] == c)
        on_held = rows[held[rows]]
        if len(on_held) == len(rows):  # none on the training side: one moves there
            _move(codes, held, rng.permutation(on_held), to_held=False)
        elif len(on_held) == 0 and len(rows) >= 2:
            _move(codes, held, rng.permutation(rows), to_held=True)


def _move(codes, held, candidates, to_held):
    """Move the first candidate whose labels all keep another row on the side it leaves."""
    leaving = ~held if to_held else held
    for row in candidates:
        labelled = np.flatnonzero(codes[row] != MISSING)
        same = (codes[:, labelled] == codes[row, labelled]) & leaving[:, None]
        if (same.sum(axis=0) > 1).all():
            break
    else:
        row = candidates[0]
    held[row] = to_held
