"""``dropin-kiosk``: arguments, composition, SIGTERM -> quit."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schema.sql import Database

# A visitor is not kept waiting on a database another program has locked (a long import,
# a restore): a statement waits at most 1.5 s for a lock and a transaction is tried twice,
# then the sign-in goes to the outbox (the screen says "One moment…" after a second).
WAIT = {"busy_ms": 1500, "attempts": 2}


def _seconds(text: str) -> int:
    """--idle: a whole number of seconds, 5 or more (less would reset the kiosk under a
    visitor's fingers)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if value < 5:
        raise argparse.ArgumentTypeError(f"{value} seconds is too short: give 5 or more")
    return value


def _size(text: str) -> str:
    """--size: WIDTHxHEIGHT in pixels, like 1280x800."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and 200 <= int(p) <= 10000 for p in parts):
        raise argparse.ArgumentTypeError(f"'{text}' is not a size like 1280x800")
    return text


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="dropin-kiosk",
                                description="The Dropin touchscreen sign-in kiosk.")
    p.add_argument("--database", metavar="URL",
                   help="database URL (default: $DROPIN_DATABASE_URL, else the user data folder)")
    p.add_argument("--site", metavar="SLUG", help="the site this kiosk stands in")
    p.add_argument("--windowed", action="store_true",
                   help="an ordinary window that can be closed (for development)")
    p.add_argument("--idle", type=_seconds, default=30, metavar="SECONDS",
                   help="return to Welcome after this long without a touch (default 30)")
    p.add_argument("--size", metavar="WxH", type=_size,
                   help="window size with --windowed, e.g. 1280x800")
    p.add_argument("--no-camera", action="store_true", help="do not read cards with a camera")
    p.add_argument("--print-to", metavar="FOLDER", type=Path,
                   help="print cards as PDF files into FOLDER instead of on the system's "
                        "default printer (trying a kiosk out without a printer)")
    return p.parse_args(argv)


def create(app, database: Database | str, *, site: str | None, windowed: bool,
           idle_seconds: int = 30, outbox: Path | None = None, readers: list | None = None,
           camera: bool = False, window=None, config=None, printer=None):
    """Build the kiosk on ``database`` (or its URL): window, store, card readers,
    controller.

    ``window`` / ``config``: a window already on show (with its Welcome screen) and the
    site's settings already read, from the staged start-up of :func:`main`. ``printer``:
    where cards are printed (default: the system's default printer).
    """
    from kiosk.app import Kiosk, KioskWindow, load_config, replay
    from kiosk.scanner import CameraScanner, WedgeScanner
    from kiosk.store import Store
    from kiosk.theme import stylesheet
    from schema.sql import Database, data_dir

    if isinstance(database, str):
        database = Database(database, **WAIT)
    if config is None:
        config = database.transaction(  # a first start may create the site
            lambda db: load_config(db, site_slug=site, idle_seconds=idle_seconds))
    built = window is None
    if window is None:
        window = KioskWindow(windowed=windowed)
    made: list = []  # the kiosk, once built: its "On now" answer spares a scan a query

    def on_now():
        return made[0].on_now_cached() if made else None

    store = Store(database, outbox or data_dir() / f"outbox-{config.site_slug}.jsonl",
                  replay(config.actor, config.site_id, on_now))
    if readers is None:
        readers = [WedgeScanner(app)]
        if camera and CameraScanner.available():
            readers.append(CameraScanner(window))
    kiosk = Kiosk(app, window, store, readers, config, printer)
    made.append(kiosk)
    window.complete()
    if built:
        window.setStyleSheet(stylesheet(window.screen().size().height() if windowed is False
                                        else 800))
    return kiosk


@dataclass
class Away:
    """The start found the database away, and no start before has noted the site's
    settings: the kiosk waits for it."""

    error: Exception


def database_url(url: str | None) -> str:
    """``--database``, else ``$DROPIN_DATABASE_URL``, else the user data folder's file."""
    from schema.sql import default_url

    return url or default_url()


def quick_room_name(url: str, site: str | None) -> str:
    """The room's name by a plain read-only sqlite3 query (a few ms), for the first paint
    of Welcome; "" when that is not possible (PostgreSQL, a new database...)."""
    import sqlite3

    from schema.sql import sqlite_path

    path = sqlite_path(url)
    if not path or path == ":memory:" or not Path(path).exists():
        return ""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            row = (con.execute("SELECT name FROM site WHERE slug = ?", (site,)).fetchone()
                   if site else
                   con.execute("SELECT name FROM site ORDER BY id LIMIT 1").fetchone())
        finally:
            con.close()
    except sqlite3.Error:
        return ""
    return str(row[0]) if row else ""


class Startup:
    """Welcome first, then the rest: the staged start of the kiosk.

    1. Only PySide6 and the kiosk's widgets are imported; the window is shown with the
       Welcome screen (room name by a plain sqlite3 read, clock ticking), built without
       PySide6's ``Qt`` namespace (see ``kiosk.widgets``). The card scanner listens from
       Welcome's first paint, before any key can reach the window: tokens read from then
       on are queued.
    2. Once Welcome is painted, a background thread imports the kiosk's operations,
       connects, checks the migrations and reads the site's settings (the UI thread stays
       free to take the scanner's keys). SQLAlchemy is loaded only should the database
       need upgrading.
    3. Back on the UI thread: the other screens, the store and the controller are built
       around the window on show, and queued tokens are handed on. The kiosk is ready.
    4. The on-screen keyboard (Qt Quick: ~0.3 s on the UI thread, which a card read then
       would wait for) is built at the first quiet moment: Welcome on show, nothing in
       the store's hands, no touch or key for a second. Should a text field be opened
       before that, it is built there and then.
    """

    def __init__(self, app, args: argparse.Namespace) -> None:
        from PySide6.QtCore import QObject, QTimer, Signal

        from kiosk.scanner import WedgeScanner
        from kiosk.screens.welcome import WelcomeScreen
        from kiosk.theme import stylesheet
        from kiosk.window import KioskWindow
        from schema.clock import LONDON, now_utc
        from schema.sql import data_dir

        class Relay(QObject):
            # (database, config, database away?), Away, or an exception, from the thread
            loaded = Signal(object)

        self.app, self.args = app, args
        self.url = database_url(args.database)
        self.kiosk = None
        self.database = None
        self.code: int | None = None
        self.queued: list[str] = []
        self.relay = Relay()
        self.relay.loaded.connect(self._loaded)
        self.window = KioskWindow(windowed=args.windowed, keyboard=False)
        self.welcome = WelcomeScreen()
        self.window.add(self.welcome)
        self.welcome.set_room(quick_room_name(self.url, args.site))
        self.welcome.tick(now_utc().astimezone(LONDON))
        self.scanner = WedgeScanner(app, listen=False)  # from the first paint on
        self.scanner.token_read.connect(self._token)
        self._waiting = False  # for a database it has never reached
        for button in (self.welcome.sign_in, self.welcome.new, self.welcome.feedback,
                       self.welcome.staff):
            button.connect(self._touched)
        self.memory = data_dir() / "kiosk-starts.json"  # (see kiosk.app.remember_config)
        self._started = self._listening = False
        self.thread = None
        self._fallback = QTimer()
        self._fallback.setSingleShot(True)
        self._fallback.timeout.connect(self._after_paint)
        self._fallback.start(1000)  # should no paint come (no display), go on anyway
        outer = self

        class FirstPaint(QObject):
            def eventFilter(self, obj, event) -> bool:
                if event.type() == event.Type.Paint:
                    outer._listen()  # before any key can be handled
                    QTimer.singleShot(0, outer._after_paint)
                return False

        self._watch = FirstPaint()
        self.welcome.installEventFilter(self._watch)
        w = self.window
        if args.windowed:
            width, height = (int(x) for x in (args.size or "1280x800").lower().split("x"))
            w.resize(width, height)
            w.setStyleSheet(stylesheet(height))
            w.show()
        else:
            w.setStyleSheet(stylesheet(w.screen().size().height()))
            w.showFullScreen()

    def _touched(self) -> None:
        if self._waiting:
            self._not_open()

    def _listen(self) -> None:
        if not self._listening:
            self._listening = True
            self.scanner.listen()

    def _after_paint(self) -> None:
        if self._started:
            return
        self._listen()
        self._started = True
        self._fallback.stop()
        self.welcome.removeEventFilter(self._watch)
        import threading

        self.thread = threading.Thread(target=self._load, name="dropin-start", daemon=True)
        self.thread.start()

    def _load(self) -> None:
        """On a background thread: the operations, the connection, migrations, settings.
        With the database away, the settings noted at the last start that reached it."""
        try:
            import kiosk.app  # noqa: F401  (the controller and the screens: imports only)
            from kiosk.app import load_config, remember_config, remembered_config
            from kiosk.store import unavailable
            from schema.migrate import is_current
            from schema.sql import Database

            database = Database(self.url, lean=True, **WAIT)
            try:
                if not is_current(database):
                    from schema.db import make_engine
                    from schema.migrate import upgrade

                    engine = make_engine(self.url)
                    upgrade(engine)
                    engine.dispose()
                config = database.transaction(  # a first start may create the site
                    lambda db: load_config(db, site_slug=self.args.site,
                                           idle_seconds=self.args.idle))
            except Exception as exc:
                if not unavailable(exc):
                    raise
                database.close()  # (it connects again when next used)
                remembered = remembered_config(self.memory, self.url, self.args.site,
                                               self.args.idle)
                if remembered is None:
                    self.relay.loaded.emit(Away(exc))
                    return
                logging.getLogger(__name__).warning(
                    "the database can't be reached (%s): starting with the settings noted "
                    "at the last start; sign-ins are kept in the outbox until it is back", exc)
                self.relay.loaded.emit((database, remembered, True))
                return
            try:
                remember_config(self.memory, self.url, self.args.site, config)
            except OSError:  # (a start with the database away would wait for it)
                logging.getLogger(__name__).exception("could not note the site's settings")
            self.relay.loaded.emit((database, config, False))
        except Exception as exc:  # reported on the UI thread
            self.relay.loaded.emit(exc)

    RETRY_MS = 5000

    def _loaded(self, result) -> None:
        from PySide6.QtCore import QTimer

        from schema.errors import DropinError

        if isinstance(result, Away):
            self._wait(result.error)
            return
        if not isinstance(result, Exception):
            self.database, config, away = result
            self._waiting = False
            self.window.banner.show_starting(False)
            try:
                self.kiosk = create(
                    self.app, self.database, site=self.args.site,
                    windowed=self.args.windowed, idle_seconds=self.args.idle,
                    camera=not self.args.no_camera, readers=self._readers(),
                    window=self.window, config=config, printer=self._printer())
            except Exception as exc:  # (a kiosk half made must not stay up, eating cards)
                result = exc
            else:
                if away:
                    self.kiosk.store.away()
        if isinstance(result, Exception):
            if isinstance(result, DropinError):
                print(f"dropin-kiosk: {result}", file=sys.stderr)
                self.code = 2
            else:
                logging.getLogger(__name__).error("start-up failed", exc_info=result)
                self.code = 1
            self.app.exit(self.code)
            return
        self.scanner.token_read.disconnect(self._token)
        queued, self.queued = self.queued, []
        for token in queued:  # shown while the kiosk was starting
            self.kiosk.on_token(token)
        self._keyboard_timer = QTimer(self.window)  # goes with the window
        self._keyboard_timer.setInterval(250)
        self._keyboard_timer.timeout.connect(self._keyboard_when_quiet)
        self._keyboard_timer.start()

    def _wait(self, error: Exception) -> None:
        """The database can't be reached and this kiosk has never reached it: Welcome says
        signing in is not open yet, and the start is tried again every few seconds (a
        kiosk that quit instead would only be started again, and again, by its service)."""
        import threading

        from PySide6.QtCore import QTimer

        if not self._waiting:
            logging.getLogger(__name__).warning(
                "the database can't be reached (%s), and no earlier start has noted this "
                "site's settings: trying again every %d s", error, self.RETRY_MS // 1000)
            self._waiting = True
            self.window.banner.show_starting(True)
            if self.queued:  # never confirmed to anyone: they are told, not kept
                self.queued.clear()
                self._not_open()
        self.thread = threading.Thread(target=self._load, name="dropin-start", daemon=True)
        QTimer.singleShot(self.RETRY_MS, self.window, self.thread.start)

    def _token(self, token: str) -> None:
        """A card read before the kiosk is ready: kept for it, unless it is waiting for
        its database (then nobody could be signed in for a while)."""
        if self._waiting:
            self._not_open()
        else:
            self.queued.append(token)

    def _not_open(self) -> None:
        from PySide6.QtCore import QCoreApplication

        self.window.toast.show_message(QCoreApplication.translate(
            "Kiosk", "Sorry, signing in isn't open yet. Please ask a member of staff."),
            kind="error")

    QUIET_MS = 1000

    def _keyboard_when_quiet(self) -> None:
        k = self.kiosk
        if k is None:
            return
        timer = k.idle.timer  # restarted by every touch and key
        # (not running: it has fired, so nobody has touched the screen for a good while)
        quiet_ms = (timer.interval() - timer.remainingTime() if timer.isActive()
                    else self.QUIET_MS)
        if self.window.has_keyboard():
            self._keyboard_timer.stop()
        elif k.current() is k.welcome and k.store.idle() and quiet_ms >= self.QUIET_MS:
            self._keyboard_timer.stop()
            self.window.install_keyboard()

    def _readers(self) -> list:
        from kiosk.scanner import CameraScanner

        readers = [self.scanner]
        if not self.args.no_camera and CameraScanner.available():
            readers.append(CameraScanner(self.window))
        return readers

    def _printer(self):
        """``--print-to FOLDER``: cards as PDF files there; else the system's printer,
        looked up when a card is first printed."""
        if self.args.print_to is None:
            return None
        from kiosk.printing import PdfFolder

        return PdfFolder(self.args.print_to)

    def quit(self) -> None:
        if self.kiosk is not None:
            self.kiosk.quit()
        else:
            self.app.quit()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from kiosk import process

    process.prepare()
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.widgets import collect_garbage_on_this_thread

    qt_argv = sys.argv[:1]  # Qt keeps pointers into argv while the application lives
    app = QApplication(qt_argv)
    app.setApplicationName("Dropin kiosk")
    # Before any other thread starts: the cyclic GC runs only on this (the GUI) thread.
    gc_timer = collect_garbage_on_this_thread(app)
    start = Startup(app, args)
    # Python only sees signals while it runs: wake it a few times a second.
    signal.signal(signal.SIGTERM, lambda *_: start.quit())
    signal.signal(signal.SIGINT, lambda *_: start.quit())
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    code = app.exec()
    gc_timer.stop()
    if start.thread is not None and start.thread.ident is not None:  # (started: waiting
        start.thread.join(10)  # for the database, the next try may not be)
    code = start.code if start.code is not None else code
    if start.kiosk is not None and not start.kiosk.store.shutdown():
        # Its database thread is stuck in the driver: whatever it was doing is in the
        # outbox still. Python's own exit would wait on it, then Qt abort over it.
        logging.shutdown()
        os._exit(code)
    if start.kiosk is None and start.database is not None:
        start.database.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
