"""Scores and bands: the one rule, pass / (pass + fail + error), as a percentage.

A percentage is rounded to one decimal first, and the band is read from the rounded value,
so the figure shown and its band always agree. No result, or only not-applicable, waived
and not-assessed results, gives no score (None), never 100 %.
"""

from __future__ import annotations

from collections.abc import Mapping

from tripod.models import STATUSES, score_from_counts

#: (lowest percentage, band), best first: 95-100 Excellent, 90-94 Good, 80-89 Fair, 50-79 Poor, under 50 Failing.
BANDS: tuple[tuple[float, str], ...] = ((95.0, "Excellent"), (90.0, "Good"), (80.0, "Fair"), (50.0, "Poor"),
                                        (0.0, "Failing"))
NO_DATA = "No data"
NOT_SCORED = "Not scored"


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(STATUSES, 0)


def percent(counts: Mapping[str, int]) -> float | None:
    value = score_from_counts(counts)
    return None if value is None else round(value * 100, 1)


def band(score: float | None, *, has_data: bool = True) -> str:
    if not has_data:
        return NO_DATA
    if score is None:
        return NOT_SCORED
    return next(name for floor, name in BANDS if score >= floor)


def change(current: float | None, previous: float | None) -> float | None:
    """Percentage points since the previous period; None when either has no score."""
    if current is None or previous is None:
        return None
    return round(current - previous, 1)


def add_counts(total: dict[str, int], counts: Mapping[str, int]) -> None:
    for status in STATUSES:
        total[status] += int(counts.get(status, 0))


def score_block(counts: Mapping[str, int], previous: Mapping[str, int] | None = None) -> dict[str, object]:
    """Counts by status, the score, its band, and the change against `previous` counts."""
    score = percent(counts)
    previous_score = percent(previous) if previous is not None else None
    return {
        "score": score,
        "band": band(score),
        "counts": {status: int(counts.get(status, 0)) for status in STATUSES},
        "previous_score": previous_score,
        "change": change(score, previous_score),
    }


def weighted(area_scores: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """sum(weight x area score) / sum(weights), over the areas that have a score and a weight above 0,
    from the area scores as shown (rounded); None when no weighted area has a score."""
    pairs = [(float(weights.get(area, 0)), score) for area, score in area_scores.items()
             if score is not None and weights.get(area, 0) > 0]
    total = sum(weight for weight, _score in pairs)
    if not pairs or total <= 0:
        return None
    return round(sum(weight * score for weight, score in pairs) / total, 1)


def weighted_block(area_counts: Mapping[str, Mapping[str, int]], weights: Mapping[str, float],
                   previous: Mapping[str, Mapping[str, int]] | None = None) -> dict[str, object]:
    """The weighted score of a set of areas, its band, the change against `previous`, and the counts."""
    total = empty_counts()
    for counts in area_counts.values():
        add_counts(total, counts)
    score = weighted({area: percent(counts) for area, counts in area_counts.items()}, weights)
    previous_score = None
    if previous is not None:
        previous_score = weighted({area: percent(counts) for area, counts in previous.items()}, weights)
    return {"score": score, "band": band(score), "counts": total, "previous_score": previous_score,
            "change": change(score, previous_score)}
