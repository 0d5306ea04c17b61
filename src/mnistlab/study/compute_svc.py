"""The study's support vector classifiers: one-versus-one and one-versus-rest (step 10).

A cacheable computation: it takes the context and returns a :class:`CacheEntry`
of JSON values, never the fitted models.
"""

from __future__ import annotations

from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import SVC

from mnistlab.study.cache import CacheEntry
from mnistlab.study.context import StudyContext

#: Number of training images the chapter fits its SVCs on (scaled on a stratified subset).
SVC_TRAIN_SIZE = 2000


def svc(ctx: StudyContext, deps: dict[str, CacheEntry]) -> CacheEntry:
    """SVC (one-versus-one) and one-versus-rest SVC on the first 2,000 images (step 10).

    On a stratified subset, on the first ``ctx.scaled_size(SVC_TRAIN_SIZE)`` images.
    """
    n = ctx.scaled_size(SVC_TRAIN_SIZE)
    X, y = ctx.X_train[:n], ctx.y_train[:n]
    svm = SVC(random_state=42).fit(X, y)
    scores = svm.decision_function(ctx.some_digit)
    ovr = OneVsRestClassifier(SVC(random_state=42), n_jobs=ctx.n_jobs).fit(X, y)
    return CacheEntry(
        values={
            "train_size": len(X),
            "svc_prediction": int(svm.predict(ctx.some_digit)[0]),
            "svc_decision_scores": scores[0].tolist(),
            "svc_argmax": int(scores.argmax()),
            "svc_classes": [int(c) for c in svm.classes_],
            "svc_decision_shape": str(svm.decision_function_shape),
            "ovr_prediction": int(ovr.predict(ctx.some_digit)[0]),
            "ovr_n_estimators": len(ovr.estimators_),
        },
        arrays={},
    )
