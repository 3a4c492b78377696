"""Virality reality on the workspace's own data (principle 2: going viral is a moonshot).

The modules here are the store-facing analyses: each takes an Ibis backend, the canonical
:class:`~rapport.query.tables.Tables` and a metrics :class:`~rapport.metrics.spec.Context` (own
accounts, period, settings), builds Ibis expressions over the tables, executes them on the
backend, and hands plain arrays to a model. The models themselves live in
:mod:`rapport.models`: pure estimators over NumPy arrays that never see the store, so they
are tested on hand-made arrays and reused on research files.

- :mod:`rapport.analyses.odds`: the odds that a post of this account reaches 100, 1,000 and
  10,000 reshares (``rapport odds``), from :class:`rapport.models.rarity.MoonshotOdds`;
- :mod:`rapport.analyses.spike_audit`: the spike audit (``rapport spikes``): which spikes in reach,
  engagement or new followers the account had, and whether they left followers who stayed,
  core-community members and conversions, compared with ordinary weeks; detection by
  :class:`rapport.models.spike_detector.SpikeDetector`;
- :mod:`rapport.analyses.seeds`: whom to care for first.

Every result has a ``to_dict()`` for ``--json``; a number that can't be computed says
``not_computable`` and why, never 0.
"""
