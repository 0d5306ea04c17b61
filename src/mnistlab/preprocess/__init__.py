"""Images that people give, made MNIST-like the way MNIST itself was made.

``preprocess(source)`` reads any image Pillow reads in the common formats (any
size, colour or transparency, EXIF orientation honoured), refuses
decompression bombs before decoding, and returns a 28×28 uint8 digit: ink
bright on dark, cropped, scaled to fit 20×20 keeping its aspect, centred by
centre of mass. With ``framing="object"`` it frames a photo of one item as
Fashion-MNIST's images were made instead: trimmed to the object, longest
edge 28, centred, light on black (:mod:`mnistlab.preprocess.objects`). Every
problem with the input is an :class:`~mnistlab.errors.ImageInputError` with a
one-line message.

Example
-------
>>> from mnistlab.preprocess import preprocess
>>> digit = preprocess("photo-of-a-seven.jpg")  # doctest: +SKIP
>>> probabilities = model.predict_proba(digit.reshape(1, 784))  # doctest: +SKIP
>>> sneaker = preprocess("product-photo.jpg", framing="object")  # doctest: +SKIP
"""

from mnistlab.preprocess.pipeline import (
    FRAMINGS,
    Framing,
    describe_framing,
    preprocess,
    to_mnist,
)
from mnistlab.preprocess.reading import (
    DEFAULT_MAX_PIXELS,
    SUPPORTED_FORMATS,
    ImageSource,
    open_image,
)

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "FRAMINGS",
    "SUPPORTED_FORMATS",
    "Framing",
    "ImageSource",
    "describe_framing",
    "open_image",
    "preprocess",
    "to_mnist",
]
