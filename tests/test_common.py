"""scikit-learn's own estimator checks."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from mtl_sklearn import MultiTaskClassifier

EXPECTED_FAILED_CHECKS = {
    **dict.fromkeys(
        ["check_sample_weight_equivalence_on_dense_data", "check_sample_weight_equivalence_on_sparse_data"],
        "minibatch training: repeating a row adds batches (more optimiser steps per "
        "epoch) and changes the batch statistics that standardise the experts, so "
        "weights equal repetition in expectation; exactly only for one full batch "
        "without α (tests/test_weights.py checks that)",
    ),
    "check_do_not_raise_errors_in_init_or_set_params": (
        "the check passes every name of the __init__ signature, the literal "
        "'kwargs' of **kwargs included, to set_params; like skorch, the estimator "
        "takes nested module__/optimizer__/callbacks__ parameters through **kwargs "
        "and rejects other names (at fit for __init__, at once for set_params)"
    ),
}


@parametrize_with_checks(
    [MultiTaskClassifier(max_epochs=5, random_state=0)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
