"""Predict many requests' images in one call of the model, without waiting to batch.

A model answers a batch of images far faster per image than one image at a
time: a nearest-neighbour model reads its whole training set once per call,
whatever the number of queries, and a network's layers run as matrix products.
So when requests arrive together, their images go to the model together.

There is no timer. The first thread to arrive calls the model with what is
queued; the images that arrive meanwhile wait and go together in the next
call. A lone request is never delayed, and under load the batch grows by
itself to what arrives during one call. Only one call of the model runs at a
time, which also keeps models that are not thread-safe (a network that sets
its library's thread count) safe under concurrent requests.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from mnistlab.models.base import N_CLASSES, DigitClassifier


@dataclass
class _Pending:
    row: NDArray[np.uint8]
    probabilities: NDArray[np.float64] | None = None
    error: BaseException | None = None
    done: bool = field(default=False)


class BatchingPredictor:
    """Share calls of ``classifier.predict_proba`` among the threads that need one.

    Parameters
    ----------
    classifier : DigitClassifier
        The model; it is called by one thread at a time.
    max_batch : int, default 32
        The most images in one call.

    Example
    -------
    >>> predictor = BatchingPredictor(model.classifier)  # doctest: +SKIP
    >>> predictor.predict(digit.reshape(784))            # from any thread  # doctest: +SKIP
    """

    def __init__(self, classifier: DigitClassifier, *, max_batch: int = 32) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self.classifier = classifier
        self.max_batch = max_batch
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._busy = False
        self.calls_ = 0
        self.largest_batch_ = 0

    def predict(self, row: NDArray[np.uint8]) -> NDArray[np.float64]:
        """Return the probabilities of the ten digits for one image (784 values).

        Blocks the calling thread until the model has answered; an exception of
        the model is raised in every thread whose image was in that call.
        """
        item = _Pending(row)
        with self._cond:
            self._queue.append(item)
            while not item.done:
                if self._busy:
                    self._cond.wait()
                    continue
                # This thread runs the next call, for whatever is queued (its
                # own image among them unless more than max_batch wait).
                self._busy = True
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                self._cond.release()
                try:
                    probabilities, error = self._call(batch)
                finally:
                    self._cond.acquire()
                    for i, pending in enumerate(batch):
                        if probabilities is not None:
                            pending.probabilities = probabilities[i]
                        pending.error = error
                        pending.done = True
                    self._busy = False
                    self.calls_ += 1
                    self.largest_batch_ = max(self.largest_batch_, len(batch))
                    self._cond.notify_all()
        if item.error is not None:
            raise item.error
        if item.probabilities is None:  # pragma: no cover - only if the call was interrupted
            raise RuntimeError("the model gave no answer")
        return item.probabilities

    def _call(
        self, batch: list[_Pending]
    ) -> tuple[NDArray[np.float64] | None, BaseException | None]:
        try:
            images = np.stack([p.row for p in batch])
            probabilities = np.asarray(self.classifier.predict_proba(images), dtype=np.float64)
            if probabilities.shape != (len(batch), N_CLASSES):
                raise RuntimeError(
                    f"the model returned probabilities of shape {probabilities.shape} "
                    f"for {len(batch)} images"
                )
        except Exception as exc:
            return None, exc
        return probabilities, None
