"""Strategy: what a business should do next.

* :mod:`rapport.strategy.benchmark`: the account against its closest competitors, area by area;
* :mod:`rapport.strategy.plan`: the industry rule: where becoming number one takes manageable
  effort, sequenced one area after another within the weekly budget;
* :mod:`rapport.strategy.care_list`: the daily care list (answer, welcome, thank, re-engage);
* :mod:`rapport.strategy.calendar`: the content plan (dated slots, ICS and CSV);
* :mod:`rapport.strategy.whatif`: strategies side by side in the calibrated synthetic world.

The goal in rapport.toml (objective and targets) decides what comes first everywhere.

Each is a package whose ``__init__`` holds its public names; the modules inside are its parts.
"""
