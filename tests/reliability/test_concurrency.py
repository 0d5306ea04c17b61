"""Commands run at the same time on the same cache, report or models directory.

Two people (or a script and a person) start the same study or train the same
model at once: each command must finish, and what they share must end whole
and with the numbers an undisturbed run gives.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mnistlab.config import Locations
from mnistlab.data import Dataset
from mnistlab.files import replace_directory
from mnistlab.models.store import ModelStore
from mnistlab.models.training import train_model
from mnistlab.study.cache import CacheEntry, ResultCache
from tests.reliability.conftest import CHEAP_MODELS, PreviousModels, ReferenceStudy
from tests.reliability.processes import (
    RUN_TIMEOUT,
    fault_cases,
    leftovers,
    start,
    step_values,
    study_command,
    train_command,
    warm_cache,
)

STUDY_ROUNDS = fault_cases(1, most=4)
TRAIN_ROUNDS = fault_cases(1, most=6)
SWAP_ROUNDS = fault_cases(20, most=200)
SWAP_WRITERS = 4
SAVE_ROUNDS = fault_cases(5, most=100)
SAVERS = 4
CACHE_ROUNDS = fault_cases(15, most=500)
CACHE_USERS = 4


def _all_finish(commands: list[list[str]]) -> list[str]:
    procs = [start(command) for command in commands]
    outcomes = [proc.communicate(timeout=RUN_TIMEOUT) for proc in procs]
    for proc, (_, stderr) in zip(procs, outcomes, strict=True):
        assert proc.returncode == 0, stderr
        assert "WARNING" not in stderr, stderr  # e.g. a cache entry taken for broken
    return [stderr for _, stderr in outcomes]


@pytest.mark.slow
@pytest.mark.fault(
    "3 `mnistlab study` at once on one cold cache (data and results), 2 of them into one --out",
    cases=STUDY_ROUNDS,
)
def test_studies_at_once_share_the_cache_and_agree(
    mnist_dir: Path, reference_study: ReferenceStudy, tmp_path: Path
) -> None:
    for round_ in range(STUDY_ROUNDS):
        root = tmp_path / f"round-{round_}"
        cache, shared_out, own_out = root / "cache", root / "shared-report", root / "own-report"
        _all_finish(
            [
                study_command(mnist_dir, cache, shared_out),
                study_command(mnist_dir, cache, own_out),
                study_command(mnist_dir, cache, shared_out),
            ]
        )
        assert step_values(shared_out) == reference_study.values
        assert step_values(own_out) == reference_study.values
        assert leftovers(root) == []
        study = ResultCache(cache / "study")
        indexes = sorted((cache / "study").glob("*.json"))
        assert len(indexes) == 5  # one entry per computation of the cheap steps
        for index in indexes:
            assert study.load(index.stem) is not None, f"{index.name} is broken"
        assert {p.suffix for p in (cache / "study").iterdir()} == {".json", ".npz", ".lock"}


@pytest.mark.slow
@pytest.mark.fault(
    "2 `mnistlab train` of one model at once into one models directory", cases=TRAIN_ROUNDS
)
def test_two_trainings_at_once_leave_one_valid_model(
    locations: Locations, mnist_dir: Path, previous_models: PreviousModels, tmp_path: Path
) -> None:
    cache = warm_cache(tmp_path / "cache", locations)
    models = previous_models.copy_to(tmp_path / "models")
    for round_ in range(TRAIN_ROUNDS):
        model = CHEAP_MODELS[round_ % len(CHEAP_MODELS)]
        command = train_command(model, mnist_dir, cache, models)
        _all_finish([command, command])
        store = ModelStore(models)
        assert store.load(model).record.n_train == 3000
        expected = {f"{name}.json" for name in CHEAP_MODELS}
        expected |= {store.record(name).file for name in CHEAP_MODELS}
        present = {p.name for p in models.iterdir() if not p.name.endswith(".lock")}
        assert present == expected, f"round {round_}: stray {present - expected}"
        assert leftovers(tmp_path) == []


def _in_step(target: Callable[..., None], n_processes: int, *args: object) -> list[int | None]:
    """Run ``target(i, barrier, *args)`` in ``n_processes`` forked processes; their exit codes.

    Each round of ``target`` waits at the barrier, so the processes act at the same instant.
    """
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(n_processes)
    procs = [context.Process(target=target, args=(i, barrier, *args)) for i in range(n_processes)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    return [proc.exitcode for proc in procs]


def _replace_many(writer: int, barrier: object, target: Path, rounds: int) -> None:
    for round_ in range(rounds):
        new = target.with_name(f".{target.name}.new-{writer}-{round_}")
        new.mkdir()
        (new / "index.html").write_text(f"{writer} {round_}")
        (new / "results.json").write_text("{}")
        barrier.wait()  # type: ignore[attr-defined]
        replace_directory(new, target)


@pytest.mark.fault(
    f"{SWAP_WRITERS} processes replacing one report directory at the same instant",
    cases=SWAP_ROUNDS,
)
def test_directories_replaced_at_once_end_whole(tmp_path: Path) -> None:
    target = tmp_path / "report"
    assert _in_step(_replace_many, SWAP_WRITERS, target, SWAP_ROUNDS) == [0] * SWAP_WRITERS
    assert sorted(p.name for p in target.iterdir()) == ["index.html", "results.json"]
    assert (target / "index.html").read_text().endswith(f" {SWAP_ROUNDS - 1}")
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def _save_many(saver: int, barrier: object, directory: Path, rounds: int, data: Dataset) -> None:
    store = ModelStore(directory)
    for _ in range(rounds):
        barrier.wait()  # type: ignore[attr-defined]
        # Each save of the same model writes a file of its own (skops files differ).
        train_model("knn-tuned", data, store=store, n_train=100 + saver)


@pytest.mark.fault(f"{SAVERS} processes saving one model at the same instant", cases=SAVE_ROUNDS)
def test_saves_of_one_model_at_once_leave_one_model_file(mnist: Dataset, tmp_path: Path) -> None:
    directory = tmp_path / "models"
    assert _in_step(_save_many, SAVERS, directory, SAVE_ROUNDS, mnist) == [0] * SAVERS
    store = ModelStore(directory)
    assert store.load("knn-tuned").record.n_train in range(100, 100 + SAVERS)
    present = {p.name for p in directory.iterdir() if not p.name.endswith(".lock")}
    assert present == {"knn-tuned.json", store.record("knn-tuned").file}


def _save_and_load(user: int, barrier: object, directory: Path, rounds: int) -> None:
    cache = ResultCache(directory)
    entry = CacheEntry(values={"accuracy": 0.5}, arrays={"scores": np.arange(50_000.0)})
    for _ in range(rounds):
        barrier.wait()  # type: ignore[attr-defined]
        cache.save("shared", entry)
        loaded = cache.load("shared")  # another process may be saving it right now
        if loaded is None or not np.array_equal(loaded.arrays["scores"], entry.arrays["scores"]):
            raise SystemExit(f"user {user}: the entry was missing or broken")


@pytest.mark.fault(
    f"{CACHE_USERS} processes saving and loading one study cache entry at the same instant",
    cases=CACHE_ROUNDS,
)
def test_a_cache_entry_shared_at_once_is_never_seen_broken(tmp_path: Path) -> None:
    directory = tmp_path / "study"
    codes = _in_step(_save_and_load, CACHE_USERS, directory, CACHE_ROUNDS)
    assert codes == [0] * CACHE_USERS
    assert sorted(p.name for p in directory.iterdir()) == [
        "cache.lock",
        "shared.json",
        "shared.npz",
    ]
