"""The private scikit-learn helpers this package uses, imported in one place.

scikit-learn's own estimators use them; they have no public equivalent yet.
If a release moves one, this is the only file to change (CI tests the oldest
scikit-learn that pyproject.toml allows).
"""

from sklearn.base import _fit_context
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "HasMethods",
    "Interval",
    "Options",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "check_matplotlib_support",
]
