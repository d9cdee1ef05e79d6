"""The cyclic collector is held off while a model is built or a dump decoded, and comes back
as it was: on when the last hold ends if it was on before the first, off if it was off."""
from __future__ import annotations

import gc
import threading

import pytest

from netpol_harness.gcpause import collector_held


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()  # whatever the runner left
    yield
    gc.enable()


def test_the_collector_is_off_inside_a_hold_and_on_after_it_even_after_an_error():
    with collector_held():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with collector_held():
            raise ValueError
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collector_held():
        pass
    assert not gc.isenabled()


def test_holds_that_overlap_in_two_threads_keep_it_off_until_the_last_ends():
    first_in, second_done = threading.Event(), threading.Event()
    seen = []

    def first():
        with collector_held():
            first_in.set()
            second_done.wait(10)
            seen.append(gc.isenabled())  # the other thread's hold has ended: still off for this one

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with collector_held():
        pass
    second_done.set()
    thread.join(10)
    assert seen == [False] and gc.isenabled()
