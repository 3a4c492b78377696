"""The exception of ``rapport.text``, under rapport's root ``RapportError``.

Hierarchy::

    RapportError            (rapport.errors)
     └── NotFittedError     a model asked to predict before ``fit``
"""

from __future__ import annotations

from rapport.errors import RapportError

__all__ = ["NotFittedError"]


class NotFittedError(RapportError):
    """A model was asked to predict before it was fitted."""

    def __init__(self, estimator: str) -> None:
        super().__init__(estimator)
        self.estimator = estimator

    def __str__(self) -> str:
        return (
            f"This {self.estimator} is not fitted yet; call fit(texts, labels) first, or use "
            "rapport.text.default_classifier()"
        )
