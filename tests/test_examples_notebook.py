"""The notebooks of ``examples/``: they run top to bottom, and they are kept without outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mnistlab.data import Dataset

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
#: Small enough for a quick run, big enough for every step (5-fold grid, 3 folds per class).
SUBSET = "1000,200"


def test_there_is_a_notebook() -> None:
    assert EXAMPLES / "chapter3.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_is_stored_without_outputs(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code
    assert [c.get("outputs") for c in code] == [[] for _ in code]
    assert [c.get("execution_count") for c in code] == [None for _ in code]


@pytest.mark.slow
def test_the_chapter_notebook_runs_top_to_bottom_on_a_subset(
    mnist: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``mnist`` has cached the data set: the kernel reads it from the tests' shared cache,
    # whose directory it inherits (``MNISTLAB_CACHE_DIR``), with the models directory.
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.setenv("MNISTLAB_NOTEBOOK_SUBSET", SUBSET)
    notebook = nbformat.read(EXAMPLES / "chapter3.ipynb", as_version=4)
    # "python3" is the kernel of the interpreter running the tests when ipykernel is
    # installed in it: no kernelspec needs installing anywhere.
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    # The data set, then the steps' tables and figures (embedded PNGs).
    assert any("Training images per class" in h for h in html)
    assert any("Precision/recall trade-off" in h and "data:image/png;base64," in h for h in html)
    assert "1,000 training and 200 test images" in text
    assert "Not compared with the book" in text
    assert "knn-tuned reads a" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3  # the ROC figure, the drawn page, what the model sees
