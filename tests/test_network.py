import numpy as np
import torch

from mtl_sklearn._network import MLPTrunk, MultiTaskNetwork


def test_untrained_network_predicts_each_task_prior():
    network = MultiTaskNetwork([MLPTrunk((3,), hidden_sizes=(4,))], 4, n_classes=[2, 3])
    network.start_at_priors_([np.array([5, 1]), np.array([0, 2, 6])])
    with torch.no_grad():
        logits = network.eval()(torch.randn(7, 3))
    first, second = torch.softmax(logits[:, :2], 1).numpy(), torch.softmax(logits[:, 2:], 1).numpy()
    np.testing.assert_allclose(first, [[6 / 8, 2 / 8]] * 7, rtol=1e-6)  # add-one smoothed
    np.testing.assert_allclose(second, [[1 / 11, 3 / 11, 7 / 11]] * 7, rtol=1e-6)
