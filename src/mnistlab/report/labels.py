"""Readable labels of the study's values, from their keys, and the words for a data set.

Example
-------
>>> label_for("roc_auc"), label_for("f1", "forest")
('ROC AUC', 'Forest F1')
>>> DatasetWords.of([str(digit) for digit in range(10)]).image
'digit'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DIGIT_NAMES", "LABELS", "STEP_LABELS", "DatasetWords", "label_for"]

#: The class names of a data set of digits: its labels are the digits themselves.
DIGIT_NAMES = tuple(str(digit) for digit in range(10))

# Words that a plain ``capitalize()`` would spell wrong.
_WORDS = {
    "roc": "ROC",
    "auc": "AUC",
    "f1": "F1",
    "sgd": "SGD",
    "svc": "SVC",
    "knn": "KNN",
    "cv": "CV",
    "ovr": "one-vs-rest",
    "ovo": "one-vs-one",
    "tpr": "TPR",
    "fpr": "FPR",
    "idx": "index",
    "n": "number of",
    "pred": "prediction",
    "proba": "probability",
    "probas": "probabilities",
}
# Labels for keys the study produces; anything else is spelled from its key.
LABELS = {
    "some_digit_index": "Index of the first image",
    "some_digit_label": "Label of the first image",
    "some_digit_name": "Class of the first image",
    "n_pixels": "Pixels per image",
    "pixel_min": "Smallest pixel value",
    "pixel_max": "Largest pixel value",
    "train_class_counts": "Training images per class",
    "n_train": "Training images",
    "n_test": "Test images",
    "n_positive_train": "Positive training images",
    "n_positive_test": "Positive test images",
    "prediction": "Prediction for the first image",
    "mean_accuracy": "Mean 3-fold accuracy",
    "agree": "By hand equals cross_val_score",
    "decision_score": "Decision score of the first image",
    "prediction_at_0": "Prediction at threshold 0",
    "raised_threshold": "Raised threshold",
    "prediction_at_raised": "Prediction at the raised threshold",
    "target_precision": "Target precision",
    "threshold": "Lowest threshold reaching the target precision",
    "n_thresholds": "Number of thresholds",
    "threshold_index": "Index of that threshold on the ROC curve",
    "fpr_at_threshold": "False-positive rate at that threshold",
    "tpr_at_threshold": "True-positive rate (recall) at that threshold",
    "probability_threshold": "Probability threshold",
    "roc_auc": "ROC AUC",
    "sgd_roc_auc": "SGD ROC AUC",
    "train_size": "Training images for the SVCs",
    "svc_prediction": "SVC prediction",
    "svc_argmax": "Index of the highest SVC score",
    "svc_class_of_argmax": "Class of the highest SVC score",
    "svc_classes": "SVC classes_",
    "svc_decision_shape": "SVC decision_function_shape",
    "ovr_prediction": "One-vs-rest prediction",
    "ovr_n_estimators": "One-vs-rest: number of estimators",
    "sgd_prediction": "SGD prediction",
    "normalized_by_true": "Normalised by true class (rows)",
    "errors_normalized_by_true": "Errors only, normalised by row (true class)",
    "errors_normalized_by_pred": "Errors only, normalised by column (predicted class)",
    "accuracy": "Out-of-fold accuracy",
    "f1_macro": "F1 (macro average)",
    "f1_weighted": "F1 (weighted average)",
    "index": "Test image shown",
    "label": "Its label",
    "mean_abs_error_noisy": "Mean absolute pixel error, noisy",
    "mean_abs_error_cleaned": "Mean absolute pixel error, cleaned",
    "default_test_accuracy": "Test accuracy, default KNN",
    "grid_train_size": "Training images for the grid search",
    "best_params": "Best parameters",
    "best_score": "Best 5-fold CV accuracy",
    "tuned_test_accuracy": "Test accuracy, tuned KNN refitted on all training images",
}
# Labels that differ by step: in step 9 the bare metrics are the forest's.
STEP_LABELS = {
    "forest": {
        "f1": "Forest F1",
        "precision": "Forest precision",
        "recall": "Forest recall",
        "roc_auc": "Forest ROC AUC",
    },
    "tradeoff": {"precision": "Precision at that threshold", "recall": "Recall at that threshold"},
    "confusion": {"confusion_matrix": "Confusion matrix (out-of-fold)"},
    "error_analysis": {"confusion_matrix": "Confusion matrix (counts)"},
}


def label_for(key: str, step: str = "") -> str:
    """Return a readable label for a value's key.

    Example
    -------
    >>> label_for("sgd_roc_auc"), label_for("knn_f1_mean")
    ('SGD ROC AUC', 'KNN F1 mean')
    """
    if key in STEP_LABELS.get(step, {}):
        return STEP_LABELS[step][key]
    if key in LABELS:
        return LABELS[key]
    words = [_WORDS.get(w, w) for w in key.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else key


@dataclass(frozen=True)
class DatasetWords:
    """The words the report uses for a data set's images and classes.

    A data set whose class names are the digits "0" to "9" is one of digits:
    its images are digits and a class is named by its digit, as the chapter
    says ("a 5"). Any other data set's images are images, and a class is named
    by its class name in quotes ("class “Sandal”").

    Parameters
    ----------
    digits : bool
        Whether the class names are the digits "0" to "9".

    Example
    -------
    >>> mnist = DatasetWords.of([str(d) for d in range(10)])
    >>> mnist.images, mnist.a_class("5")
    ('digits', 'a 5')
    >>> fashion = DatasetWords.of(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    ...                            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])
    >>> fashion.images, fashion.a_class("Ankle boot")
    ('images', 'class “Ankle boot”')
    """

    digits: bool

    @classmethod
    def of(cls, class_names: Sequence[str]) -> DatasetWords:
        """The words for a data set of these class names."""
        return cls(digits=tuple(str(c) for c in class_names) == DIGIT_NAMES)

    @property
    def image(self) -> str:
        """What one image is: ``"digit"`` or ``"image"``."""
        return "digit" if self.digits else "image"

    @property
    def images(self) -> str:
        """What the images are, plural: ``"digits"`` or ``"images"``."""
        return self.image + "s"

    def a_class(self, name: str) -> str:
        """An image of the class ``name``, after a comma: ``"a 5"`` or ``"class “Coat”"``."""
        return f"a {name}" if self.digits else f"class “{name}”"
