"""``mnistlab train | evaluate | models | leaderboard`` in-process, and once for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mnistlab.cli.app import EXIT_USER_ERROR, app, run
from mnistlab.config import Locations
from mnistlab.data import Dataset

runner = CliRunner()


def dirs(locations: Locations, models: Path) -> list[str]:
    args = ["--cache-dir", str(locations.cache_dir), "--models-dir", str(models)]
    if locations.data_dir is not None:
        args += ["--data-dir", str(locations.data_dir)]
    return args


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), terminal_width=200)
    return result.exit_code, result.output


def test_train_evaluate_list_and_rank(locations: Locations, mnist: Dataset, tmp_path: Path) -> None:
    models = tmp_path / "models"
    code, out = invoke("train", "knn-tuned", "--n-train", "3000", *dirs(locations, models))
    assert code == 0, out
    assert "trained knn-tuned on 3,000 images of mnist" in out
    assert "next: mnistlab evaluate knn-tuned" in out

    code, out = invoke("evaluate", "knn-tuned", "--json", *dirs(locations, models))
    assert code == 0, out
    doc = json.loads(out[out.index("{") :])
    assert doc["model"] == "knn-tuned" and doc["n_test"] == 10_000
    assert 0.85 < doc["test_accuracy"] < 0.97
    expected_errors = round(10_000 * (1 - doc["test_accuracy"]))
    assert doc["n_errors"] == len(doc["misclassified"]) == expected_errors
    assert len(doc["confusion"]) == 10 and len(doc["precision"]) == 10

    code, out = invoke("evaluate", "knn-tuned", *dirs(locations, models))
    assert code == 0, out
    assert "confusion matrix" in out and "per digit" in out and "ms for one image" in out

    code, out = invoke("models", "--json", "--models-dir", str(models))
    assert code == 0, out
    listed = {m["name"]: m for m in json.loads(out)["models"]}
    assert listed["knn-tuned"]["trained"] and listed["knn-tuned"]["n_train"] == 3000
    assert listed["knn-tuned"]["data_checksum"] == mnist.checksum
    assert not listed["cnn"]["trained"]

    code, out = invoke("leaderboard", "--json", "--models-dir", str(models))
    assert code == 0, out
    rows = json.loads(out)["models"]
    assert [(r["rank"], r["name"]) for r in rows] == [(1, "knn-tuned")]
    assert rows[0]["test_accuracy"] == doc["test_accuracy"]

    code, out = invoke("leaderboard", "--models-dir", str(models))
    assert code == 0 and "knn-tuned" in out and "leaderboard" in out


def test_models_lists_every_registry_entry(tmp_path: Path) -> None:
    code, out = invoke("models", "--models-dir", str(tmp_path))
    assert code == 0, out
    for name in (
        "knn-tuned",
        "knn-shift",
        "knn-deskew",
        "svc-rbf",
        "cnn",
        "cnn-robust",
        "ensemble",
    ):
        assert name in out
    assert "not trained" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "knn-nope"], "no model called 'knn-nope'; choose one of: knn-tuned"),
        (["evaluate", "knn-shift"], "model 'knn-shift' is not trained yet"),
        (["train", "knn-tuned", "--n-train", "0"], "n_train must be between 1 and 60000"),
    ],
)
def test_user_mistakes_are_one_line(
    locations: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
    message: str,
) -> None:  # fmt: skip
    (tmp_path / "models").mkdir()
    code = run([*args, *dirs(locations, tmp_path / "models")])
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_leaderboard_of_nothing_says_how_to_start(tmp_path: Path) -> None:
    code, out = invoke("leaderboard", "--models-dir", str(tmp_path))
    assert code == 0 and "mnistlab train" in out


@pytest.mark.slow
def test_train_for_real_in_a_subprocess(
    locations: Locations, mnist: Dataset, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mnistlab", "train", "knn-tuned", "--n-train", "1000",
         *dirs(locations, models)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "saved:" in done.stdout
    record = json.loads((models / "knn-tuned.json").read_text())
    assert record["n_train"] == 1000 and (models / record["file"]).is_file()


@pytest.fixture
def broken_models(mnist: Dataset, tmp_path: Path) -> Path:
    """knn-tuned with its file deleted, knn-deskew damaged, knn-shift usable."""
    from mnistlab.models.store import ModelStore
    from mnistlab.models.training import train_model

    store = ModelStore(tmp_path / "models")
    for name in ("knn-tuned", "knn-deskew", "knn-shift"):
        train_model(name, mnist, store=store, n_train=1_000)
        store.update_metrics(name, {"test_accuracy": 0.9})
    (store.directory / store.record("knn-tuned").file).unlink()
    damaged = store.directory / store.record("knn-deskew").file
    damaged.write_bytes(damaged.read_bytes() + b"\0")
    return store.directory


def test_models_and_leaderboard_show_each_file_state(broken_models: Path) -> None:
    from mnistlab.cli.json_output import SCHEMAS, check

    code, out = invoke("models", "--json", "--models-dir", str(broken_models))
    assert code == 0, out
    doc = json.loads(out)
    assert check(doc, SCHEMAS["models"]) == []
    listed = {m["name"]: (m["state"], m["trained"]) for m in doc["models"]}
    assert listed["knn-tuned"] == ("file missing", False)
    assert listed["knn-deskew"] == ("damaged", False)
    assert listed["knn-shift"] == ("trained", True)
    assert listed["cnn"] == ("not trained", False)

    code, out = invoke("models", "--models-dir", str(broken_models))
    assert code == 0, out
    assert "file missing" in out and "damaged" in out
    assert "knn-deskew is damaged: train it again with: mnistlab train knn-deskew" in out

    code, out = invoke("leaderboard", "--json", "--models-dir", str(broken_models))
    assert code == 0, out
    doc = json.loads(out)
    assert check(doc, SCHEMAS["leaderboard"]) == []
    ranked = [(r["rank"], r["name"], r["state"]) for r in doc["models"]]
    assert ranked == [
        (1, "knn-shift", "trained"),
        (None, "knn-tuned", "file missing"),
        (None, "knn-deskew", "damaged"),
    ]

    code, out = invoke("leaderboard", "--models-dir", str(broken_models))
    assert code == 0, out
    assert "knn-tuned is file missing: train it again with: mnistlab train knn-tuned" in out
    assert "not evaluated yet" not in out


@pytest.mark.slow
def test_robustness_shows_on_the_leaderboard_until_trained_again(
    locations: Locations, mnist: Dataset, tmp_path: Path
) -> None:
    from mnistlab.cli.json_output import SCHEMAS, check
    from mnistlab.models.store import ModelStore
    from mnistlab.models.training import train_model

    models = tmp_path / "models"
    store = ModelStore(models)
    train_model("knn-tuned", mnist, store=store, n_train=1_000)
    train_model("knn-shift", mnist, store=store, n_train=300)  # never measured
    code, out = invoke(
        "robustness", "knn-tuned", "--n", "50", "--seed", "1", "--json", *dirs(locations, models)
    )
    assert code == 0, out
    measured = json.loads(out[out.index("{") :])
    overall = measured["overall_mean"]
    assert 0.0 < overall < 1.0

    code, out = invoke("leaderboard", "--json", "--models-dir", str(models))
    assert code == 0, out
    doc = json.loads(out)
    assert check(doc, SCHEMAS["leaderboard"]) == []
    rows = {r["name"]: r for r in doc["models"]}
    assert rows["knn-tuned"]["robust_accuracy"] == overall
    assert rows["knn-tuned"]["robustness"] == {
        key: measured[key] for key in ("overall_mean", "mnist_c_mean", "photo_mean", "seed")
    } | {"n_images": 50}
    assert rows["knn-shift"]["robust_accuracy"] is None and rows["knn-shift"]["robustness"] is None

    code, out = invoke("leaderboard", "--models-dir", str(models))
    assert code == 0, out
    assert "robust" in out and f"{100 * overall:.2f}%" in out
    assert "robust measured on fewer test images: knn-tuned on 50 (seed 1)" in out
    assert "robust is — until measured (again after training) with: mnistlab robustness" in out

    code, out = invoke("models", "--json", "--models-dir", str(models))
    assert code == 0, out
    doc = json.loads(out)
    assert check(doc, SCHEMAS["models"]) == []
    listed = {m["name"]: m["robust_accuracy"] for m in doc["models"]}
    assert listed["knn-tuned"] == overall and listed["knn-shift"] is None

    # Evaluating records the test metrics beside the robustness, which stays.
    code, out = invoke("evaluate", "knn-tuned", *dirs(locations, models))
    assert code == 0, out
    assert store.record("knn-tuned").robust_accuracy == overall

    # Trained again, it is another model: its robustness is not measured yet.
    train_model("knn-tuned", mnist, store=store, n_train=800)
    code, out = invoke("leaderboard", "--json", "--models-dir", str(models))
    assert code == 0, out
    doc = json.loads(out)
    assert check(doc, SCHEMAS["leaderboard"]) == []
    assert all(r["robust_accuracy"] is None and r["robustness"] is None for r in doc["models"])
    code, out = invoke("leaderboard", "--models-dir", str(models))
    assert code == 0, out
    assert f"{100 * overall:.2f}%" not in out and "fewer test images" not in out
