"""The study on Dask: the numbers and the cache of this machine, and a report that says where."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mnistlab.cli.app import EXIT_USER_ERROR, app, run
from mnistlab.config import Locations
from mnistlab.scheduling import dask_engine
from mnistlab.study import StudyData, StudySettings, run_study
from mnistlab.study.results import StudyResults

#: Steps whose fits go through ``run_fits``: four SGD fits (binary) and the
#: forest's folds, whose own trees are joblib work nested inside a Dask task.
STEPS = ["binary", "forest"]
N_TRAIN, N_TEST = 1000, 100


@pytest.fixture(scope="module")
def subset(study_data: StudyData) -> StudyData:
    return study_data.head(N_TRAIN, N_TEST)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """The address of a LocalCluster of 2 workers that the tests connect to as to any cluster.

    Only the cluster lives as long as the module; each test enters
    ``dask_engine`` itself, so joblib's Dask backend is active inside that
    test's ``with`` block and nowhere else.
    """
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as local:
        yield str(local.scheduler_address)


@pytest.fixture(scope="module")
def plain_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("plain-cache")


@pytest.fixture(scope="module")
def on_this_machine(subset: StudyData, plain_cache: Path) -> StudyResults:
    return run_study(subset, StudySettings(n_jobs=2), steps=STEPS, cache_dir=plain_cache)


def _assert_identical(a: StudyResults, b: StudyResults) -> None:
    assert list(a.steps) == list(b.steps) == STEPS
    for name in STEPS:
        assert a.steps[name].values == b.steps[name].values, name
        assert a.steps[name].arrays.keys() == b.steps[name].arrays.keys()
        for key, array in a.steps[name].arrays.items():
            other = b.steps[name].arrays[key]
            assert array.dtype == other.dtype and np.array_equal(array, other), (name, key)


@pytest.mark.slow
def test_dask_gives_bit_identical_results(
    cluster: str, subset: StudyData, on_this_machine: StudyResults
) -> None:
    from distributed import get_task_stream

    with dask_engine(cluster) as engine, get_task_stream(engine.client) as stream:
        assert engine.description == f"Dask cluster at {cluster}: 2 workers, 2 threads"
        on_dask = run_study(subset, StudySettings(n_jobs=2), steps=STEPS)
    # The fits really ran on the cluster, as joblib batches of fold fits.
    keys = {str(task["key"]) for task in stream.data}
    assert any("_fit_one" in key for key in keys), keys
    _assert_identical(on_this_machine, on_dask)
    assert not any(step.cached for step in on_dask.steps.values())


def test_the_cache_does_not_depend_on_the_scheduler(
    cluster: str, subset: StudyData, on_this_machine: StudyResults, plain_cache: Path
) -> None:
    with dask_engine(cluster):
        again = run_study(subset, StudySettings(n_jobs=2), steps=STEPS, cache_dir=plain_cache)
    assert all(step.cached for step in again.steps.values())
    _assert_identical(on_this_machine, again)


def test_the_report_names_the_local_cluster(locations: Locations, tmp_path: Path) -> None:
    out = tmp_path / "report"
    args = ["study", "--steps", "look", "--scheduler", "local", "--n-jobs", "1",
            "--limit", f"{N_TRAIN},{N_TEST}", "--out", str(out),
            "--cache-dir", str(locations.cache_dir)]  # fmt: skip
    if locations.data_dir is not None:
        args += ["--data-dir", str(locations.data_dir)]
    result = CliRunner().invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    where = "Dask LocalCluster on this machine: 1 worker, 1 thread"
    assert f"work runs on: {where}" in result.stderr
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert doc["engine"] == where
    page = (out / "index.html").read_text(encoding="utf-8")
    assert f"Where the work ran</th><td>{where}</td>" in page
    assert "Parallel jobs" not in page  # the cluster's workers, not n_jobs, say how many


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scheduler", "nowhere"], "--scheduler 'nowhere' is not understood"),
        (["--scheduler", "tcp://127.0.0.1:8786", "--n-jobs", "2"], "drop --n-jobs"),
    ],
)
def test_bad_scheduler_options_are_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = run(["study", *args, "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert message in err and err.strip().count("\n") == 0
    assert not (tmp_path / "r").exists()
