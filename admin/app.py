"""The admin window: log in, then the pages of admin/pages.py.

``Admin`` is the controller: it owns the database runner (work happens on a
worker thread, never the UI thread), the one message bar every page reports
through, the signed-in staff member and their role, and the idle lock.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from admin.pages import PAGES, Page, save_path
from kiosk.app import IdleWatcher
from kiosk.store import OwnTransactions, Runner, Unavailable
from schema.counting import Filters, Period
from schema.db import Sessions, read_session
from schema.errors import DropinError, LockedOut
from schema.sql import Source
from schema.staff import StaffRow, check_pin
from schema.tables import StaffUser

log = logging.getLogger(__name__)
IDLE_LOCK_SECONDS = 5 * 60

STYLE = """
QWidget { font-size: 14px; }
QLabel#messageBar { padding: 8px 14px; border-radius: 6px; font-weight: 600; }
QLabel#messageBar[kind="info"] { background: #e6eef6; color: #0b3a66; }
QLabel#messageBar[kind="ok"] { background: #dcf3e5; color: #0b5a31; }
QLabel#messageBar[kind="error"] { background: #fbe3e3; color: #7a1d1d; }
QListWidget#navigation { font-size: 15px; }
QListWidget#navigation::item { padding: 10px 12px; }
QListWidget#navigation::item:selected { background: #0b4f8a; color: white; }
"""


class LoginPage(QWidget):
    """Who is using the admin window: a staff name and their PIN."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("loginPage")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QWidget()
        box.setMinimumWidth(460)
        form = QFormLayout(box)
        title = QLabel("Dropin office — sign in")
        title.setStyleSheet("font-size: 20px; font-weight: 700;")
        form.addRow(title)
        self.user = QComboBox()
        self.user.setObjectName("loginUser")
        self.user.setAccessibleName("Staff name")
        self.pin = QLineEdit()
        self.pin.setObjectName("loginPin")
        self.pin.setAccessibleName("PIN")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.button = QPushButton("Sign in")
        self.button.setObjectName("loginButton")
        form.addRow("Name", self.user)
        form.addRow("PIN", self.pin)
        form.addRow(self.button)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.pin.returnPressed.connect(self.button.click)


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("adminWindow")
        self.setWindowTitle("Dropin — office")
        central = QWidget()
        lay = QVBoxLayout(central)
        self.message = QLabel()
        self.message.setObjectName("messageBar")
        self.message.setAccessibleName("Message")
        self.message.setWordWrap(True)
        self.message.hide()
        lay.addWidget(self.message)
        self.top = QStackedWidget()
        lay.addWidget(self.top, 1)
        self.login = LoginPage()
        self.top.addWidget(self.login)
        work = QWidget()
        wl = QHBoxLayout(work)
        wl.setContentsMargins(0, 0, 0, 0)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Pages")
        self.nav.setFixedWidth(190)
        self.pages = QStackedWidget()
        wl.addWidget(self.nav)
        wl.addWidget(self.pages, 1)
        self.top.addWidget(work)
        self.setCentralWidget(central)
        self.who = QLabel()
        self.who.setObjectName("signedInAs")
        self.progress = QProgressBar()
        self.progress.setObjectName("progress")
        self.progress.setMaximumWidth(260)
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("progressLabel")
        self.sign_out = QPushButton("Sign out")
        self.sign_out.setObjectName("signOutButton")
        bar = self.statusBar()
        bar.addWidget(self.who)
        bar.addPermanentWidget(self.progress_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.sign_out)
        self.setStyleSheet(STYLE)
        self.resize(1280, 800)


class Admin(QObject):
    """The controller of the admin window."""

    def __init__(self, app: QApplication, engine: Engine, *,
                 idle_seconds: int = IDLE_LOCK_SECONDS) -> None:
        super().__init__()
        self.app = app
        self.engine = engine
        self.runner = Runner(Sessions(engine))
        self.w = MainWindow()
        self.staff_id: int | None = None
        self.staff_name = ""
        self.role = ""
        self.busy = 0
        self.pages: list[Page] = [page(self) for page in PAGES]
        self.visible_pages: list[Page] = []
        self.save_path_provider: Callable[[str, str], str] = (
            lambda suggested, filt: save_path(self.w, suggested, filt))
        self.confirm_provider: Callable[[str, str], bool] | None = None
        self.message_timer = QTimer(self)
        self.message_timer.setSingleShot(True)
        self.message_timer.timeout.connect(self.w.message.hide)
        self.idle = IdleWatcher(app, idle_seconds)
        self.idle.idle.connect(self.lock)
        self.w.login.button.clicked.connect(self.log_in)
        self.w.sign_out.clicked.connect(self.lock)
        self.w.nav.currentRowChanged.connect(self.open_page)
        self.lock()

    # --- the one door for messages -------------------------------------------------
    def say(self, text: str, kind: str = "info") -> None:
        bar = self.w.message
        bar.setText(text)
        bar.setProperty("kind", kind)
        bar.style().unpolish(bar)
        bar.style().polish(bar)
        bar.show()
        self.message_timer.start(12000 if kind == "error" else 6000)

    def failed(self, exc: Exception) -> None:
        if isinstance(exc, DropinError):
            text = str(exc)
            self.say(text[:1].upper() + text[1:] + ".", "error")
        elif isinstance(exc, Unavailable):
            self.say("The database cannot be reached just now. Check the network or the "
                     "server, then try again; nothing was changed.", "error")
        else:
            log.error("admin operation failed: %r", exc)
            self.say("Something went wrong and nothing was changed. If it happens again, "
                     "note what you did and tell whoever looks after Dropin.", "error")

    # --- database work ------------------------------------------------------------
    def run(self, work: Callable[[Session], Any], done: Callable[[Any], Any] | None = None,
            *, progress: str = "") -> None:
        """Run ``work`` on the worker thread in one transaction; ``done`` gets the result."""
        if progress:
            self._busy(+1, progress)

        def finished(result: Any) -> None:
            if progress:
                self._busy(-1)
            if done is not None:
                done(result)

        def failed(exc: Exception) -> None:
            if progress:
                self._busy(-1)
            self.failed(exc)

        self.runner.call(work, finished, failed)

    def read(self, work: Callable[[Session], Any]) -> Any:
        """A quick read on the UI thread, for a table model fetching the rows in view."""
        with read_session(self.engine) as s:
            return work(s)

    def _busy(self, step: int, label: str = "") -> None:
        self.busy += step
        self.w.progress.setVisible(self.busy > 0)
        self.w.progress_label.setText(label if self.busy > 0 else "")

    def ask_save_path(self, suggested: str, filt: str) -> str:
        return self.save_path_provider(suggested, filt)

    # --- signing in and out, pages ---------------------------------------------------
    def lock(self) -> None:
        """Back to the sign-in page (after 5 idle minutes, or Sign out)."""
        self.staff_id, self.staff_name, self.role = None, "", ""
        self.w.login.pin.clear()
        self.w.top.setCurrentIndex(0)
        self.w.who.setText("")
        self.w.sign_out.hide()

        def users(s: Session) -> list[tuple[int, str]]:
            return [(u.id, u.name) for u in s.exec(  # type: ignore[misc]
                select(StaffUser).where(col(StaffUser.active).is_(True))
                .order_by(col(StaffUser.name)))]

        def show(rows: list[tuple[int, str]]) -> None:
            combo = self.w.login.user
            combo.clear()
            for uid, name in rows:
                combo.addItem(name, uid)
            if not rows:
                self.say("No staff users yet: create one with 'dropin-admin init --demo' or "
                         "ask whoever set up Dropin.", "error")

        self.run(users, show)
        self.w.login.pin.setFocus()

    def log_in(self) -> None:
        uid = self.w.login.user.currentData()
        pin = self.w.login.pin.text()
        self.w.login.pin.clear()
        if uid is None:
            return

        def work(source: Source) -> StaffRow | None:
            return check_pin(source, pin=pin, actor="admin", staff_id=uid)

        def done(user: StaffRow | None) -> None:
            if user is None:
                self.say("That PIN is not right. After 5 wrong tries the account is locked "
                         "for 5 minutes.", "error")
                return
            self.staff_id, self.staff_name, self.role = user.id, user.name, user.role
            self.w.who.setText(f"Signed in as {user.name} ({user.role})")
            self.w.sign_out.show()
            self.w.message.hide()
            self._show_pages()

        def failed(exc: Exception) -> None:
            if isinstance(exc, LockedOut):
                self.say(str(exc)[:1].upper() + str(exc)[1:] + ".", "error")
            else:
                self.failed(exc)

        self.runner.call(OwnTransactions(work), done, failed)

    @property
    def actor(self) -> str:
        return f"admin:{self.staff_name}" if self.staff_name else "admin"

    def _show_pages(self) -> None:
        self.visible_pages = [p for p in self.pages if self.role in p.roles]
        nav, stack = self.w.nav, self.w.pages
        nav.blockSignals(True)
        nav.clear()
        while stack.count():
            stack.removeWidget(stack.widget(0))
        for page in self.visible_pages:
            nav.addItem(page.title)
            stack.addWidget(page)
        nav.blockSignals(False)
        self.w.top.setCurrentIndex(1)
        nav.setCurrentRow(0)
        self.open_page(0)

    def open_page(self, row: int) -> None:
        if 0 <= row < len(self.visible_pages):
            page = self.visible_pages[row]
            self.w.pages.setCurrentWidget(page)
            page.refresh()

    def page(self, cls: type[Page]) -> Page:
        return next(p for p in self.pages if isinstance(p, cls))

    def go(self, cls: type[Page]) -> Page:
        page = self.page(cls)
        self.w.nav.setCurrentRow(self.visible_pages.index(page))
        return page

    # --- long work: exports and card sheets -------------------------------------------
    def export_tally(self, path: str, period: Period, filters: Filters) -> None:
        from schema import audit
        from schema.tally_xlsx import write_tally

        def work(s: Session) -> str:
            write_tally(self.engine, period, filters, Path(path))
            audit.record(s, actor=self.actor, staff_id=self.staff_id, action="export.tally",
                         entity="report", start=period.start, end=period.end)
            return path

        self.run(work, lambda p: self.say(f"Tally saved to {p}.", "ok"),
                 progress="Writing the tally…")

    def card_sheet(self, path: str, *, person_id: int | None = None,
                   household_id: int | None = None, everyone_without: bool = False) -> None:
        from admin.cards_pdf import cards_for, write_sheet
        from schema import audit
        from schema.settings import get_settings

        def work(s: Session) -> tuple[int, int]:
            room = get_settings(s)["room_name"] or "Dropin"
            chosen = cards_for(s, person_id=person_id, household_id=household_id,
                               everyone_without=everyone_without, actor=self.actor)
            pages = write_sheet(chosen, Path(path), room) if chosen else 0
            audit.record(s, actor=self.actor, staff_id=self.staff_id, action="cards.sheet",
                         entity="card", count=len(chosen))
            return len(chosen), pages

        def done(result: tuple[int, int]) -> None:
            n, pages = result
            if n == 0:
                self.say("Everyone chosen already has a card; no sheet was made.")
            else:
                self.say(f"{n} cards on {pages} page(s) saved to {path}.", "ok")

        self.run(work, done, progress="Making the card sheet…")

    def confirm(self, question: str, detail: str) -> bool:
        """Ask before something that cannot be undone (an office PC: a dialog is fine)."""
        if self.confirm_provider is not None:
            return self.confirm_provider(question, detail)
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(self.w, "Dropin", f"{question}\n\n{detail}")
        return answer == QMessageBox.StandardButton.Yes

    def subject_access(self, person_id: int, path: str) -> None:
        from schema.privacy import subject_access, write_subject_access

        def work(s: Session) -> str:
            data = subject_access(s, person_id=person_id, actor=self.actor,
                                  staff_id=self.staff_id)
            xlsx, js = write_subject_access(data, Path(path))
            return f"{xlsx} and {js}"

        self.run(work, lambda where: self.say(f"Everything held on this person: {where}.",
                                              "ok"), progress="Gathering everything held…")

    def forget(self, person_id: int, how: str, done: Callable[[], Any]) -> None:
        from schema.privacy import checkpoint, erase, withdraw_consent

        def work(s: Session) -> None:
            (erase if how == "erase" else withdraw_consent)(
                s, person_id=person_id, actor=self.actor, staff_id=self.staff_id)

        def finished(_r: None) -> None:
            checkpoint(self.engine)
            self.say("Erased: the name and details are gone; past totals stay." if how ==
                     "erase" else "Consent withdrawn: from now on counted anonymously only.",
                     "ok")
            done()

        self.run(work, finished)

    def shutdown(self) -> None:
        self.idle.timer.stop()
        self.app.removeEventFilter(self.idle)
        self.runner.shutdown()


def main(database: str | None = None) -> int:
    from schema.db import make_engine
    from schema.migrate import is_current

    logging.basicConfig(level=logging.INFO)
    qt_argv = sys.argv[:1]  # Qt keeps pointers into argv while the application lives
    app = QApplication(qt_argv)
    app.setApplicationName("Dropin office")
    engine = make_engine(database)
    if not is_current(engine):
        print("dropin-admin: the database is not set up or is out of date: run "
              "'dropin-admin init'", file=sys.stderr)
        return 2
    from kiosk.widgets import collect_garbage_on_this_thread

    admin = Admin(app, engine)
    collect_garbage_on_this_thread(app)
    admin.w.show()
    code = app.exec()
    admin.shutdown()
    engine.dispose()
    return code


__all__ = ["Admin", "MainWindow", "main"]
