"""
α as a map of task relations: two groups of tasks, two experts
==============================================================

Four tasks: tasks ``a1`` and ``a2`` threshold one factor of features 0-9,
tasks ``b1`` and ``b2`` one factor of features 10-19. With several experts the
default trunk ends each in one output (so neither can serve both groups), the
learnt allocation α sends each group to its own expert, and a small C (a
stronger L1 penalty) sets the other entries to exactly zero. ``AlphaDisplay``
draws it.

Wide experts (``module__hidden_sizes=(256, 256)``, the trunk of a single
expert) would each learn both groups and become copies of one another: α then
says nothing about the tasks' relations.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mtl_sklearn import AlphaDisplay, MultiTaskClassifier

rng = np.random.RandomState(0)
X = rng.normal(size=(3000, 20)).astype(np.float32)
Y = {}
for group, features in [("a", slice(0, 10)), ("b", slice(10, 20))]:
    factor = X[:, features] @ rng.normal(size=10)
    factor /= factor.std()
    for j, cut in enumerate((-0.3, 0.3), start=1):
        Y[f"{group}{j}"] = factor + 0.3 * rng.normal(size=len(X)) > cut
Y = pd.DataFrame(Y)

clf = MultiTaskClassifier(n_experts=2, C=0.01, random_state=0).fit(X, Y)
print(pd.DataFrame(clf.alpha_, index=clf.task_names_, columns=["expert 0", "expert 1"]).round(2))

display = AlphaDisplay.from_estimator(clf)
display.figure_.savefig("alpha_two_groups.png", dpi=100, bbox_inches="tight")
plt.close(display.figure_)
