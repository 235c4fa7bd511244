"""`WaveLoad.first_fit` skips waves it has seen full for a need; it must answer exactly what
a plain scan from `ready` answers, whatever the order of questions and placements."""

from __future__ import annotations

import random

from migration.scheduler import WaveLoad


def _plain_first_fit(used: list[int], capacity: int, ready: int, effort: int) -> int:
    wave = ready
    while wave < len(used):
        fits = used[wave] == 0 if effort > capacity else used[wave] + effort <= capacity
        if fits:
            return wave
        wave += 1
    return wave


def test_first_fit_equals_a_plain_scan() -> None:
    for seed in range(300):
        rng = random.Random(seed)
        capacity = rng.choice([1, 3, 10, 40])
        load = WaveLoad(capacity)
        for _ in range(rng.randrange(1, 400)):
            ready = rng.randrange(0, 60)
            effort = rng.randrange(1, capacity * 2 + 2)
            expected = _plain_first_fit(load.used, capacity, ready, effort)
            assert load.first_fit(ready, effort) == expected, (seed, ready, effort)
            if rng.random() < 0.8:  # some questions are not followed by a placement
                load.add(expected, effort)
