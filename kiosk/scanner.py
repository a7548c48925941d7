"""Card readers behind one signal: a USB keyboard-wedge scanner, a camera, or a fake.

A wedge scanner "types" the card token very fast and presses Enter. An
application-wide event filter catches that burst whatever has focus: keys that
could begin a token are held back; if the burst turns out not to be a card
(too slow, wrong prefix) they are handed on to the focused widget unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QInputEvent, QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QApplication

from schema.tokens import PREFIX, looks_like_token

if TYPE_CHECKING:
    from PySide6.QtCore import Qt

log = logging.getLogger(__name__)

# Scanners send a key every few milliseconds; people cannot type that fast.
MAX_GAP_S = 0.08
_QUIET_MS = int(MAX_GAP_S * 1000 * 2)
# Once a burst has brought the whole card prefix it is a card, not a person typing: a
# pause in it (the kiosk busy for a moment) is waited out this long, and then the burst
# is a misread. Its keys never go to a text field: they are most of someone's card.
CARD_QUIET_S = 0.6
_PRESS, _RELEASE = QEvent.Type.KeyPress, QEvent.Type.KeyRelease
# Qt.Key.Key_Return and Qt.Key.Key_Enter: the scanner listens before Welcome is painted,
# when PySide6's Qt namespace is best left alone (see kiosk.widgets). A test checks them.
_ENTER_KEYS = (0x01000004, 0x01000005)
# Qt.Key.Key_Shift, _Control, _Meta, _Alt, _CapsLock, _NumLock, _AltGr: a scanner types a
# capital as a real keyboard does, Shift down and up around the letter.
_MODIFIER_KEYS = frozenset((0x01000020, 0x01000021, 0x01000022, 0x01000023, 0x01000024,
                            0x01000025, 0x01001103))
# What counts as someone at the screen (see WedgeScanner.on_activity). Every event of the
# application passes an application-wide filter: an isinstance test on the event's class
# is the cheap check (reading event.type() costs twice as much per event).
ACTIVITY = (QInputEvent, QInputMethodEvent)


def _is_window_or_widget(obj: QObject) -> bool:
    return obj.isWidgetType() or obj.isWindowType()


class CardReader(QObject):
    """Every source of card tokens emits ``token_read`` once per card shown, and
    ``misread`` when what it read began like a card but was not one."""

    token_read = Signal(str)
    misread = Signal()

    def stop(self) -> None:
        """Stop reading (the kiosk is closing)."""

    @contextmanager
    def aside(self) -> Iterator[None]:
        """Around code that runs without returning to the event loop: no key or touch
        can arrive meanwhile, so a reader that watches every event may stop watching."""
        yield


class WedgeScanner(CardReader):
    """Catches a keyboard-wedge scanner's burst with an application-wide event filter."""

    def __init__(self, app: QApplication, *, listen: bool = True) -> None:
        super().__init__()
        self.app = app
        self._held: list[tuple[int, Qt.KeyboardModifier, str]] = []  # key, modifiers, text
        self._text = ""  # the burst so far, in capitals (a card's token is)
        self._last = 0.0  # when its last key was handled (time.monotonic)
        self._stamp = 0  # and typed: the window system's time of that key, in ms (0: none)
        self._replaying = False
        # Started once per burst (not once per key): when it fires, a burst that has gone
        # quiet for longer than a scanner ever pauses is handed back.
        self._quiet_timer = QTimer(self)
        self._quiet_timer.setSingleShot(True)
        self._quiet_timer.timeout.connect(self._check_quiet)
        self._activity: list[Callable[[], object]] = []
        self._listening = False
        if listen:
            self.listen()

    def on_activity(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` on every touch, click, key or pointer movement in the
        application (the kiosk's idle countdown). Every event of the application passes
        an application-wide Python filter, ~2.5 µs each; sharing this one instead of
        installing a second halves that (a card scan alone brings ~200 events)."""
        self._activity.append(callback)

    def listen(self) -> None:
        """Start catching bursts (application-wide). The staged start-up calls this once
        Welcome is painted: PySide6 makes a Python object for every widget whose events
        pass through a Python filter, ~20 ms for the scroll area's alone; no key can
        reach the window before it is on screen."""
        self.app.installEventFilter(self)
        self._listening = True

    def stop(self) -> None:
        self.app.removeEventFilter(self)
        self._listening = False

    @contextmanager
    def aside(self) -> Iterator[None]:
        """The filter is off while the block runs. Input reaches the application only
        from the event loop, so nothing is missed; what is saved is the Python call for
        each of the events the block sends itself (a screen switched and painted at
        once: a few dozen show, hide, layout and paint events)."""
        if not self._listening:
            yield
            return
        self.app.removeEventFilter(self)
        try:
            yield
        finally:
            self.app.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # Every event of the application passes here: see ACTIVITY.
        if not isinstance(event, ACTIVITY):
            return False
        for callback in self._activity:
            callback()
        if self._replaying or not isinstance(event, QKeyEvent):
            return False
        kind = event.type()
        if kind == _RELEASE:
            return bool(self._text) and _is_window_or_widget(obj)  # held with its burst
        if kind != _PRESS or not _is_window_or_widget(obj):
            return False
        now, stamp = time.monotonic(), event.timestamp()
        if self._text:
            # The gap as typed, by the window system's clock where the key has a time:
            # keys queued while the kiosk was busy are handled late, not typed late.
            gap = ((stamp - self._stamp) / 1000 if stamp and self._stamp
                   else now - self._last)
            if gap > MAX_GAP_S and not self._text.startswith(PREFIX):
                self._give_back()
        self._last, self._stamp = now, stamp
        if event.key() in _MODIFIER_KEYS:
            return bool(self._text)  # Shift around a capital: part of the burst
        text = self._text
        if event.key() in _ENTER_KEYS and text.startswith(PREFIX):
            self._text, self._held = "", []
            self._quiet_timer.stop()
            if looks_like_token(text):
                self.token_read.emit(text)
            else:  # the card's prefix, then not a token: a smudged code, a torn card
                self.misread.emit()
            return True
        char = event.text()
        candidate = text + char.upper()  # (Caps Lock left on turns a card's capitals)
        if char and (PREFIX.startswith(candidate) or candidate.startswith(PREFIX)):
            if not text:
                self._quiet_timer.start(_QUIET_MS)
            self._text = candidate
            self._held.append((event.key(), event.modifiers(), char))
            return True
        if text:
            self._give_back()
        return False

    def _check_quiet(self) -> None:
        if not self._text:
            return
        quiet = time.monotonic() - self._last
        card = self._text.startswith(PREFIX)
        allowed = CARD_QUIET_S if card else MAX_GAP_S
        if quiet <= allowed:
            self._quiet_timer.start(max(1, int((allowed - quiet) * 1000) + 1))
        elif card:  # a card that never finished: told, and nothing of it typed anywhere
            self._held, self._text = [], ""
            self.misread.emit()
        else:
            self._give_back()

    def _give_back(self) -> None:
        """Not a card after all: deliver the held keys to whoever has focus."""
        held, self._held, self._text = self._held, [], ""
        self._quiet_timer.stop()
        target = QApplication.focusWidget()
        if target is None:
            return
        self._replaying = True
        try:
            for key, modifiers, char in held:
                for kind in (_PRESS, _RELEASE):
                    QApplication.sendEvent(target, QKeyEvent(kind, key, modifiers, char))
        finally:
            self._replaying = False


class _Decoder(QObject):
    """Decodes camera pictures on a thread of its own: zxing-cpp takes tens of
    milliseconds a picture, which the UI thread (a finger on the keyboard, a paint)
    must not wait for."""

    decoded = Signal(str, float)  # the text read ("" for none), when the frame came

    @Slot(QImage, float)
    def decode(self, image: QImage, at: float) -> None:
        try:
            text = decode_qr(image) or ""
        except Exception:  # a broken frame is no card; the camera goes on
            log.exception("a camera frame could not be decoded")
            text = ""
        self.decoded.emit(text, at)


class CameraScanner(CardReader):
    """Reads QR cards from a camera (QtMultimedia frames decoded with zxing-cpp).

    Only built where a camera exists. A few frames a second are decoded, on a thread of
    their own, one at a time: frames that come while one is being decoded are dropped.
    """

    _decode = Signal(QImage, float)

    def __init__(self, parent: QObject | None = None, every_ms: int = 200) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QCamera, QMediaCaptureSession, QMediaDevices, QVideoSink

        device = QMediaDevices.defaultVideoInput()
        self.camera = QCamera(device, self)
        self.session = QMediaCaptureSession(self)
        self.sink = QVideoSink(self)
        self.session.setCamera(self.camera)
        self.session.setVideoSink(self.sink)
        self._thread = QThread(self)
        self._thread.setObjectName("dropin-qr")
        self._decoder = _Decoder()
        self._decoder.moveToThread(self._thread)
        self._thread.finished.connect(self._decoder.deleteLater)
        self._decode.connect(self._decoder.decode)
        self._decoder.decoded.connect(self._decoded)
        self._thread.start()
        self._busy = False
        self.sink.videoFrameChanged.connect(self._frame)
        self._every = every_ms / 1000
        self._last = 0.0
        self._last_seen = ("", 0.0)  # the last code read, and when it was last in view
        self.camera.start()

    @staticmethod
    def available() -> bool:
        try:
            from PySide6.QtMultimedia import QMediaDevices
        except ImportError:
            return False
        return bool(QMediaDevices.videoInputs())

    def idle(self) -> bool:
        """No frame is being decoded."""
        return not self._busy

    # A code is read again only once it has been out of view this long: a card held up
    # (while its owner goes on to Who's here, say) is one scan, not one every few seconds.
    AWAY_S = 3.0

    def _frame(self, frame) -> None:
        now = time.monotonic()
        if self._busy or now - self._last < self._every or not self._thread.isRunning():
            return
        image = frame.toImage()
        if image.isNull():
            return
        self._last, self._busy = now, True
        self._decode.emit(image, now)

    @Slot(str, float)
    def _decoded(self, text: str, at: float) -> None:
        self._busy = False
        if not text.startswith(PREFIX):
            return  # nothing, or some other QR code (a poster, a parcel): not a card
        seen, self._last_seen = self._last_seen, (text, at)
        if text == seen[0] and at - seen[1] < self.AWAY_S:
            return  # still in view
        if looks_like_token(text):
            self.token_read.emit(text)
        else:  # the card's prefix, then not a token: a damaged or copied code
            self.misread.emit()

    def stop(self) -> None:
        self.camera.stop()
        self._thread.quit()
        self._thread.wait(5000)


def decode_qr(image: QImage) -> str | None:
    """The text of the first QR code in ``image``, if any."""
    import zxingcpp

    if image.isNull():
        return None
    if image.width() > 960:
        image = image.scaledToWidth(960)
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    for result in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode):
        if result.text:
            return str(result.text)
    return None


class FakeScanner(CardReader):
    """For tests and demos: ``show(token)`` is a card held up to the reader."""

    def show(self, token: str) -> None:
        self.token_read.emit(token)
