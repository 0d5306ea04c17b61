"""The CNN learns, is reproducible, round-trips through its file, and refuses any other file."""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import textwrap
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from mnistlab.data import Dataset
from mnistlab.errors import ConfigError, ImageInputError, ModelFileError
from mnistlab.models import cnn
from mnistlab.models.cnn.payload import network_payload
from mnistlab.models.records import ModelRecord
from mnistlab.models.registry import get_model_spec
from mnistlab.models.store import ModelStore
from mnistlab.versions import current_versions

# Tiny and on one thread: fast, and unhurt by other work on a busy CPU.
TINY = {"seed": 0, "threads": 1, "epochs": 1, "width": 8, "hidden": 32, "n_validation": 100}
STATUS = re.compile(r"^epoch (\d+)/(\d+) · loss (\d+\.\d{3}) · val (–|\d+\.\d\d%)$")


class Progress:
    """Records every progress report."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float | None]] = []

    def __call__(self, task: str, completed: float, total: float | None) -> None:
        self.calls.append((task, completed, total))


def _train(mnist: Dataset, n: int = 1000, **changes: Any) -> cnn.CNNClassifier:
    settings = {**TINY, **changes}
    return cnn.train(settings, mnist.X_train[:n], mnist.y_train[:n], Progress())


@pytest.fixture(scope="module")
def tiny(mnist: Dataset) -> cnn.CNNClassifier:
    return _train(mnist)


@pytest.fixture
def saved(tiny: cnn.CNNClassifier, tmp_path: Path) -> Path:
    path = tmp_path / f"tiny{cnn.FILE_SUFFIX}"
    cnn.save(tiny, path)
    return path


@pytest.mark.slow
def test_short_training_on_a_subset_learns(mnist: Dataset) -> None:
    progress = Progress()
    settings = {"seed": 0, "threads": 1, "epochs": 3, "n_validation": 300}
    model = cnn.train(settings, mnist.X_train[:3000], mnist.y_train[:3000], progress)

    parsed = [STATUS.match(task) for task, _, _ in progress.calls]
    assert all(parsed), progress.calls[:3]
    losses = [float(m.group(3)) for m in parsed if m]
    assert losses[0] > 1.0 and losses[-1] < losses[0] / 3
    assert parsed[-1] and parsed[-1].group(1) == "3" and parsed[-1].group(4) != "–"
    assert float(parsed[-1].group(4).rstrip("%")) > 90.0
    done = [completed for _, completed, _ in progress.calls]
    assert done == sorted(done) and done[-1] == progress.calls[-1][2]
    test_accuracy = np.mean(
        model.predict_proba(mnist.X_test[:2000]).argmax(1) == mnist.y_test[:2000]
    )
    assert test_accuracy > 0.9  # chance is 0.1


def test_probabilities_are_float64_rows_that_sum_to_one(
    tiny: cnn.CNNClassifier, mnist: Dataset
) -> None:
    for n in (1, 7, 1500):  # one thread below 64 images, batched above 1000
        proba = tiny.predict_proba(mnist.X_test[:n])
        assert proba.shape == (n, 10) and proba.dtype == np.float64
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    single = tiny.predict_proba(mnist.X_test[:1])
    np.testing.assert_allclose(single, tiny.predict_proba(mnist.X_test[:100])[:1], atol=1e-6)


@pytest.mark.parametrize(
    "images", [np.zeros((3, 28, 28), np.uint8), np.zeros((3, 784), np.float32), np.zeros(784)]
)
def test_images_of_the_wrong_form_are_refused(tiny: cnn.CNNClassifier, images: Any) -> None:
    with pytest.raises(ImageInputError, match=r"images must (have shape \(n, 784\)|be uint8)"):
        tiny.predict_proba(images)


@pytest.mark.slow  # a second on an idle CPU; two threads on a busy one wait for each other
def test_same_seed_gives_identical_weights(mnist: Dataset) -> None:
    # Two threads, as in the registry: their reductions must be reproducible too.
    first, again = _train(mnist, n=400, threads=2), _train(mnist, n=400, threads=2)
    other = _train(mnist, n=400, threads=2, seed=1)
    a, b, c = (m.network.state_dict() for m in (first, again, other))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)
    queries = mnist.X_test[:500]
    np.testing.assert_array_equal(first.predict_proba(queries), again.predict_proba(queries))


@pytest.mark.parametrize("n", [2, 20, 143])  # 143: 129 left after validation, 128 + 1
def test_any_number_of_images_from_two_trains(mnist: Dataset, n: int) -> None:
    model = _train(mnist, n=n, batch_size=128)
    assert model.predict_proba(mnist.X_test[:5]).shape == (5, 10)


def test_training_restores_torch_settings_even_on_ctrl_c(mnist: Dataset) -> None:
    before = (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled())

    def interrupt(task: str, completed: float, total: float | None) -> None:
        if completed >= 2 * 10:
            raise KeyboardInterrupt

    settings = {**TINY, "threads": 3 if before[0] != 3 else 2}
    with pytest.raises(KeyboardInterrupt):
        cnn.train(settings, mnist.X_train[:5000], mnist.y_train[:5000], interrupt)
    assert (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()) == before


def test_bad_settings_and_labels_are_refused(mnist: Dataset) -> None:
    with pytest.raises(ConfigError, match=r"unknown CNN settings.*'epoch'"):
        cnn.train({"epoch": 3}, mnist.X_train[:100], mnist.y_train[:100], Progress())
    with pytest.raises(ConfigError, match="must be ints >= 1"):
        cnn.train({"epochs": 0}, mnist.X_train[:100], mnist.y_train[:100], Progress())
    with pytest.raises(ConfigError, match="one digit label"):
        cnn.train(TINY, mnist.X_train[:100], mnist.y_train[:100] + 10, Progress())


def test_save_then_load_predicts_identically(
    tiny: cnn.CNNClassifier, saved: Path, mnist: Dataset
) -> None:
    loaded = cnn.load(saved, TINY)
    queries = mnist.X_test[:1000]
    np.testing.assert_array_equal(loaded.predict_proba(queries), tiny.predict_proba(queries))
    assert loaded.threads == tiny.threads


def test_a_file_torch_saved_to_its_path_loads(
    tiny: cnn.CNNClassifier, tmp_path: Path, mnist: Dataset
) -> None:
    # How mnistlab 0.1.0 wrote the file: torch.save straight to the path.
    payload = {"format": cnn.FILE_FORMAT, "version": 1, "threads": tiny.threads}
    payload.update(network_payload(tiny.network))
    path = tmp_path / "written-to-its-path.pt"
    torch.save(payload, path)
    queries = mnist.X_test[:300]
    loaded = cnn.load(path, TINY)
    np.testing.assert_array_equal(loaded.predict_proba(queries), tiny.predict_proba(queries))


def test_the_store_saves_a_cnn_whole_and_loads_it_back(
    tiny: cnn.CNNClassifier, tmp_path: Path, mnist: Dataset
) -> None:
    store = ModelStore(tmp_path / "models")
    record = ModelRecord(
        name="cnn", family="cnn", settings=TINY, dataset="mnist", data_checksum=mnist.checksum,
        n_train=1000, file="", sha256="", created="2025-01-01T00:00:00+00:00",
        train_seconds=1.0, versions=current_versions(),
    )  # fmt: skip
    saved = store.save(tiny, record)
    assert {p.name for p in store.directory.iterdir()} == {"cnn.json", "cnn.lock", saved.file}
    queries = mnist.X_test[:300]
    loaded = store.load("cnn").classifier
    np.testing.assert_array_equal(loaded.predict_proba(queries), tiny.predict_proba(queries))


def test_a_full_disk_is_the_os_error_naming_the_file_and_leaves_nothing(tmp_path: Path) -> None:
    # RLIMIT_FSIZE makes the kernel refuse writes past 64 KiB, as a full disk would.
    script = textwrap.dedent(
        f"""
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        from mnistlab.models import cnn
        model = cnn.CNNClassifier(cnn.DigitNet(), threads=1)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
        try:
            cnn.save(model, {str(tmp_path / "model.pt")!r})
        except OSError as exc:
            print(exc.strerror, exc.filename)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip() == f"File too large {tmp_path / 'model.pt'}", done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_file_holds_only_plain_values_and_tensors(saved: Path) -> None:
    payload = torch.load(saved, weights_only=True)

    def plain(value: object) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return isinstance(value, str | int | float | torch.Tensor)

    assert plain(payload)
    assert payload["format"] == cnn.FILE_FORMAT and payload["architecture"]["name"] == "digitnet"


class RunsCode:
    """Unpickling this runs a shell command: what a malicious model file would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("writer", ["pickle", "torch.save"])
def test_a_file_that_would_run_code_is_refused_without_running_it(
    tmp_path: Path, writer: str
) -> None:
    marker, path = tmp_path / "pwned", tmp_path / "evil.pt"
    payload = {"format": cnn.FILE_FORMAT, "version": 1, "state_dict": RunsCode(marker)}
    if writer == "pickle":
        path.write_bytes(pickle.dumps(payload, protocol=2))
    else:
        torch.save(payload, path)
    # The file really is malicious: plain pickle would run the command.
    pickle.loads(pickle.dumps(RunsCode(tmp_path / "proof")))
    assert (tmp_path / "proof").exists()

    with pytest.raises(ModelFileError, match=r"evil\.pt is not a readable mnistlab-cnn model file"):
        cnn.load(path, TINY)
    assert not marker.exists()


def _tampered(saved: Path, change: Any) -> Path:
    payload = torch.load(saved, weights_only=True)
    change(payload)
    torch.save(payload, saved)
    return saved


def _set(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        payload = payload[key]
    payload[path[-1]] = value


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: _set(p, ("format",), "something-else"), "is not a mnistlab-cnn model file"),
        (lambda p: _set(p, ("version",), 99), "file version 99, this mnistlab reads version 1"),
        (lambda p: _set(p, ("architecture", "name"), "resnet"), "unknown network architecture"),
        (lambda p: _set(p, ("architecture", "width"), 10**6), "impossible architecture"),
        (lambda p: p["state_dict"].popitem(), "weights that do not fit"),
        (
            lambda p: _set(p, ("state_dict", "head.5.bias"), torch.zeros(11)),
            "wrong tensor 'head.5.bias'",
        ),
        (
            lambda p: _set(p, ("state_dict", "head.5.bias"), torch.full((10,), float("nan"))),
            "non-finite weights",
        ),
        (lambda p: _set(p, ("threads",), "two"), "no valid thread count"),
    ],
)
def test_tampered_files_are_refused(saved: Path, change: Any, message: str) -> None:
    with pytest.raises(ModelFileError, match=message):
        cnn.load(_tampered(saved, change), TINY)


def test_foreign_and_damaged_files_are_refused(saved: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.pt"
    torch.save({"weight": torch.zeros(3)}, foreign)
    with pytest.raises(ModelFileError, match="is not a mnistlab-cnn model file"):
        cnn.load(foreign, TINY)
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(saved.read_bytes()[:5000])
    with pytest.raises(ModelFileError, match="not a readable mnistlab-cnn model file"):
        cnn.load(truncated, TINY)
    text = tmp_path / "text.pt"
    text.write_text("not a model")
    with pytest.raises(ModelFileError, match="not a readable"):
        cnn.load(text, TINY)


def test_importing_the_registry_store_or_cli_does_not_import_torch() -> None:
    code = (
        "import sys, mnistlab.models.registry, mnistlab.models.store, mnistlab.cli.app, "
        "mnistlab.cli, mnistlab.models.openmp; sys.exit('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr or "torch was imported"


@pytest.mark.parametrize("name", ["cnn", "cnn-robust"])
def test_the_registry_settings_are_complete_training_configs(name: str) -> None:
    settings = get_model_spec(name).settings
    config = cnn.TrainingConfig.from_settings(settings)
    # Every setting is spelled out, so the metadata record holds all of them.
    assert {f.name for f in fields(config)} == set(settings)
    assert set(settings["augmentation"]) == set(config.augmentation.to_dict())
    assert settings["styles"] == config.styles.to_dict()
    assert settings["wear"] == config.wear.to_dict()
