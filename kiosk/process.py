"""What the kiosk process sets before Qt starts: the input method, Qt Quick's renderer,
and how the C library hands out memory to threads."""

from __future__ import annotations

import os
import sys

# glibc's mallopt() parameter for the most arenas (malloc pools) it may create.
_M_ARENA_MAX = -8


def prepare() -> None:
    """Call once, before the QApplication is made (and before any thread starts).

    Environment variables already set are left as they are, so a deployment can still
    choose another renderer or input method.
    """
    # The embedded Qt Virtual Keyboard: an input method inside our own window.
    os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")
    os.environ.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "1")
    # The keyboard is the kiosk's only Qt Quick scene and a simple one: the software
    # renderer draws it without an OpenGL context or a render thread.
    os.environ.setdefault("QT_QUICK_BACKEND", "software")
    _one_malloc_arena()


def _one_malloc_arena() -> None:
    """glibc gives threads that allocate at the same time arenas of their own (up to 8 a
    core), each keeping freed memory for itself. The kiosk's few threads allocate little
    and rarely at once. Measured on the benchmark kiosk, either this or the software
    renderer saves ~3 MiB resident (together, the same 3 MiB)."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no arenas to limit)
        return
    mallopt(_M_ARENA_MAX, 1)
