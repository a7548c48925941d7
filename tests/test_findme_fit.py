"""Find me with the on-screen keyboard up: all five matches in view and big enough to tap,
on both screen sizes the kiosk is made for, without scrolling."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QStyle, QStyleOptionButton

from tests import test_kiosk
from tests.test_kiosk import Rig, _family

# A kiosk with one session on now, on a fresh database (tests/test_kiosk.py).
engine_one, rig = test_kiosk.engine_one, test_kiosk.rig

# Six adults a search for "Sam" + "W" finds (at most five are shown), one with a first
# name longer than a match's button has room for.
SAMS = (("Samira", "Wilson", 1988), ("Samuel", "Ward", 1970), ("Samantha", "Wood", 1990),
        ("Sammy", "Walsh", 1985), ("Samson", "White", 1979),
        ("Samantha-Louise", "Watts", 1992))


def _check_results_in_view(rig: Rig) -> None:
    viewport = rig.kiosk.w.scroll.viewport()
    for i in range(5):
        result = rig.find(f"result{i}")
        assert result.isVisible(), result.objectName()
        where = QRect(result.mapTo(viewport, QPoint(0, 0)), result.size())
        assert viewport.rect().contains(where), (result.objectName(), where, viewport.rect())
        assert result.height() >= 64, (result.objectName(), result.height())
        # What the button says fits inside its padding (nothing cut off at its edge).
        option = QStyleOptionButton()
        option.initFrom(result)
        room = result.style().subElementRect(
            QStyle.SubElement.SE_PushButtonContents, option, result).width()
        wide = result.fontMetrics().horizontalAdvance(result.text())
        assert 0 < wide <= room, (result.objectName(), result.text(), wide, room)


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_five_matches_are_above_the_keyboard(rig: Rig, size: tuple[int, int]) -> None:
    from kiosk.theme import stylesheet

    for first, last, year in SAMS:
        _family(rig.engine, (first, last, year), card=False)
    rig.kiosk.w.resize(*size)
    rig.kiosk.w.setStyleSheet(stylesheet(size[1]))
    rig.tap(rig.kiosk.welcome.sign_in_button)
    rig.type("Sam")
    rig.enter()
    rig.type("W")
    rig.qtbot.waitUntil(lambda: rig.shown("result4"))
    assert not rig.shown("result5")
    rig.qtbot.wait(50)  # the layout settles
    keyboard = rig.kiosk.w.keyboard
    assert keyboard.isVisible()
    assert rig.kiosk.w.scroll.viewport().height() < size[1] - 200  # the keyboard is up
    _check_results_in_view(rig)
    # Back in the first-name field to put it right: the matches stay in view.
    first = rig.find("firstNameField", QLineEdit)
    rig.tap(first)
    rig.qtbot.wait(50)  # (the area scrolls to the field, if it must)
    assert QApplication.focusWidget() is first and keyboard.isVisible()
    _check_results_in_view(rig)
    # A long first name may be shortened on its button, never its initial and year;
    # a screen reader still reads it whole.
    long = rig.find("result1")
    assert long.accessibleName() == "That's me: Samantha-Louise W. (1992)"
    assert long.text().startswith("Samantha") and long.text().endswith(" W. (1992)")
    assert [rig.find(f"result{i}").text() for i in (0, 2, 3, 4)] == [
        "Samantha W. (1990)", "Samira W. (1988)", "Sammy W. (1985)", "Samson W. (1979)"]
    # A tap on the last match, above the keyboard, picks Samson (who lives alone).
    rig.tap(rig.find("result4"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneMessage", QLabel).text() == "Welcome, Samson"
