"""Several models scored together: each gets its result alone, and the command shows all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from mnistlab.cli import robustness as command
from mnistlab.cli.app import EXIT_USER_ERROR, run
from mnistlab.cli.json_output import SCHEMAS, check
from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.errors import ConfigError
from mnistlab.models import classical
from mnistlab.models.records import ModelRecord
from mnistlab.models.registry import get_model_spec
from mnistlab.models.store import ModelStore, TrainedModel
from mnistlab.models.training import train_model
from mnistlab.progress import ignore_progress
from mnistlab.robustness import (
    CORRUPTIONS,
    PHOTO_VARIANTS,
    RobustnessResult,
    Score,
    benchmark_model,
    benchmark_models,
    run_benchmark,
    run_benchmarks,
)
from mnistlab.robustness.corruptions import get_corruption
from mnistlab.robustness.paper import get_photo_variant

SOME_CORRUPTIONS = [get_corruption(name) for name in ("translate", "fog")]
SOME_PHOTOS = [get_photo_variant(name) for name in ("clean", "jpeg")]
QUICK = {"n": 20, "seed": 2, "corruptions": SOME_CORRUPTIONS, "photos": SOME_PHOTOS}
MODELS = ("knn-tuned", "knn-deskew")


@pytest.fixture(scope="module")
def deskew(mnist: Dataset) -> Any:
    """knn-deskew's settings fitted on 1,000 other clean training images."""
    return classical.train(
        get_model_spec("knn-deskew").settings,
        mnist.X_train[3000:4000],
        mnist.y_train[3000:4000],
        ignore_progress,
    )


def _trained(name: str, classifier: Any, data: Dataset) -> TrainedModel:
    record = ModelRecord(
        name=name, family="classical", settings={}, dataset=data.name,
        data_checksum=data.checksum, n_train=1000, file="x.skops", sha256="0" * 64,
        created="2024-01-01T00:00:00+00:00", train_seconds=1.0, versions={}, metrics={},
    )  # fmt: skip
    return TrainedModel(record=record, classifier=classifier, path=None)  # type: ignore[arg-type]


def test_each_model_scored_with_others_gets_its_result_alone(
    knn: Any, deskew: Any, mnist: Dataset
) -> None:
    calls: list[tuple[Any, ...]] = []
    together = run_benchmarks(
        {"knn": knn, "deskew": deskew}, mnist.X_test, mnist.y_test,
        progress=lambda *a: calls.append(a), **QUICK,
    )  # fmt: skip
    assert list(together) == ["knn", "deskew"]
    for name, model in (("knn", knn), ("deskew", deskew)):
        alone = run_benchmark(model, mnist.X_test, mnist.y_test, model_name=name, **QUICK)
        assert together[name] == alone
    assert together["knn"].scores != together["deskew"].scores
    assert calls[0][0] == "clean" and calls[-1] == ("done", 5, 5)
    with pytest.raises(ConfigError, match="at least one model"):
        run_benchmarks({}, mnist.X_test, mnist.y_test, n=10)


@pytest.mark.slow
def test_models_of_the_store_scored_together_get_their_results_alone(
    knn: Any, deskew: Any, mnist: Dataset
) -> None:
    first, second = _trained("knn-tuned", knn, mnist), _trained("knn-deskew", deskew, mnist)
    together = benchmark_models([first, second], mnist, n=10, seed=4)
    assert list(together) == ["knn-tuned", "knn-deskew"]
    assert together["knn-deskew"] == benchmark_model(second, mnist, n=10, seed=4)
    with pytest.raises(ConfigError, match="'knn-tuned' is given twice"):
        benchmark_models([first, first], mnist, n=10)


def test_the_table_of_several_models_has_a_column_each_and_the_means() -> None:
    def result(model: str, fog: float, unread: int) -> RobustnessResult:
        scores = (
            Score("clean", "clean", "as they are", 0.95, 10),
            Score("fog", "corruption", "plasma haze", fog, 10),
            Score("jpeg", "photo", "JPEG quality 10", 0.9, 10, unread=unread),
        )
        return RobustnessResult(model, "mnist", 10, 0, scores)

    results = [result("knn-tuned", 0.5, 1), result("cnn", 0.7, 0)]
    console = Console(width=200, record=True)
    console.print(command._comparison_table(results))
    text = console.export_text()
    for word in ("knn-tuned", "cnn", "50.0%", "70.0%", "1 / 0", "MNIST-C mean", "overall"):
        assert word in text, word
    assert text.index("overall") > text.index("jpeg")


@pytest.fixture(scope="module")
def models_dir(mnist: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("models")
    for name in MODELS:
        train_model(name, mnist, store=ModelStore(directory), n_train=1000)
    return directory


def _data_args(locations: Locations) -> list[str]:
    args = ["--cache-dir", str(locations.cache_dir)]
    return args + (["--data-dir", str(locations.data_dir)] if locations.data_dir else [])


@pytest.mark.slow
def test_two_models_are_printed_written_and_recorded(
    models_dir: Path, locations: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "robustness.json"
    args = ["robustness", *MODELS, "--n", "10", "--seed", "3", "--models-dir", str(models_dir)]
    assert run([*args, "--json", "--out", str(out), *_data_args(locations)]) == 0
    document = json.loads(out.read_text())
    assert json.loads(capsys.readouterr().out) == document
    assert check(document, SCHEMAS["robustness-comparison"]) == []
    assert document["kind"] == "robustness-comparison" and document["models"] == list(MODELS)
    assert (document["dataset"], document["n_images"], document["seed"]) == ("mnist", 10, 3)
    assert [result["model"] for result in document["results"]] == list(MODELS)
    store = ModelStore(models_dir)
    for result in document["results"]:
        assert check({"schema": 1, "kind": "robustness", **result}, SCHEMAS["robustness"]) == []
        assert len(result["scores"]) == 1 + len(CORRUPTIONS) + len(PHOTO_VARIANTS)
        recorded = store.record(result["model"]).measured_robustness
        assert recorded is not None and recorded.overall_mean == result["overall_mean"]
        assert (recorded.n_images, recorded.seed) == (10, 3)

    assert run([*args, "--out", str(out), *_data_args(locations)]) == 0
    table = capsys.readouterr().out
    for word in (*MODELS, "MNIST-C mean", "photo mean", "overall", "written:"):
        assert word in table, word


@pytest.mark.parametrize(
    ("models", "message"),
    [
        (["knn-tuned", "knn-deskew", "knn-tuned"], "model 'knn-tuned' is named twice"),
        (["knn-tuned", "knn-nope"], "no model called 'knn-nope'"),
        (["knn-tuned", "knn-shift"], "train it with: mnistlab train knn-shift"),
    ],
)
def test_a_model_named_twice_unknown_or_untrained_is_refused_before_the_work(
    models: list[str],
    message: str,
    models_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_data(*args: object, **kwargs: object) -> None:
        raise AssertionError("the data was loaded")

    monkeypatch.setattr(command, "load_with_progress", no_data)
    assert run(["robustness", *models, "--models-dir", str(models_dir)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert message in " ".join(err.split()) and err.count("\n") == 1
    assert "Traceback" not in err
