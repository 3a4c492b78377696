"""Publishing: the calendar's slots become posts a person writes, checked against the
workspace's own rules (:mod:`~rapport.strategy.publishing.rules`) and with UTM-tagged links
(:mod:`~rapport.strategy.publishing.drafts`); :mod:`rapport.api.publishing` schedules and
publishes them at most once."""

from rapport.strategy.publishing.drafts import content_tag, tag_links, tagged_text
from rapport.strategy.publishing.rules import Known, RuleBreak, Rules, check, week_start

__all__ = [
    "Known",
    "RuleBreak",
    "Rules",
    "check",
    "content_tag",
    "tag_links",
    "tagged_text",
    "week_start",
]
