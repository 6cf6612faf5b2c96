import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mtl_sklearn import AlphaDisplay, MultiTaskClassifier

pytest.importorskip("matplotlib")


def test_alpha_display_from_a_pipeline(shared_factor_data):
    import matplotlib

    matplotlib.use("Agg")
    X, Y = shared_factor_data
    model = make_pipeline(StandardScaler(), MultiTaskClassifier(n_experts=2, max_epochs=1, random_state=0))
    display = AlphaDisplay.from_estimator(model.fit(X, Y))
    np.testing.assert_array_equal(display.im_.get_array(), model[-1].alpha_)
    assert [label.get_text() for label in display.ax_.get_yticklabels()] == model[-1].task_names_
    assert display.text_.shape == (4, 2)
    assert display.text_[0, 1].get_text() == f"{model[-1].alpha_[0, 1]:.2f}"
