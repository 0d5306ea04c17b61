"""Ctrl-C, SIGTERM and SIGHUP at random moments of real ``mnistlab`` processes.

Each case starts the command from an empty cache (so there is work to cut
short: reading the data, computing, writing the cache, the report or the
model), waits a seeded random time, sends the signal, and then checks
everything the command could have touched: the exit code, no traceback, no
worker process left, no temporary file, the previous report or model whole
(or the new one, if the command had finished), every cache entry loadable;
then runs the command again, which must finish with the undisturbed numbers.
"""

from __future__ import annotations

import random
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from mnistlab.cli.app import run as cli_run
from mnistlab.cli.signals import EXIT_INTERRUPTED, StopSignals, Terminated
from mnistlab.config import Locations
from mnistlab.data import get_dataset_spec
from mnistlab.data.cache import DatasetCache
from mnistlab.models.store import ModelStore
from mnistlab.study.cache import ResultCache
from tests.reliability.conftest import (
    CHEAP_MODELS,
    PREVIOUS_N_TRAIN,
    PreviousModels,
    ReferenceStudy,
)
from tests.reliability.processes import (
    RUN_TIMEOUT,
    directory_snapshot,
    fault_cases,
    leftovers,
    our_tracebacks,
    run,
    send,
    start,
    step_values,
    study_command,
    train_command,
    wait_group_gone,
    wait_until_handling,
    warm_cache,
)

EXIT_CODES = {signal.SIGINT: EXIT_INTERRUPTED, signal.SIGTERM: 143, signal.SIGHUP: 129}
#: Stop signals tried in turn: a shell's Ctrl-C goes to the whole job, ``kill`` to one process.
IN_TURN = (signal.SIGTERM, signal.SIGINT)
STUDY_CASES = fault_cases(2, most=10)
TRAIN_CASES = fault_cases(2, most=12)
STUDY_SEED, TRAIN_SEED = 7, 11
N_TRAIN = 3000
#: About how long a cold ``mnistlab train`` of a cheap model on 3,000 images takes (seconds,
#: 2 cores): the random moments fall within it.
TRAIN_SECONDS = 8.0


def _stop_at_random(command: list[str], signum: int, delay: float) -> tuple[int, str]:
    proc = start(command)
    wait_until_handling(proc, signal.SIGTERM)
    time.sleep(delay)
    send(proc, signum)
    _, stderr = proc.communicate(timeout=RUN_TIMEOUT)
    assert wait_group_gone(proc.pid), "a worker process outlived the command"
    return proc.returncode, stderr


def _check_stopped(code: int, stderr: str, signum: int, where: str) -> None:
    # Ctrl-C reaches the whole job; now and then the process ends by the signal
    # itself (-2) after its cleanup, which a shell reports as 130 all the same.
    accepted = {0, EXIT_CODES[signum]} | ({-signal.SIGINT} if signum == signal.SIGINT else set())
    assert code in accepted, f"{where}: exit code {code}\n{stderr}"
    assert our_tracebacks(stderr) == [], f"{where}:\n{stderr}"
    if code != 0:
        assert "interrupted" in stderr, f"{where}:\n{stderr}"


def _check_study_cache(cache: Path) -> None:
    study = ResultCache(cache / "study")
    for index in sorted((cache / "study").glob("*.json")):
        assert study.load(index.stem) is not None, f"cache entry {index.name} is broken"


def _study_case(
    signum: int,
    delay: float,
    root: Path,
    locations: Locations,
    mnist_dir: Path,
    reference: ReferenceStudy,
) -> None:
    cache, out = warm_cache(root / "cache", locations), root / "report"
    shutil.copytree(reference.report, out)
    previous = directory_snapshot(out)
    where = f"{signal.Signals(signum).name} after {delay:.2f} s"

    code, stderr = _stop_at_random(study_command(mnist_dir, cache, out), signum, delay)

    _check_stopped(code, stderr, signum, where)
    assert leftovers(root) == [], where
    # The previous report untouched, or the new one complete (when it had finished).
    assert directory_snapshot(out) == previous or step_values(out) == reference.values, where
    _check_study_cache(cache)
    again = run(study_command(mnist_dir, cache, out))
    assert again.returncode == 0, f"{where}, then again:\n{again.stderr}"
    assert step_values(out) == reference.values, where
    assert leftovers(root) == [], where


@pytest.mark.slow
@pytest.mark.fault(
    "SIGTERM or Ctrl-C (in turn) at a random moment of `mnistlab study`, then run again",
    cases=STUDY_CASES,
)
def test_a_stopped_study_keeps_its_report_and_cache_and_resumes(
    locations: Locations, mnist_dir: Path, reference_study: ReferenceStudy, tmp_path: Path
) -> None:
    rng = random.Random(STUDY_SEED)
    for case in range(STUDY_CASES):
        signum = IN_TURN[case % len(IN_TURN)]
        delay = rng.uniform(0.1, 0.9) * reference_study.seconds
        _study_case(signum, delay, tmp_path / f"case-{case}", locations, mnist_dir, reference_study)


def _check_models(models: Path, model: str) -> int:
    store = ModelStore(models)
    trained = store.load(model)  # checks the record, the versions and the file's SHA-256
    expected = {f"{name}.json" for name in CHEAP_MODELS}
    expected |= {store.record(name).file for name in CHEAP_MODELS}
    present = {p.name for p in models.iterdir() if not p.name.endswith(".lock")}
    assert present == expected, f"stray files in the models directory: {present - expected}"
    return trained.record.n_train


def _check_data_cache(cache: Path) -> None:
    spec = get_dataset_spec("mnist")
    data_cache = DatasetCache(cache / "datasets")
    if data_cache.path(spec).exists():
        assert data_cache.read(spec) is not None, "the data cache entry is broken"


@pytest.mark.slow
@pytest.mark.fault(
    "Ctrl-C or SIGTERM (in turn) at a random moment of `mnistlab train` (2 models, "
    "cold data cache), then train again",
    cases=TRAIN_CASES,
)
def test_a_stopped_training_keeps_the_previous_model_or_saves_the_new_one(
    locations: Locations, mnist_dir: Path, previous_models: PreviousModels, tmp_path: Path
) -> None:
    models = previous_models.copy_to(tmp_path / "models")
    rng = random.Random(TRAIN_SEED)
    for case in range(TRAIN_CASES):
        # Every model meets every signal: (knn, TERM), (svc, INT), (knn, INT), (svc, TERM), ...
        signum = IN_TURN[(case + case // 2) % len(IN_TURN)]
        model = CHEAP_MODELS[case % len(CHEAP_MODELS)]
        delay = rng.uniform(0.1, 0.9) * TRAIN_SECONDS
        where = f"{model}, {signal.Signals(signum).name} after {delay:.2f} s"
        cache = tmp_path / f"cache-{case}"
        command = train_command(model, mnist_dir, cache, models, N_TRAIN)

        code, stderr = _stop_at_random(command, signum, delay)

        _check_stopped(code, stderr, signum, where)
        assert leftovers(tmp_path) == [], where
        n_train = _check_models(models, model)
        assert n_train in ((N_TRAIN,) if code == 0 else (PREVIOUS_N_TRAIN, N_TRAIN)), where
        _check_data_cache(cache)
        again = run(command)
        assert again.returncode == 0, f"{where}, then again:\n{again.stderr}"
        assert _check_models(models, model) == N_TRAIN, where


@pytest.mark.fault("SIGHUP (terminal closed) while `mnistlab train` runs", cases=1)
def test_a_closed_terminal_stops_training_like_ctrl_c(
    mnist_dir: Path, previous_models: PreviousModels, tmp_path: Path
) -> None:
    models = previous_models.copy_to(tmp_path / "models")
    before = directory_snapshot(models)
    # The data cache is cold: reading the IDX files lasts past the moment chosen.
    command = train_command("knn-tuned", mnist_dir, tmp_path / "cache", models, N_TRAIN)
    code, stderr = _stop_at_random(command, signal.SIGHUP, 0.2)
    assert code == EXIT_CODES[signal.SIGHUP], stderr
    assert "Traceback" not in stderr
    assert directory_snapshot(models) == before
    assert leftovers(tmp_path) == []


def test_a_stop_signal_raises_once_and_names_its_exit_code() -> None:
    stop = StopSignals.install()
    try:
        assert stop.installed == [signal.SIGTERM, signal.SIGHUP]
        with pytest.raises(Terminated, match="SIGTERM"):
            signal.raise_signal(signal.SIGTERM)
            time.sleep(1)  # the handler runs at the next bytecode; never reached
        signal.raise_signal(signal.SIGTERM)  # a second one must not cut the cleanup short
        assert stop.exit_code(EXIT_INTERRUPTED) == 143
        assert stop.exit_code(0) == 0
    finally:
        stop.uninstall()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


@pytest.mark.parametrize(
    ("signum", "raised"), [(signal.SIGTERM, Terminated), (signal.SIGINT, KeyboardInterrupt)]
)
def test_a_signal_during_an_import_waits_for_its_end(
    signum: int, raised: type[BaseException], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A compiled library's initialiser that calls back into Python must not see the
    # exception (PyTorch's then ends the process with std::terminate): it comes after.
    name = f"module_stopped_while_imported_{signum}"
    (tmp_path / f"{name}.py").write_text(
        "import signal, time\n"
        f"signal.raise_signal({int(signum)})\n"
        "time.sleep(0.2)\n"
        "finished = True\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    # Ctrl-C as a terminal delivers it: a run started in the background ignores SIGINT.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        stop = StopSignals.install()
        try:
            with pytest.raises(raised):
                __import__(name)
                time.sleep(5)  # the signal comes back within milliseconds; never reached
            assert sys.modules[name].finished
        finally:
            stop.uninstall()
            sys.modules.pop(name, None)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_an_ignored_signal_stays_ignored() -> None:
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        stop = StopSignals.install()
        try:
            assert stop.installed == [signal.SIGTERM]
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        finally:
            stop.uninstall()
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_the_help_names_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_run(["--help"]) == 0
    words = " ".join(capsys.readouterr().out.split())
    for signum, code in EXIT_CODES.items():
        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        assert f"{code} {name}" in words
