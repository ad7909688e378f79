"""city.memo: what a process remembers of reference data, and for how long."""

import pytest

from city import memo


@pytest.fixture(autouse=True)
def fresh():
    memo.forget()
    yield
    memo.forget()


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_a_value_is_read_once_within_the_seconds(settings):
    settings.LOCAL_CACHE_SECONDS = 60
    calls, compute = counter()
    assert [memo.remembered("k", compute) for _ in range(3)] == [1, 1, 1]
    assert len(calls) == 1


def test_with_no_seconds_every_read_is_afresh(settings):
    settings.LOCAL_CACHE_SECONDS = 0
    _calls, compute = counter()
    assert [memo.remembered("k", compute) for _ in range(3)] == [1, 2, 3]


def test_a_value_that_expires_sooner_is_kept_no_longer(settings, monkeypatch):
    settings.LOCAL_CACHE_SECONDS = 60
    clock = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock[0])
    _calls, compute = counter()
    assert memo.remembered("k", compute, expires=lambda value: 2) == 1
    clock[0] += 1
    assert memo.remembered("k", compute, expires=lambda value: 2) == 1
    clock[0] += 1.5
    assert memo.remembered("k", compute, expires=lambda value: 2) == 2


def test_a_value_already_out_of_date_is_not_kept(settings):
    settings.LOCAL_CACHE_SECONDS = 60
    calls, compute = counter()
    memo.remembered("k", compute, expires=lambda value: 0)
    memo.remembered("k", compute, expires=lambda value: 0)
    assert len(calls) == 2


def test_keys_are_kept_apart_and_forget_drops_them(settings):
    settings.LOCAL_CACHE_SECONDS = 60
    assert memo.remembered(("town", 1), lambda: "a") == "a"
    assert memo.remembered(("town", 2), lambda: "b") == "b"
    assert memo.remembered(("town", 1), lambda: "c") == "a"
    memo.forget()
    assert memo.remembered(("town", 1), lambda: "c") == "c"
