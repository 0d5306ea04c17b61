"""A full disk while ``mnistlab`` writes its data cache, study cache, report or model.

The file-size limit (RLIMIT_FSIZE) makes the kernel refuse every write past a
size, as a full disk does; each command must end with one clear line and exit
code 1, leave no partial file, keep what was there before, and work when run
again with room to write.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mnistlab.cli.app import EXIT_SYSTEM_ERROR, EXIT_USER_ERROR
from mnistlab.cli.app import run as cli_run
from mnistlab.config import Locations
from mnistlab.data import get_dataset_spec
from mnistlab.data.cache import DatasetCache
from mnistlab.models.store import ModelStore
from mnistlab.study.cache import ResultCache
from tests.reliability.conftest import PreviousModels, ReferenceStudy
from tests.reliability.processes import (
    MNISTLAB,
    directory_snapshot,
    file_size_limit,
    leftovers,
    run,
    step_values,
    study_command,
    train_command,
    warm_cache,
)

KIB = 1024
#: Limits for the study: the first stops it at its first cache entry (about 27 KiB),
#: the second lets the cache through and stops it in the report (a 220 KiB figure).
STUDY_LIMITS = (16 * KIB, 128 * KIB)


def _one_line_error(code: int, stderr: str, path: Path | None = None) -> None:
    assert code == EXIT_SYSTEM_ERROR, stderr
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    assert "File too large; free some disk space" in errors[0], stderr
    if path is not None:
        assert str(path) in errors[0], stderr


@pytest.mark.fault("a full disk while `mnistlab data fetch` writes the data cache", cases=1)
@pytest.mark.slow
def test_a_full_disk_leaves_no_data_cache_entry(mnist_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fetch = [*MNISTLAB, "data", "fetch", "--data-dir", str(mnist_dir), "--cache-dir", str(cache)]
    spec = get_dataset_spec("mnist")
    entry = DatasetCache(cache / "datasets").path(spec)

    refused = run(fetch, preexec=file_size_limit(1024 * KIB))

    _one_line_error(refused.returncode, refused.stderr, entry)
    assert not entry.exists()
    assert leftovers(tmp_path) == []
    again = run(fetch)
    assert again.returncode == 0, again.stderr
    assert DatasetCache(cache / "datasets").read(spec) is not None


@pytest.mark.fault("a full disk while `mnistlab train` writes the model file", cases=1)
@pytest.mark.slow
def test_a_full_disk_keeps_the_previous_model(
    locations: Locations, mnist_dir: Path, previous_models: PreviousModels, tmp_path: Path
) -> None:
    models = previous_models.copy_to(tmp_path / "models")
    before = directory_snapshot(models)
    command = train_command(
        "knn-tuned", mnist_dir, warm_cache(tmp_path / "cache", locations), models
    )

    refused = run(command, preexec=file_size_limit(256 * KIB))

    _one_line_error(refused.returncode, refused.stderr)
    assert directory_snapshot(models) == before
    assert leftovers(tmp_path) == []
    again = run(command)
    assert again.returncode == 0, again.stderr
    assert ModelStore(models).load("knn-tuned").record.n_train == 3000


@pytest.mark.slow
@pytest.mark.fault(
    "a full disk while `mnistlab study` writes its cache, then its report", cases=len(STUDY_LIMITS)
)
def test_a_full_disk_keeps_the_previous_report_and_a_sound_cache(
    locations: Locations, mnist_dir: Path, reference_study: ReferenceStudy, tmp_path: Path
) -> None:
    cache, out = warm_cache(tmp_path / "cache", locations), tmp_path / "report"
    shutil.copytree(reference_study.report, out)
    before = directory_snapshot(out)
    # One worker: the study's worker processes get their data through files of their own.
    command = study_command(mnist_dir, cache, out, "--n-jobs", "1")
    for limit in STUDY_LIMITS:
        refused = run(command, preexec=file_size_limit(limit))

        _one_line_error(refused.returncode, refused.stderr)
        assert directory_snapshot(out) == before, f"limit {limit}"
        assert leftovers(tmp_path) == [], f"limit {limit}"
        study = ResultCache(cache / "study")
        for index in sorted((cache / "study").glob("*.json")):
            assert study.load(index.stem) is not None, f"{index.name} is broken"
    again = run(command)
    assert again.returncode == 0, again.stderr
    assert step_values(out) == reference_study.values


@pytest.mark.slow
@pytest.mark.fault("a full disk while the study hands its data to worker processes", cases=1)
def test_a_full_disk_under_the_study_workers_is_one_clear_line(
    locations: Locations, mnist_dir: Path, tmp_path: Path
) -> None:
    cache = warm_cache(tmp_path / "cache", locations)
    command = study_command(mnist_dir, cache, tmp_path / "report", "--n-jobs", "2", steps="binary")
    # Room for the cache and the report, not for the 2 MiB training images handed to workers.
    refused = run(command, preexec=file_size_limit(1024 * KIB))
    assert refused.returncode in (EXIT_SYSTEM_ERROR, EXIT_USER_ERROR), refused.stderr
    assert "Traceback" not in refused.stderr
    assert [line for line in refused.stderr.splitlines() if line.startswith("error:")]


@pytest.mark.fault("a file where the cache directory should be", cases=1)
def test_a_refused_directory_is_one_line(
    mnist_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code = cli_run(["data", "fetch", "--data-dir", str(mnist_dir), "--cache-dir", str(blocker)])
    err = capsys.readouterr().err
    assert code == EXIT_SYSTEM_ERROR, err
    assert "error: Not a directory: " + str(blocker) in err
    assert "Traceback" not in err
