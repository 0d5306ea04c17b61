"""The files beside the page: plain JSON, figure records, PNG sizes, the data set's name."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from mnistlab.data import dataset_names, get_dataset_spec
from mnistlab.report.figure_files import png_size, save_figure
from mnistlab.report.results_json import figure_record, jsonable
from mnistlab.report.summary import dataset_title
from mnistlab.study.quantities import Integer, Number, Percent, each


def test_jsonable_gives_plain_json_values() -> None:
    value = {
        1: np.float64("-inf"),
        "counts": each(Integer, [[1, 2]]),
        "shares": np.array([0.5, 0.25]),
        "nan": Percent(float("nan")),
        "n": np.int64(7),
        "ok": np.bool_(True),
    }
    plain = jsonable(value)
    assert plain == {
        "1": "-inf",
        "counts": [[1, 2]],
        "shares": [0.5, 0.25],
        "nan": "nan",
        "n": 7,
        "ok": True,
    }
    assert type(plain["counts"][0][0]) is int and type(jsonable(Number(0.5))) is float
    json.dumps(plain, allow_nan=False)


def test_png_size_reads_the_header_as_pillow_does() -> None:
    buffer = io.BytesIO()
    Image.new("L", (37, 11)).save(buffer, format="PNG")
    assert png_size(buffer.getvalue()) == (37, 11)
    with pytest.raises(ValueError, match="not a PNG image"):
        png_size(b"GIF89a" + bytes(30))


def test_a_saved_figure_is_both_files_and_its_record(tmp_path: Path) -> None:
    figure = Figure(figsize=(2.0, 1.0))
    figure.add_subplot().plot([0, 1], [1, 0])
    embed = save_figure(figure, "line", "A line & more.", tmp_path)
    with Image.open(tmp_path / "line.png") as image:
        assert (embed.width, embed.height) == image.size
    assert embed.png == (tmp_path / "line.png").read_bytes()
    assert (tmp_path / "line.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert figure_record(embed) == {
        "slug": "line",
        "caption": "A line & more.",
        "png": "figures/line.png",
        "svg": "figures/line.svg",
    }


def test_data_set_titles_come_from_the_registry() -> None:
    for name in dataset_names():
        assert dataset_title(name) == get_dataset_spec(name).title
    assert dataset_title("kmnist") == "kmnist"  # not registered: its name as given
