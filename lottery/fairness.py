"""Did the draw favour anyone? Win rates by group with Pearson's chi-square test.

Under a fair draw every reservation in the pool has the same chance, so winners spread over
districts and reservation days in proportion to the pool. A draw that favoured early (or late)
reservations, as the 2011 US diversity visa lottery did, shows as a tiny p-value. Standard library
only, like the verifier.
"""

import math
from dataclasses import dataclass

_EPS = 1e-15
_TINY = 1e-300


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    pool: int
    winners: int


def _lower_series(a: float, x: float) -> float:
    """P(a, x) by its power series; converges quickly for x < a + 1."""
    term = total = 1.0 / a
    n = a
    for _ in range(10_000):
        n += 1
        term *= x / n
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Q(a, x) by its continued fraction (modified Lentz); for x >= a + 1."""
    b = x + 1 - a
    c = 1 / _TINY
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1 / d
        step = d * c
        h *= step
        if abs(step - 1) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def chi_square_p_value(statistic: float, degrees_of_freedom: int) -> float:
    """P(X >= statistic) for X chi-square distributed: the upper regularised gamma Q(k/2, x/2)."""
    if degrees_of_freedom < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if statistic <= 0:
        return 1.0
    a, x = degrees_of_freedom / 2, statistic / 2
    if x < a + 1:
        return max(0.0, 1.0 - _lower_series(a, x))
    return _upper_fraction(a, x)


def _significant(value: float) -> float:
    """Six significant figures: a p-value of 3e-12 must not be published as 0."""
    return float(f"{value:.6g}")


def trend(groups: list[Group], scores: list[float]) -> dict:
    """The Cochran–Armitage test for a trend in win rate across ordered groups (reservation
    days, scored by their distance from the first): it catches a steady drift towards early or
    late reservations, which the chi-square test over all days can miss. Two-sided; null where
    it means nothing. A positive `z` means later groups won more often."""
    pairs = [(group, score) for group, score in zip(groups, scores, strict=True) if group.pool]
    pool = sum(group.pool for group, _ in pairs)
    winners = sum(group.winners for group, _ in pairs)
    if len(pairs) < 2 or winners in (0, pool):
        return {"z": None, "p_value": None}
    rate = winners / pool
    statistic = sum(t * (g.winners - g.pool * rate) for g, t in pairs)
    spread = sum(t * t * g.pool for g, t in pairs) - sum(t * g.pool for g, t in pairs) ** 2 / pool
    z = statistic / math.sqrt(rate * (1 - rate) * spread)
    return {"z": round(z, 6), "p_value": _significant(chi_square_p_value(z * z, 1))}


def win_rates(groups: list[Group]) -> dict:
    """The 2×k test of independence between group and winning, with each group's win rate.

    `p_value` is null where the test means nothing: fewer than two groups, or nobody or
    everybody won. `smallest_expected` below 5 says the chi-square approximation is rough.
    """
    groups = [group for group in groups if group.pool > 0]
    pool = sum(group.pool for group in groups)
    winners = sum(group.winners for group in groups)
    rows = [
        {
            "key": group.key,
            "label": group.label,
            "pool": group.pool,
            "winners": group.winners,
            "win_rate": round(group.winners / group.pool, 6),
        }
        for group in groups
    ]
    result = {
        "groups": rows,
        "chi_square": None,
        "degrees_of_freedom": None,
        "p_value": None,
        "smallest_expected": None,
    }
    if len(groups) < 2 or winners in (0, pool):
        return result
    rate = winners / pool
    statistic = 0.0
    smallest = math.inf
    for group in groups:
        expected_won = group.pool * rate
        expected_lost = group.pool - expected_won
        lost = group.pool - group.winners
        statistic += (group.winners - expected_won) ** 2 / expected_won
        statistic += (lost - expected_lost) ** 2 / expected_lost
        smallest = min(smallest, expected_won, expected_lost)
    dof = len(groups) - 1
    result.update(
        chi_square=round(statistic, 6),
        degrees_of_freedom=dof,
        p_value=_significant(chi_square_p_value(statistic, dof)),
        smallest_expected=round(smallest, 3),
    )
    return result
