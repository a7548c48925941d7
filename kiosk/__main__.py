"""``dropin-kiosk``: arguments, composition, SIGTERM -> quit."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import Engine


def _qt_environment() -> None:
    # The embedded Qt Virtual Keyboard: an input method inside our own window.
    os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")
    os.environ.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "1")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="dropin-kiosk",
                                description="The Dropin touchscreen sign-in kiosk.")
    p.add_argument("--database", metavar="URL",
                   help="database URL (default: $DROPIN_DATABASE_URL, else the user data folder)")
    p.add_argument("--site", metavar="SLUG", help="the site this kiosk stands in")
    p.add_argument("--windowed", action="store_true",
                   help="an ordinary window that can be closed (for development)")
    p.add_argument("--idle", type=int, default=30, metavar="SECONDS",
                   help="return to Welcome after this long without a touch (default 30)")
    p.add_argument("--size", metavar="WxH", help="window size with --windowed, e.g. 1280x800")
    p.add_argument("--no-camera", action="store_true", help="do not read cards with a camera")
    return p.parse_args(argv)


def create(app, engine: Engine, *, site: str | None, windowed: bool,
           idle_seconds: int = 30, outbox: Path | None = None, readers: list | None = None,
           camera: bool = False):
    """Build the kiosk on ``engine``: window, store, card readers, controller."""
    from kiosk.app import Kiosk, KioskWindow, load_config, replay
    from kiosk.scanner import CameraScanner, WedgeScanner
    from kiosk.store import Store
    from kiosk.theme import stylesheet
    from schema.db import data_dir, read_session

    with read_session(engine) as s:
        config = load_config(s, site_slug=site, idle_seconds=idle_seconds)
        s.commit()  # a first start may have created the site
    window = KioskWindow(windowed=windowed)
    store = Store(engine, outbox or data_dir() / f"outbox-{config.site_slug}.jsonl",
                  replay(config.actor, config.site_id))
    if readers is None:
        readers = [WedgeScanner(app)]
        if camera and CameraScanner.available():
            readers.append(CameraScanner(window))
    kiosk = Kiosk(app, window, store, readers, config)
    window.setStyleSheet(stylesheet(window.screen().size().height() if windowed is False
                                    else 800))
    return kiosk


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    _qt_environment()
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from schema.db import make_engine
    from schema.errors import DropinError
    from schema.migrate import is_current, upgrade

    qt_argv = sys.argv[:1]  # Qt keeps pointers into argv while the application lives
    app = QApplication(qt_argv)
    app.setApplicationName("Dropin kiosk")
    engine = make_engine(args.database, lean=True)
    try:
        if not is_current(engine):
            upgrade(engine)
        kiosk = create(app, engine, site=args.site, windowed=args.windowed,
                       idle_seconds=args.idle, camera=not args.no_camera)
    except DropinError as exc:
        print(f"dropin-kiosk: {exc}", file=sys.stderr)
        return 2
    window = kiosk.w
    if args.windowed:
        w, h = (int(x) for x in (args.size or "1280x800").lower().split("x"))
        window.resize(w, h)
        from kiosk.theme import stylesheet

        window.setStyleSheet(stylesheet(h))
        window.show()
    else:
        window.showFullScreen()
    from kiosk.widgets import collect_garbage_on_this_thread

    gc_timer = collect_garbage_on_this_thread(app)
    # Python only sees signals while it runs: wake it a few times a second.
    signal.signal(signal.SIGTERM, lambda *_: kiosk.quit())
    signal.signal(signal.SIGINT, lambda *_: kiosk.quit())
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    code = app.exec()
    gc_timer.stop()
    kiosk.store.shutdown()
    engine.dispose()
    return code


if __name__ == "__main__":
    sys.exit(main())
