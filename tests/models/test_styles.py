"""Other writing styles: strokes land where the digit says, only on 1s, 4s and 7s."""

from __future__ import annotations

import numpy as np
import torch

from mnistlab.data import Dataset
from mnistlab.models.strokes import InkBox, polyline_ink, segment_distance
from mnistlab.models.styles import Styles, style_batch


def _digits(mnist: Dataset, digit: int, n: int) -> torch.Tensor:
    rows = mnist.X_train[mnist.y_train == digit][:n]
    return torch.from_numpy(rows.astype(np.float32) / 255.0).view(-1, 1, 28, 28)


def test_a_segment_s_distance_and_ink() -> None:
    start, end = torch.tensor([[4.0, 10.0]]), torch.tensor([[20.0, 10.0]])
    distance = segment_distance(start, end, 28)[0]
    assert float(distance[10, 12]) == 0.0
    assert float(distance[13, 12]) == 3.0
    assert float(distance[10, 24]) == 4.0  # past the end: the distance to the end point
    ink = polyline_ink(torch.stack([start, end], dim=1), 2.0)[0, 0]
    assert float(ink[10, 12]) == 1.0 and float(ink[11, 12]) == 1.0 - 0.5
    assert float(ink[13, 12]) == 0.0


def test_the_ink_box_of_a_digit(mnist: Dataset) -> None:
    image = _digits(mnist, 1, 1)
    box = InkBox(image)
    rows, cols = np.nonzero(image[0, 0].numpy() > 0.3)
    assert (box.top.item(), box.bottom.item()) == (rows.min(), rows.max())
    assert (box.left.item(), box.right.item()) == (cols.min(), cols.max())
    top_cols = cols[rows == rows.min()]
    assert abs(box.column_at(box.top).item() - top_cols.mean()) < 1e-5
    empty = InkBox(torch.zeros(1, 1, 28, 28))
    assert (empty.top.item(), empty.bottom.item()) == (0.0, 27.0)


def test_off_returns_the_batch_and_draws_nothing(mnist: Dataset) -> None:
    images = _digits(mnist, 1, 8)
    generator = torch.Generator().manual_seed(0)
    before = generator.get_state()
    assert style_batch(images, torch.ones(8, dtype=torch.long), Styles(), generator=generator) is (
        images
    )
    assert torch.equal(generator.get_state(), before)


def test_only_ones_fours_and_sevens_change_and_only_by_added_ink(mnist: Dataset) -> None:
    images = torch.cat([_digits(mnist, d, 20) for d in range(10)])
    labels = torch.arange(10).repeat_interleave(20)
    out = style_batch(images, labels, Styles(1.0), generator=torch.Generator().manual_seed(0))
    changed = (out - images).abs().amax(dim=(1, 2, 3)) > 1e-6
    assert set(labels[changed].tolist()) == {1, 4, 7}
    assert bool(changed[(labels == 1) | (labels == 7)].all())
    assert float(changed[labels == 4].float().mean()) > 0.8  # a 4 closed already may stay
    assert bool((out >= images).all()) and float(out.max()) <= 1.0


def test_the_strokes_sit_where_the_digit_says(mnist: Dataset) -> None:
    ones = _digits(mnist, 1, 30)
    out = style_batch(
        ones, torch.ones(30, dtype=torch.long), Styles(1.0), generator=torch.Generator()
    )
    added = (out - ones).clamp_min(0.0)[:, 0] > 0.5
    box = InkBox(ones)
    for i in range(30):
        rows = np.nonzero(added[i].numpy())[0]
        # A flag starts at the top, a base lies on the foot: both within the digit's rows.
        assert rows.min() >= box.top[i].item() - 1 and rows.max() <= box.bottom[i].item() + 2
    # The strokes widen the 1s: a 1 with a flag or a base is wider than a plain 1.
    widths = (InkBox(out).right - InkBox(out).left) - (box.right - box.left)
    assert float(widths.mean()) > 3.0


def test_the_same_seed_draws_the_same_styles(mnist: Dataset) -> None:
    images = torch.cat([_digits(mnist, 4, 10), _digits(mnist, 7, 10)])
    labels = torch.tensor([4] * 10 + [7] * 10)

    def styled(seed: int) -> torch.Tensor:
        return style_batch(
            images, labels, Styles(0.5), generator=torch.Generator().manual_seed(seed)
        )

    assert torch.equal(styled(3), styled(3))
    assert not torch.equal(styled(3), styled(4))
