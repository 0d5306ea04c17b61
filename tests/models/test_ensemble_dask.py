"""Training on Dask: the ensemble's members as tasks, svc-rbf's calibration folds, the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from mnistlab.cli.app import EXIT_USER_ERROR, app, run
from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.models import classical, ensemble
from mnistlab.models.registry import get_model_spec
from mnistlab.models.store import ModelStore
from mnistlab.models.training import local_workers, parallel_work
from mnistlab.progress import ignore_progress
from mnistlab.scheduling import dask_engine
from mnistlab.system import cpu_count

#: A tiny ensemble (as in test_ensemble.py) on two torch threads, as the registry's.
TINY = {
    "seed": 0,
    "threads": 2,
    "members": 3,
    "epochs": 1,
    "width": 8,
    "hidden": 32,
    "n_validation": 100,
}
N_IMAGES = 600


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """The address of a LocalCluster of 2 one-thread workers, shared by the module's tests."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as local:
        yield str(local.scheduler_address)


@pytest.mark.slow
def test_members_trained_as_tasks_have_the_in_process_weights(cluster: str, mnist: Dataset) -> None:
    from distributed import get_task_stream

    images, labels = mnist.X_train[:N_IMAGES], mnist.y_train[:N_IMAGES]
    here = ensemble.train(TINY, images, labels, ignore_progress)
    calls: list[tuple[str, float, float | None]] = []
    with dask_engine(cluster) as engine, get_task_stream(engine.client) as stream:
        there = ensemble.train(
            TINY, images, labels, lambda *call: calls.append(call), client=engine.client
        )
    members = {str(t["key"]) for t in stream.data if "ensemble-member" in str(t["key"])}
    assert len(members) == 3  # one task per member
    for a, b in zip(here.networks, there.networks, strict=True):
        sa, sb = a.state_dict(), b.state_dict()
        assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
    assert there.validation_accuracy == here.validation_accuracy
    assert there.views == here.views and there.threads == 2
    # One report when the members are sent, then one per member finished, with its time.
    assert calls[0] == ("3 members sent to Dask, one task each", 0, 3)
    finished = calls[1:]
    assert [(done, total) for _, done, total in finished] == [(1, 3), (2, 3), (3, 3)]
    assert {task.split(" trained")[0] for task, _, _ in finished} == {
        "member 1/3",
        "member 2/3",
        "member 3/3",
    }
    assert all(" s · val " in task and "done after" in task for task, _, _ in finished)


@pytest.mark.slow
def test_train_command_fits_svc_calibration_folds_on_a_cluster(
    cluster: str, locations: Locations, mnist: Dataset, tmp_path: Path
) -> None:
    from distributed import Client, get_task_stream

    args = ["train", "svc-rbf", "--n-train", str(N_IMAGES), "--scheduler", cluster,
            "--models-dir", str(tmp_path), "--cache-dir", str(locations.cache_dir)]  # fmt: skip
    if locations.data_dir is not None:
        args += ["--data-dir", str(locations.data_dir)]
    # The task stream sees every task of the cluster, the command's included.
    with Client(cluster) as watcher, get_task_stream(watcher) as stream:
        result = CliRunner().invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert len(stream.data) >= 1  # the calibration folds ran on the workers
    where = f"Dask cluster at {cluster}: 2 workers, 2 threads"
    assert f"work runs on: {where} (3 calibration folds)" in result.stderr
    assert "images of mnist in " in result.stdout and f" s on {where}" in result.stdout
    store = ModelStore(tmp_path)
    assert store.record("svc-rbf").n_train == N_IMAGES
    # The same model as trained in this process, without Dask.
    svc_settings = get_model_spec("svc-rbf").settings
    images, labels = mnist.X_train[:N_IMAGES], mnist.y_train[:N_IMAGES]
    here = classical.train(svc_settings, images, labels, ignore_progress)
    queries = mnist.X_test[:300]
    there = store.load("svc-rbf").classifier.predict_proba(queries)
    np.testing.assert_array_equal(there, here.predict_proba(queries))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["knn-tuned", "--scheduler", "local"], "model 'knn-tuned' has no parallel work to run"),
        (["cnn", "--scheduler", "local"], "only svc-rbf, ensemble have"),
        (["ensemble", "--scheduler", "udp://host:1"], "is not understood; use 'local'"),
    ],
)
def test_scheduler_for_a_model_without_parallel_work_is_refused(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = run(["train", *args, "--models-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert message in err and err.strip().count("\n") == 0
    assert not any(tmp_path.iterdir())


def test_local_clusters_do_not_oversubscribe_the_cpus() -> None:
    assert parallel_work("ensemble") == "5 members, one Dask task each"
    assert parallel_work("svc-rbf") == "3 calibration folds"
    assert parallel_work("knn-shift") is None
    cpus = cpu_count()
    threads = get_model_spec("ensemble").settings["threads"]
    assert local_workers("ensemble") == max(1, cpus // threads)
    assert local_workers("svc-rbf") == min(cpus, 3)
