"""Card readers: the keyboard-wedge burst, QR decoding, and the outbox surviving a restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from PySide6.QtWidgets import QApplication, QLineEdit

from kiosk.scanner import WedgeScanner, decode_qr
from kiosk.store import Outbox
from kiosk.widgets import qr_pixmap
from schema.cards import new_token
from schema.tokens import PREFIX


@pytest.fixture
def focused(qtbot) -> Iterator[tuple[QLineEdit, WedgeScanner]]:
    """A text field with the focus, and a wedge scanner listening."""
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    field.activateWindow()
    qtbot.waitUntil(field.isActiveWindow)
    field.setFocus()
    scanner = WedgeScanner(QApplication.instance())
    try:
        yield field, scanner
    finally:
        scanner.stop()


def _scanned(qtbot, field: QLineEdit, typed: str) -> None:
    """``typed`` as a USB scanner types it: Shift pressed and let go around each capital
    (a keyboard's way), then Enter."""
    shift = Qt.KeyboardModifier.ShiftModifier
    for char in typed:
        if char.isupper():
            qtbot.keyPress(field, Qt.Key.Key_Shift, shift)
            qtbot.keyClick(field, char, shift)
            qtbot.keyRelease(field, Qt.Key.Key_Shift)
        else:
            qtbot.keyClick(field, char)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_wedge_scanner_catches_a_burst_whatever_has_focus(qtbot, focused) -> None:
    field, scanner = focused
    token = new_token()
    with qtbot.waitSignal(scanner.token_read, timeout=2000) as got:
        qtbot.keyClicks(field, token)
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert got.args == [token]
    assert field.text() == ""  # nothing of the token leaked into the focused field

    # A person typing is not a card: keys that looked like a prefix are handed back.
    qtbot.keyClicks(field, "Dave")
    assert field.text() == "Dave"
    field.clear()
    qtbot.keyClicks(field, "DR")
    qtbot.wait(300)  # too slow for a scanner: the held keys go to the field
    qtbot.keyClicks(field, "ew")
    assert field.text() == "DRew"
    # A burst with the prefix that is not a whole token is not a card: a misread.
    field.clear()
    with (qtbot.assertNotEmitted(scanner.token_read, wait=200),
          qtbot.waitSignal(scanner.misread, timeout=2000)):
        qtbot.keyClicks(field, "DRP-SHORT")
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert field.text() == ""


def test_a_card_typed_with_shift_around_its_capitals_is_read(qtbot, focused) -> None:
    field, scanner = focused
    token = new_token()
    with qtbot.waitSignal(scanner.token_read, timeout=2000) as got:
        _scanned(qtbot, field, token)
    assert got.args == [token]
    assert field.text() == ""


def test_a_card_read_with_caps_lock_on_is_read_in_capitals(qtbot, focused) -> None:
    field, scanner = focused
    token = new_token()
    with qtbot.waitSignal(scanner.token_read, timeout=2000) as got:
        _scanned(qtbot, field, token.lower())
    assert got.args == [token]
    assert field.text() == ""


def test_a_card_held_up_by_a_busy_moment_is_still_read_and_never_typed(qtbot, focused) -> None:
    """The kiosk busy for 150 ms in the middle of a burst (a repaint, a print job): the
    keys are handled late, but a burst that brought the whole prefix is a card."""
    field, scanner = focused
    token = new_token()
    with qtbot.waitSignal(scanner.token_read, timeout=2000) as got:
        qtbot.keyClicks(field, token[:12])
        time.sleep(0.15)  # (no event loop: the keys wait, as behind a busy kiosk)
        qtbot.keyClicks(field, token[12:])
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert got.args == [token]
    assert field.text() == ""
    # A card that stops half way is a misread after a moment, and none of it is typed.
    with (qtbot.assertNotEmitted(scanner.token_read, wait=100),
          qtbot.waitSignal(scanner.misread, timeout=2000)):
        qtbot.keyClicks(field, token[:15])
    qtbot.wait(100)
    assert field.text() == ""
    qtbot.keyClicks(field, "Dave")  # and the field is anyone's again
    assert field.text() == "Dave"


def test_the_wedge_filter_steps_aside_only_for_the_block_and_not_after_stop(qtbot) -> None:
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    field.setFocus()
    scanner = WedgeScanner(QApplication.instance())
    token = new_token()
    try:
        with scanner.aside():  # filter off: the keys sent inside the block reach the field
            qtbot.keyClicks(field, token)
        assert field.text() == token
        field.clear()
        with qtbot.waitSignal(scanner.token_read, timeout=2000) as got:  # and on again
            qtbot.keyClicks(field, token)
            qtbot.keyClick(field, Qt.Key.Key_Return)
        assert got.args == [token] and field.text() == ""
        scanner.stop()
        with scanner.aside():  # a stopped reader is not switched back on by the block
            pass
        with qtbot.assertNotEmitted(scanner.token_read, wait=100):
            qtbot.keyClicks(field, token)
            qtbot.keyClick(field, Qt.Key.Key_Return)
        assert field.text() == token
    finally:
        scanner.stop()


def test_camera_decoder_reads_a_card_qr(qtbot) -> None:
    token = new_token()
    image = qr_pixmap(token, 300).toImage()
    assert decode_qr(image) == token
    # As a camera sees it: small, turned on its side, on a grey desk, in a big frame.
    frame = QImage(1280, 720, QImage.Format.Format_RGB32)
    frame.fill(QColor("#8a8f94"))
    painter = QPainter(frame)
    painter.drawImage(700, 200, image.transformed(QTransform().rotate(90)).scaled(240, 240))
    painter.end()
    assert decode_qr(frame) == token
    blank = QImage(640, 480, QImage.Format.Format_RGB32)
    blank.fill(QColor("white"))
    assert decode_qr(blank) is None


def test_outbox_survives_a_restart_and_skips_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    box = Outbox(path)
    first = box.add("scan", token="DRP-X", at="2026-01-01T10:00:00+00:00")
    box.add("anonymous", headcount=2)
    with path.open("a") as fh:
        fh.write('{"id": "torn", "kind": "sc')  # the power went mid-write
    again = Outbox(path)
    assert [e["kind"] for e in again.entries()] == ["scan", "anonymous"]
    again.add("sign_in", person_ids=[7])  # not run into the torn line, so not lost
    assert [e["kind"] for e in Outbox(path).entries()] == ["scan", "anonymous", "sign_in"]
    again.remove(first)
    assert [e["kind"] for e in Outbox(path).entries()] == ["anonymous", "sign_in"]
    assert len(Outbox(path)) == len(again) == 2
    assert again.aside.read_text() == '{"id": "torn", "kind": "sc\n'  # (kept to look at)


def test_an_outbox_entry_without_its_line_end_is_not_run_into(tmp_path: Path) -> None:
    """The power went after an entry was written but before its line ended: the next
    entry is written on a line of its own, and both are read back."""
    path = tmp_path / "outbox.jsonl"
    first = Outbox(path).add("scan", token="DRP-X")
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    box = Outbox(path)
    second = box.add("scan", token="DRP-Y")
    assert Outbox(path).ids() == [first, second]


def test_an_outbox_line_that_is_not_an_entry_is_set_aside_not_dropped(tmp_path: Path) -> None:
    """A line of another shape (another version's, or edited by hand) is moved to the
    set-aside file when the kiosk starts, so that rewriting the outbox cannot drop it."""
    path = tmp_path / "outbox.jsonl"
    box = Outbox(path)
    first = box.add("scan", token="DRP-X")
    odd = '{"kind": "scan", "args": {"token": "DRP-Y"}}'
    with path.open("a") as fh:
        fh.write(odd + "\n")
    box = Outbox(path)
    assert box.ids() == [first] and box.aside.read_text() == odd + "\n"
    box.remove(first)
    assert path.read_text() == "" and box.aside.read_text() == odd + "\n"


def test_a_line_torn_while_the_kiosk_runs_is_ended_and_set_aside(tmp_path: Path) -> None:
    """An append that failed half way (a full disk) leaves a line without its end: the
    next entry is not run into it, and a rewrite sets the piece aside instead of
    dropping it."""
    outbox = Outbox(tmp_path / "outbox.jsonl")
    first = outbox.add("scan", token="DRP-A")
    with outbox.path.open("a") as fh:
        fh.write('{"id": "torn", "kind": "sc')
    second = outbox.add("scan", token="DRP-B")
    assert [e["id"] for e in outbox.entries()] == [first, second]
    outbox.remove(first)
    assert [e["id"] for e in outbox.entries()] == [second]
    assert outbox.aside.read_text() == '{"id": "torn", "kind": "sc\n'


def test_an_outbox_line_that_is_not_utf8_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    good = '{"id": "a", "kind": "scan", "args": {"token": "DRP-A"}}'
    path.write_bytes(b'{"id": "\xeb"}\n' + good.encode() + b"\n")
    outbox = Outbox(path)
    assert [e["id"] for e in outbox.entries()] == ["a"]
    assert outbox.aside.read_text() == '{"id": "\\xeb"}\n'


def test_the_idle_countdown_restarts_on_input_the_wedge_scanner_sees(qtbot) -> None:
    """With a wedge scanner the idle watcher has no filter of its own: the scanner's
    application-wide filter tells it of every tap and key, a card's burst included."""
    from kiosk.app import IdleWatcher

    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    app = QApplication.instance()
    scanner = WedgeScanner(app)
    idle = IdleWatcher(app, 2, scanner)
    try:
        fired: list[bool] = []
        idle.idle.connect(lambda: fired.append(True))
        qtbot.wait(1200)
        qtbot.mouseClick(field, Qt.MouseButton.LeftButton)  # a tap: the countdown restarts
        assert idle.timer.remainingTime() > 1800
        qtbot.wait(1200)
        with qtbot.waitSignal(scanner.token_read, timeout=2000):
            qtbot.keyClicks(field, new_token())  # a card, also someone at the screen
            qtbot.keyClick(field, Qt.Key.Key_Return)
        assert idle.timer.remainingTime() > 1800
        assert not fired
        qtbot.waitUntil(lambda: bool(fired), timeout=4000)  # and nothing more: idle
    finally:
        app.removeEventFilter(scanner)
        idle.timer.stop()


def _camera_frame(text: str) -> QImage:
    """A 1280 x 720 camera picture with a card's QR code held up in it."""
    frame = QImage(1280, 720, QImage.Format.Format_RGB32)
    frame.fill(QColor("#8a8f94"))
    painter = QPainter(frame)
    painter.drawImage(420, 180, qr_pixmap(text, 300).toImage())
    painter.end()
    return frame


def test_the_camera_reads_a_card_once_while_it_is_held_up(qtbot, monkeypatch) -> None:
    """Frames fed to the camera reader's video sink, as a camera gives them: a card held
    up for ten seconds is one scan; taken away and shown again, it is another. A code with
    the card's prefix that is not a card is a misread; any other QR code is ignored."""
    from PySide6.QtMultimedia import QVideoFrame

    import kiosk.scanner as scanner

    clock = [1000.0]
    monkeypatch.setattr(scanner.time, "monotonic", lambda: clock[0])
    camera = scanner.CameraScanner(every_ms=0)
    read: list[str] = []
    misread: list[bool] = []
    camera.token_read.connect(read.append)
    camera.misread.connect(lambda: misread.append(True))
    token = new_token()
    card, empty = _camera_frame(token), QImage(1280, 720, QImage.Format.Format_RGB32)
    empty.fill(QColor("#8a8f94"))

    def show(picture: QImage) -> None:
        """One frame from the camera, decoded (on the reader's own thread)."""
        camera.sink.setVideoFrame(QVideoFrame(picture))
        assert not camera.idle()  # (the UI thread did not decode it)
        qtbot.waitUntil(camera.idle, timeout=5000)

    try:
        for _ in range(21):  # ten seconds in view, a frame every half second
            show(card)
            clock[0] += 0.5
        assert read == [token]
        for _ in range(8):  # four seconds with nothing in view
            show(empty)
            clock[0] += 0.5
        show(card)  # shown again: a second scan
        assert read == [token, token]
        show(_camera_frame("https://example.org/menu"))
        assert read == [token, token] and misread == []
        show(_camera_frame(PREFIX + "TORN"))
        assert misread == [True]
        # A frame that comes while one is being decoded is dropped, not queued up.
        decoded: list[str] = []
        camera._decoder.decoded.connect(lambda text, _at: decoded.append(text))
        clock[0] += 10
        camera.sink.setVideoFrame(QVideoFrame(card))
        camera.sink.setVideoFrame(QVideoFrame(empty))
        qtbot.waitUntil(camera.idle, timeout=5000)
        qtbot.wait(50)
        assert decoded == [token] and read == [token, token, token]
    finally:
        camera.stop()
