"""Where each task's logits sit in the output of the fused task heads.

All task heads run as one linear layer; its output holds the logits of task
0, then those of task 1, and so on, ``n_classes[t]`` columns for task ``t``.
:class:`TaskLayout` is the one description of that layout: the module, the
loss and the probabilities read it from here.
"""

import numpy as np


class TaskLayout:
    """The tasks' blocks of logits, side by side.

    Parameters
    ----------
    n_classes : sequence of int
        Number of classes of each task.

    Attributes
    ----------
    n_classes : tuple of int
    offsets : ndarray of shape (n_tasks + 1,)
        Task ``t`` owns the logits ``offsets[t]:offsets[t + 1]``.
    """

    def __init__(self, n_classes):
        self.n_classes = tuple(int(n) for n in n_classes)
        self.offsets = np.cumsum([0, *self.n_classes])

    def __repr__(self):
        return f"TaskLayout(n_classes={list(self.n_classes)})"

    def __eq__(self, other):
        return isinstance(other, TaskLayout) and self.n_classes == other.n_classes

    __hash__ = None

    @property
    def n_tasks(self):
        return len(self.n_classes)

    @property
    def n_logits(self):
        return int(self.offsets[-1])

    @property
    def equal_classes(self):
        """Whether every task has as many classes (its blocks then form a regular grid)."""
        return len(set(self.n_classes)) == 1

    def slices(self):
        """One ``slice`` of logit columns per task."""
        return [slice(int(a), int(b)) for a, b in zip(self.offsets[:-1], self.offsets[1:])]

    def split(self, logits):
        """The columns of each task in ``logits`` (an array or tensor), one view per task."""
        return [logits[:, block] for block in self.slices()]

    def task_of_logit(self):
        """The task of each logit column, shape ``(n_logits,)``."""
        return np.repeat(np.arange(self.n_tasks), self.n_classes)

    def groups(self):
        """Tasks with the same number of classes, for one batched call each.

        Returns
        -------
        groups : dict
            ``n_classes`` mapped to ``(tasks, columns)``: the task indices, and
            their logit columns as an array of shape ``(len(tasks), n_classes)``.
        """
        groups = {}
        for size in sorted(set(self.n_classes)):
            tasks = np.flatnonzero(np.asarray(self.n_classes) == size)
            groups[size] = (tasks, self.offsets[tasks, None] + np.arange(size))
        return groups
