"""Strategy: what a business should do next.

* :mod:`rapport.strategy.benchmark`: the account against its closest competitors, area by area;
* :mod:`rapport.strategy.planner`: the industry rule: where becoming number one takes manageable
  effort, sequenced one area after another within the weekly budget;
* :mod:`rapport.strategy.care`: the daily care list (answer, welcome, thank, re-engage);
* :mod:`rapport.strategy.calendar`: the content plan (dated slots, ICS and CSV);
* :mod:`rapport.strategy.whatif`: strategies side by side in the calibrated synthetic world.

The goal in rapport.toml (objective and targets) decides what comes first everywhere.
"""
