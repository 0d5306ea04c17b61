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


def run_chapter(directory: Path, subset: str | None) -> tuple[list[str], str, int]:
    """Execute ``examples/chapter3.ipynb`` top to bottom.

    Returns its HTML outputs, its printed text and how many PNG images it showed.

    ``subset`` is ``MNISTLAB_NOTEBOOK_SUBSET`` (``None``: the whole data). The kernel
    inherits the test run's environment: its cache (``MNISTLAB_CACHE_DIR``), where the
    data set and the study's results already are, and its models directory.
    """
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    with pytest.MonkeyPatch.context() as patch:
        if subset is None:
            patch.delenv("MNISTLAB_NOTEBOOK_SUBSET", raising=False)
        else:
            patch.setenv("MNISTLAB_NOTEBOOK_SUBSET", subset)
        notebook = nbformat.read(EXAMPLES / "chapter3.ipynb", as_version=4)
        # "python3" is the kernel of the interpreter running the tests when ipykernel is
        # installed in it: no kernelspec needs installing anywhere.
        client = nbclient.NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=900,
            resources={"metadata": {"path": str(directory)}},
        )
        client.execute()

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, errors
    html = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    images = sum("image/png" in o.get("data", {}) for o in outputs)
    return html, text, images


@pytest.mark.slow
def test_the_chapter_notebook_runs_top_to_bottom_on_a_subset(
    mnist: Dataset, tmp_path: Path
) -> None:
    # ``mnist`` has cached the data set, so the kernel reads it from the tests' cache.
    html, text, images = run_chapter(tmp_path, SUBSET)
    # The data set, then the steps' tables and figures (embedded PNGs).
    assert any("Training images per class" in h for h in html)
    assert any("Precision/recall trade-off" in h and "data:image/png;base64," in h for h in html)
    assert "1,000 training and 200 test images" in text
    assert "Not compared with the book" in text
    assert "knn-tuned reads a" in text
    assert images >= 3  # the ROC figure, the drawn page, what the model sees
