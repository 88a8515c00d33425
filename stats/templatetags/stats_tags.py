"""Template helpers of the stats partials (templates/stats/): no query of their own."""

from __future__ import annotations

from django import template

from clipmaker.clips.models import Clip
from publishing.models import Publication
from stats import selectors
from stats.charts import compact_number

register = template.Library()


@register.simple_tag
def publication_stats_state(publication: Publication) -> selectors.PublicationStats:
    """``{% publication_stats_state pub as st %}``: state, message and figures of one row."""
    return selectors.publication_stats(publication)


@register.filter
def clip_total_views(clip: Clip) -> int | None:
    """Views across platforms from the clip's prefetched publications."""
    return selectors.clip_total_views(clip.publications.all())


@register.filter
def compact(value: int | None) -> str:
    return "—" if value is None else compact_number(int(value))


@register.filter
def grouped(value: int | None) -> str:
    """«12 400»: thousands apart, as Russian text writes them."""
    return "—" if value is None else f"{int(value):,}".replace(",", "\u00a0")
