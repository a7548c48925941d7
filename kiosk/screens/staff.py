"""Staff mode: the PIN pad, then the fire register, hand sign-in, referrals and cards."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk import messages
from kiosk.screens.visitor import (
    Screen,
    Tiles,
    _back,
    _clear_layout,
    _line,
    _words,
    room_for_text,
)
from kiosk.screens.welcome import Words
from kiosk.widgets import button, forget, kinetic, label, qr_pixmap, retext, slot

PARTNER_COLUMNS = 3
PARTNER_ROWS = 5  # on show at once; more scroll by finger
REF_WHO, REF_TO, REF_WHY = range(3)  # the referral page's steps
FOLLOW_UP_DAYS = 7  # a referral's follow-up unless staff choose otherwise
CARD_QR = 260  # px: the staff card page keeps this square free beside its buttons
# The theme's highlighted line (Welcome's "On now"): a prompt shown when a tap needs a step
# first. The kiosk's messages are the controller's toast; the screen cannot reach it.
ALERT_ROLE = "onnow"


def _fold(name: str, longest: int = 18) -> str:
    """A long name on two lines, split at the space nearest its middle (a partner button
    stays a third of the page wide)."""
    if len(name) <= longest or " " not in name:
        return name
    middle = len(name) / 2
    cut = min((i for i, ch in enumerate(name) if ch == " "), key=lambda i: abs(i - middle))
    return name[:cut] + "\n" + name[cut + 1:]


def _prompt(lab: QLabel, text: str, *, alert: bool = False) -> None:
    """Set a page's prompt line; ``alert`` makes it stand out."""
    lab.setText(text)
    role = ALERT_ROLE if alert else "muted"
    if lab.property("role") != role:
        lab.setProperty("role", role)
        lab.setStyleSheet("")  # styles it afresh: a re-polish alone keeps the old padding


def _blank(b: QPushButton) -> None:
    """A step button with nobody's name left on it, shown, read out, or kept for its next
    fitting (_Elider)."""
    b.setProperty("fullText", "")
    b.setText("")
    b.setAccessibleName("")


class _Elider(QObject):
    """Keeps a button's text within its width, whatever the width: each line that is too
    long is cut short with "…" (a partner's or a person's name can be 200 characters).
    The whole text stays in the button's accessible name."""

    def set_text(self, b: QPushButton, text: str) -> None:
        b.setProperty("fullText", text)
        b.removeEventFilter(self)  # (once per button)
        b.installEventFilter(self)
        self._fit(b)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QPushButton):
            self._fit(watched)
        return False

    @staticmethod
    def _fit(b: QPushButton) -> None:
        room, metrics = room_for_text(b), b.fontMetrics()
        b.setText("\n".join(metrics.elidedText(line, Qt.TextElideMode.ElideRight, room)
                            for line in str(b.property("fullText") or "").split("\n")))


class _Rows(QScrollArea):
    """A grid of buttons shown up to ``most`` rows tall; further rows scroll by finger.

    The kiosk's screens area makes a page as tall as it asks to be, so a long list of
    partners would otherwise push the page past the bottom of the screen.
    """

    def __init__(self, grid: QGridLayout, columns: int, most: int) -> None:
        super().__init__()
        self.grid, self.columns, self.most = grid, columns, most
        self.inner = QWidget()
        self.inner.setLayout(grid)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setWidget(self.inner)
        self.inner.setAutoFillBackground(False)  # setWidget turned it on; the page shows through
        self.viewport().setAutoFillBackground(False)
        self.setMinimumHeight(64)
        kinetic(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A button added to the grid is shown a turn of the event loop later, and only then
        # counted in the grid's size; the page's layout keeps this area's size hint until
        # told it changed, so it is told each time the grid is laid out afresh.
        if watched is self.inner and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def sizeHint(self) -> QSize:
        hint = self.inner.sizeHint()
        if self.grid.count() > self.columns * self.most:
            row = max(item.sizeHint().height() for i in range(self.columns)
                      if (item := self.grid.itemAt(i)) is not None)
            hint.setHeight(self.most * row + (self.most - 1) * self.grid.verticalSpacing())
        return hint


class _SecondTap:
    """A button whose first tap asks and whose second, within a few seconds, goes ahead
    (closing the kiosk, replacing someone's card): its words say which it is now."""

    def __init__(self, b: QPushButton, parent: QObject) -> None:
        self.button = b
        self.timer = QTimer(parent)
        self.timer.setSingleShot(True)
        self.timer.setInterval(5000)
        self.timer.timeout.connect(self.disarm)
        self.words = self.armed_words = ""

    def armed(self) -> bool:
        return self.timer.isActive()

    def arm(self) -> None:
        self.timer.start()
        retext(self.button, self.armed_words)

    def disarm(self) -> None:
        self.timer.stop()
        retext(self.button, self.words)

    def set_words(self, words: str, armed_words: str) -> None:
        """Its words at rest and while armed (in the language on screen)."""
        self.words, self.armed_words = words, armed_words
        retext(self.button, armed_words if self.armed() else words)


class PinScreen(Screen):
    """A PIN pad. The digits never appear, only dots."""

    submit = Signal(str)
    back = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("pinScreen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 24, 40, 24)
        head = QHBoxLayout()
        self.back_button = _back("pinBackButton")
        head.addWidget(self.back_button)
        self.title = label("", "pinTitle", role="heading")
        head.addWidget(self.title, 1)
        outer.addLayout(head)
        self.dots = label("", "pinDots", role="big")
        self.dots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.dots)
        pad = QGridLayout()
        pad.setSpacing(12)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "ok"]
        self.keys: dict[str, QPushButton] = {}
        for i, key in enumerate(keys):
            b = self.keys[key] = button(key, f"pin_{key}",
                                        role="primary" if key == "ok" else "key")
            b.setMinimumHeight(84)
            b.clicked.connect(slot(self._key, key))
            pad.addWidget(b, i // 3, i % 3)
        wrap = QHBoxLayout()
        wrap.addStretch(1)
        holder = QWidget()
        holder.setLayout(pad)
        holder.setMaximumWidth(560)
        wrap.addWidget(holder, 2)
        wrap.addStretch(1)
        outer.addLayout(wrap)
        outer.addStretch(1)
        self.back_button.clicked.connect(self.back)
        self.pin = ""
        self.retranslate()

    def retranslate(self) -> None:
        retext(self.back_button, self.tr("‹ Back"))
        self.title.setText(self.tr("Staff: enter your PIN"))
        self.dots.setAccessibleName(self.tr("PIN entered"))
        retext(self.keys["clear"], self.tr("Clear"))
        retext(self.keys["ok"], self.tr("OK"))

    def _key(self, key: str) -> None:
        if key == "clear":
            self.pin = ""
        elif key == "ok":
            # Fewer than a PIN's 4 digits (an OK tapped twice, a child at the pad) is not
            # a try: it is not sent, and counts against no one.
            if len(self.pin) < 4:
                return
            pin, self.pin = self.pin, ""
            self.submit.emit(pin)
        elif len(self.pin) < 12:
            self.pin += key
        self.dots.setText("●" * len(self.pin))

    def reset(self) -> None:
        self.pin = ""
        self.dots.setText("")


class PersonPicker(Words, QWidget):
    """Staff search by name (full names: staff eyes only)."""

    search = Signal(str)
    picked = Signal(int, str)

    def __init__(self, name: str) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.field = _line(f"{name}Search")
        self.list = QListWidget()
        self.list.setObjectName(f"{name}Results")
        kinetic(self.list)
        lay.addWidget(self.field)
        lay.addWidget(self.list, 1)
        self.field.textChanged.connect(self.search)
        self.list.itemClicked.connect(self._clicked)
        self.retranslate()

    def retranslate(self) -> None:
        _words(self.field, self.tr("Search by first name or surname"),
               self.tr("Search for a person"))
        self.list.setAccessibleName(self.tr("Matching people"))

    def _clicked(self, item: QListWidgetItem) -> None:
        person_id = item.data(Qt.ItemDataRole.UserRole)
        if person_id is not None:  # (not the line that says there are more, or none)
            self.picked.emit(person_id, item.text())

    def show_results(self, rows: list[tuple[int, str]], *, searched: bool = True,
                     more: bool = False) -> None:
        """The people found; with a line to say so when nobody was, or when there are
        more than are listed (a common name: type a surname or a year)."""
        self.list.clear()
        for person_id, text in rows:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, person_id)
            self.list.addItem(item)
        note = (self.tr("More people match: add a surname, an initial or a year born")
                if more else self.tr("Nobody found by that name")
                if searched and not rows else "")
        if note:
            item = QListWidgetItem(note)
            item.setFlags(Qt.ItemFlag.NoItemFlags)  # (read, not chosen)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, note)
            self.list.addItem(item)

    def reset(self) -> None:
        forget(self.field)
        self.list.clear()


class StaffScreen(Screen):
    wants_keyboard = True
    leave_staff = Signal()
    quit_kiosk = Signal()
    page_changed = Signal(str)
    sign_out_selected = Signal(list)
    hand_sign_in = Signal(int, int)  # person, session
    log_referral = Signal(int, int, str, str, int)  # person, partner, reason, note, follow-up days
    issue_card = Signal(int, bool)  # the person; True: replace the card she has
    print_card = Signal()

    PAGES = ("room", "signin", "referral", "card", "leave")

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("staffScreen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        bar = QFrame()
        bar.setObjectName("staffBar")
        bar_lay = QHBoxLayout(bar)
        bar_lay.setContentsMargins(24, 8, 24, 8)
        self.who = label("", "staffWho", wrap=False)
        self.exit_button = button("", "exitStaffButton")
        self.exit_button.setMinimumWidth(320)  # wider where the type is bigger (1080 p)
        self.exit_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        bar_lay.addWidget(self.who, 1)
        bar_lay.addWidget(self.exit_button)
        outer.addWidget(bar)
        body = QHBoxLayout()
        body.setContentsMargins(24, 16, 24, 8)
        body.setSpacing(20)
        nav = QVBoxLayout()
        nav.setSpacing(10)
        self.nav_group = QButtonGroup(self)
        self.nav: dict[str, QPushButton] = {}
        for key in self.PAGES:
            b = button("", f"staffNav_{key}", role="choice")
            b.setCheckable(True)
            b.setMinimumHeight(72)
            self.nav_group.addButton(b)
            self.nav[key] = b
            nav.addWidget(b)
            b.clicked.connect(slot(self.show_page, key))
        nav.addStretch(1)
        nav_box = QWidget()
        nav_box.setLayout(nav)
        # As wide as its widest button (the style sheet's type size decides), never narrower
        # than 260 px: a fixed width cut "Leave kiosk mode" short at 1280 x 800.
        nav_box.setMinimumWidth(260)
        nav_box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        body.addWidget(nav_box)
        self.pages = QStackedWidget()
        body.addWidget(self.pages, 1)
        outer.addLayout(body, 1)

        # In the room (fire register)
        room = QWidget()
        r = QVBoxLayout(room)
        r.setContentsMargins(0, 0, 0, 0)
        self.room_count = label("", "roomCount", role="heading")
        self.room_list = QListWidget()
        self.room_list.setObjectName("roomList")
        self.room_list.setSelectionMode(QListWidget.SelectionMode.MultiSelection)
        kinetic(self.room_list)
        self.room_counted: tuple[int, int] | None = None  # (people, anonymous) on show
        self.sign_out_button = button("", "signOutSelected", role="primary")
        # Sign-ins this kiosk kept and then could not send (see kiosk.store.Outbox): said
        # where staff look, so that someone puts them right.
        self.set_aside_note = label("", "setAsideNote", role="warning")
        self.set_aside_note.hide()
        r.addWidget(self.room_count)
        r.addWidget(self.set_aside_note)
        r.addWidget(self.room_list, 1)
        r.addWidget(self.sign_out_button)
        self.pages.addWidget(room)

        # Sign someone in by hand
        hand = QWidget()
        h = QVBoxLayout(hand)
        h.setContentsMargins(0, 0, 0, 0)
        self.hand_picker = PersonPicker("hand")
        self.hand_chosen = label("", "handChosen", role="muted")
        self.hand_sessions = QGridLayout()
        self.hand_sessions.setSpacing(12)
        self.hand_tiles = Tiles(self.hand_sessions, 2)
        h.addWidget(self.hand_picker, 1)
        h.addWidget(self.hand_chosen)
        h.addLayout(self.hand_sessions)
        self.pages.addWidget(hand)
        self.hand_person: int | None = None
        self.hand_name = ""

        # Log a referral, in the issue's order: the person, then the partner, then the
        # reason and a note. One step at a time, so that each fits above the on-screen
        # keyboard (the partners need the whole page; the fields need the keyboard). Once
        # chosen, the person and the partner stay on show as buttons that go back to them.
        ref = QWidget()
        rv = QVBoxLayout(ref)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.setSpacing(8)
        self.ref_chosen = label("", "referralChosen", role="muted")
        crumbs = QHBoxLayout()
        crumbs.setSpacing(8)
        self.ref_person_button = button("", "referralPerson", role="choice")
        self.ref_partner_button = button("", "referralPartner", role="choice")
        for b in (self.ref_person_button, self.ref_partner_button):
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            b.setProperty("compact", True)  # (theme.qss)
            crumbs.addWidget(b, 1)
        self.ref_steps = QStackedWidget()
        self.ref_steps.setObjectName("referralSteps")
        # 1. the person
        self.ref_picker = PersonPicker("referral")
        self.ref_steps.addWidget(self.ref_picker)
        # 2. the partner, three to a row across the page (more scroll by finger)
        to = QWidget()
        tv = QVBoxLayout(to)
        tv.setContentsMargins(0, 0, 0, 0)
        tv.setSpacing(8)
        self.partner_grid = QGridLayout()
        self.partner_grid.setSpacing(8)
        self.partner_grid.setContentsMargins(0, 0, 0, 0)
        for column in range(PARTNER_COLUMNS):
            self.partner_grid.setColumnStretch(column, 1)
        self.partner_group = QButtonGroup(self)
        self.partner_area = _Rows(self.partner_grid, PARTNER_COLUMNS, PARTNER_ROWS)
        self.partner_area.setObjectName("partnerArea")
        self.no_partners = label("", "noPartners")
        self.no_partners.hide()
        tv.addWidget(self.partner_area)
        tv.addWidget(self.no_partners)
        tv.addStretch(1)
        self.ref_steps.addWidget(to)
        # 3. the reason and 4. a note; the follow-up and Save on one row. With the chosen
        # person and partner above, in place of the prompt, the whole step stays above the
        # keyboard at 1280 x 800.
        why = QWidget()
        wv = QVBoxLayout(why)
        wv.setContentsMargins(0, 0, 0, 0)
        wv.setSpacing(8)
        self.reason = _line("referralReason")
        self.reason.setMaxLength(200)
        self.note = _line("referralNote")
        self.note.setMaxLength(4000)
        self.save_referral = button("", "saveReferral", role="primary")
        follow = QHBoxLayout()
        follow.setSpacing(8)
        self.follow_group = QButtonGroup(self)
        for days in (0, 7, 14):
            b = button("", f"followUp{days}", role="choice")
            b.setCheckable(True)
            b.setProperty("compact", True)
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            self.follow_group.addButton(b, days)
            follow.addWidget(b, 2)
        follow.addWidget(self.save_referral, 3)
        self.save_referral.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.save_referral.setProperty("compact", True)
        self._default_follow_up()
        wv.addWidget(self.reason)
        wv.addWidget(self.note)
        wv.addLayout(follow)
        wv.addStretch(1)
        self.ref_steps.addWidget(why)
        rv.addWidget(self.ref_chosen)
        rv.addLayout(crumbs)
        rv.addWidget(self.ref_steps, 1)
        self.pages.addWidget(ref)
        self.ref_person: int | None = None
        self.ref_partner: int | None = None
        self.ref_person_name = self.ref_partner_name = ""
        self._elider = _Elider(self)
        self._ref_step(REF_WHO)

        # Issue a card: the person search above; the buttons with the QR beside them.
        card = QWidget()
        c = QVBoxLayout(card)
        c.setContentsMargins(0, 0, 0, 0)
        c.setSpacing(8)
        self.card_picker = PersonPicker("card")
        self.card_chosen = label("", "cardChosen", role="muted")
        row = QHBoxLayout()
        row.setSpacing(8)
        self.issue_button = button("", "issueCard", role="primary")
        self.print_button = button("", "printCard")
        self.print_button.setEnabled(False)  # once a card is issued, where a printer is
        row.addWidget(self.issue_button)
        row.addWidget(self.print_button)
        side = QVBoxLayout()
        side.setSpacing(8)
        side.addWidget(self.card_chosen)
        side.addLayout(row)
        side.addStretch(1)
        self.card_qr = QLabel()
        self.card_qr.setObjectName("staffCardQr")
        self.card_qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card_qr.setFixedSize(CARD_QR, CARD_QR)
        bottom = QHBoxLayout()
        bottom.setSpacing(16)
        bottom.addLayout(side, 1)
        bottom.addWidget(self.card_qr)
        c.addWidget(self.card_picker, 1)
        c.addLayout(bottom)
        self.pages.addWidget(card)
        self.card_person: int | None = None
        self.card_name = ""

        # Leave kiosk mode
        leave = QWidget()
        lv = QVBoxLayout(leave)
        self.leave_text = label("", "leaveText")
        lv.addWidget(self.leave_text)
        self.restarts = False
        self.quit_button = button("", "quitKiosk", role="danger")
        lv.addWidget(self.quit_button)
        lv.addStretch(1)
        self.pages.addWidget(leave)

        # Closing takes two taps: the first asks, a second within a few seconds closes.
        self._quit = _SecondTap(self.quit_button, self)
        # So does replacing someone's card (her old one stops working): ask_to_replace.
        self._replace = _SecondTap(self.issue_button, self)
        self.exit_button.clicked.connect(self.leave_staff)
        self.quit_button.clicked.connect(self._quit_tapped)
        self.sign_out_button.clicked.connect(self._sign_out)
        self.hand_picker.picked.connect(self._hand_pick)
        self.ref_picker.picked.connect(self._ref_pick)
        self.card_picker.picked.connect(self._card_pick)
        self.save_referral.clicked.connect(self._save_referral)
        self.partner_group.idClicked.connect(self._partner_chosen)
        self.ref_person_button.clicked.connect(slot(self._ref_step, REF_WHO))
        self.ref_partner_button.clicked.connect(slot(self._ref_step, REF_TO))
        self.reason.returnPressed.connect(self.note.setFocus)
        self.note.returnPressed.connect(self._note_entered)
        self.issue_button.clicked.connect(slot(self._issue))
        self.print_button.clicked.connect(self.print_card)
        self.show_page("room")
        self.retranslate()

    def retranslate(self) -> None:
        retext(self.exit_button, self.tr("Exit staff mode"))
        titles = [self.tr("In the room"), self.tr("Sign someone in"),
                  self.tr("Log a referral"), self.tr("Issue a card"),
                  self.tr("Leave kiosk mode")]
        for key, title in zip(self.PAGES, titles, strict=True):
            retext(self.nav[key], title)
        self.room_list.setAccessibleName(self.tr("People in the room now"))
        if self.room_counted is not None:
            self._count_room(*self.room_counted)
        retext(self.sign_out_button, self.tr("Sign out selected"))
        self._hand_prompt()
        self.no_partners.setText(
            self.tr("There are no partner organisations to refer to yet. A manager adds "
                    "them in the admin window, on the Referrals page."))
        _words(self.reason, self.tr("3. Reason"), self.tr("Reason for the referral"))
        _words(self.note, self.tr("4. Note (optional)"), self.tr("Note, optional"))
        retext(self.save_referral, self.tr("Save referral"))
        for days, text in ((0, self.tr("No follow-up")), (7, self.tr("1 week")),
                           (14, self.tr("2 weeks"))):
            retext(self.follow_group.button(days), text, self.tr("Follow up: %s") % text)
        self._ref_prompt()
        if self.ref_person is not None:
            self._show_person(self.ref_person_name)
        if self.ref_partner is not None:
            self._show_partner(self.ref_partner_name)
        self._card_prompt()
        self._replace.set_words(self.tr("Issue a new card"),
                                self.tr("Tap again to replace the card"))
        retext(self.print_button, self.tr("Print it"))
        self.card_qr.setAccessibleName(self.tr("The new card's QR code"))
        self.set_restarts(self.restarts)
        self._quit.set_words(self.tr("Close the kiosk"), self.tr("Tap again to close the kiosk"))

    def _hand_prompt(self, *, alert: bool = False) -> None:
        if alert:
            _prompt(self.hand_chosen, self.tr("First choose who to sign in: search for them, "
                                              "then tap their name."), alert=True)
        elif self.hand_person is None:
            _prompt(self.hand_chosen, self.tr("Choose a person, then a session."))
        else:
            _prompt(self.hand_chosen, self.tr("Sign in %s to:") % self.hand_name)

    def _card_prompt(self, *, alert: bool = False) -> None:
        if alert:
            _prompt(self.card_chosen, self.tr("First choose who the card is for: search for "
                                              "them, then tap their name."), alert=True)
        elif self.card_person is None:
            _prompt(self.card_chosen, self.tr("Choose the person the card is for."))
        else:
            _prompt(self.card_chosen, self.tr("Card for: %s") % self.card_name)

    def _issue(self) -> None:
        if self.card_person is None:
            self._card_prompt(alert=True)
            return
        replace = self._replace.armed()
        self._replace.disarm()
        self.issue_card.emit(self.card_person, replace)

    def ask_to_replace(self) -> None:
        """The person has a card already: a second tap within a few seconds replaces it."""
        self._replace.arm()

    def _hand(self, session_id: int) -> None:
        if self.hand_person is None:
            self._hand_prompt(alert=True)
            return
        self.hand_sign_in.emit(self.hand_person, session_id)

    def first_field(self) -> QWidget | None:
        if self.page == "referral":
            step = self.ref_steps.currentIndex()
            return {REF_WHO: self.ref_picker.field, REF_WHY: self.reason}.get(step)
        return {"signin": self.hand_picker.field, "card": self.card_picker.field}.get(self.page)

    def show_page(self, key: str, *, load: bool = True) -> None:
        self.page = key
        self.nav[key].setChecked(True)
        self.pages.setCurrentIndex(self.PAGES.index(key))
        if load:
            self.page_changed.emit(key)

    def set_user(self, text: str) -> None:
        self.who.setText(text)

    def show_room(self, rows: list[tuple[int, str]], people: int, anonymous: int) -> None:
        self.room_list.clear()
        for attendance_id, text in rows:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, attendance_id)
            self.room_list.addItem(item)
        self._count_room(people, anonymous)

    def show_set_aside(self, count: int, file_name: str) -> None:
        """``count`` sign-ins kept on this kiosk could not be sent to the database (0: none,
        and the note is hidden)."""
        if count == 1:  # (Qt's "%n" has no English plural without a translation file)
            self.set_aside_note.setText(messages.fill(self.tr(
                "This kiosk holds 1 sign-in that it could not send to the database. Please "
                "tell whoever looks after Dropin: it is in the file %1 in the kiosk's data "
                "folder."), file_name))
        elif count:
            self.set_aside_note.setText(messages.fill(self.tr(
                "This kiosk holds %1 sign-ins that it could not send to the database. "
                "Please tell whoever looks after Dropin: they are in the file %2 in the "
                "kiosk's data folder."), str(count), file_name))
        else:
            self.set_aside_note.clear()
        self.set_aside_note.setVisible(bool(count))

    def _count_room(self, people: int, anonymous: int) -> None:
        self.room_counted = (people, anonymous)
        total = people + anonymous
        if total == 0:
            text = self.tr("Nobody in the room")
        elif total == 1:  # Qt's "%n" has no English plural without a translation file
            text = self.tr("1 person in the room")
        else:
            text = self.tr("%n people in the room", "", total)
        if anonymous:
            text += " " + self.tr("(%n not named)", "", anonymous)
        self.room_count.setText(text)

    def _sign_out(self) -> None:
        self.sign_out_selected.emit([i.data(Qt.ItemDataRole.UserRole)
                                     for i in self.room_list.selectedItems()])

    def _hand_pick(self, person_id: int, text: str) -> None:
        self.hand_person, self.hand_name = person_id, text
        self._hand_prompt()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.hand_tiles.fit()  # (the session buttons' names, to their new widths)

    def show_hand_sessions(self, sessions: list[tuple[int, str]]) -> None:
        """A button for each session on, two or three to a row, each name fitted to its
        width: four sessions on must not push staff mode wider than the screen."""
        tiles = []
        for i, (session_id, name) in enumerate(sessions):
            b = button(name, f"handSession{i}", role="choice", accessible=name)
            b.clicked.connect(slot(self._hand, session_id))
            tiles.append((b, name, ""))
        self.hand_tiles.fill(tiles, 2 if len(sessions) <= 4 else 3)

    def _ref_pick(self, person_id: int, text: str) -> None:
        self.ref_person = person_id
        self._show_person(text)
        self._ref_step(REF_TO if self.ref_partner is None else REF_WHY)

    def _show_person(self, text: str) -> None:
        # "‹" as on the other Back buttons: a tap goes back to this step. The whole line,
        # address too: two Pat Joneses born the same year are told apart by it.
        self.ref_person_name = text
        self._elider.set_text(self.ref_person_button, "‹ " + text)
        self.ref_person_button.setAccessibleName(self.tr("Referring %s. Tap to choose someone "
                                                         "else.") % text)

    def _partner_chosen(self, partner_id: int) -> None:
        self.ref_partner = partner_id
        self._show_partner(self.partner_group.button(partner_id).accessibleName())
        self._ref_step(REF_WHY)

    def _show_partner(self, name: str) -> None:
        self.ref_partner_name = name
        self._elider.set_text(self.ref_partner_button, "‹ " + self.tr("To: %s") % name)
        self.ref_partner_button.setAccessibleName(
            self.tr("Referring to %s. Tap to choose another partner.") % name)

    def _ref_step(self, step: int) -> None:
        """Show one step of the referral page, with the prompt that goes with it; the
        step that wants typing takes the focus (and so the keyboard)."""
        self.ref_steps.setCurrentIndex(step)
        # The partners' area learns its height from a layout request, and none comes when
        # its page is brought to the front: without this it could keep a row's height.
        self.partner_area.updateGeometry()
        self._ref_prompt()
        self.ref_person_button.setVisible(self.ref_person is not None and step != REF_WHO)
        self.ref_partner_button.setVisible(self.ref_partner is not None and step == REF_WHY)
        if not self.ref_steps.isVisible():
            return  # (a reset while visitors use the kiosk: no focus, no keyboard)
        # The step changes on the finger's release: the second touch of a double tap
        # (or a bouncing finger) would land on whatever the new step has there. The new
        # step lets touches through to it once a double tap is over.
        page = self.ref_steps.currentWidget()
        page.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        QTimer.singleShot(QApplication.doubleClickInterval(), page, lambda: page.setAttribute(
            Qt.WidgetAttribute.WA_TransparentForMouseEvents, False))
        if step == REF_WHO:
            self.ref_picker.field.setFocus()
        elif step == REF_WHY:
            self.reason.setFocus()
        else:  # nothing to type: the keyboard goes and the partners have the page
            focused = self.focusWidget()
            if focused is not None:
                focused.clearFocus()

    def _ref_prompt(self) -> None:
        step = self.ref_steps.currentIndex()
        self.ref_chosen.setText((
            self.tr("1. Who is being referred? Search, then tap their name."),
            self.tr("2. Who are you referring them to?"), "")[step])
        self.ref_chosen.setVisible(step != REF_WHY)  # the fields are numbered themselves

    def show_partners(self, partners: list[tuple[int, str]]) -> None:
        _clear_layout(self.partner_grid)
        for b in self.partner_group.buttons():
            self.partner_group.removeButton(b)
        for i, (partner_id, name) in enumerate(partners):
            b = button("", f"partner{i}", role="choice", accessible=name)
            b.setCheckable(True)
            b.setChecked(partner_id == self.ref_partner)
            b.setMinimumHeight(64)
            # a third of the row whatever the name: a long one never widens the page
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self._elider.set_text(b, _fold(name))
            self.partner_group.addButton(b, partner_id)
            self.partner_grid.addWidget(b, i // PARTNER_COLUMNS, i % PARTNER_COLUMNS)
        self.no_partners.setVisible(not partners)
        self.partner_area.setVisible(bool(partners))
        # The partner chosen may have been renamed, or taken off the list, since.
        names = dict(partners)
        if self.ref_partner in names:
            self._show_partner(names[self.ref_partner])
        elif self.ref_partner is not None:
            self.ref_partner, self.ref_partner_name = None, ""
            _blank(self.ref_partner_button)
            if self.ref_steps.currentIndex() == REF_WHY:
                self._ref_step(REF_TO)

    def _save_referral(self) -> None:
        if not self.save_referral.isEnabled():
            return  # the last Save is still on its way (a double tap, Enter then Save)
        self.log_referral.emit(self.ref_person or 0,
                               -1 if self.ref_partner is None else self.ref_partner,
                               self.reason.text(), self.note.text(),
                               max(0, self.follow_group.checkedId()))

    def _note_entered(self) -> None:
        # Enter on the last field saves; the keyboard goes, so whatever is still missing
        # (the toast says what) is in sight.
        self.note.clearFocus()
        self._save_referral()

    def saving(self, busy: bool) -> None:
        """While a referral is being saved, Save (and Enter on the note) waits."""
        self.save_referral.setEnabled(not busy)

    def _default_follow_up(self) -> None:
        self.follow_group.button(FOLLOW_UP_DAYS).setChecked(True)

    def clear_referral(self) -> None:
        """Ready for the next referral: nobody chosen, no partner, empty fields, the
        search (and, when the page is on show, the keyboard) up."""
        self.ref_person = self.ref_partner = None
        self.ref_person_name = self.ref_partner_name = ""
        self.ref_picker.reset()
        forget(self.reason)
        forget(self.note)
        self._default_follow_up()
        checked = self.partner_group.checkedButton()
        if checked is not None:
            self.partner_group.setExclusive(False)
            checked.setChecked(False)
            self.partner_group.setExclusive(True)
        for b in (self.ref_person_button, self.ref_partner_button):
            _blank(b)
        self._ref_step(REF_WHO)

    def _card_pick(self, person_id: int, text: str) -> None:
        self._replace.disarm()
        self.card_person, self.card_name = person_id, text
        self._card_prompt()
        self.card_qr.clear()
        self.print_button.setEnabled(False)

    def _quit_tapped(self) -> None:
        if self._quit.armed():
            self._quit.timer.stop()
            self.quit_kiosk.emit()
            return
        self._quit.arm()

    def set_restarts(self, restarts: bool) -> None:
        """Say what closing the kiosk does here: under its system service (deploy/), the
        program is started again at once; elsewhere it stays closed."""
        self.restarts = restarts
        self.leave_text.setText(
            self.tr("Close the kiosk program. It starts again by itself in a few seconds. "
                    "To keep it closed for maintenance, an administrator stops the "
                    "dropin-kiosk service.") if restarts else
            self.tr("Close the kiosk program, for maintenance. It will not start again until "
                    "someone starts it."))

    def show_card(self, token: str, can_print: bool) -> None:
        self.card_qr.setPixmap(qr_pixmap(token, CARD_QR))
        self.print_button.setEnabled(can_print)

    def reset(self) -> None:
        for edit in self.findChildren(QLineEdit):
            forget(edit)
        self.room_list.clear()
        self.room_count.clear()
        self.show_set_aside(0, "")
        self.room_counted = None
        self.hand_tiles.fill([], self.hand_tiles.columns)  # session names, some sensitive
        self.hand_person = self.ref_person = self.card_person = None
        self._replace.disarm()
        self.hand_name = self.card_name = ""
        for picker in (self.hand_picker, self.ref_picker, self.card_picker):
            picker.reset()
        self.clear_referral()
        self.saving(False)
        self.card_qr.clear()
        self.print_button.setEnabled(False)
        self._card_prompt()
        self._hand_prompt()
        self.who.setText("")
        self._quit.disarm()
        # Back to the first page without loading it: the fire register is read when staff
        # mode opens, not on every return to Welcome (a query growing with the room, and
        # full names held in a hidden list while visitors use the kiosk).
        self.show_page("room", load=False)
