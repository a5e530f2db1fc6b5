"""The genres a report can be: each a :class:`~edubureau.reports.genres.base.GenreSpec`.

The work summaries (annual, half-year) draw on plans, safety and statistics together;
the work plan's own issuing notice is laid out by plans (``plans.document``).
"""

from __future__ import annotations

from edubureau.reports.genres.base import Context, GenreSpec, SectionSpec
from edubureau.reports.genres.rectification_notice import RECTIFICATION_NOTICE
from edubureau.reports.genres.safety_circulars import CAMPAIGN_CIRCULAR, MONTH_CIRCULAR
from edubureau.reports.genres.safety_summary import ANNUAL_SAFETY, HALF_YEAR_SAFETY
from edubureau.reports.genres.stats_bulletin import BULLETIN
from edubureau.reports.genres.work_summary import ANNUAL_WORK, HALF_YEAR_WORK

GENRES: dict[str, GenreSpec] = {
    g.key: g
    for g in (
        ANNUAL_SAFETY,
        HALF_YEAR_SAFETY,
        MONTH_CIRCULAR,
        CAMPAIGN_CIRCULAR,
        RECTIFICATION_NOTICE,
        BULLETIN,
        ANNUAL_WORK,
        HALF_YEAR_WORK,
    )
}

__all__ = ["GENRES", "Context", "GenreSpec", "SectionSpec", "genre"]


def genre(key: str) -> GenreSpec:
    """The genre called ``key``; a Chinese ValueError for an unknown one."""
    try:
        return GENRES[key]
    except KeyError:
        raise ValueError(f"未知的文种“{key[:20]}”") from None
