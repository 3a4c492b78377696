"""The estimator contract every rapport model follows (after scikit-learn's).

* ``__init__`` stores keyword hyper-parameters (seed included) and does nothing else;
* ``fit(...)`` validates its input and returns ``self``;
* learned attributes end in ``_`` and exist only after ``fit``;
* :func:`check_is_fitted` gives the "not fitted yet" error;
* :meth:`Estimator.get_params` / :meth:`Estimator.set_params` read and change the
  hyper-parameters, which are exactly the keyword arguments of ``__init__``.
"""

from __future__ import annotations

import inspect
from typing import Any, Self

from rapport.errors import NotFittedError

__all__ = ["Estimator", "check_is_fitted"]


class Estimator:
    """Base class: parameters introspected from ``__init__``'s keyword-only arguments."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(
            name for name, p in signature.parameters.items()
            if name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        )  # fmt: skip

    def get_params(self) -> dict[str, Any]:
        """The hyper-parameters, by name."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Change hyper-parameters; an unknown name is a ValueError naming the known ones."""
        known = self._param_names()
        for name, value in params.items():
            if name not in known:
                raise ValueError(
                    f"{type(self).__name__} has no parameter {name!r}; known: {', '.join(known)}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


def check_is_fitted(estimator: object, *attributes: str) -> None:
    """Raise NotFittedError unless every named learned attribute (or any ``*_``) exists."""
    names = attributes or tuple(
        name for name in vars(estimator) if name.endswith("_") and not name.startswith("_")
    )
    if not names or not all(hasattr(estimator, name) for name in names):
        raise NotFittedError(type(estimator).__name__)
