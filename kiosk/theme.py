"""The kiosk's style sheet, sized for the screen it runs on."""

from __future__ import annotations

from pathlib import Path

QSS = Path(__file__).with_name("theme.qss")


def sizes(height: int) -> dict[str, int]:
    """Type and touch-target sizes in pixels for a screen ``height`` pixels tall.

    Tuned at 800 px (a 1280×800 panel) and scaled, never below the 64 px target.
    """
    k = max(0.8, height / 800)
    return {
        "base": round(22 * k),
        "button": round(26 * k),
        "heading": round(30 * k),
        "title": round(44 * k),
        "huge": round(56 * k),
        "target": max(64, round(72 * k)),
        "compact": max(52, round(56 * k)),  # + padding and border: at least 64 px
        "tile": max(64, round(110 * k)),
        "huge_target": round(150 * k),
    }


def stylesheet(height: int) -> str:
    return QSS.read_text(encoding="utf-8") % sizes(height)
