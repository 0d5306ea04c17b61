"""The book's printed numbers beside ours: the table, every verdict, the summary, the skips.

The results are constructed: the chapter's numbers as scikit-learn 1.7.2 gives them
(:data:`CHAPTER`), and as 1.8 and later give them (:func:`sklearn_19_values`), so that
each verdict occurs on purpose.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mnistlab.book import (
    BOOK,
    COLUMN_READ_AS_ROW,
    F1_FROM_COUNTS,
    SGD_STOPPING_RULE,
    BookComparison,
    Verdict,
    compare_with_book,
)
from mnistlab.study import STEPS, StepResult, StudyResults, StudySettings
from mnistlab.versions import release
from tests.full.test_full_study import EXPECTED_KEYS


def _matrix(cells: dict[tuple[int, int], float]) -> list[list[float]]:
    rows = [[0.0] * 10 for _ in range(10)]
    for (i, j), value in cells.items():
        rows[i][j] = value
    return rows


#: What the chapter's own run computed (scikit-learn 1.7.2), unrounded where we know it.
CHAPTER: dict[str, dict[str, Any]] = {
    "binary": {"prediction": True},
    "cross_validation": {
        "cv_accuracies": [0.95035, 0.96035, 0.9604],
        "manual_accuracies": [0.95035, 0.96035, 0.9604],
    },
    "confusion": {"confusion_matrix": [[53892, 687], [1891, 3530]]},
    "precision_recall": {
        "precision": 0.8370879772350012,
        "recall": 0.6511713705958311,
        "f1": 0.7325171197343846,
    },
    "decision_threshold": {
        "decision_score": 2164.2203023926586,
        "prediction_at_0": True,
        "prediction_at_raised": False,
    },
    "tradeoff": {
        "threshold": 3370.0194991439557,
        "precision": 0.9000345901072293,
        "recall": 0.4799852425751706,
    },
    "roc": {"roc_auc": 0.9604938554008616},
    "forest": {
        "first_probabilities": [[0.11, 0.89], [0.99, 0.01]],
        "f1": 0.9274509803921569,
        "roc_auc": 0.9983436731328145,
    },
    "multiclass": {
        "svc_prediction": 5,
        "svc_decision_scores": [
            3.7929782784256636,
            0.7294936854724742,
            6.06184128702233,
            8.298005265101212,
            -0.29383983094362937,
            9.301575971974335,
            1.7472321531421835,
            2.7736545610268455,
            7.206014557536083,
            4.822450917299929,
        ],
        "svc_argmax": 5,
        "svc_classes": list(range(10)),
        "ovr_prediction": 5,
        "ovr_n_estimators": 10,
        "sgd_prediction": 3,
        "sgd_decision_scores": [
            -31893.03,
            -34419.69,
            -9530.64,
            1823.73,
            -22320.15,
            -1385.8,
            -26188.91,
            -16147.51,
            -4604.35,
            -12050.77,
        ],
        "sgd_cv_accuracies": [0.87365, 0.85835, 0.8689],
        "sgd_scaled_cv_accuracies": [0.8983, 0.891, 0.9018],
    },
    "error_analysis": {
        "normalized_by_true": _matrix({(5, 5): 0.8196, (5, 8): 0.1004, (8, 5): 0.0212}),
        "errors_normalized_by_true": _matrix({(7, 9): 0.3591}),
        "errors_normalized_by_pred": _matrix({(9, 7): 0.5594}),
    },
    "multilabel": {"f1_macro": 0.976410265560605, "f1_weighted": 0.9778357403921755},
    "tuning": {
        "default_test_accuracy": 0.9688,
        "best_params": {"n_neighbors": 4, "weights": "distance"},
        "best_score": 0.9441999999999998,
        "tuned_test_accuracy": 0.9714,
    },
}

#: The printed numbers that scikit-learn 1.8 and later change (BOOK.md, "Known differences").
SGD_CHANGED = {
    ("sgd_decision_scores", (1,)),
    ("sgd_cv_accuracies", (0,)),
    ("sgd_cv_accuracies", (2,)),
    ("sgd_scaled_cv_accuracies", (0,)),
    ("sgd_scaled_cv_accuracies", (1,)),
    ("sgd_scaled_cv_accuracies", (2,)),
}
SENTENCE_56 = ("errors_normalized_by_true", (7, 9))
F1_CHANGED = {("f1", ()), ("f1_macro", ())}


def sklearn_19_values() -> dict[str, dict[str, Any]]:
    """The chapter's numbers as scikit-learn 1.8 and later compute them."""
    values = copy.deepcopy(CHAPTER)
    multiclass = values["multiclass"]
    multiclass["sgd_decision_scores"][1] = -19047.72
    multiclass["sgd_cv_accuracies"] = [0.87745, 0.85835, 0.8698]
    multiclass["sgd_scaled_cv_accuracies"] = [0.89835, 0.8902, 0.90095]
    values["precision_recall"]["f1"] = 0.7325171197343847
    values["multilabel"]["f1_macro"] = 0.9764102655606048
    return values


def make_results(
    values: dict[str, dict[str, Any]],
    *,
    sklearn: str = "1.9.1",
    settings: StudySettings | None = None,
) -> StudyResults:
    """A ``StudyResults`` whose steps carry ``values`` and nothing else."""
    specs = {spec.name: spec for spec in STEPS}
    steps = {
        name: StepResult(spec=specs[name], values=v, arrays={}, seconds=0.0, cached=False)
        for name, v in values.items()
    }
    return StudyResults(
        data_name="mnist",
        checksum="0" * 64,
        settings=settings or StudySettings(),
        steps=steps,
        versions={"scikit-learn": sklearn},
        seconds=0.0,
    )


def compare(values: dict[str, dict[str, Any]], *, sklearn: str = "1.9.1") -> BookComparison:
    return compare_with_book(
        make_results(values, sklearn=sklearn), data_name="mnist", full_data=True
    )


def _differing(book: BookComparison) -> dict[tuple[str, tuple[Any, ...]], Verdict]:
    return {
        (row.number.key, row.number.index): row.verdict
        for row in book.rows
        if row.verdict in (Verdict.KNOWN, Verdict.UNEXPLAINED)
    }


def _row(book: BookComparison, key: str, index: tuple[Any, ...] = (), step: str = "") -> Any:
    """The one row of a value (a sentence's percentage of a printed value left aside)."""
    rows = [r for r in book.rows if (r.number.key, r.number.index) == (key, index)]
    rows = [r for r in rows if step in r.number.step]
    (row,) = [r for r in rows if not r.number.percent] if len(rows) > 1 else rows
    return row


def test_every_printed_number_points_at_a_value_the_study_stores() -> None:
    assert len(BOOK) == 65
    for number in BOOK:
        assert number.key in EXPECTED_KEYS[number.step], number
        found = number.known.found_at if number.known else None
        assert found is None or found[0] in EXPECTED_KEYS[number.step]
    # A known reason is attached exactly where BOOK.md names a difference.
    assert {(n.key, n.index) for n in BOOK if n.known} == SGD_CHANGED | {SENTENCE_56} | F1_CHANGED


def test_chapter_numbers_with_sklearn_17_are_reproduced_but_the_56_percent() -> None:
    book = compare(CHAPTER, sklearn="1.7.2")
    assert _differing(book) == {SENTENCE_56: Verdict.KNOWN}
    assert book.summary == (
        "64 of 65 printed numbers reproduced exactly; "
        "1 differs because the book reads a column of the errors matrix as a row."
    )


def test_sklearn_19_differences_are_the_known_ones() -> None:
    book = compare(sklearn_19_values(), sklearn="1.9.1")
    assert _differing(book) == dict.fromkeys(
        SGD_CHANGED | {SENTENCE_56} | F1_CHANGED, Verdict.KNOWN
    )
    assert book.count(Verdict.UNEXPLAINED) == 0
    assert _row(book, "f1", (), "precision_recall").reason == F1_FROM_COUNTS.text
    assert _row(book, "sgd_cv_accuracies", (0,)).reason == SGD_STOPPING_RULE.text
    assert _row(book, *SENTENCE_56).reason == COLUMN_READ_AS_ROW.text
    assert book.summary == (
        "56 of 65 printed numbers reproduced exactly; 9 differ because scikit-learn now "
        "computes F1 from the counts, which moves its last digit (2), scikit-learn 1.8 "
        "changed SGDClassifier's stopping rule (6) and the book reads a column of the "
        "errors matrix as a row (1)."
    )


def test_the_sgd_reason_needs_sklearn_18() -> None:
    book = compare(sklearn_19_values(), sklearn="1.7.2")
    assert _differing(book) == {
        **dict.fromkeys(SGD_CHANGED, Verdict.UNEXPLAINED),
        **dict.fromkeys(F1_CHANGED, Verdict.KNOWN),
        SENTENCE_56: Verdict.KNOWN,
    }
    assert book.summary == (
        "56 of 65 printed numbers reproduced exactly; 3 differ because scikit-learn now "
        "computes F1 from the counts, which moves its last digit (2) and the book reads a "
        "column of the errors matrix as a row (1); 6 differ for no known reason."
    )
    unknown = compare(sklearn_19_values(), sklearn="unknown")
    assert unknown.count(Verdict.UNEXPLAINED) == 6


def test_a_known_reason_explains_only_the_value_the_notes_measured() -> None:
    values = sklearn_19_values()
    values["multiclass"]["sgd_cv_accuracies"][0] = 0.88
    values["multiclass"]["sgd_decision_scores"][0] = -31000.0  # not a class the notes name
    book = compare(values)
    assert _row(book, "sgd_cv_accuracies", (0,)).verdict is Verdict.UNEXPLAINED
    assert _row(book, "sgd_decision_scores", (0,)).verdict is Verdict.UNEXPLAINED
    assert _row(book, "sgd_cv_accuracies", (2,)).verdict is Verdict.KNOWN


def test_the_56_percent_is_explained_only_when_the_column_holds_it() -> None:
    values = copy.deepcopy(CHAPTER)
    values["error_analysis"]["errors_normalized_by_pred"][9][7] = 0.41
    row = _row(compare(values), *SENTENCE_56)
    assert row.verdict is Verdict.UNEXPLAINED and row.reason == ""
    assert row.ours == pytest.approx(0.3591)


@pytest.mark.parametrize(
    ("step", "key", "index", "ours", "verdict"),
    [
        # Printed in full: must be equal, one unit in the last place is a difference.
        ("precision_recall", "precision", (), 0.8370879772350012, Verdict.SAME),
        ("precision_recall", "precision", (), 0.8370879772350013, Verdict.UNEXPLAINED),
        # Printed by numpy: at most 8 decimals, fewer when fewer say the same.
        ("cross_validation", "cv_accuracies", (2,), 0.9604, Verdict.SAME),
        ("cross_validation", "cv_accuracies", (2,), 0.960400001, Verdict.AS_PRINTED),
        ("cross_validation", "cv_accuracies", (2,), 0.96040001, Verdict.UNEXPLAINED),
        # Not the printed 0.8983, though it rounds to it at 4 decimals: scikit-learn >= 1.8.
        ("multiclass", "sgd_scaled_cv_accuracies", (0,), 0.89835, Verdict.KNOWN),
        ("decision_threshold", "decision_score", (), 2164.2203023926586, Verdict.AS_PRINTED),
        ("decision_threshold", "decision_score", (), 2164.220302396, Verdict.UNEXPLAINED),
        ("multiclass", "svc_decision_scores", (3,), 8.298, Verdict.AS_PRINTED),
        ("multiclass", "svc_decision_scores", (3,), 8.31, Verdict.UNEXPLAINED),
        ("forest", "first_probabilities", (), [[0.11, 0.89], [0.99, 0.01]], Verdict.SAME),
        (
            "forest",
            "first_probabilities",
            (),
            [[0.10999999999, 0.89], [0.99, 0.01]],
            Verdict.AS_PRINTED,
        ),
        ("forest", "first_probabilities", (), [[0.12, 0.88], [0.99, 0.01]], Verdict.UNEXPLAINED),
        ("confusion", "confusion_matrix", (), [[53892, 687], [1892, 3529]], Verdict.UNEXPLAINED),
        ("multiclass", "svc_prediction", (), 5, Verdict.SAME),
        ("multiclass", "svc_prediction", (), 3, Verdict.UNEXPLAINED),
        ("binary", "prediction", (), False, Verdict.UNEXPLAINED),
        ("tuning", "best_score", (), 0.9441999999999998, Verdict.AS_PRINTED),
        (
            "tuning",
            "best_params",
            (),
            {"n_neighbors": 3, "weights": "distance"},
            Verdict.UNEXPLAINED,
        ),
        ("tuning", "default_test_accuracy", (), float("nan"), Verdict.UNEXPLAINED),
    ],
)
def test_verdict_follows_how_the_number_was_printed(
    step: str, key: str, index: tuple[int, ...], ours: Any, verdict: Verdict
) -> None:
    values = copy.deepcopy(CHAPTER)
    if index:
        values[step][key][index[0]] = ours
    else:
        values[step][key] = ours
    assert _row(compare(values), key, index, step).verdict is verdict


def test_a_percentage_is_compared_to_the_digits_of_its_sentence() -> None:
    values = copy.deepcopy(CHAPTER)
    book = compare(values)
    sentence = [r for r in book.rows if r.number.percent and r.number.key == "precision"]
    assert [(r.number.printed_text, r.verdict) for r in sentence] == [("83.7%", Verdict.AS_PRINTED)]
    values["precision_recall"]["precision"] = 0.8376
    (row,) = [r for r in compare(values).rows if r.number.percent and r.number.key == "precision"]
    assert row.verdict is Verdict.UNEXPLAINED


def test_a_value_the_results_lack_is_unexplained() -> None:
    values = copy.deepcopy(CHAPTER)
    del values["error_analysis"]["normalized_by_true"]
    book = compare(values)
    rows = [r for r in book.rows if r.number.key == "normalized_by_true"]
    assert len(rows) == 3
    assert all(r.ours is None and r.verdict is Verdict.UNEXPLAINED for r in rows)


def test_only_the_steps_that_ran_are_compared() -> None:
    book = compare({"binary": CHAPTER["binary"], "roc": CHAPTER["roc"]})
    assert [r.number.step for r in book.rows] == ["binary", "roc"]
    assert book.not_run == 63
    assert book.summary == (
        "2 of 2 printed numbers reproduced exactly; 63 more belong to steps that did not run."
    )
    assert compare({"look": {}}).summary == "The book printed no numbers for the steps that ran."


@pytest.mark.parametrize(
    ("data_name", "full_data", "settings", "why"),
    [
        ("fashion-mnist", True, StudySettings(), "it printed numbers for MNIST"),
        ("mnist", False, StudySettings(), "this study ran on fewer"),
        ("mnist", True, StudySettings(positive_class=3), "used class 3 at 90%"),
        ("mnist", True, StudySettings(target_precision=0.95), "used class 5 at 95%"),
    ],
)
def test_comparison_is_skipped_with_a_one_line_reason(
    data_name: str, full_data: bool, settings: StudySettings, why: str
) -> None:
    results = make_results(CHAPTER, settings=settings)
    book = compare_with_book(results, data_name=data_name, full_data=full_data)
    assert book.rows == () and book.skipped.startswith("Not compared with the book: ")
    assert why in book.skipped and "\n" not in book.skipped
    assert book.summary == book.skipped


def test_the_results_say_which_sklearn_computed_them() -> None:
    results = make_results(sklearn_19_values(), sklearn="1.7.2")
    book = compare_with_book(results, data_name="mnist", full_data=True)
    assert book.sklearn_version == "1.7.2" and book.count(Verdict.UNEXPLAINED) == 6
    given = compare_with_book(results, data_name="mnist", full_data=True, sklearn_version="1.8.0")
    assert given.count(Verdict.UNEXPLAINED) == 0


def test_release_reads_version_strings() -> None:
    assert release("1.9.1") == (1, 9, 1)
    assert release("1.8.0rc1") == (1, 8, 0) >= (1, 8)
    assert release("1.10") == (1, 10) > (1, 8)
    assert release("unknown") is None
