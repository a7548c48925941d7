"""The kiosk window and its controller: every flow of DESIGN section 4 is decided here.

Screens only lay out widgets and emit signals; ``Kiosk`` wires them together
(one place), asks the ``Store`` for every database operation and shows every
message through the one toast.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QWidget,
)

from kiosk import messages
from kiosk.messages import QT_TRANSLATE_NOOP
from kiosk.scanner import ACTIVITY, CardReader, WedgeScanner
from kiosk.screens.staff import PinScreen, StaffScreen
from kiosk.screens.visitor import (
    CountMeScreen,
    DoneScreen,
    FeedbackScreen,
    IdentifyScreen,
    NewScreen,
    Screen,
    WhatForScreen,
    WhoScreen,
)
from kiosk.screens.welcome import WelcomeScreen
from kiosk.store import OwnTransactions, Store, Unavailable, Work
from kiosk.widgets import forget
from kiosk.window import KioskWindow
from schema import cards, feedback, referrals, residents, signin, staff
from schema.clock import LONDON, now_utc
from schema.errors import DropinError, Refused
from schema.kinds import Role
from schema.on_now import SessionOn, session_by_id, sessions_on_now
from schema.residents import NewPerson, first_word
from schema.settings import get_settings
from schema.sql import Db
from schema.text import (
    birth_year_from,
    clean_first_name,
    clean_phone,
    clean_postcode,
    clean_surname,
)

if TYPE_CHECKING:
    from kiosk.printing import CardPrinter

log = logging.getLogger(__name__)


@dataclass
class KioskConfig:
    site_id: int
    site_slug: str
    room_name: str
    notice_version: str = "1"
    notice_text: str = ""
    collect_postcode: bool = True
    collect_phone: bool = True
    idle_seconds: int = 30
    staff_idle_seconds: int = 60
    done_seconds: int = 6

    @property
    def actor(self) -> str:
        return f"kiosk:{self.site_slug}"


def _config_key(url: str, site_slug: str | None) -> str:
    """Which database and site a remembered start is for (the URL may hold a password:
    only its hash is written down)."""
    return hashlib.sha256(f"{url}\0{site_slug or ''}".encode()).hexdigest()


def remember_config(path: Path, url: str, site_slug: str | None, config: KioskConfig) -> None:
    """Note the site's settings, as read at this start, for a start with the database
    away (see ``remembered_config``). Written whole or not at all."""
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    known[_config_key(url, site_slug)] = asdict(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(known, indent=1), encoding="utf-8")
    part.replace(path)


def remembered_config(path: Path, url: str, site_slug: str | None,
                      idle_seconds: int = 30) -> KioskConfig | None:
    """The site's settings from the last start that reached this database, if any: the
    kiosk then starts without it, keeping sign-ins in its outbox until it is back."""
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
        saved = known[_config_key(url, site_slug)]
        return replace(KioskConfig(**saved), idle_seconds=idle_seconds)
    except (OSError, ValueError, KeyError, TypeError):
        return None


# Shown when the managers have not written a notice of their own: in the kiosk's language.
DEFAULT_NOTICE = QT_TRANSLATE_NOOP(
    "Kiosk",
    "We keep your first name, surname or initial, year of birth and who lives with you, "
    "to count how many families we support and to recognise you next time. Only hub staff "
    "see it. We never sell it or share it without asking you. You can ask to see it or have "
    "it deleted at any time. If you say no, we will just count you, with no details."
)


def load_config(s: Db | Any, *, site_slug: str | None, idle_seconds: int = 30) -> KioskConfig:
    """The kiosk's site and settings; the first site when none is named."""
    from schema.on_now import get_or_create_site, site_by_slug

    db = Db.of(s)
    if site_slug:
        site = site_by_slug(db, site_slug)
    else:
        slug = db.value("SELECT slug FROM site ORDER BY id LIMIT 1")
        site = site_by_slug(db, slug) if slug else get_or_create_site(db, "Community room")
    settings = get_settings(db)
    return KioskConfig(
        site_id=site.id,  # type: ignore[arg-type]
        site_slug=site.slug,
        room_name=site.name,
        notice_version=settings.get("privacy_notice_version", "1"),
        notice_text=settings.get("privacy_notice_text") or "",
        collect_postcode=settings.get("collect_postcode", "yes") != "no",
        collect_phone=settings.get("collect_phone", "yes") != "no",
        idle_seconds=idle_seconds,
    )


def _when(value: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if value else now_utc()


MAX_NEW_MEMBERS = 15  # a household registered at the kiosk; staff add any more

# What would be done twice if sent twice (a new household, a head-count): such a sign-in
# carries an id of its own from the start, and lands with a receipt of it (KioskReceipt).
ONCE = ("register", "anonymous")


def replay(actor: str, site_id: int,
           on_now: Callable[[], list[SessionOn] | None] | None = None):
    """How each kind of kept sign-in is carried out, now or later from the outbox.

    Every kind is safe to repeat: a second run finds the first and changes nothing (a
    card scan or a sign-in by itself; the kinds in ONCE by their receipt, and then answer
    None).
    ``on_now``: the kiosk's recent answer of ``sessions_on_now`` (or None when it has
    none fresh enough), handed to a live card scan so it need not ask the timetable.
    """

    def session_for(s: Db, session_id: int | None, at: dt.datetime) -> int:
        return session_id or sessions_on_now(s, site_id=site_id, at=at)[0].session_id

    def still_on(s: Db, session_id: int | None) -> int | None:
        """A kept sign-in's chosen session; None if it has been cancelled since (the
        sign-in then goes to what was on at the time: the visitor was told it is saved)."""
        row = session_by_id(s, session_id) if session_id else None
        return session_id if row is not None and not row.cancelled else None

    def make(kind: str, a: dict[str, Any]) -> Work:
        at = _when(a.get("at"))
        entry = a.get("entry")  # (entries kept before receipts came have none)

        def work(s: Db) -> Any:
            if kind in ONCE and entry:  # lands once, with its receipt, however often sent
                if s.row("SELECT 1 FROM kiosk_receipt WHERE id = :id", {"id": entry}):
                    return None
                s.run("INSERT INTO kiosk_receipt (id, landed_at) VALUES (:id, :at)",
                      {"id": entry, "at": now_utc()})
            chosen = still_on(s, a.get("session_id")) if a.get("replay") else a.get("session_id")
            if kind == "scan":
                known = on_now() if on_now is not None and not a.get("replay") else None
                result = signin.scan(s, token=a["token"], site_id=site_id, actor=actor,
                                     session_id=chosen, at=at, on_now=known)
                if result.outcome == "choose" and a.get("replay"):
                    result = signin.scan(s, token=a["token"], site_id=site_id, actor=actor,
                                         session_id=result.sessions[0].session_id, at=at)
                return result
            if kind == "sign_in":
                return signin.sign_in(s, person_ids=a["person_ids"], method=a["method"],
                                      session_id=session_for(s, chosen, at),
                                      actor=actor, staff_id=a.get("staff_id"), at=at)
            if kind == "anonymous":
                return signin.sign_in_anonymous(
                    s, session_id=session_for(s, chosen, at),
                    headcount=a["headcount"], actor=actor, at=at)
            if kind == "register":
                household, members = residents.register_household(
                    s, members=[NewPerson(**m) for m in a["members"]],
                    postcode=a.get("postcode"), actor=actor,
                    consent_version=a["consent_version"])
                # Everyone lives there; those here today are signed in (all of them, for
                # an entry kept by a version that did not ask).
                here = a.get("here")
                ids = [m.id for i, m in enumerate(members)
                       if here is None or i == 0 or i - 1 in here]
                signin.sign_in(s, person_ids=ids, method="new",
                               session_id=session_for(s, chosen, at),
                               actor=actor, at=at)
                return members[0].id, household.id, len(ids)
            raise ValueError(f"unknown outbox entry {kind}")

        return work

    return make


_VISITS = itertools.count(1)


class CardsToday:
    """The cards this kiosk has signed in today and not out since (as it was told, or as
    it kept them in its outbox). With the database away, such a card shown again is its
    holder leaving: What for is not asked of her."""

    def __init__(self) -> None:
        self._day: dt.date | None = None
        # token -> when it was signed in (monotonic), and whose card it is (when known)
        self._in: dict[str, tuple[float, int | None]] = {}

    def _today(self) -> dict[str, tuple[float, int | None]]:
        day = now_utc().astimezone(LONDON).date()
        if day != self._day:
            self._day, self._in = day, {}
        return self._in

    def came(self, token: str, person_id: int | None = None) -> None:
        self._today()[token] = (time.monotonic(), person_id)

    def left(self, token: str) -> None:
        self._today().pop(token, None)

    def person_left(self, person_id: int) -> None:
        """The person signed out without her card (found by name): her card is out too."""
        today = self._today()
        for token in [t for t, (_at, who) in today.items() if who == person_id]:
            del today[token]

    def since(self, token: str) -> float | None:
        """Seconds since the card was signed in today, if it is in."""
        found = self._today().get(token)
        return None if found is None else time.monotonic() - found[0]


@dataclass
class Visit:
    """What the kiosk knows about the person in front of it. Forgotten on reset."""

    token: str = ""
    person_id: int | None = None
    household_id: int | None = None
    first_name: str = ""
    has_card: bool = True
    people: list[int] = field(default_factory=list)
    then: str = ""  # what to do once a session is chosen
    new_you: dict[str, Any] = field(default_factory=dict)
    new_members: list[dict[str, Any]] = field(default_factory=list)
    headcount: int = 1
    staff_id: int | None = None
    card_token: str = ""
    card_name: str = ""  # the first name of the person the card was issued to
    search_seq: int = 0
    session_id: int | None = None  # the session this visit signed people in to
    busy: bool = False  # a tap that sends the visit on is waiting for its answer
    signed_in: bool = False  # Who's here was opened from Done: Back goes back there
    kept_entry: str = ""  # a scan kept with no session, while the visitor chooses one
    kept_args: dict[str, Any] = field(default_factory=dict)  # (and what it was kept with)
    number: int = field(default_factory=lambda: next(_VISITS), compare=False)  # which one


class IdleWatcher(QObject):
    """Any touch, click, key or pointer movement restarts the countdown; at zero, ``idle``
    fires.

    With a wedge scanner, which already sees every event of the application, the
    scanner tells the watcher of them; otherwise the watcher has a filter of its own.
    """

    idle = Signal()
    warning = Signal()  # ``warn_s`` before ``idle``, for a countdown of 20 s or more
    warn_s = 10.0

    def __init__(self, app: QApplication, seconds: float,
                 scanner: WedgeScanner | None = None) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idle)
        self.warn_timer = QTimer(self)
        self.warn_timer.setSingleShot(True)
        self.warn_timer.timeout.connect(self.warning)
        self.set_seconds(seconds)
        if scanner is not None:
            scanner.on_activity(self._active)
        else:
            app.installEventFilter(self)

    def set_seconds(self, seconds: float) -> None:
        self.timer.setInterval(int(seconds * 1000))
        warn = seconds >= 2 * self.warn_s
        self.warn_timer.setInterval(int((seconds - self.warn_s) * 1000) if warn else 0)
        self._active()

    def _active(self) -> None:
        self.timer.start()
        if self.warn_timer.interval():
            self.warn_timer.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if isinstance(event, ACTIVITY):
            self._active()
        return False


class Kiosk(QObject):
    """The controller: every flow, every message, every call to the database."""


    def __init__(self, app: QApplication, window: KioskWindow, store: Store,
                 readers: list[CardReader], config: KioskConfig,
                 printer: CardPrinter | None = None) -> None:
        super().__init__()
        self.app = app
        self._card_printer = printer  # None: the system's, looked up when first needed
        self.w = window
        self.store = store
        self.cfg = config
        self.visit = Visit()
        # The language the kiosk speaks now (a visitor may choose another on Welcome; the
        # next visitor finds it back in the first): by its own name, as on the button.
        self.language = "English"
        # "On now" as last read, and when (monotonic): a card scan within a minute or so
        # uses it instead of reading the timetable again.
        self._on_now: tuple[float, list[SessionOn]] | None = None
        self.cards_today = CardsToday()
        w = window
        # A Welcome screen already on show (painted before the database was up) is kept.
        first = w.stack.widget(0) if w.stack.count() else None
        self.welcome = first if isinstance(first, WelcomeScreen) else w.add(WelcomeScreen())
        self.identify = w.add(IdentifyScreen())
        self.who = w.add(WhoScreen())
        self.what = w.add(WhatForScreen())
        self.done = w.add(DoneScreen())
        self.new = w.add(NewScreen())
        self.count = w.add(CountMeScreen(signin.MAX_HEADCOUNT))
        self.feedback = w.add(FeedbackScreen(feedback.TOPICS))
        self.pin = w.add(PinScreen())
        self.staff = w.add(StaffScreen())
        # Under its system service (deploy/dropin-kiosk.service says so), a closed kiosk is
        # started again at once: the leave page says so.
        self.staff.set_restarts(os.environ.get("DROPIN_KIOSK_RESTARTS") == "1")
        assert isinstance(self.welcome, WelcomeScreen)
        self.welcome.add_pointers()
        self.welcome.set_room(config.room_name)
        self.new.set_notice(config.notice_text or self.tr(DEFAULT_NOTICE))
        self.new.set_minimised(config.collect_postcode, config.collect_phone)
        wedge = next((r for r in readers if isinstance(r, WedgeScanner)), None)
        self.idle = IdleWatcher(app, config.idle_seconds, wedge)
        self.done_timer = QTimer(self)
        self.done_timer.setSingleShot(True)
        # After a change of screen: touches reach it again once a double tap is over.
        self.settle_timer = QTimer(self.w)  # (goes with the window and its screens)
        self.settle_timer.setSingleShot(True)
        self.settle_timer.timeout.connect(self._settled)
        self.done_timer.timeout.connect(self.end_visit)
        # A sign-in the database is slow to answer: the visitor is told it is in hand.
        self.slow_timer = QTimer(self)
        self.slow_timer.setSingleShot(True)
        self.slow_timer.setInterval(self.SLOW_MS)
        self.slow_timer.timeout.connect(self._slow)
        self._slow_for = 0  # the number of the visit whose operation is taking a while
        self.clock = QTimer(self)
        self.clock.timeout.connect(self._tick)
        self.clock.start(1000)
        self.on_now_timer = QTimer(self)
        self.on_now_timer.timeout.connect(self.refresh_on_now)
        self.on_now_timer.start(60_000)
        self.readers = readers
        self._connect(readers)
        # Screens shown since the last reset: only those have anything to forget.
        self._shown: set[Screen] = {self.w.stack.widget(i)  # type: ignore[misc]
                                    for i in range(self.w.stack.count())}
        self.go(self.welcome)
        self._tick()
        self.refresh_on_now()

    # --- wiring (the one place signals meet behaviour) ---------------------------

    def _connect(self, readers: list[CardReader]) -> None:
        for reader in readers:
            reader.token_read.connect(self.on_token)
            reader.misread.connect(self.misread)
        self.idle.idle.connect(self._on_idle)
        self.idle.warning.connect(self._idle_warning)
        self.store.availability_changed.connect(lambda ok: self.w.banner.setVisible(not ok))
        wl, idf, who, what, done = self.welcome, self.identify, self.who, self.what, self.done
        wl.sign_in.connect(lambda: self.go(idf))
        wl.new.connect(self.start_new)
        wl.feedback.connect(lambda: self.go(self.feedback))
        wl.language.connect(self.choose_language)
        wl.staff.connect(lambda: self.go(self.pin))
        idf.back.connect(self.reset)
        idf.search.connect(self.find_me)
        idf.picked.connect(self.picked)
        who.back.connect(self.who_back)
        who.add_member.connect(self.add_member_here)
        who.confirm.connect(self.who_confirmed)
        what.back.connect(self.what_back)
        what.chosen.connect(self.session_tapped)
        done.finish.connect(self.end_visit)
        done.make_card.connect(self.make_card)
        done.add_people.connect(self.add_people)
        done.leave.connect(self.leave)
        nw = self.new
        nw.back.connect(self.new_back)
        nw.next_step.connect(self.new_next)
        nw.add_member.connect(self.new_add_member)
        nw.remove_member.connect(self.new_remove_member)
        nw.agree.connect(self.new_agree)
        nw.count_me.connect(self.start_count)
        self.count.back.connect(lambda: self.go(self.new))  # (reached from I'm new only)
        self.count.confirm.connect(self.count_me)
        self.feedback.back.connect(self.reset)
        self.feedback.send.connect(self.send_feedback)
        self.pin.back.connect(self.reset)
        self.pin.submit.connect(self.check_pin)
        st = self.staff
        st.leave_staff.connect(self.reset)
        st.quit_kiosk.connect(self.quit)
        st.page_changed.connect(self.staff_page)
        st.sign_out_selected.connect(self.staff_sign_out)
        st.hand_picker.search.connect(lambda q: self.staff_search(q, st.hand_picker))
        st.ref_picker.search.connect(lambda q: self.staff_search(q, st.ref_picker))
        st.card_picker.search.connect(lambda q: self.staff_search(q, st.card_picker))
        st.hand_sign_in.connect(self.staff_hand_sign_in)
        st.log_referral.connect(self.staff_log_referral)
        st.issue_card.connect(self.staff_issue_card)
        st.print_card.connect(self.staff_print_card)

    # --- navigation and messages --------------------------------------------------

    def go(self, screen: Screen) -> None:
        self._shown.add(screen)
        self.w.stack.setCurrentWidget(screen)
        self._settle(screen)
        field = screen.first_field()
        if field is not None:
            field.setFocus()
        else:
            focused = QApplication.focusWidget()
            if focused is not None:
                focused.clearFocus()
            self.w.keyboard.hide()
        bar = self.w.scroll.verticalScrollBar()
        bar.setValue(0)
        QTimer.singleShot(0, lambda: bar.setValue(0))
        if screen is not self.done:
            self.done_timer.stop()

    def _settle(self, screen: QWidget) -> None:
        """A screen (or a step of one) comes on a finger's release: the second touch of a
        double tap, or a bouncing finger, would land on whatever it has under the same
        spot (a session nobody chose, "Just count me", a letter on the keyboard). It and
        the keyboard let touches through to nothing until a double tap is over."""
        transparent = Qt.WidgetAttribute.WA_TransparentForMouseEvents
        for w in (screen, self.w.keyboard):
            w.setAttribute(transparent, True)
        self.settle_timer.start(QApplication.doubleClickInterval())

    def _settled(self) -> None:
        transparent = Qt.WidgetAttribute.WA_TransparentForMouseEvents
        for i in range(self.w.stack.count()):
            self.w.stack.widget(i).setAttribute(transparent, False)
        self.w.keyboard.setAttribute(transparent, False)

    def current(self) -> QWidget:
        return self.w.stack.currentWidget()

    def say(self, text: str, kind: str = "info", ms: int = 6000) -> None:
        """The one door for messages on the kiosk (on show for ``ms``)."""
        self.w.toast.show_message(text, kind=kind, ms=ms)

    def failed(self, exc: Exception) -> None:
        self.visit.busy = False  # (the visitor may try again)
        if isinstance(exc, DropinError):  # in the kiosk's words, translated (never the core's)
            self.say(messages.explain(exc), "error")
        elif isinstance(exc, Unavailable) and self.current() in (self.pin, self.staff):
            # (to staff themselves: not "ask a member of staff")
            self.say(self.tr("The database can't be reached just now. Use the paper register "
                             "for now; the kiosk keeps trying."), "error")
        elif isinstance(exc, Unavailable):
            self.say(self.tr("Sorry — the system is having a problem. Please ask a member of "
                             "staff."), "error")
        else:
            self.say(self.tr("Sorry — something went wrong. Please try again or ask a member "
                             "of staff."), "error")

    def reset(self, *, refresh: bool = True, visit: Visit | None = None) -> None:
        """Back to Welcome, forgetting everything typed or shown.

        ``refresh=False`` when the kiosk moves straight on (a card scan): the "On now" line
        is read again when Welcome next comes back, not ahead of the sign-in. ``visit``:
        the next visit's, when it has begun already (the card just scanned).
        """
        self.visit = visit or Visit()
        shown, self._shown = self._shown, set()
        for screen in shown:
            screen.reset()
        if self.w.toast.isVisible() or self.w.toast.text():
            self.w.toast.clear_now()
        self.w.reset_keyboard()  # letters, no shift: as the next visitor expects it
        self.idle.set_seconds(self.cfg.idle_seconds)
        self.go(self.welcome)
        self.w.forget_typing()  # and nothing left in the keyboard's memory either
        if refresh:
            self.refresh_on_now()

    def end_visit(self) -> None:
        """The visitor is done (Done's button or its time): Welcome, in the kiosk's first
        language, for whoever is next."""
        self.reset()
        self.speak(self.first_language())

    def _idle_warning(self) -> None:
        """Ten seconds before the idle reset, on a screen with something to lose (a
        family half typed in, a notice being read, staff mode): a touch keeps it."""
        if self.current() in (self.welcome, self.done):
            return
        self.say(self.tr("Still there? Touch the screen to carry on."),
                 ms=int(self.idle.warn_s * 1000))

    def _on_idle(self) -> None:
        if self.current() is not self.welcome or self.w.toast.isVisible():
            self.reset()
        else:
            self.idle.set_seconds(self.cfg.idle_seconds)
        self.speak(self.first_language())  # (nobody there: a language chosen and left)

    def _tick(self) -> None:
        self.welcome.tick(now_utc().astimezone(LONDON))

    ON_NOW_FRESH_S = 75.0  # the timer reads "On now" every minute

    def on_now_cached(self) -> list[SessionOn] | None:
        """The last "On now" answer if it is at most a minute or so old (any thread)."""
        cached = self._on_now
        if cached is None or time.monotonic() - cached[0] > self.ON_NOW_FRESH_S:
            return None
        return cached[1]

    ON_NOW_REMEMBERED_S = 15 * 60.0

    def on_now_remembered(self) -> list[SessionOn]:
        """With the database away: the last "On now" answer, if from the last quarter of
        an hour, less what has ended since by the clock."""
        cached = self._on_now
        if cached is None or time.monotonic() - cached[0] > self.ON_NOW_REMEMBERED_S:
            return []
        now = now_utc().astimezone(LONDON).time()
        return [x for x in cached[1] if x.kind == "general" or x.start <= now < x.end]

    def refresh_on_now(self) -> None:
        site = self.cfg.site_id

        def named(on: list[SessionOn]) -> list[str]:
            # A sensitive service is not named on the shared screen: with one session on,
            # "On now" would tell anyone watching where the last visitor went.
            return [x.service for x in on if x.kind != "general" and not x.sensitive]

        def show(on: list[SessionOn]) -> None:
            self._on_now = (time.monotonic(), list(on))
            self.welcome.set_on_now(named(on))

        def away(_exc: Exception) -> None:  # what was on a little while ago, still on
            self.welcome.set_on_now(named(self.on_now_remembered()))

        self.store.call(lambda s: sessions_on_now(s, site_id=site), show, away)

    def finish(self, message: str, detail: str = "", offer_card: bool = False,
               offer_more: bool = False, offer_leave: bool = False) -> None:
        self.visit.busy = False
        self.done.show_message(message, detail, offer_card, offer_more, self.visit.first_name,
                               offer_leave)
        # The visitor is waiting for this screen: it is painted now, in the same pass as
        # the answer, not at the next turn of the event loop. Nothing can be touched or
        # scanned before this returns, so the readers' filters step aside meanwhile.
        with ExitStack() as aside:
            for reader in self.readers:
                aside.enter_context(reader.aside())
            self.go(self.done)
            self.w.repaint()
        # Longer with a question on it (a card, "Someone with you?"): it takes reading.
        self.done_timer.start(self.cfg.done_seconds * 1000
                              * (3 if offer_card else 2 if offer_more or offer_leave else 1))

    def kept(self, kind: str, args: dict[str, Any], entry: str) -> None:
        """The database is away and the sign-in is in the outbox. A card scanned with no
        session chosen would land, once the database is back, on the first session on:
        with several on a little while ago, the visitor is asked which, and the entry is
        kept again with her answer (should she walk away instead, the first one stands)."""
        if kind == "scan":
            token = args["token"]
            since = self.cards_today.since(token)
            if since is not None and since >= signin.RESCAN_GRACE.total_seconds():
                # In since earlier today: she is leaving (sent, the scan signs her out).
                self.cards_today.left(token)
                self.finish(self.tr("Goodbye!"),
                            self.tr("Your visit is saved. It will be recorded as soon as the "
                                    "system is back."))
                return
            if since is not None:  # the same card again a moment later: changes nothing
                self._saved_for_later()
                return
            self.cards_today.came(token)
        on = (self.on_now_remembered() if kind == "scan" and args.get("session_id") is None
              else [])
        if len(on) > 1:
            self.visit.then, self.visit.kept_entry, self.visit.kept_args = "scan", entry, args
            self.ask_session(on)
            return
        self._saved_for_later()

    def _saved_for_later(self) -> None:
        self.finish(self.tr("Thank you!"),
                    self.tr("Your visit is saved. It will be recorded as soon as the system is "
                            "back."))

    # --- card scan ----------------------------------------------------------------

    def on_token(self, token: str) -> None:
        if self.current() is self.staff:
            self.say(self.tr("The kiosk is in staff mode. Please ask a member of staff to "
                             "sign you in."))
            return
        on_welcome_only = (self.current() is self.welcome and not self._shown - {self.welcome}
                           and not (self.w.toast.isVisible() or self.w.toast.text()))
        if self.current() is self.done:  # the last visitor's: the next is not in her language
            self.speak(self.first_language())
        # A new visit begins: whatever the last visitor was waiting for is not shown to this
        # one. The sign-in goes to the database thread first; the screens are cleared while
        # it runs (its answer is handled on this thread, so only after the reset).
        self.visit = Visit(token=token)
        self._scan(None, token)
        if not on_welcome_only:  # (a card shown to Welcome: nothing on screen to forget)
            self.reset(refresh=False, visit=self.visit)

    def misread(self) -> None:
        """A burst that began like a card but was not one (a smudged or torn code)."""
        if self.current() is not self.staff:
            self.say(self.tr("Sorry, that card didn't scan. Please try again."))

    SLOW_MS = 1000

    def keep(self, kind: str, args: dict[str, Any], on_done: Callable[[Any], None]) -> None:
        """A visitor's sign-in: recorded now, or kept in the outbox when the database is
        away or too slow (``kiosk.__main__.WAIT``); "One moment…" after a second. Told
        only to the visitor who asked (see ``call``)."""

        def answer(then: Callable[..., None]) -> Callable[..., None]:
            def told(*result: Any) -> None:
                self.slow_timer.stop()
                if self.w.toast.text() == self.tr("One moment…"):  # (the moment is over)
                    self.w.toast.clear_now()
                then(*result)

            return self._for_visit(told)

        if kind in ONCE:
            args = {**args, "entry": uuid.uuid4().hex}
        self._slow_for = self.visit.number
        self.slow_timer.start()
        self.store.call_or_keep(kind, args, answer(on_done),
                                answer(lambda entry: self.kept(kind, args, entry)),
                                answer(self.failed))

    def _slow(self) -> None:
        if self._slow_for == self.visit.number:  # (not for a visitor who has gone since)
            self.say(self.tr("One moment…"))

    def _begin(self) -> bool:
        """A tap that sends the visit on (Sign in, a session, Yes, Make me a card, Send):
        False while the last such tap is waiting for its answer, so that a double tap
        does it once. The answer (Done, a message, the next screen) ends the wait."""
        if self.visit.busy:
            return False
        self.visit.busy = True
        return True

    def call(self, work: Work, on_done: Callable[[Any], None],
             on_error: Callable[[Exception], None] | None = None) -> None:
        """A database operation for the visit on now. Its answer, or its failure, is shown
        only if the same visitor is still there: one who has gone (the kiosk was reset,
        the next person scanned a card) must not have theirs land on the next person's
        screen."""
        self.store.call(work, self._for_visit(on_done), self._for_visit(on_error or self.failed))

    def _for_visit(self, callback: Callable[..., None]) -> Callable[..., None]:
        visit = self.visit

        def answer(*result: Any) -> None:
            if self.visit is visit:
                callback(*result)

        return answer

    def _scan(self, session_id: int | None, token: str | None = None) -> None:
        args = {"token": token or self.visit.token, "session_id": session_id,
                "at": now_utc().isoformat()}
        self.keep("scan", args, self._scanned)

    def _scanned(self, result: signin.SignInResult) -> None:
        v = self.visit
        # On the shared screen a name is its first word, however much of it was stored.
        v.person_id, v.first_name = result.person_id, first_word(result.first_name)
        v.session_id = result.session_id
        if result.outcome == "choose":
            v.then = "scan"
            self.ask_session(result.sessions)
        elif result.outcome == "in":
            self.cards_today.came(v.token, result.person_id)
            self.welcomed(len(result.signed_in))
        elif result.outcome == "already":
            # Back to sign in her children after Done went by: she is offered that again.
            self.finish(self.tr("Hello again, %s") % v.first_name,
                        self.tr("You're already signed in today."),
                        offer_more=v.person_id is not None)
        elif result.outcome == "already_out":  # the card again, a moment after goodbye
            self.cards_today.left(v.token)
            self.finish(self.tr("Goodbye, %s") % v.first_name,
                        self.tr("You're already signed out. See you soon!"))
        else:
            self.cards_today.left(v.token)
            self._goodbye(result.children_out)

    def _goodbye(self, children: int) -> None:
        """Goodbye, by name. Her children go with her (the core signs them out too):
        counted, not named."""
        self.finish(self.tr("Goodbye, %s") % self.visit.first_name,
                    self.tr("You're signed out. Thank you for coming — see you soon!")
                    if not children else
                    self.tr("You and 1 child are signed out. See you soon!")
                    if children == 1 else
                    self.tr("You and %n children are signed out. See you soon!", "",
                            children))

    def welcomed(self, count: int, people: list[int] | None = None) -> None:
        v = self.visit
        if people and v.person_id is not None and v.person_id not in people:
            # The visitor signed others in, not herself: she is thanked, and they counted
            # (a child's name is not put on the shared screen).
            detail = (self.tr("1 person is signed in.") if len(people) == 1
                      else self.tr("%n people are signed in.", "", len(people)))
            self.finish(self.tr("Thank you, %s") % v.first_name if v.first_name
                        else self.tr("Thank you!"), detail, offer_card=not v.has_card,
                        offer_more=True)
            return
        name = self.visit.first_name
        detail = (self.tr("You're signed in.") if count <= 1 else
                  self.tr("You and 1 other are signed in.") if count == 2 else
                  self.tr("You and %n others are signed in.", "", count - 1))
        self.finish(self.tr("Welcome, %s") % name if name else self.tr("Welcome!"), detail,
                    offer_card=not self.visit.has_card, offer_more=v.person_id is not None)

    # --- find me ----------------------------------------------------------------

    def find_me(self, first: str, hint: str) -> None:
        self.visit.search_seq += 1
        seq = self.visit.search_seq
        clue = hint.strip()
        # A year half typed ("19", "198") is not a search yet: no "No match" while typing it.
        typing_a_year = clue.isascii() and clue.isdigit() and len(clue) < 4
        searched = (len(residents.name_key(first)) >= residents.MIN_LETTERS
                    and bool(residents.name_key(clue)) and not typing_a_year)
        if not searched:  # nothing to look for yet (or the fields were just emptied)
            self.identify.show_results([], searched=False)
            return

        def show(matches: list[residents.Match]) -> None:
            if seq == self.visit.search_seq and self.current() is self.identify:
                self.identify.show_results([(m.person_id, m.label) for m in matches], searched)

        def failed(exc: Exception) -> None:
            if not isinstance(exc, Unavailable):
                self.failed(exc)
                return
            # Said once, not again at every key typed while the database is away.
            text = self.tr("Finding names isn't working just now. Please show your card, "
                           "or ask a member of staff.")
            if self.w.toast.text() != text or not self.w.toast.isVisible():
                self.say(text, "error")

        self.call(lambda s: residents.find_me(s, first_name=first, hint=hint), show, failed)

    def picked(self, person_id: int) -> None:
        if not self._begin():
            return
        site = self.cfg.site_id
        self.call(lambda s: (residents.person_card_brief(s, person_id),
                             signin.is_in(s, person_id=person_id, site_id=site)),
                  self._found)

    def _found(self, answer: tuple[tuple[Any, list[Any], bool], bool]) -> None:
        """Found by name. Someone in already has no card to scan again as she leaves:
        she is offered "Sign me out" (and "Someone with you?", for the children she has
        come back to sign in)."""
        found, here = answer
        if not here:
            self._household(found, alone_signs_in=True)
            return
        person, _members, has_card = found
        v = self.visit
        v.person_id, v.household_id = person.id, person.household_id
        v.first_name, v.has_card = first_word(person.first_name), has_card
        v.signed_in = True  # (Back from Who's here comes back here)
        self.finish(self.tr("Hello again, %s") % v.first_name,
                    self.tr("You're already signed in today. Leaving? Tap Sign me out."),
                    offer_more=True, offer_leave=True)

    def leave(self) -> None:
        """Done: "Sign me out", for someone found by name who is in already."""
        person = self.visit.person_id
        if person is None or not self._begin():
            return
        self.done_timer.stop()
        site, actor = self.cfg.site_id, self.cfg.actor

        def left(result: signin.SignInResult) -> None:
            self.cards_today.person_left(person)
            if result.outcome == "already_out":  # (staff signed her out meanwhile)
                self.finish(self.tr("Goodbye, %s") % self.visit.first_name,
                            self.tr("You're already signed out. See you soon!"))
            else:
                self._goodbye(result.children_out)

        self.call(lambda s: signin.leave(s, person_id=person, site_id=site, actor=actor),
                  left, self._done_failed)

    def add_people(self) -> None:
        """Done: "Someone with you?" The household on Who's here, the visitor already in,
        to sign in the rest (after a personal card) or add someone new (a baby)."""
        person = self.visit.person_id
        if person is None or not self._begin():
            return
        self.done_timer.stop()
        self.call(lambda s: residents.person_card_brief(s, person),
                  lambda found: self._household(found, alone_signs_in=False),
                  self._done_failed)

    def _household(self, found: tuple[Any, list[Any], bool], *, alone_signs_in: bool) -> None:
        """Who's here for the person found, with them chosen; someone who lives alone is
        signed in straight away when ``alone_signs_in``."""
        person, members, has_card = found
        v = self.visit
        v.person_id, v.household_id = person.id, person.household_id
        v.first_name, v.has_card = first_word(person.first_name), has_card
        if alone_signs_in and len(members) == 1:
            self.people_chosen([person.id])
            return
        v.busy = False  # (Who's here waits for the visitor)
        v.signed_in = not alone_signs_in
        self.who.show_household([(m.id, first_word(m.first_name)) for m in members],
                                {person.id}, first=person.id)
        self.go(self.who)

    def who_back(self) -> None:
        """Back from Who's here: to Find me, or, for someone already signed in who opened
        it from Done ("Someone with you?"), back to Done and its countdown."""
        if self.visit.signed_in:
            self.go(self.done)
            self.done_timer.start(self.cfg.done_seconds * 1000)
        else:
            self.go(self.identify)

    def who_confirmed(self, person_ids: list[int]) -> None:
        """Who's here: Sign in. Someone typed into "Add someone" but not added was meant to
        come too: they are added (or the visitor is told what to put right) and signed in
        with the rest."""
        if not self._begin():
            return
        if self.who.new_name.text().strip() or self.who.new_year.text().strip():
            self.add_member_here(self.who.new_name.text(), self.who.new_year.text(),
                                 and_sign_in=True)
        else:
            self.people_chosen(person_ids)

    def add_member_here(self, first: str, year: str, and_sign_in: bool = False) -> None:
        household = self.visit.household_id
        if not and_sign_in and not self._begin():
            return  # the last Add is still on its way (a double tap)
        checked = self._member(self.who.new_name, first, self.who.new_year, year)
        if checked is None:
            self.visit.busy = False  # (told what to put right)
            return
        selected = {p for p, b in self.who.toggles.items() if b.isChecked()}
        visitor = self.visit.person_id

        def add(s: Db) -> tuple[int, list[Any]]:
            # The visitor's surname, as I'm new gives it to the family she types in (staff
            # can tell "Noor Khan" from another Noor, and Find me finds her by it).
            family = residents.household_members(s, household)  # type: ignore[arg-type]
            named = ([m for m in family if m.id == visitor and m.last_name]
                     or [m for m in family if m.last_name])
            member = NewPerson(checked[0], named[0].last_name if named else "",
                               birth_year=checked[1])
            added = residents.add_member(s, household_id=household, member=member,  # type: ignore[arg-type]
                                         actor=self.cfg.actor)
            return added.id, residents.household_members(s, household)  # type: ignore[arg-type]

        def show(result: tuple[int, list[Any]]) -> None:
            new_id, members = result
            # Who's here shows them now (a toggle, the fields emptied): after Sign in, Back
            # from What for must not find them still typed in, to be added a second time.
            self.who.show_household([(m.id, first_word(m.first_name)) for m in members],
                                    selected | {new_id}, first=self.visit.person_id)
            if and_sign_in:
                self.people_chosen([m.id for m in members if m.id in selected | {new_id}])
                return
            self.visit.busy = False
            self.who.added()

        self.call(add, show, self.failed)

    def people_chosen(self, person_ids: list[int]) -> None:
        v = self.visit
        v.people = list(person_ids)
        v.then = "people"
        if v.session_id is not None:  # more people for the session this visit is in
            self.session_chosen(v.session_id)
        else:
            self.with_session()

    # --- which session --------------------------------------------------------------

    def with_session(self) -> None:
        """Carry on with the one session on now, or ask which."""
        site = self.cfg.site_id

        def got(on: list[SessionOn]) -> None:
            if len(on) == 1:
                self.session_chosen(on[0].session_id)
            else:
                self.ask_session(on)

        def unavailable(exc: Exception) -> None:
            if not isinstance(exc, Unavailable):
                self.failed(exc)
                return
            # The database is away: the visitor still chooses, from what was on a little
            # while ago; with nothing remembered the outbox takes the first one on.
            on = self.on_now_remembered()
            if len(on) > 1:
                self.ask_session(on)
            else:
                self.session_chosen(on[0].session_id if on else 0)

        self.call(lambda s: sessions_on_now(s, site_id=site), got, unavailable)

    def ask_session(self, on: list[SessionOn]) -> None:
        self.visit.busy = False
        self.what.show_sessions([(x.session_id, x.service,
                                  f"{x.start:%H:%M}–{x.end:%H:%M}" if x.kind != "general"
                                  else self.tr("all day")) for x in on],
                                self.visit.first_name)
        self.go(self.what)

    def what_back(self) -> None:
        """Back from What for: one step back, with everything typed kept (a newcomer's
        family, the people chosen on Who's here, a head-count). After a card scan there
        is nothing to go back to: Welcome."""
        v = self.visit
        v.busy = False
        back = {"register": self.new, "people": self.who, "count": self.count}.get(v.then)
        if back is None or v.kept_entry:
            self.reset()
        else:
            self.go(back)

    def session_tapped(self, session_id: int) -> None:
        if self._begin():
            self.session_chosen(session_id)

    def session_chosen(self, session_id: int) -> None:
        v = self.visit
        sid = session_id or None
        v.session_id = sid
        at = now_utc().isoformat()
        if v.then == "scan":
            if v.kept_entry:  # kept without a session a moment ago: kept again, with it
                entry, v.kept_entry = v.kept_entry, ""
                self.store.replace(entry, "scan", {**v.kept_args, "session_id": sid})
                self._saved_for_later()
                return
            self._scan(sid)
        elif v.then == "people":
            self.keep("sign_in", {"person_ids": v.people, "session_id": sid,
                                  "method": "search", "at": at}, self._signed_in)
        elif v.then == "register":
            you = {k: value for k, value in v.new_you.items() if k != "postcode"}
            # (read, not taken: a first try the core refuses comes back here with it)
            args = {"members": [you, *v.new_members], "postcode": v.new_you.get("postcode"),
                    "here": self.new.here(),
                    "consent_version": self.cfg.notice_version, "session_id": sid, "at": at}
            self.keep("register", args, self._registered)
        elif v.then == "count":
            self.keep("anonymous", {"headcount": v.headcount, "session_id": sid, "at": at},
                      lambda _r: self.finish(self.tr("Welcome!"),
                                             self.tr("Thank you — you're counted in.")))

    def _signed_in(self, added: list[int]) -> None:
        if not added:
            self.finish(self.tr("Hello again, %s") % self.visit.first_name,
                        self.tr("You're already signed in today."))
        else:
            self.welcomed(len(added), added)

    def _registered(self, result: tuple[int, int, int] | None) -> None:
        v = self.visit
        if result is None:  # it had landed already (a retry after an uncertain commit)
            self.welcomed(1 + len(self.new.here()))
            return
        v.person_id, v.household_id, count = result
        v.has_card = False
        self.welcomed(count)

    # --- cards -----------------------------------------------------------------------

    def make_card(self) -> None:
        person = self.visit.person_id
        if person is None or not self._begin():
            return
        self.done_timer.stop()  # (Done stays until the card is shown: _card_made)
        self.call(lambda s: cards.issue_card(s, person_id=person, actor=self.cfg.actor),
                  self._card_made, self._done_failed)

    def _done_failed(self, exc: Exception) -> None:
        """Done's card or "Someone with you?" failed: the visitor is told, and Done goes
        after its usual time (not the idle time, with her name on it)."""
        self.failed(exc)
        if self.current() is self.done:
            self.done_timer.start(self.cfg.done_seconds * 1000)

    def printer(self) -> CardPrinter:
        """Where cards are printed (QtPrintSupport is loaded only when one is made)."""
        if self._card_printer is None:
            from kiosk.printing import SystemPrinter

            self._card_printer = SystemPrinter()
        return self._card_printer

    def _card_made(self, card: Any) -> None:
        printed = self.printer().print_card(card.token, self.visit.first_name,
                                            self.cfg.room_name)
        self.visit.has_card = True
        self.visit.busy = False
        self.done.show_card(card.token, printed)
        self.done_timer.start(30_000)

    # --- I'm new ---------------------------------------------------------------------

    def start_new(self) -> None:
        self.new.reset()
        self.visit.new_you, self.visit.new_members = {}, []
        self.go(self.new)

    def new_back(self) -> None:
        if self.new.step == 0:
            self.reset()
        else:
            self.new.show_step(self.new.step - 1)
            self.go(self.new)

    def _checked(self, field: QLineEdit, clean: Callable[[str], Any], text: str) -> Any:
        """``clean(text)``, typed in ``field``. Refused: the visitor is told why and the
        cursor goes back to that field, with what they typed left there to put right."""
        try:
            return clean(text)
        except Refused as exc:
            self.failed(exc)
            field.setFocus()
            raise

    @staticmethod
    def _birth_year(text: str) -> int | None:
        return birth_year_from(text, this_year=now_utc().year)

    def _member(self, name_field: QLineEdit, first: str, year_field: QLineEdit,
                year: str) -> tuple[str, int] | None:
        """A household member's first name and year born (or age), checked; None once the
        visitor has been told what to put right. Everyone the kiosk registers gives a year
        or an age: the name search never lists children, nor anyone whose age is not
        known."""
        try:
            name = self._checked(name_field, clean_first_name, first)
            born = self._checked(year_field, self._birth_year, year)
        except Refused:
            return None
        if born is None:
            self.say(self.tr("Please add a year born or an age for %s.") % name, "error")
            year_field.setFocus()
            return None
        return name, born

    def new_next(self) -> None:
        n = self.new
        if n.step == 0:
            try:  # in the order the fields are on screen: the first one amiss is shown
                first = self._checked(n.first, clean_first_name, n.first.text())
                last = self._checked(n.last, clean_surname, n.last.text())
                year = self._checked(n.year, self._birth_year, n.year.text())
                postcode = self._checked(n.postcode, lambda t: clean_postcode(t)[0],
                                         n.postcode.text())
                phone = self._checked(n.phone, clean_phone, n.phone.text())
            except Refused:
                return
            if year is None:
                self.say(self.tr("Please add the year you were born (like 1988) or your age "
                                 "(like 34)."), "error")
                n.year.setFocus()
                return
            self.visit.new_you = {"first_name": first, "last_name": last, "birth_year": year,
                                  "phone": phone, "postcode": postcode}
            n.show_members([m["first_name"] for m in self.visit.new_members])
            n.show_step(1)
        elif n.step == 1:
            typed = n.member_name.text().strip() or n.member_year.text().strip()
            if typed and len(self.visit.new_members) >= MAX_NEW_MEMBERS:
                # As big as the kiosk takes a household: on to the privacy step.
                self.say(self.tr("That's a big household! Please ask staff to add the rest."))
                forget(n.member_name)
                forget(n.member_year)
            if n.member_name.text().strip() or n.member_year.text().strip():
                # Typed in but not added: they were meant to be in the household too.
                before = len(self.visit.new_members)
                self.new_add_member(n.member_name.text(), n.member_year.text())
                if len(self.visit.new_members) == before:
                    return  # the visitor has been told what to put right
            n.show_step(2)
        self.go(n)

    def new_add_member(self, first: str, year: str) -> None:
        checked = self._member(self.new.member_name, first, self.new.member_year, year)
        if checked is None:
            return
        member = {"first_name": checked[0], "last_name": self.visit.new_you.get("last_name", ""),
                  "birth_year": checked[1]}
        if len(self.visit.new_members) >= MAX_NEW_MEMBERS:
            self.say(self.tr("That's a big household! Please ask staff to add the rest."))
            return
        self.visit.new_members.append(member)
        self.new.show_members([m["first_name"] for m in self.visit.new_members])
        self.new.member_name.setFocus()

    def new_remove_member(self, index: int) -> None:
        if 0 <= index < len(self.visit.new_members):
            del self.visit.new_members[index]
        self.new.show_members([m["first_name"] for m in self.visit.new_members])

    def new_agree(self) -> None:
        if not self._begin():
            return
        self.visit.then = "register"
        self.visit.first_name = self.visit.new_you["first_name"]
        self.with_session()

    def start_count(self) -> None:
        """Just count me: how many, starting from the visitor and whoever she had already
        added on I'm new (declining the notice after typing her family in)."""
        here = self.new.here() if self.new.step == 2 else self.visit.new_members
        self.count.start_at(1 + len(here))
        self.go(self.count)

    def count_me(self, headcount: int) -> None:
        if not self._begin():
            return
        self.visit.headcount = headcount
        self.visit.then = "count"
        self.with_session()

    # --- have your say -----------------------------------------------------------------

    def send_feedback(self, topic: str, message: str, name: str) -> None:
        if not topic:
            self.say(self.tr("Please choose a topic first."))
            return
        if not self._begin():
            return
        site = self.cfg.site_id
        self.call(
            lambda s: feedback.leave_feedback(s, topic=topic, text=message, site_id=site,
                                              given_name=name, actor=self.cfg.actor),
            lambda _r: self.finish(self.tr("Thank you for telling us"),
                                   self.tr("Staff read every message.")),
            self.failed)

    def choose_language(self) -> None:
        """Welcome's Language button: the next language the kiosk has, in turn."""
        from kiosk.i18n import available

        names = available()
        if len(names) == 1:
            self.say(self.tr("This kiosk speaks English for now. Staff can help in other "
                             "languages."))
            return
        at = names.index(self.language) if self.language in names else -1
        self.speak(names[(at + 1) % len(names)])

    @staticmethod
    def first_language() -> str:
        from kiosk.i18n import available

        return available()[0]

    def speak(self, name: str) -> None:
        """Put every screen in the language called ``name`` (its own name for itself). The
        screens set their words again when Qt tells them (``Words``); the texts the kiosk
        chose for them, such as its privacy notice, are set here."""
        if name == self.language:
            return
        from kiosk.i18n import install

        install(self.app, name)
        # (Qt posts the screens their LanguageChange: taken now, before anything is shown)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
        if self.w.toast.isVisible() or self.w.toast.text():  # (a message in the last one)
            self.w.toast.clear_now()
        self.language = name
        self.welcome.set_language(name)
        self.new.set_notice(self.cfg.notice_text or self.tr(DEFAULT_NOTICE))

    # --- staff mode --------------------------------------------------------------------

    def _role_name(self, role: str) -> str:
        """A staff role as the kiosk words it."""
        return {Role.volunteer.value: self.tr("volunteer"), Role.staff.value: self.tr("staff"),
                Role.manager.value: self.tr("manager")}.get(role, role)

    def check_pin(self, pin: str) -> None:
        def checked(user: Any) -> None:
            if user is None:
                self.say(self.tr("That PIN didn't work. Please try again."), "error")
                return
            self.visit.staff_id = user.id
            self.staff.set_user(messages.fill(self.tr("Staff mode — %1 (%2)"), user.name,
                                              self._role_name(user.role)))
            self.idle.set_seconds(self.cfg.staff_idle_seconds)
            self.go(self.staff)
            self.staff.show_page("room")

        # A locked PIN pad (LockedOut, "pin.locked") is told, with the time it opens
        # again, by the one door for refusals.
        actor = self.cfg.actor
        self.call(OwnTransactions(lambda db: staff.check_pin(db, pin=pin, actor=actor)),
                  checked, self.failed)

    def staff_page(self, page: str) -> None:
        self._shown.add(self.staff)  # its answers fill it even if staff mode has ended
        site = self.cfg.site_id
        if page == "room":
            self.call(lambda s: signin.who_is_here(s, site_id=site), self._show_room,
                      self.failed)
            outbox = self.store.outbox
            try:
                self.staff.show_set_aside(outbox.set_aside_count(), outbox.aside.name)
            except OSError:  # (unreadable: the log says so; the register matters more)
                log.exception("outbox: the set-aside file could not be read")
        elif page == "signin":
            self.call(lambda s: sessions_on_now(s, site_id=site),
                      lambda on: self.staff.show_hand_sessions(
                                [(x.session_id, x.service) for x in on]), self.failed)
        elif page == "referral":  # (volunteers too: DESIGN's "hub staff / volunteer")
            self.call(referrals.active_partners, self.staff.show_partners, self.failed)
        field = self.staff.first_field()
        if field is not None:
            field.setFocus()

    def _show_room(self, rows: list[signin.InRoom]) -> None:
        named = [r for r in rows if r.person_id is not None]
        anonymous = sum(r.headcount for r in rows if r.person_id is None)

        def who(r: signin.InRoom) -> str:
            if r.person_id is not None:
                return r.label
            return (self.tr("Visitor (not named)") if r.headcount == 1
                    else self.tr("%n visitors", "", r.headcount))

        def what(r: signin.InRoom) -> str:
            # Staff mode is on the room's shared screen too: a sensitive service (a police
            # surgery, a mental-health café) is not named beside a visitor's name.
            return self.tr("Private session") if r.sensitive else r.service

        # By name, as a roll is called (the head-counts after): "Sarah Smith" is found
        # without reading the whole room in the order it came in.
        rows = sorted(rows, key=lambda r: (r.person_id is None, r.label.casefold()
                                           if r.person_id is not None else ""))
        self.staff.show_room(
            # The time before the service: a long service name is cut, not the time.
            [(r.attendance_id, f"{who(r)}  ·  {r.signed_in_at.astimezone(LONDON):%H:%M}  ·  "
              f"{what(r)}") for r in rows],
            len(named), anonymous)

    def staff_sign_out(self, attendance_ids: list[int]) -> None:
        if not attendance_ids:
            self.say(self.tr("Tap the people who have left, then Sign out."))
            return
        site, staff_id = self.cfg.site_id, self.visit.staff_id

        def out(s: Db) -> tuple[int, list[int]]:
            rows = signin.attendance_people(s, attendance_ids)
            named = [person for _att, person in rows if person is not None]
            for att, person in rows:
                if person is None:
                    signin.sign_out_anonymous(s, attendance_id=att, actor=self.cfg.actor,
                                              staff_id=staff_id)
            if named:
                signin.sign_out(s, person_ids=named, site_id=site, actor=self.cfg.actor,
                                staff_id=staff_id)
            return len(rows), named

        def done(answer: tuple[int, list[int]]) -> None:
            count, named = answer
            for person in named:  # (their cards, shown again, are arrivals)
                self.cards_today.person_left(person)
            self.say(self.tr("Signed out: %n", "", count), "ok")
            self.staff_page("room")

        self.call(out, done, self.failed)

    def staff_search(self, query: str, picker: Any) -> None:
        self._shown.add(self.staff)
        shown = 20

        def found(rows: list[residents.StaffMatch]) -> None:
            picker.show_results([(r.person_id, r.label) for r in rows[:shown]],
                                searched=len(query.strip()) >= 2, more=len(rows) > shown)

        self.call(lambda s: residents.staff_search(s, query=query, limit=shown + 1), found,
                  self.failed)

    def staff_hand_sign_in(self, person_id: int, session_id: int) -> None:
        args = {"person_ids": [person_id], "session_id": session_id, "method": "staff",
                "staff_id": self.visit.staff_id, "at": now_utc().isoformat()}
        self.store.call_or_keep(
            "sign_in", args,
            self._for_visit(lambda added: self.say(
                self.tr("Signed in.") if added else self.tr("Already signed in to that session."),
                "ok")),
            self._for_visit(lambda _entry: self.say(
                self.tr("Saved — it will be recorded when the system is back."), "ok")),
            self._for_visit(self.failed))

    def staff_log_referral(self, person_id: int, partner_id: int, reason: str, note: str,
                           follow_days: int) -> None:
        if not person_id:
            self.say(self.tr("First choose the person."))
            return
        if partner_id < 0:
            self.say(self.tr("Choose who the referral is to."))
            return
        today = now_utc().astimezone(LONDON).date()
        follow = today + dt.timedelta(days=follow_days) if follow_days else None
        site, staff_id = self.cfg.site_id, self.visit.staff_id

        def log_it(s: Db) -> int:
            return referrals.log_referral(s, person_id=person_id, partner_id=partner_id,  # type: ignore[return-value]
                                          reason=reason, note=note, follow_up_on=follow,
                                          site_id=site, actor=self.cfg.actor,
                                          staff_id=staff_id).id

        def saved(_rid: int) -> None:
            self.staff.saving(False)
            self.say(self.tr("Referral saved."), "ok")
            self.staff.clear_referral()

        def not_saved(exc: Exception) -> None:
            self.staff.saving(False)  # (what was typed is kept, to put right or try again)
            self.failed(exc)

        self.staff.saving(True)
        self.call(log_it, saved, not_saved)

    def staff_issue_card(self, person_id: int, replace: bool = False) -> None:
        """A card for the person chosen. One who has a card already is asked about first
        (her old card stops working), and a double tap issues one card, not two."""
        self._shown.add(self.staff)
        if not self._begin():
            return
        staff_id = self.visit.staff_id

        def issue(s: Db) -> tuple[Any, str] | None:
            if not replace and cards.card_for_person(s, person_id) is not None:
                return None
            card = cards.issue_card(s, person_id=person_id, actor=self.cfg.actor,
                                    staff_id=staff_id)
            person, _members, _has_card = residents.person_card_brief(s, person_id)
            return card, first_word(person.first_name)

        def issued(made: tuple[Any, str] | None) -> None:
            self.visit.busy = False
            if made is None:
                self.staff.ask_to_replace()
                self.say(self.tr("%s has a card already. A new one stops the old one "
                                 "working: tap again to issue it.") % self.staff.card_name)
                return
            card, self.visit.card_name = made
            self.visit.card_token = card.token
            can_print = self.printer().available()
            self.staff.show_card(card.token, can_print)
            self.say(self.tr("New card issued. Any old card no longer works.") if can_print
                     else self.tr("New card issued. Any old card no longer works. No printer "
                                  "is set up: they can take a photo of the code."), "ok")

        def failed(exc: Exception) -> None:
            self.visit.busy = False
            self.failed(exc)

        self.call(issue, issued, failed)

    def staff_print_card(self) -> None:
        token = self.visit.card_token
        # With the first name on it, as a visitor's own is: a family's cards told apart.
        if token and self.printer().print_card(token, self.visit.card_name,
                                               self.cfg.room_name):
            self.say(self.tr("Sent to the printer."), "ok")
        else:
            self.say(self.tr("No printer is set up on this kiosk."))

    def shutdown(self) -> None:
        """Stop timers, readers and the database thread; the window may then close."""
        for timer in (self.clock, self.on_now_timer, self.done_timer, self.slow_timer,
                      self.idle.timer, self.idle.warn_timer):
            timer.stop()
        self.app.removeEventFilter(self.idle)
        self.w.toast.clear_now()  # (and its application-wide filter with it)
        for reader in self.readers:
            reader.stop()
        self.store.shutdown()
        self.w.allow_close = True

    def quit(self) -> None:
        self.shutdown()
        self.app.quit()
