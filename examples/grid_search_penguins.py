"""
Tuning λ, C, the baseline and the trunk with GridSearchCV
=========================================================

``MultiTaskClassifier`` is an ordinary scikit-learn estimator: inside a
``Pipeline`` with a scaler, ``GridSearchCV`` tunes its own parameters (λ, C,
the baseline) and the network's (``module__hidden_sizes``, ``lr``) by the mean
per-task accuracy on each task's labelled rows (``score``).

The splitter is passed as an object (``KFold``): with ``cv=3`` scikit-learn
first inspects ``Y`` to choose a stratified split, which fails on a ``Y`` whose
columns mix strings with missing values or with numbers.
"""

from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mtl_sklearn import MultiTaskClassifier, score_tasks
from mtl_sklearn.datasets import load_penguins

X, Y = load_penguins(return_X_y=True, as_frame=True)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.3, random_state=0)

model = make_pipeline(StandardScaler(), MultiTaskClassifier(max_epochs=50, random_state=0))
grid = {
    "multitaskclassifier__lambdas": [1.0, 0.5],
    "multitaskclassifier__C": [0.1, 10.0],
    "multitaskclassifier__baseline": [None, RandomForestClassifier(n_estimators=50, random_state=0)],
    "multitaskclassifier__module__hidden_sizes": [(64,), (256, 256)],
}
search = GridSearchCV(model, grid, cv=KFold(3, shuffle=True, random_state=0)).fit(X_train, Y_train)

print("best parameters:")
for name, value in search.best_params_.items():
    print(f"  {name.removeprefix('multitaskclassifier__')} = {value}")
print(f"cross-validated mean task accuracy: {search.best_score_:.3f}")
print("held-out accuracy per task:", score_tasks(search.best_estimator_, X_test, Y_test))
