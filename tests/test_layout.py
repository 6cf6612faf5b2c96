import numpy as np
import torch

from mtl_sklearn._layout import TaskLayout


def test_each_task_owns_the_next_block_of_logits():
    layout = TaskLayout([2, 3, 2])
    assert layout.n_tasks == 3 and layout.n_logits == 7 and not layout.equal_classes
    assert layout.slices() == [slice(0, 2), slice(2, 5), slice(5, 7)]
    np.testing.assert_array_equal(layout.task_of_logit(), [0, 0, 1, 1, 1, 2, 2])
    logits = torch.arange(14).view(2, 7)
    blocks = layout.split(logits)
    assert [b.tolist() for b in blocks] == [[[0, 1], [7, 8]], [[2, 3, 4], [9, 10, 11]], [[5, 6], [12, 13]]]


def test_groups_gather_tasks_with_as_many_classes():
    groups = TaskLayout([2, 3, 2]).groups()
    assert list(groups) == [2, 3]
    tasks, columns = groups[2]
    np.testing.assert_array_equal(tasks, [0, 2])
    np.testing.assert_array_equal(columns, [[0, 1], [5, 6]])
    np.testing.assert_array_equal(groups[3][1], [[2, 3, 4]])
    assert TaskLayout([4, 4]).equal_classes
