"""Each step's figures are drawn from its StepResult and the data."""

from __future__ import annotations

from matplotlib.figure import Figure

from mnistlab.report.figures import draw_step_figures
from mnistlab.study.results import StudyResults


def test_every_step_draws(small_results: StudyResults, small) -> None:
    slugs = {}
    for name, result in small_results.steps.items():
        specs = draw_step_figures(result, small)
        assert all(isinstance(spec.figure, Figure) and spec.caption for spec in specs)
        slugs[name] = [spec.slug for spec in specs]
    assert slugs["look"] == ["some_digit", "first_100_digits"]
    assert slugs["tradeoff"] == ["precision_recall_vs_threshold", "precision_vs_recall"]
    assert slugs["roc"] == ["roc_curve"]
    assert "class_pair_3_5" in slugs["error_analysis"]
    assert slugs["denoising"] == ["denoising"]
    assert slugs["binary"] == []
