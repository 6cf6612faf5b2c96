"""AlphaDisplay: the task-to-expert allocation α as a heatmap (matplotlib)."""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._compat import check_matplotlib_support

__all__ = ["AlphaDisplay"]


class AlphaDisplay:
    """Heatmap of α: one row per task, one column per expert.

    A zero row is a task the L1 penalty dropped (served by its baseline); with
    several experts, tasks whose rows look alike share the same experts.
    Create it with :meth:`from_estimator`.

    Parameters
    ----------
    alpha : ndarray of shape (n_tasks, n_experts)
        The allocation, e.g. ``clf.alpha_``.
    task_names : list of str
        Row labels.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    im_ : matplotlib AxesImage
    text_ : ndarray of matplotlib Text, or None
        The annotated values, when ``include_values`` is True.

    Examples
    --------
    >>> import numpy as np
    >>> from mtl_sklearn import AlphaDisplay
    >>> display = AlphaDisplay(np.array([[1.2, 0.0], [0.0, 0.9]]), ["a", "b"])
    >>> display.alpha.shape
    (2, 2)
    """

    def __init__(self, alpha, task_names):
        self.alpha = alpha
        self.task_names = task_names

    def plot(self, *, ax=None, cmap="Blues", include_values=True, values_format=".2f"):
        """Draw the heatmap.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        cmap : str or matplotlib Colormap, default="Blues"
        include_values : bool, default=True
            Write each α in its cell.
        values_format : str, default=".2f"
            Format of the written values.

        Returns
        -------
        display : AlphaDisplay
            This object, with ``ax_``, ``figure_``, ``im_`` and ``text_`` set.
        """
        check_matplotlib_support("AlphaDisplay.plot")
        import matplotlib.pyplot as plt

        if ax is None:
            n_tasks, n_experts = self.alpha.shape
            _, ax = plt.subplots(figsize=(1.5 + 0.9 * n_experts, 0.9 + 0.35 * n_tasks))
        self.im_ = ax.imshow(self.alpha, cmap=cmap, vmin=0, aspect="auto")
        self.text_ = None
        if include_values:
            middle = self.alpha.max() / 2 if self.alpha.size else 0
            self.text_ = np.array(
                [
                    [
                        ax.text(
                            k,
                            t,
                            format(value, values_format),
                            ha="center",
                            va="center",
                            color="white" if value > middle else "black",
                        )
                        for k, value in enumerate(row)
                    ]
                    for t, row in enumerate(self.alpha)
                ]
            )
        ax.set_yticks(range(len(self.task_names)), labels=self.task_names)
        ax.set_xticks(range(self.alpha.shape[1]), labels=[f"expert {k}" for k in range(self.alpha.shape[1])])
        ax.set_title("task-to-expert allocation α")
        ax.figure.colorbar(self.im_, ax=ax)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, **kwargs):
        """Plot ``alpha_`` of a fitted MultiTaskClassifier (or a Pipeline ending in one).

        Parameters
        ----------
        estimator : MultiTaskClassifier or Pipeline
            Fitted model.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        display : AlphaDisplay
        """
        model = estimator[-1] if isinstance(estimator, Pipeline) else estimator
        check_is_fitted(model, "alpha_")
        return cls(model.alpha_, model.task_names_).plot(ax=ax, **kwargs)
