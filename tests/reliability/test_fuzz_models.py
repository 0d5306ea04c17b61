"""Hostile model files: the store and every family's loader refuse them with ModelFileError.

Random bytes in a model file; records with random, missing or mistyped
fields; the bytes of real (tiny) saved models flipped, cut, spliced and
padded; and pickles that would run code (a ``__reduce__`` calling
``os.system``, ``exec`` or a file write; protocols 0 to 5) as a plain pickle
renamed to a model file, inside a skops archive and inside a torch file.
Model files are planted in a store with their record's SHA-256 updated, as
someone who can write the models directory could, so the family's own loader
sees every byte. Each ends in one of mnistlab's errors or in a model that
predicts; never in code run (the marker file must not appear), a crash, a
hang or a MemoryError.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import pickle
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io
import torch
from hypothesis import given
from hypothesis import strategies as st

from mnistlab.data import Dataset
from mnistlab.errors import ModelFileError
from mnistlab.models import classical, cnn, ensemble
from mnistlab.models.records import ModelRecord
from mnistlab.models.store import ModelStore, TrainedModel, file_sha256
from mnistlab.models.training import train_model
from mnistlab.progress import ignore_progress
from mnistlab.versions import current_versions
from tests.models.test_classical import Trap  # restoring it writes a marker file
from tests.reliability.fuzzing import bounded, cases, fuzz_settings, memory_bounded

# torch.load warns about pickle protocols other than 2 before refusing them.
pytestmark = pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")

RANDOM_CASES = cases(40)
RECORD_CASES = cases(100)
MUTATION_CASES = cases(40)
PROTOCOLS = tuple(range(pickle.HIGHEST_PROTOCOL + 1))
CONTAINERS = ("pickle as .skops", "pickle as .pt", "skops object", "skops .npy", "torch.save")
PAYLOADS = ("os.system", "exec", "write_text")
PICKLE_CASES = len(PROTOCOLS) * len(CONTAINERS) * len(PAYLOADS)

N_TRAIN = 300
TINY_CNN = {"seed": 0, "threads": 1, "epochs": 1, "width": 8, "hidden": 32, "n_validation": 50}
TINY_ENSEMBLE = {**TINY_CNN, "members": 2, "views": [[0.0, 1.0], [8.0, 1.0]]}
FAMILY_OF = {"knn-tuned": "classical", "cnn": "cnn", "ensemble": "ensemble"}
MEMORY_MB = 400


class Originals(dict[str, Any]):
    """The saved tiny models; shown by name only when hypothesis reports a failing case."""

    def __repr__(self) -> str:
        return f"<tiny saved models: {', '.join(k for k in self if k in FAMILY_OF)}>"


@pytest.fixture(scope="module")
def originals(mnist: Dataset, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Tiny real models of each family, saved by the store: record and file bytes."""
    store = ModelStore(tmp_path_factory.mktemp("originals"))
    train_model("knn-tuned", mnist, store=store, n_train=N_TRAIN)
    images, labels = mnist.X_train[:N_TRAIN], mnist.y_train[:N_TRAIN]
    for name, family, settings in (
        ("cnn", cnn, TINY_CNN),
        ("ensemble", ensemble, TINY_ENSEMBLE),
    ):
        model = family.train(settings, images, labels, ignore_progress)
        record = ModelRecord(
            name=name,
            family=FAMILY_OF[name],
            settings=settings,
            dataset="mnist",
            data_checksum=mnist.checksum,
            n_train=N_TRAIN,
            file="",
            sha256="",
            created="2026-01-01T00:00:00+00:00",
            train_seconds=0.0,
            versions=current_versions(),
        )
        store.save(model, record)
    found = Originals()
    for name in FAMILY_OF:
        record = store.record(name)
        found[name] = {
            "record": json.loads(store.record_path(name).read_text()),
            "bytes": (store.directory / record.file).read_bytes(),
        }
    found["queries"] = mnist.X_test[:5]
    return found


def _plant(directory: Path, name: str, record: dict[str, Any], content: bytes) -> ModelStore:
    """A store in ``directory`` holding ``content`` as the model file of ``name``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / record["file"]
    path.write_bytes(content)
    planted = {**record, "sha256": file_sha256(path)}
    (directory / f"{name}.json").write_text(json.dumps(planted))
    return ModelStore(directory)


def _load(store: ModelStore, name: str, queries: np.ndarray) -> TrainedModel | None:
    """Load ``name``; a model that loads must predict. None after one of our errors."""
    loaded = None
    with memory_bounded(MEMORY_MB), bounded(30):
        loaded = store.load(name)
        probabilities = loaded.classifier.predict_proba(queries)
        assert probabilities.shape == (len(queries), 10)
        assert np.all(np.isfinite(probabilities))
    return loaded


@pytest.mark.fault("random bytes as a model file of each family", cases=RANDOM_CASES)
@fuzz_settings(RANDOM_CASES, deadline_ms=20_000)
@given(
    name=st.sampled_from(sorted(FAMILY_OF)),
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"\x80\x02", b"\x80\x05", b"PK\x05\x06"]),
    data=st.binary(max_size=8192),
)
def test_random_bytes(
    originals: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    prefix: bytes,
    data: bytes,
) -> None:
    store = _plant(tmp_path_factory.mktemp("store"), name, originals[name]["record"], prefix + data)
    assert _load(store, name, originals["queries"]) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.mark.fault("model records with random, missing and mistyped fields", cases=RECORD_CASES)
@fuzz_settings(RECORD_CASES, deadline_ms=20_000)
@given(
    name=st.sampled_from(sorted(FAMILY_OF)),
    drop=st.sets(st.sampled_from(sorted(ModelRecord.__dataclass_fields__)), max_size=3),
    change=st.dictionaries(
        st.sampled_from(sorted(ModelRecord.__dataclass_fields__)) | st.text(max_size=8),
        json_values,
        max_size=4,
    ),
    whole=st.none() | json_values | st.text(max_size=40),
)
def test_damaged_records(
    originals: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    drop: set[str],
    change: dict[str, Any],
    whole: Any,
) -> None:
    original = originals[name]
    directory = tmp_path_factory.mktemp("store")
    store = _plant(directory, name, original["record"], original["bytes"])
    raw = json.loads(store.record_path(name).read_text())
    raw = {k: v for k, v in raw.items() if k not in drop} | change
    text = (
        json.dumps(raw) if whole is None else whole if isinstance(whole, str) else json.dumps(whole)
    )
    store.record_path(name).write_text(text)
    with memory_bounded(MEMORY_MB), bounded(30):
        # Listing, choosing the default and loading all meet the damaged record.
        store.records()
        store.default_name()
    loaded = _load(store, name, originals["queries"])
    if loaded is not None:
        assert loaded.record.name == name and loaded.record.sha256 == raw["sha256"]


mutations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "cut", "insert", "delete", "overwrite"]),
        st.floats(0.0, 1.0, exclude_max=True),
        st.binary(min_size=1, max_size=32),
    ),
    min_size=1,
    max_size=4,
)


def _mutate(content: bytes, changes: list[tuple[str, float, bytes]]) -> bytes:
    for how, where, extra in changes:
        at = int(where * len(content)) if content else 0
        if how == "flip":
            changed = bytes(a ^ b for a, b in zip(content[at:], extra, strict=False))
            content = content[:at] + changed + content[at + len(changed) :]
        elif how == "cut":
            content = content[:at]
        elif how == "insert":
            content = content[:at] + extra + content[at:]
        elif how == "delete":
            content = content[:at] + content[at + len(extra) :]
        else:
            content = content[:at] + extra + content[at + len(extra) :]
    return content


@pytest.mark.fault(
    "real saved knn, cnn and ensemble files with bytes changed", cases=MUTATION_CASES
)
@fuzz_settings(MUTATION_CASES, deadline_ms=20_000)
@given(name=st.sampled_from(sorted(FAMILY_OF)), changes=mutations)
def test_mutated_model_files(
    originals: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    changes: list[tuple[str, float, bytes]],
) -> None:
    original = originals[name]
    content = _mutate(original["bytes"], changes)
    store = _plant(tmp_path_factory.mktemp("store"), name, original["record"], content)
    _load(store, name, originals["queries"])
    # Without the record's SHA-256 brought up to date, a changed file never loads.
    if content != original["bytes"]:
        record = store.record_path(name)
        record.write_text(json.dumps(original["record"]))
        with pytest.raises(ModelFileError, match="does not match its record"):
            store.load(name)


# --- pickles that try to run code --------------------------------------------------------


class _Attack:
    """Unpickling this runs ``how`` against ``marker``: what a malicious model file does."""

    def __init__(self, how: str, marker: Path) -> None:
        self.how, self.marker = how, marker

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        if self.how == "os.system":
            return os.system, (f"touch {self.marker}",)
        if self.how == "exec":
            return builtins.exec, (f"open({str(self.marker)!r}, 'w').close()",)
        return Path.write_text, (self.marker, "pwned")


def _evil_files(
    container: str, how: str, protocol: int, marker: Path, originals: dict[str, Any], tmp: Path
) -> Iterator[tuple[str, bytes]]:
    """(model name, file bytes) of each attack in ``container``."""
    attack = _Attack(how, marker)
    payload = {"format": cnn.FILE_FORMAT, "version": 1, "threads": 1, "state_dict": attack}
    if container == "pickle as .skops":
        yield "knn-tuned", pickle.dumps(attack, protocol=protocol)
    elif container == "pickle as .pt":
        for name in ("cnn", "ensemble"):
            yield name, pickle.dumps(payload | {"format": f"mnistlab-{name}"}, protocol=protocol)
    elif container == "skops object":
        path = tmp / "trap.skops"
        skops.io.dump({"model": Trap(str(marker)), "how": how, "protocol": protocol}, path)
        yield "knn-tuned", path.read_bytes()
    elif container == "skops .npy":
        # The real knn file with one of its arrays replaced by a pickled object array.
        evil = io.BytesIO()
        np.save(evil, np.array([attack], dtype=object), allow_pickle=True)
        source = zipfile.ZipFile(io.BytesIO(originals["knn-tuned"]["bytes"]))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for item in source.infolist():
                is_array = item.filename.endswith(".npy")
                archive.writestr(item, evil.getvalue() if is_array else source.read(item))
        yield "knn-tuned", out.getvalue()
    else:
        for name in ("cnn", "ensemble"):
            path = tmp / f"{name}.pt"
            torch.save(payload | {"format": f"mnistlab-{name}"}, path, pickle_protocol=protocol)
            yield name, path.read_bytes()


def test_the_attacks_are_real(tmp_path: Path) -> None:
    """Plain pickle, or skops trusting the type, runs each attack: the test can fail."""
    for how in PAYLOADS:
        marker = tmp_path / f"{how}.marker"
        pickle.loads(pickle.dumps(_Attack(how, marker)))
        assert marker.exists()
    marker = tmp_path / "trap.marker"
    path = tmp_path / "trap.skops"
    skops.io.dump(Trap(str(marker)), path)
    skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
    assert marker.exists()


@pytest.mark.fault(
    "pickles that run code (protocols 0-5; plain, in skops, in torch files)", cases=PICKLE_CASES
)
def test_pickles_that_run_code_are_refused_without_running(
    originals: dict[str, Any], tmp_path: Path
) -> None:
    tried = 0
    for container in CONTAINERS:
        for how in PAYLOADS:
            for protocol in PROTOCOLS:
                marker = tmp_path / f"marker-{tried}"
                for name, content in _evil_files(
                    container, how, protocol, marker, originals, tmp_path
                ):
                    store = _plant(
                        tmp_path / f"store-{tried}", name, originals[name]["record"], content
                    )
                    family = {"knn-tuned": classical, "cnn": cnn, "ensemble": ensemble}[name]
                    path = store.directory / originals[name]["record"]["file"]
                    with bounded(30):
                        with pytest.raises(ModelFileError):
                            store.load(name)
                        with pytest.raises(ModelFileError):
                            family.load(path, originals[name]["record"]["settings"])
                assert not marker.exists(), f"{container}, {how}, protocol {protocol} ran code"
                tried += 1
    assert tried == PICKLE_CASES


# --- archives that would expand past what they hold --------------------------------------


def _rewrite_knn(originals: dict[str, Any], replace: Callable[[str, bytes], bytes]) -> bytes:
    """The real knn archive with each member's content passed through ``replace``."""
    source = zipfile.ZipFile(io.BytesIO(originals["knn-tuned"]["bytes"]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item.filename, replace(item.filename, source.read(item)))
    return out.getvalue()


def _npy_header_declaring(shape: tuple[int, ...]) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "|u1", "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


@pytest.mark.fault("skops array header declaring up to 2^40 bytes in a small member", cases=1)
@pytest.mark.parametrize("shape", [(2**40,), (2**20, 2**20), (2**31, 784), (10**6, 784)])
def test_an_array_header_larger_than_its_member_is_refused_before_allocation(
    originals: dict[str, Any], tmp_path: Path, shape: tuple[int, ...]
) -> None:
    def swell(name: str, content: bytes) -> bytes:
        return _npy_header_declaring(shape) + bytes(64) if name.endswith(".npy") else content

    content = _rewrite_knn(originals, swell)
    store = _plant(tmp_path, "knn-tuned", originals["knn-tuned"]["record"], content)
    with memory_bounded(50), pytest.raises(ModelFileError, match="declares an array of"):
        store.load("knn-tuned")


@pytest.mark.fault("zip bomb: 64 MB schema in a skops file", cases=1)
def test_a_zip_bomb_in_the_schema_is_refused_unexpanded(
    originals: dict[str, Any], tmp_path: Path
) -> None:
    # 64 MB of JSON whitespace compresses to 64 kB; skops would read all of it.
    def bomb(name: str, content: bytes) -> bytes:
        return content + b" " * (64 << 20) if name == "schema.json" else content

    content = _rewrite_knn(originals, bomb)
    store = _plant(tmp_path, "knn-tuned", originals["knn-tuned"]["record"], content)
    with memory_bounded(200), pytest.raises(ModelFileError, match="expands to"):
        store.load("knn-tuned")


def _tamper(originals: dict[str, Any], tmp_path: Path, name: str, change: Any) -> ModelStore:
    source = tmp_path / "original.pt"
    source.write_bytes(originals[name]["bytes"])
    payload = torch.load(source, weights_only=True)
    for network in payload.get("members", [payload]):
        change(network)
    torch.save(payload, source)
    return _plant(tmp_path / "store", name, originals[name]["record"], source.read_bytes())


@pytest.mark.fault("torch file declaring the largest network, holding a tiny one", cases=1)
@pytest.mark.parametrize("name", ["cnn", "ensemble"])
def test_a_large_declared_architecture_is_refused_before_it_is_built(
    originals: dict[str, Any], tmp_path: Path, name: str
) -> None:
    # The largest architecture the loader accepts has 270 MB of weights; a file
    # that declares it but holds the tiny network's weights must not cost that.
    def largest(network: dict[str, Any]) -> None:
        network["architecture"].update(width=512, hidden=4096)

    store = _tamper(originals, tmp_path, name, largest)
    with memory_bounded(50), pytest.raises(ModelFileError, match="wrong tensor"):
        store.load(name)


@pytest.mark.fault("torch weights changed to finite values that overflow (NaN answers)", cases=1)
@pytest.mark.parametrize("name", ["cnn", "ensemble"])
def test_weights_that_overflow_are_refused(
    originals: dict[str, Any], tmp_path: Path, name: str
) -> None:
    # Found by fuzzing: torch checks no CRC, so changed bytes can make weights
    # that are finite, of the right shape, and give NaN for every image.
    def overflow(network: dict[str, Any]) -> None:
        network["state_dict"]["features.0.weight"][0] = 3e38

    store = _tamper(originals, tmp_path, name, overflow)
    with pytest.raises(ModelFileError, match="give no valid answer"):
        store.load(name)


@pytest.mark.parametrize("name", ["cnn", "ensemble"])
def test_negative_variances_are_refused(
    originals: dict[str, Any], tmp_path: Path, name: str
) -> None:
    def negative(network: dict[str, Any]) -> None:
        network["state_dict"]["features.1.running_var"][0] = -1.0

    store = _tamper(originals, tmp_path, name, negative)
    with pytest.raises(ModelFileError, match=r"negative variances in 'features\.1\.running_var'"):
        store.load(name)
