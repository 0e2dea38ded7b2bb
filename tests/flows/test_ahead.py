"""Prepare ahead, store in order (flows/ahead.py): the loop of every batched pipeline."""

from __future__ import annotations

import pytest

from flows.ahead import store_in_order


@pytest.mark.parametrize("ahead", [0, 1, 3])
def test_batches_are_stored_in_order_with_at_most_ahead_prepared_beyond_the_one_stored(ahead: int) -> None:
    events: list[tuple[str, int]] = []
    in_flight: list[int] = []
    most_in_flight = 0

    def start(item: int) -> int:
        nonlocal most_in_flight
        events.append(("start", item))
        in_flight.append(item)
        most_in_flight = max(most_in_flight, len(in_flight))
        return item

    def finish(item: int) -> None:
        events.append(("finish", item))
        in_flight.remove(item)

    store_in_order(range(6), start=start, finish=finish, ahead=ahead)
    assert [item for kind, item in events if kind == "finish"] == list(range(6))
    assert most_in_flight == ahead + 1
    # each batch starts before any later one is stored: preparing never waits for storing to catch up
    assert events.index(("start", 1)) < events.index(("finish", 0)) or ahead == 0


def test_a_failing_store_stops_the_loop_and_starts_nothing_more() -> None:
    started: list[int] = []

    def finish(item: int) -> None:
        if item == 1:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        store_in_order(range(10), start=lambda item: started.append(item) or item, finish=finish, ahead=1)
    assert started == [0, 1, 2]
