"""Guards against a Qt binding that would bring a long-running kiosk down."""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(int, object)


def test_emitting_a_signal_does_not_leak_references_to_true() -> None:
    # PySide6 6.12.0 returned True from Signal.emit() without taking a reference:
    # after ~10 000 emits Python aborts with "deallocating True or False".
    emitter = _Emitter()
    seen: list[int] = []
    emitter.fired.connect(lambda n, _obj: seen.append(n))
    gc.collect()
    before = sys.getrefcount(True), sys.getrefcount(False)
    for i in range(5000):
        emitter.fired.emit(i, None)
    gc.collect()
    assert len(seen) == 5000
    assert (sys.getrefcount(True), sys.getrefcount(False)) == before
