"""The daily care list: who to answer, welcome, thank and re-engage today, within the minutes
a day the workspace sets; items marked done never come back.
"""

from rapport.strategy.care_list.items import (
    ACTIONS,
    ANSWER_WINDOW_DAYS,
    WELCOME_WINDOW_DAYS,
    CareItem,
    CareList,
    care_list,
    fit,
    item_id,
    mark_done,
)
from rapport.strategy.care_list.thread import Said, Thread, care_thread, thread_of

__all__ = [
    "ACTIONS",
    "ANSWER_WINDOW_DAYS",
    "WELCOME_WINDOW_DAYS",
    "CareItem",
    "CareList",
    "Said",
    "Thread",
    "care_list",
    "care_thread",
    "fit",
    "item_id",
    "mark_done",
    "thread_of",
]
