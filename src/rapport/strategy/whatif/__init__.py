"""The what-if simulator: the synthetic world calibrated to the workspace, strategies side by
side over months and many seeds.
"""

from rapport.strategy.whatif.compare import (
    LEVERS,
    OUTCOMES,
    STRATEGY_NAMES,
    Band,
    CalibratedQuantity,
    Calibration,
    StrategyResult,
    WhatIf,
    WorkspaceInputs,
    calibrate,
    read_inputs,
    run_whatif,
    strategy_params,
)

__all__ = [
    "LEVERS",
    "OUTCOMES",
    "STRATEGY_NAMES",
    "Band",
    "CalibratedQuantity",
    "Calibration",
    "StrategyResult",
    "WhatIf",
    "WorkspaceInputs",
    "calibrate",
    "read_inputs",
    "run_whatif",
    "strategy_params",
]
