import numpy as np
import torch

from mtl_sklearn._layout import TaskLayout
from mtl_sklearn._module import MultiTaskModule
from mtl_sklearn._trunks import MLPTrunk


def test_untrained_network_predicts_each_task_prior():
    module = MultiTaskModule([MLPTrunk((3,), hidden_sizes=(4,))], 4, TaskLayout([2, 3]))
    module.start_at_priors_([np.array([5, 1]), np.array([0, 2, 6])])
    with torch.no_grad():
        logits = module.eval()(torch.randn(7, 3))
    first, second = torch.softmax(logits[:, :2], 1).numpy(), torch.softmax(logits[:, 2:], 1).numpy()
    np.testing.assert_allclose(first, [[6 / 8, 2 / 8]] * 7, rtol=1e-6)  # add-one smoothed
    np.testing.assert_allclose(second, [[1 / 11, 3 / 11, 7 / 11]] * 7, rtol=1e-6)


def test_alpha_scales_each_task_s_reading_of_each_expert():
    # logits of task t = Σ_k α_tk · W_t · standardised h_k(x) + b_t, for tasks of 2 and 3 classes
    torch.manual_seed(0)
    experts = [MLPTrunk((3,), hidden_sizes=(4,), dropout=0.0) for _ in range(2)]
    module = MultiTaskModule(experts, 4, TaskLayout([2, 3])).eval()
    with torch.no_grad():
        module.heads.weight.normal_()
        module.heads.bias.normal_()
        module.allocation.alpha.copy_(torch.tensor([[0.5, 0.0], [2.0, 1.0]]))
        module.allocation.standardize.running_mean.normal_()
        module.allocation.standardize.running_var.uniform_(0.5, 2.0)
        x = torch.randn(6, 3)
        logits = module(x)
        norm = module.allocation.standardize
        h = [
            (e(x) - m) / torch.sqrt(v + norm.eps)
            for e, m, v in zip(experts, norm.running_mean.split(4), norm.running_var.split(4))
        ]
        W, b = module.heads.weight, module.heads.bias
        alpha = module.allocation.alpha
        for t, block in enumerate(module.layout.slices()):
            expected = sum(alpha[t, k] * h[k] @ W[block].T for k in range(2)) + b[block]
            torch.testing.assert_close(logits[:, block], expected)


def test_without_allocation_every_task_reads_the_sum_of_the_experts():
    torch.manual_seed(0)
    experts = [MLPTrunk((3,), hidden_sizes=(4,), dropout=0.0) for _ in range(2)]
    module = MultiTaskModule(experts, 4, TaskLayout([2, 2]), allocation=False)
    with torch.no_grad():
        module.heads.weight.normal_()
        x = torch.randn(5, 3)
        torch.testing.assert_close(module(x), module.heads(experts[0](x) + experts[1](x)))
    assert module.allocation is None
    np.testing.assert_array_equal(module.alpha.numpy(), np.ones((2, 2)))
