"""The kinds of number a step declares: plain numbers to every reader, a kind to the report."""

from __future__ import annotations

import json
import pickle

from mnistlab.study import STEPS, StepResult, StudyResults, StudySettings
from mnistlab.study.quantities import (
    ClassLabel,
    Integer,
    Number,
    Percent,
    Probability,
    TestAccuracy,
    each,
)


def test_a_declared_number_is_the_plain_number() -> None:
    value = Number(0.1 + 0.2)
    assert value == 0.30000000000000004 and hash(value) == hash(0.30000000000000004)
    assert repr(value) == repr(0.30000000000000004) and str(Integer(3)) == "3"
    assert type(value + 1) is float and type(Integer(3) * 2) is int
    assert pickle.loads(pickle.dumps(Percent(0.5))) == 0.5
    document = {"a": each(Integer, [[1, 2]]), "b": Probability(0.25), "c": ClassLabel(5)}
    assert json.dumps(document) == '{"a": [[1, 2]], "b": 0.25, "c": 5}'
    assert json.dumps(document, indent=1) == json.dumps(
        {"a": [[1, 2]], "b": 0.25, "c": 5}, indent=1
    )


def test_each_declares_every_number_of_nested_lists() -> None:
    matrix = each(Percent, ((0.5, 0.25), [0.125]))
    assert matrix == [[0.5, 0.25], [0.125]]
    assert all(type(v) is Percent for row in matrix for v in row)
    assert type(each(ClassLabel, 7)) is ClassLabel


def _results(values: dict[str, dict[str, object]]) -> StudyResults:
    specs = {spec.name: spec for spec in STEPS}
    steps = {
        name: StepResult(spec=specs[name], values=v, arrays={}, seconds=0.0, cached=False)
        for name, v in values.items()
    }
    return StudyResults("mnist", "0" * 64, StudySettings(), steps, {}, 0.0)


def test_the_best_test_accuracy_is_the_highest_declared_one() -> None:
    results = _results(
        {
            "error_analysis": {"accuracy": Number(0.99)},  # out of fold, not on the test set
            "tuning": {
                "default_test_accuracy": TestAccuracy(0.9688),
                "tuned_test_accuracy": TestAccuracy(0.9714),
                "best_score": Number(0.98),
            },
        }
    )
    assert results.best_test_accuracy() == 0.9714
    # Undeclared numbers are never taken for test accuracies, whatever their key.
    assert _results({"tuning": {"tuned_test_accuracy": 0.97}}).best_test_accuracy() is None
