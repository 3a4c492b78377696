"""Models of how content spreads: cascades, SEISMIC, marked Hawkes, the forecaster, the odds of
going viral, spike audits and the choice of whom to care for first.

Every model follows one contract (:mod:`rapport.models.base`): keyword hyper-parameters in
``__init__`` and nothing else there, ``fit(...)`` validates its input and returns ``self``,
what was learned ends in ``_``, and using an unfitted model raises
:class:`~rapport.errors.NotFittedError`. Models take arrays or plain data, never the store.
"""
