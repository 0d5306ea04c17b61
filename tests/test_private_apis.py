"""Each private API is guarded, and its public path gives the same numbers.

The public paths are forced the way a user forces them: the environment
variable ``MNISTLAB_PUBLIC_APIS_ONLY=1`` or ``public_apis_only()``; never by
pretending another version is installed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

import mnistlab.knn.plain
from mnistlab.data import Dataset
from mnistlab.knn import FastKNeighborsClassifier, NeighborSearch
from mnistlab.private_apis import (
    PRIVATE_APIS,
    PUBLIC_APIS_ONLY_ENV,
    VERIFIED,
    forced_reason,
    get_api,
    in_verified_range,
    public_apis_only,
    usable,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "private-apis.md"
#: The APIs callers switch on at run time (the others are only names in allow-lists).
GUARDED = [api.key for api in PRIVATE_APIS if api.checks]
#: True when the environment already forces the public paths for the whole run.
FORCED_BY_ENVIRONMENT = os.environ.get(PUBLIC_APIS_ONLY_ENV, "").strip() == "1"


# ------------------------------------------------------------------ the table


def test_every_api_has_a_verified_range_and_a_fallback() -> None:
    assert len({api.key for api in PRIVATE_APIS}) == len(PRIVATE_APIS)
    for api in PRIVATE_APIS:
        assert api.package in VERIFIED, api.key
        assert api.names and api.used_in and api.purpose and api.fallback, api.key
        for module in api.used_in:
            assert importlib.util.find_spec(module) is not None, f"{api.key}: no {module}"


def test_the_docs_table_names_every_api() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for api in PRIVATE_APIS:
        assert f"`{api.key}`" in text, api.key
        for name in api.names:
            if name.startswith(("sklearn.", "joblib.", "uvicorn.", "numpy.")):
                assert name in text, name
    assert PUBLIC_APIS_ONLY_ENV in text


def test_the_installed_versions_use_the_private_apis() -> None:
    # The fast paths are what the rest of the suite tests: on the versions
    # installed for the tests every guarded API is usable, unless forced off
    # (Dask's only where the dask extra is installed).
    has_dask = importlib.util.find_spec("distributed") is not None
    for key in GUARDED:
        if key == "joblib-dask-backend" and not has_dask:
            continue
        assert usable(key) is (not FORCED_BY_ENVIRONMENT), (key, forced_reason())


@pytest.mark.parametrize("package", sorted(VERIFIED))
def test_the_range_includes_both_ends_and_counts_release_numbers_only(package: str) -> None:
    low, high = VERIFIED[package]
    *head, last = (int(n) for n in high.split("."))
    after = ".".join(str(n) for n in (*head, last + 1))
    assert in_verified_range(package, low) and in_verified_range(package, high)
    assert in_verified_range(package, f"{high}rc1") and in_verified_range(package, f"{high}.post1")
    assert not in_verified_range(package, after)
    assert not in_verified_range(package, f"{int(high.split('.')[0]) + 1}.0")
    assert not in_verified_range(package, "0.0.1")


def test_an_unknown_key_is_refused() -> None:
    with pytest.raises(KeyError, match="no private API 'sklearn-nothing'; known:"):
        usable("sklearn-nothing")
    assert get_api("sklearn-argkmin").package == "scikit-learn"


def test_public_apis_only_forces_the_public_paths_inside_the_block() -> None:
    with public_apis_only():
        assert forced_reason() is not None
        assert not any(usable(key) for key in GUARDED)
    assert all(usable(key) for key in GUARDED) is (not FORCED_BY_ENVIRONMENT)


#: Asks twice about one API and once about another, with the logging of the CLI.
WARNING_SCRIPT = """
import json, logging
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
from mnistlab.private_apis import usable
print(json.dumps([usable("sklearn-argkmin"), usable("sklearn-argkmin"),
                  usable("uvicorn-multiprocess")]))
"""


def _ask(forced: bool) -> tuple[list[bool], list[str]]:
    env = {k: v for k, v in os.environ.items() if k != PUBLIC_APIS_ONLY_ENV}
    if forced:
        env[PUBLIC_APIS_ONLY_ENV] = "1"
    done = subprocess.run(
        [sys.executable, "-c", WARNING_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout), done.stderr.strip().splitlines()


def test_the_environment_variable_forces_the_public_path_with_one_warning_per_api() -> None:
    answers, lines = _ask(forced=True)
    assert answers == [False, False, False]
    assert len(lines) == 2, lines
    sklearn = importlib.metadata.version("scikit-learn")
    assert lines[0].startswith(
        f"WARNING mnistlab: scikit-learn {sklearn}: not using sklearn-argkmin"
    )
    assert lines[1].startswith("WARNING mnistlab: uvicorn ")
    for line in lines:
        assert f"because {PUBLIC_APIS_ONLY_ENV}=1 is set" in line
        assert "taking the slower public path" in line


def test_without_the_variable_nothing_is_said() -> None:
    answers, lines = _ask(forced=False)
    assert answers == [True, True, True]
    assert lines == []


# ------------------------------------------------------------------ KNN on real MNIST


class PrivateSearchSpy:
    """Counts the calls of scikit-learn's private search by both fast paths.

    ``NeighborSearch`` (and through it ``FastKNeighborsClassifier``) calls the
    private search only as ``mnistlab.knn.plain.search_like_classifier``, so
    replacing that one name counts every call.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = mnistlab.knn.plain.search_like_classifier

        def counted(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(mnistlab.knn.plain, "search_like_classifier", counted)

    def check_private_path_taken(self, k: int) -> None:
        # The data below ties at every odd k on every row: the fast path needs the
        # private search there (at even k the pairs end at the k-th neighbour).
        if k % 2 and not FORCED_BY_ENVIRONMENT:
            assert self.calls > 0
        self.calls = 0


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> PrivateSearchSpy:
    return PrivateSearchSpy(monkeypatch)


@pytest.fixture(scope="module")
def tied(mnist: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Real images, each twice with different labels: every query ties at odd k.

    A fifth of the queries are training images themselves (distance 0, where
    distance weights become 0 or 1).
    """
    X = np.vstack([mnist.X_train[:3000]] * 2).astype(np.float64)
    y = np.concatenate([mnist.y_train[:3000], (mnist.y_train[:3000] + 1) % 10])
    Q = np.vstack([mnist.X_test[:400], mnist.X_train[:100]]).astype(np.float64)
    return X, y, Q


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("k", [3, 4, 5, 9])
def test_fast_classifier_public_path_gives_the_same_numbers(
    tied, spy: PrivateSearchSpy, k: int, weights: str
) -> None:
    X, y, Q = tied
    fast = FastKNeighborsClassifier(k, weights=weights).fit(X, y)
    private = fast.predict(Q), fast.predict_proba(Q)
    spy.check_private_path_taken(k)
    with public_apis_only():
        public = fast.predict(Q), fast.predict_proba(Q)
    assert spy.calls == 0
    plain = KNeighborsClassifier(n_neighbors=k, weights=weights).fit(X, y)
    for ours, theirs, reference in zip(
        private, public, (plain.predict(Q), plain.predict_proba(Q)), strict=True
    ):
        assert ours.dtype == theirs.dtype == reference.dtype
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(theirs, reference)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_neighbor_search_public_path_gives_the_same_numbers(
    tied, spy: PrivateSearchSpy, k: int, weights: str
) -> None:
    X, y, Q = tied
    search = NeighborSearch.run(X, Q, max_k=6)
    private = search.predict(y, k=k, weights=weights)
    spy.check_private_path_taken(k)
    with public_apis_only():
        public = search.predict(y, k=k, weights=weights)
    assert spy.calls == 0
    plain = KNeighborsClassifier(n_neighbors=k, weights=weights).fit(X, y).predict(Q)
    np.testing.assert_array_equal(private, public)
    np.testing.assert_array_equal(public, plain)


def test_neighbor_search_public_path_multilabel_and_neighbours(tied, spy: PrivateSearchSpy) -> None:
    X, y, Q = tied
    y2 = np.c_[y >= 7, y % 2 == 1]
    search = NeighborSearch.run(X, Q, max_k=5)
    private = search.predict(y2, k=5)
    spy.check_private_path_taken(5)
    with public_apis_only():
        public = search.predict(y2, k=5)
        dist, ind = search.neighbors(5)
    assert spy.calls == 0
    assert public.dtype == private.dtype == np.bool_
    np.testing.assert_array_equal(public, private)
    np.testing.assert_array_equal(public, KNeighborsClassifier().fit(X, y2).predict(Q))
    # Without the private search, neighbours are the classifier's kneighbors.
    expected = KNeighborsClassifier().fit(X, y).kneighbors(Q)
    np.testing.assert_array_equal(dist, expected[0])
    np.testing.assert_array_equal(ind, expected[1])


# ------------------------------------------------------------------ Dask


def _pid() -> int:
    return os.getpid()


@pytest.mark.slow
def test_dask_with_joblibs_own_backend_gives_the_same_result(
    mnist: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    from joblib import Parallel, delayed
    from joblib.parallel import BACKENDS, get_active_backend
    from sklearn.model_selection import cross_val_score

    from mnistlab.scheduling import dask_engine

    X = mnist.X_train[:3000].astype(np.float64)
    y = mnist.y_train[:3000]
    here = cross_val_score(KNeighborsClassifier(), X, y, cv=3, n_jobs=1)
    # The variable, not the context manager: the workers inherit it.
    monkeypatch.setenv(PUBLIC_APIS_ONLY_ENV, "1")
    with dask_engine("local", n_workers=2):
        backend, _ = get_active_backend()
        assert type(backend) is BACKENDS["dask"]  # joblib's own, not the mended subclass
        pids = Parallel(n_jobs=-1)(delayed(_pid)() for _ in range(4))
        there = cross_val_score(KNeighborsClassifier(), X, y, cv=3, n_jobs=-1)
    assert os.getpid() not in pids  # the work ran on the cluster
    np.testing.assert_array_equal(here, there)
