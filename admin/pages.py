"""The admin window's pages. Each lays out its widgets and asks the ``Admin``
controller (admin/app.py) to run database work; none opens a session itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QValueAxis,
)
from PySide6.QtCore import QDate, QSortFilterProxyModel, Qt, QTime
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import text
from sqlmodel import Session, col, select

from admin.models import ID_ROLE, SORT_ROLE, LazyPeopleModel, RowsModel
from schema import audit, cards, feedback, people, referrals, staff, timetable
from schema.clock import LONDON, now_utc
from schema.counting import RULES_TEXT, Filters, Period, Report, report
from schema.errors import Refused
from schema.people import NewPerson
from schema.settings import get_settings, set_setting
from schema.tables import (
    Feedback,
    FeedbackStatus,
    ReferralPartner,
    ReferralStatus,
    Role,
    Service,
    Site,
    StaffUser,
    TimetableSlot,
)

if TYPE_CHECKING:
    from admin.app import Admin

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def table(model: Any, name: str, *, sortable: bool = True) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setAccessibleName(name)
    if sortable:
        proxy = QSortFilterProxyModel(view)
        proxy.setSourceModel(model)
        proxy.setSortRole(SORT_ROLE)
        view.setModel(proxy)
        view.setSortingEnabled(True)
        # Keep the order the rows came in (dates, timetable) until a header is clicked.
        view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        proxy.sort(-1)
    else:
        view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    # Small tables fit their columns to the text; the lazy people table must not (it
    # would read every row to measure them), so it gets fixed, draggable widths.
    mode = (QHeaderView.ResizeMode.ResizeToContents if isinstance(model, RowsModel)
            else QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setSectionResizeMode(mode)
    view.horizontalHeader().setDefaultSectionSize(150)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(True)
    return view


def selected_id(view: QTableView) -> Any:
    rows = view.selectionModel().selectedRows() if view.selectionModel() else []
    return rows[0].data(ID_ROLE) if rows else None


def push(text_: str, name: str) -> QPushButton:
    b = QPushButton(text_)
    b.setObjectName(name)
    b.setAccessibleName(text_)
    return b


def line(name: str, placeholder: str = "") -> QLineEdit:
    e = QLineEdit()
    e.setObjectName(name)
    e.setAccessibleName(placeholder or name)
    e.setPlaceholderText(placeholder)
    return e


class BarChart(QChartView):
    """A bar chart that is filled again in place (one QChart for the view's life).

    Series, sets and axes are kept referenced here while shown, and the old ones are
    removed and deleted by Qt before new ones go in, so nothing is freed twice.
    """

    def __init__(self, name: str) -> None:
        self._chart = QChart()
        super().__init__(self._chart)
        self.setObjectName(name)
        self.setAccessibleName(name)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._keep: list[Any] = []

    def fill(self, title: str, categories: list[str], sets: list[tuple[str, list[int]]],
             *, legend: bool = True) -> None:
        chart = self._chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
            axis.deleteLater()
        chart.setTitle(title)
        series = QBarSeries()
        bar_sets = []
        for name, values in sets:
            bar_set = QBarSet(name)
            for v in values:
                bar_set.append(v)
            series.append(bar_set)
            bar_sets.append(bar_set)
        chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        axis_x.append(categories)
        axis_y = QValueAxis()
        axis_y.setLabelFormat("%d")
        axis_y.setRange(0, max([v for _n, vs in sets for v in vs] + [1]))
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)
        chart.legend().setVisible(legend)
        self._keep = [series, bar_sets, axis_x, axis_y]


def plain_rules() -> str:
    """The counting rules as paragraphs that wrap to the box they are shown in."""
    out: list[str] = []
    for raw in RULES_TEXT.splitlines():
        text_ = raw.strip()
        if raw.startswith("- ") or not out:
            out.append(text_)
        else:
            out[-1] += " " + text_
    return "\n\n".join(out)


class Page(QWidget):
    title = ""
    roles: tuple[str, ...] = (Role.volunteer.value, Role.staff.value, Role.manager.value)

    def __init__(self, admin: Admin) -> None:
        super().__init__()
        self.admin = admin

    def refresh(self) -> None:
        """Load what the page shows; called when it is opened."""


# --- Dashboard -------------------------------------------------------------------------


def month_of(day: dt.date) -> Period:
    return Period.month(day.year, day.month)


class DashboardPage(Page):
    title = "Dashboard"

    def __init__(self, admin: Admin) -> None:
        super().__init__(admin)
        self.setObjectName("dashboardPage")
        lay = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("dashboardHeading")
        self.heading.setStyleSheet("font-size: 20px; font-weight: 700;")
        lay.addWidget(self.heading)
        grid = QGridLayout()
        self.tiles: dict[str, QLabel] = {}
        for i, key in enumerate(("families", "individuals", "visits", "new_individuals")):
            box = QGroupBox({"families": "Families", "individuals": "Individuals",
                             "visits": "Visits", "new_individuals": "New people"}[key])
            box_lay = QVBoxLayout(box)
            value = QLabel()
            value.setObjectName(f"tile_{key}")
            value.setStyleSheet("font-size: 28px; font-weight: 700;")
            box_lay.addWidget(value)
            self.tiles[key] = value
            grid.addWidget(box, 0, i)
        lay.addLayout(grid)
        self.chart = BarChart("weeklyChart")
        self.chart.setMinimumHeight(260)
        lay.addWidget(self.chart, 2)
        lay.addWidget(QLabel("Follow-ups due"))
        self.follow = RowsModel(["Due", "Person", "Partner", "Reason", "Status"],
                                highlight=lambda r: bool(r[1]) and r[1] <= str(self.today()))
        self.follow_view = table(self.follow, "followUpsTable")
        lay.addWidget(self.follow_view, 1)

    def today(self) -> dt.date:
        return now_utc().astimezone(LONDON).date()

    def refresh(self) -> None:
        today = self.today()
        this = month_of(today)
        last = month_of(this.start - dt.timedelta(days=1))
        weeks = []
        monday = today - dt.timedelta(days=today.weekday())
        for k in range(11, -1, -1):
            start = monday - dt.timedelta(weeks=k)
            weeks.append(Period(start, start + dt.timedelta(days=6)))

        def work(s: Session) -> tuple[Report, Report, list[Report], list[tuple[Any, ...]]]:
            due = s.execute(text(
                "SELECT r.id, r.follow_up_on, p.first_name || ' ' || p.last_name, rp.name, "
                "r.reason, r.status FROM referral r JOIN person p ON p.id = r.person_id "
                "JOIN referral_partner rp ON rp.id = r.partner_id "
                "WHERE r.follow_up_on IS NOT NULL AND r.follow_up_on <= :soon "
                "AND r.status IN ('made', 'accepted') ORDER BY r.follow_up_on"),
                {"soon": today + dt.timedelta(days=7)}).all()
            return (report(s, this), report(s, last), [report(s, w) for w in weeks],
                    [(r[0], str(r[1]), r[2], r[3], r[4], r[5]) for r in due])

        self.admin.run(work, lambda res: self.show(this, *res))

    def show(self, this: Period, now: Report, before: Report, weeks: list[Report],
             due: list[tuple[Any, ...]]) -> None:
        self.heading.setText(f"{this.label}, so far — against last month")
        for key, value in self.tiles.items():
            a, b = getattr(now, key), getattr(before, key)
            arrow = "▲" if a > b else "▼" if a < b else "="
            value.setText(f"{a}  <span style='font-size:14px;color:#555'>{arrow} last month "
                          f"{b}</span>")
        self.chart.fill("People and families each week (last 12 weeks)",
                        [f"{w.period.start:%d %b}" for w in weeks],
                        [("Families", [w.families for w in weeks]),
                         ("Individuals", [w.individuals for w in weeks])])
        self.follow.set_rows(due)


# --- People and households ------------------------------------------------------------


class PeoplePage(Page):
    title = "People"
    roles = (Role.staff.value, Role.manager.value)

    def __init__(self, admin: Admin) -> None:
        super().__init__(admin)
        self.setObjectName("peoplePage")
        tabs = QTabWidget()
        tabs.setObjectName("peopleTabs")
        outer = QVBoxLayout(self)
        outer.addWidget(tabs)

        # The list and the editor.
        main = QWidget()
        lay = QVBoxLayout(main)
        top = QHBoxLayout()
        self.search = line("peopleSearch", "Search by name, postcode or household")
        self.count = QLabel()
        self.count.setObjectName("peopleCount")
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        lay.addLayout(top)
        split = QSplitter()
        self.model = LazyPeopleModel(people.PEOPLE_COLUMNS, self._fetch)
        self.view = table(self.model, "peopleTable", sortable=False)
        split.addWidget(self.view)
        editor = QWidget()
        form = QFormLayout(editor)
        self.first = line("editFirstName", "First name")
        self.last = line("editLastName", "Last name")
        self.year = line("editBirthYear", "Year of birth")
        self.phone = line("editPhone", "Phone")
        self.postcode = line("editPostcode", "Postcode (household)")
        self.reference = line("editReference", "Household reference")
        for label_, widget in (("First name", self.first), ("Last name", self.last),
                               ("Born", self.year), ("Phone", self.phone),
                               ("Postcode", self.postcode), ("Household", self.reference)):
            form.addRow(label_, widget)
        self.members = QLabel()
        self.members.setObjectName("householdMembers")
        self.members.setWordWrap(True)
        form.addRow("Lives with", self.members)
        self.history = QLabel()
        self.history.setObjectName("personHistory")
        form.addRow("History", self.history)
        buttons = QGridLayout()
        self.save = push("Save changes", "savePerson")
        self.move_to = line("moveToHousehold", "Household # to move to (blank: a new one)")
        self.move = push("Move to household", "movePerson")
        self.add_member_name = line("addMemberName", "New member's first name")
        self.add_member = push("Add to this household", "addMember")
        self.issue = push("Issue a new card", "issueCardButton")
        self.revoke = push("Revoke card", "revokeCardButton")
        self.sheet_person = push("Card sheet: this person…", "sheetPerson")
        self.sheet_household = push("Card sheet: household…", "sheetHousehold")
        self.sheet_all = push("Card sheet: everyone without a card…", "sheetAll")
        self.sar = push("Everything we hold (subject access)…", "subjectAccess")
        self.withdraw = push("Consent withdrawn", "withdrawConsent")
        self.erase = push("Erase this person", "erasePerson")
        buttons.addWidget(self.save, 0, 0, 1, 2)
        buttons.addWidget(self.move_to, 1, 0)
        buttons.addWidget(self.move, 1, 1)
        buttons.addWidget(self.add_member_name, 2, 0)
        buttons.addWidget(self.add_member, 2, 1)
        buttons.addWidget(self.issue, 3, 0)
        buttons.addWidget(self.revoke, 3, 1)
        buttons.addWidget(self.sheet_person, 4, 0)
        buttons.addWidget(self.sheet_household, 4, 1)
        buttons.addWidget(self.sheet_all, 5, 0, 1, 2)
        buttons.addWidget(self.sar, 6, 0, 1, 2)
        buttons.addWidget(self.withdraw, 7, 0)
        buttons.addWidget(self.erase, 7, 1)
        form.addRow(buttons)
        split.addWidget(editor)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)
        tabs.addTab(main, "People and households")

        # The likely-duplicates queue with a side-by-side merge.
        dup = QWidget()
        d = QVBoxLayout(dup)
        self.dupes = RowsModel(["Keep", "Merge into it", "Why"])
        self.dupe_view = table(self.dupes, "duplicatesTable")
        d.addWidget(self.dupe_view, 2)
        side = QHBoxLayout()
        self.left = QLabel()
        self.left.setObjectName("mergeLeft")
        self.right = QLabel()
        self.right.setObjectName("mergeRight")
        for box in (self.left, self.right):
            box.setWordWrap(True)
            box.setFrameShape(QLabel.Shape.StyledPanel)
            box.setMinimumHeight(120)
            box.setAlignment(Qt.AlignmentFlag.AlignTop)
            side.addWidget(box)
        d.addLayout(side, 1)
        row = QHBoxLayout()
        self.merge = push("Merge: keep the left, fold the right into it", "mergeButton")
        self.not_dupe = push("Not the same person", "notDuplicate")
        row.addWidget(self.merge)
        row.addWidget(self.not_dupe)
        d.addLayout(row)
        tabs.addTab(dup, "Likely duplicates")
        self.dismissed: set[tuple[int, int]] = set()

        self.search.textChanged.connect(self.refresh)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self.load_person())
        self.save.clicked.connect(self.save_person)
        self.move.clicked.connect(self.move_person)
        self.add_member.clicked.connect(self.add_to_household)
        self.issue.clicked.connect(self.issue_card)
        self.revoke.clicked.connect(self.revoke_card)
        self.sheet_person.clicked.connect(lambda: self.card_sheet("person"))
        self.sheet_household.clicked.connect(lambda: self.card_sheet("household"))
        self.sheet_all.clicked.connect(lambda: self.card_sheet("all"))
        self.sar.clicked.connect(self.subject_access)
        self.withdraw.clicked.connect(lambda: self.forget("withdraw"))
        self.erase.clicked.connect(lambda: self.forget("erase"))
        self.dupe_view.selectionModel().selectionChanged.connect(lambda *_: self.show_pair())
        self.merge.clicked.connect(self.merge_pair)
        self.not_dupe.clicked.connect(self.dismiss_pair)
        self.current: dict[str, Any] = {}

    def _fetch(self, ids: list[int]) -> dict[int, tuple[Any, ...]]:
        return self.admin.read(lambda s: people.people_rows(s, ids))

    def refresh(self) -> None:
        query = self.search.text()
        self.model.set_ids(self.admin.read(lambda s: people.people_ids(s, query=query)))
        self.count.setText(f"{len(self.model.ids)} people")
        self.admin.run(lambda s: people.likely_duplicates(s), self._show_dupes)

    def _show_dupes(self, pairs: list[people.DuplicatePair]) -> None:
        self.dupes.set_rows([((p.keep_id, p.merge_id), p.left, p.right, p.reason)
                             for p in pairs if (p.keep_id, p.merge_id) not in self.dismissed])

    def person_id(self) -> int | None:
        index = self.view.currentIndex()
        return self.model.row_id(index.row()) if index.isValid() else None

    def load_person(self) -> None:
        pid = self.person_id()
        if pid is None:
            return

        def work(s: Session) -> dict[str, Any]:
            person = s.get(people.Person, pid)
            household = s.get(people.Household, person.household_id)  # type: ignore[union-attr]
            members = [m.first_name for m in people.household_members(s, household.id)  # type: ignore[union-attr,arg-type]
                       if m.id != pid]
            card = cards.card_for_person(s, pid)
            audit.record(s, actor=self.admin.actor, staff_id=self.admin.staff_id,
                         action="person.view", entity="person", entity_id=pid)
            return {"person": person, "household": household, "members": members,
                    "card": card, "history": people.person_history(s, pid)}

        self.admin.run(work, self._show_person)

    def _show_person(self, data: dict[str, Any]) -> None:
        p, h = data["person"], data["household"]
        self.current = data
        self.first.setText(p.first_name)
        self.last.setText(p.last_name)
        self.year.setText(str(p.birth_year or ""))
        self.phone.setText(p.phone or "")
        self.postcode.setText(h.postcode or "")
        self.reference.setText(h.reference)
        self.members.setText(f"Household #{h.id}: " + (", ".join(data["members"]) or "nobody"))
        self.history.setText(", ".join(f"{v} {k}" for k, v in data["history"].items()))
        self.revoke.setEnabled(data["card"] is not None)

    def save_person(self) -> None:
        pid = self.person_id()
        if pid is None or not self.current:
            self.admin.say("Choose a person in the list first.")
            return
        hid = self.current["household"].id
        values = (self.first.text(), self.last.text(), self.year.text().strip() or None,
                  self.phone.text().strip() or None, self.postcode.text().strip() or None,
                  self.reference.text())

        def work(s: Session) -> None:
            people.update_person(s, person_id=pid, first_name=values[0], last_name=values[1],
                                 birth_year=values[2], phone=values[3], actor=self.admin.actor,
                                 staff_id=self.admin.staff_id)
            people.update_household(s, household_id=hid, postcode=values[4],
                                    reference=values[5], actor=self.admin.actor,
                                    staff_id=self.admin.staff_id)

        self.admin.run(work, lambda _r: (self.model.refresh_id(pid),
                                         self.admin.say("Saved.", "ok")))

    def move_person(self) -> None:
        pid = self.person_id()
        raw = self.move_to.text().strip().lstrip("#")
        if pid is None:
            self.admin.say("Choose a person in the list first.")
            return
        if raw and not raw.isdigit():
            self.admin.say("Type a household number, like 12, or leave it blank for a new one.")
            return
        target = int(raw) if raw else None
        self.admin.run(
            lambda s: people.move_person(s, person_id=pid, to_household_id=target,
                                         actor=self.admin.actor, staff_id=self.admin.staff_id),
            lambda h: (self.admin.say(f"Moved to household #{h.id}. Past visits stay with "
                                      "the old household.", "ok"),
                       self.model.refresh_id(pid), self.load_person()))

    def add_to_household(self) -> None:
        if not self.current:
            self.admin.say("Choose a person in the household first.")
            return
        hid = self.current["household"].id
        name = self.add_member_name.text()
        self.admin.run(
            lambda s: people.add_member(s, household_id=hid, member=NewPerson(name),
                                        actor=self.admin.actor, staff_id=self.admin.staff_id),
            lambda _p: (self.add_member_name.clear(), self.refresh(),
                        self.admin.say(f"{name} added to household #{hid}.", "ok")))

    def issue_card(self) -> None:
        pid = self.person_id()
        if pid is None:
            return
        self.admin.run(lambda s: cards.issue_card(s, person_id=pid, actor=self.admin.actor,
                                                  staff_id=self.admin.staff_id),
                       lambda _c: (self.admin.say("New card issued; any old card no longer "
                                                  "works.", "ok"),
                                   self.model.refresh_id(pid), self.load_person()))

    def revoke_card(self) -> None:
        card = self.current.get("card")
        pid = self.person_id()
        if card is None or pid is None:
            return
        self.admin.run(lambda s: cards.revoke_card(s, card_id=card.id, actor=self.admin.actor,
                                                   staff_id=self.admin.staff_id),
                       lambda _c: (self.admin.say("Card revoked.", "ok"),
                                   self.model.refresh_id(pid), self.load_person()))

    def card_sheet(self, which: str) -> None:
        pid = self.person_id()
        hid = self.current["household"].id if self.current else None
        if which != "all" and pid is None:
            self.admin.say("Choose a person in the list first.")
            return
        path = self.admin.ask_save_path("cards.pdf", "PDF (*.pdf)")
        if not path:
            return
        self.admin.card_sheet(path, person_id=pid if which == "person" else None,
                              household_id=hid if which == "household" else None,
                              everyone_without=which == "all")

    def subject_access(self) -> None:
        pid = self.person_id()
        if pid is None:
            self.admin.say("Choose a person in the list first.")
            return
        if self.admin.role != Role.manager.value:
            self.admin.say("Subject access exports are for managers.")
            return
        path = self.admin.ask_save_path(f"person-{pid}.xlsx", "Excel workbook (*.xlsx)")
        if path:
            self.admin.subject_access(pid, path)

    def forget(self, how: str) -> None:
        pid = self.person_id()
        if pid is None:
            self.admin.say("Choose a person in the list first.")
            return
        if self.admin.role != Role.manager.value:
            self.admin.say("Only a manager can erase someone or record a withdrawal.")
            return
        if not self.admin.confirm(
                "Erase this person?" if how == "erase" else "Record that consent was withdrawn?",
                "Their name and details are removed for good; the visits they made stay in "
                "past totals, without a name. This cannot be undone."):
            return
        self.admin.forget(pid, how, done=lambda: (self.refresh(), self.clear_editor()))

    def clear_editor(self) -> None:
        self.current = {}
        for field in (self.first, self.last, self.year, self.phone, self.postcode,
                      self.reference):
            field.clear()
        self.members.clear()
        self.history.clear()

    def pair(self) -> tuple[int, int] | None:
        return selected_id(self.dupe_view)

    def show_pair(self) -> None:
        pair = self.pair()
        if pair is None:
            return

        def work(s: Session) -> list[str]:
            out = []
            for pid in pair:
                p = s.get(people.Person, pid)
                h = s.get(people.Household, p.household_id)  # type: ignore[union-attr]
                hist = people.person_history(s, pid)
                out.append(f"<b>{p.first_name} {p.last_name}</b> ({p.birth_year or '?'})<br>"  # type: ignore[union-attr]
                           f"Household #{h.id} {h.reference} {h.postcode or ''}<br>"  # type: ignore[union-attr]
                           + "<br>".join(f"{v} {k}" for k, v in hist.items()))
            return out

        self.admin.run(work, lambda texts: (self.left.setText(texts[0]),
                                            self.right.setText(texts[1])))

    def merge_pair(self) -> None:
        pair = self.pair()
        if pair is None:
            self.admin.say("Choose a pair in the list first.")
            return
        keep, gone = pair
        self.admin.run(
            lambda s: people.merge_people(s, keep_id=keep, merge_id=gone,
                                          actor=self.admin.actor, staff_id=self.admin.staff_id),
            lambda _p: (self.admin.say("Merged: all history now belongs to one record.", "ok"),
                        self.left.clear(), self.right.clear(), self.refresh()),
            progress="Merging records…")

    def dismiss_pair(self) -> None:
        pair = self.pair()
        if pair is not None:
            self.dismissed.add(pair)
            self._show_dupes([people.DuplicatePair(r[0][0], r[0][1], r[1], r[2], r[3])
                              for r in self.dupes.rows])


# --- Timetable ---------------------------------------------------------------------------


class TimetablePage(Page):
    title = "Timetable"
    roles = (Role.staff.value, Role.manager.value)

    def __init__(self, admin: Admin) -> None:
        super().__init__(admin)
        self.setObjectName("timetablePage")
        lay = QGridLayout(self)
        # Sites
        self.sites = RowsModel(["Site", "Slug (for --site)"])
        lay.addWidget(QLabel("Sites"), 0, 0)
        lay.addWidget(table(self.sites, "sitesTable"), 1, 0)
        row = QHBoxLayout()
        self.site_name = line("newSiteName", "New site's name")
        self.add_site = push("Add site", "addSite")
        row.addWidget(self.site_name)
        row.addWidget(self.add_site)
        lay.addLayout(row, 2, 0)
        # Services
        self.services = RowsModel(["Service", "Sensitive"])
        self.services_view = table(self.services, "servicesTable")
        lay.addWidget(QLabel("Services (a sensitive one is never named on the kiosk after "
                             "sign-in)"), 0, 1)
        lay.addWidget(self.services_view, 1, 1)
        row = QHBoxLayout()
        self.service_name = line("newServiceName", "New service's name")
        self.service_sensitive = QCheckBox("Sensitive")
        self.service_sensitive.setObjectName("newServiceSensitive")
        self.add_service = push("Add service", "addService")
        self.toggle_sensitive = push("Switch sensitive on/off", "toggleSensitive")
        for w in (self.service_name, self.service_sensitive, self.add_service,
                  self.toggle_sensitive):
            row.addWidget(w)
        lay.addLayout(row, 2, 1)
        # Weekly sessions
        self.slots = RowsModel(["Site", "Day", "From", "To", "Service"])
        self.slots_view = table(self.slots, "slotsTable")
        lay.addWidget(QLabel("Weekly sessions"), 3, 0, 1, 2)
        lay.addWidget(self.slots_view, 4, 0, 1, 2)
        row = QHBoxLayout()
        self.slot_site, self.slot_service = QComboBox(), QComboBox()
        self.slot_site.setObjectName("slotSite")
        self.slot_service.setObjectName("slotService")
        self.slot_day = QComboBox()
        self.slot_day.setObjectName("slotDay")
        self.slot_day.addItems(WEEKDAYS)
        self.slot_start, self.slot_end = QTimeEdit(QTime(10, 0)), QTimeEdit(QTime(12, 0))
        self.slot_start.setObjectName("slotStart")
        self.slot_end.setObjectName("slotEnd")
        self.add_slot = push("Add weekly session", "addSlot")
        self.remove_slot = push("End selected session", "removeSlot")
        for w in (self.slot_site, self.slot_service, self.slot_day, self.slot_start,
                  self.slot_end, self.add_slot, self.remove_slot):
            row.addWidget(w)
        lay.addLayout(row, 5, 0, 1, 2)
        # One-off sessions and closures
        row = QHBoxLayout()
        self.one_date = QDateEdit(QDate.currentDate())
        self.one_date.setObjectName("oneOffDate")
        self.one_date.setCalendarPopup(True)
        self.add_one_off = push("Add one-off session on", "addOneOff")
        self.closure_reason = line("closureReason", "Reason (e.g. bank holiday)")
        self.add_closure = push("Close the site that day", "addClosure")
        for w in (self.add_one_off, self.one_date, self.closure_reason, self.add_closure):
            row.addWidget(w)
        lay.addLayout(row, 6, 0, 1, 2)
        self.add_site.clicked.connect(self.new_site)
        self.add_service.clicked.connect(self.new_service)
        self.toggle_sensitive.clicked.connect(self.switch_sensitive)
        self.add_slot.clicked.connect(self.new_slot)
        self.remove_slot.clicked.connect(self.end_slot)
        self.add_one_off.clicked.connect(self.new_one_off)
        self.add_closure.clicked.connect(self.new_closure)

    def refresh(self) -> None:
        def work(s: Session) -> tuple[list[Any], ...]:
            sites = [(x.id, x.name, x.slug) for x in s.exec(select(Site).order_by(col(Site.id)))]
            services = [(x.id, x.name, "yes" if x.sensitive else "")
                        for x in s.exec(select(Service).order_by(col(Service.name)))]
            names = {x[0]: x[1] for x in sites}
            snames = {x[0]: x[1] for x in services}
            today = now_utc().astimezone(LONDON).date()
            slots = [(x.id, names.get(x.site_id, "?"), WEEKDAYS[x.weekday],
                      f"{x.start_time:%H:%M}", f"{x.end_time:%H:%M}", snames.get(x.service_id))
                     for x in s.exec(select(TimetableSlot).order_by(
                         col(TimetableSlot.site_id), col(TimetableSlot.weekday),
                         col(TimetableSlot.start_time)))
                     if x.valid_to is None or x.valid_to >= today]
            return sites, services, slots

        self.admin.run(work, self._show)

    def _show(self, data: tuple[list[Any], ...]) -> None:
        sites, services, slots = data
        self.sites.set_rows(sites)
        self.services.set_rows(services)
        self.slots.set_rows(slots)
        for combo, rows in ((self.slot_site, sites), (self.slot_service, services)):
            combo.clear()
            for r in rows:
                combo.addItem(r[1], r[0])

    def new_site(self) -> None:
        name = self.site_name.text()
        self.admin.run(lambda s: timetable.get_or_create_site(s, name),
                       lambda _x: (self.site_name.clear(), self.refresh()))

    def new_service(self) -> None:
        name, sensitive = self.service_name.text(), self.service_sensitive.isChecked()
        self.admin.run(lambda s: timetable.get_or_create_service(s, name, sensitive),
                       lambda _x: (self.service_name.clear(), self.refresh()))

    def switch_sensitive(self) -> None:
        sid = selected_id(self.services_view)
        if sid is None:
            self.admin.say("Choose a service first.")
            return

        def work(s: Session) -> None:
            service = s.get(Service, sid)
            assert service is not None
            service.sensitive = not service.sensitive
            s.add(service)
            audit.record(s, actor=self.admin.actor, staff_id=self.admin.staff_id,
                         action="service.sensitive", entity="service", entity_id=sid,
                         sensitive=service.sensitive)

        self.admin.run(work, lambda _r: self.refresh())

    def new_slot(self) -> None:
        site, service = self.slot_site.currentData(), self.slot_service.currentData()
        day = self.slot_day.currentIndex()
        start, end = self.slot_start.time().toPython(), self.slot_end.time().toPython()
        if site is None or service is None:
            self.admin.say("Add a site and a service first.")
            return
        self.admin.run(lambda s: timetable.add_slot(
            s, site_id=site, service_id=service, weekday=day, start=start, end=end,
            actor=self.admin.actor), lambda _x: self.refresh())

    def end_slot(self) -> None:
        sid = selected_id(self.slots_view)
        if sid is None:
            self.admin.say("Choose a weekly session first.")
            return

        def work(s: Session) -> None:
            slot = s.get(TimetableSlot, sid)
            assert slot is not None
            slot.valid_to = now_utc().astimezone(LONDON).date() - dt.timedelta(days=1)
            s.add(slot)
            audit.record(s, actor=self.admin.actor, staff_id=self.admin.staff_id,
                         action="timetable.end", entity="timetable_slot", entity_id=sid)

        self.admin.run(work, lambda _r: (self.refresh(), self.admin.say(
            "Session taken off the timetable; its past sessions keep their visits.", "ok")))

    def new_one_off(self) -> None:
        site, service = self.slot_site.currentData(), self.slot_service.currentData()
        on = self.one_date.date().toPython()
        start, end = self.slot_start.time().toPython(), self.slot_end.time().toPython()
        self.admin.run(lambda s: timetable.add_one_off(
            s, site_id=site, service_id=service, on=on, start=start, end=end,
            actor=self.admin.actor), lambda _x: self.admin.say(
                f"One-off session added on {on:%a %d %b}.", "ok"))

    def new_closure(self) -> None:
        site = self.slot_site.currentData()
        on = self.one_date.date().toPython()
        reason = self.closure_reason.text()
        self.admin.run(lambda s: timetable.add_closure(s, site_id=site, on=on, reason=reason,
                                                       actor=self.admin.actor),
                       lambda _x: self.admin.say(f"Closed on {on:%a %d %b}.", "ok"))


# --- Referrals ---------------------------------------------------------------------------


class ReferralsPage(Page):
    title = "Referrals"
    roles = (Role.staff.value, Role.manager.value)

    def __init__(self, admin: Admin) -> None:
        super().__init__(admin)
        self.setObjectName("referralsPage")
        lay = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.status = QComboBox()
        self.status.setObjectName("referralStatusFilter")
        self.status.addItem("Any status", None)
        for st in ReferralStatus:
            self.status.addItem(st.value, st.value)
        self.partner = QComboBox()
        self.partner.setObjectName("referralPartnerFilter")
        self.partner.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.start = QDateEdit(QDate.currentDate().addMonths(-6))
        self.start.setObjectName("referralFrom")
        self.end = QDateEdit(QDate.currentDate())
        self.end.setObjectName("referralTo")
        for w in (self.start, self.end):
            w.setCalendarPopup(True)
        for w in (QLabel("Status"), self.status, QLabel("Partner"), self.partner,
                  QLabel("From"), self.start, QLabel("to"), self.end):
            filters.addWidget(w)
        filters.addStretch(1)
        lay.addLayout(filters)
        today = str(now_utc().astimezone(LONDON).date())
        self.model = RowsModel(
            ["Made", "Person", "Partner", "Reason", "Status", "Follow up", "Outcome"],
            highlight=lambda r: bool(r[6]) and r[6] <= today and r[5] in ("made", "accepted"))
        self.view = table(self.model, "referralsTable")
        lay.addWidget(self.view, 1)
        edit = QHBoxLayout()
        self.new_status = QComboBox()
        self.new_status.setObjectName("referralNewStatus")
        for st in ReferralStatus:
            self.new_status.addItem(st.value, st.value)
        self.outcome = line("referralOutcome", "Outcome note")
        self.update = push("Update referral", "updateReferral")
        for w in (self.new_status, self.outcome, self.update):
            edit.addWidget(w)
        lay.addLayout(edit)
        partners = QHBoxLayout()
        self.partner_name = line("newPartnerName", "New partner organisation")
        self.partner_name.setMinimumWidth(280)
        self.add_partner = push("Add partner", "addPartner")
        # The partner chosen in the filter above comes off the kiosk's list (it closed, or
        # takes no more referrals) or goes back on; its referrals stay.
        self.partner_active = push("Take off the kiosk's list", "partnerActive")
        self.partner_active.setEnabled(False)
        partners.addWidget(self.partner_name)
        partners.addWidget(self.add_partner)
        partners.addStretch(1)
        partners.addWidget(self.partner_active)
        lay.addLayout(partners)
        for w in (self.status, self.partner):
            w.currentIndexChanged.connect(self.reload)
        for d in (self.start, self.end):
            d.dateChanged.connect(self.reload)
        self.update.clicked.connect(self.save)
        self.add_partner.clicked.connect(self.new_partner)
        self.partner.currentIndexChanged.connect(self._partner_chosen)
        self.partner_active.clicked.connect(self.toggle_partner)
        self._active: dict[int, bool] = {}

    def refresh(self) -> None:
        def work(s: Session) -> list[tuple[int, str, bool]]:
            return [(p.id, p.name, p.active) for p in s.exec(  # type: ignore[misc]
                select(ReferralPartner).order_by(col(ReferralPartner.name)))]

        def show(partners: list[tuple[int, str, bool]]) -> None:
            current = self.partner.currentData()
            self.partner.blockSignals(True)
            self.partner.clear()
            self.partner.addItem("Any partner", None)
            for pid, name, active in partners:
                self.partner.addItem(name if active else f"{name} (off the list)", pid)
            self._active = {pid: active for pid, _name, active in partners}
            if current is not None:
                self.partner.setCurrentIndex(max(0, self.partner.findData(current)))
            self.partner.blockSignals(False)
            self._partner_chosen()
            self.reload()

        self.admin.run(work, show)

    def _partner_chosen(self) -> None:
        pid = self.partner.currentData()
        self.partner_active.setEnabled(pid is not None)
        self.partner_active.setText("Put back on the kiosk's list"
                                    if pid is not None and not self._active.get(pid, True)
                                    else "Take off the kiosk's list")

    def toggle_partner(self) -> None:
        pid = self.partner.currentData()
        if pid is None:
            self.admin.say("Choose a partner in the Partner list first.")
            return
        active = not self._active.get(pid, True)
        name = self.partner.currentText().removesuffix(" (off the list)")

        def work(s: Session) -> bool:
            return referrals.set_partner_active(s, partner_id=pid, active=active,
                                                actor=self.admin.actor,
                                                staff_id=self.admin.staff_id).active

        self.admin.run(work, lambda now: (self.refresh(), self.admin.say(
            f"{name} is back on the kiosk's list." if now else
            f"{name} is off the kiosk's list: staff can no longer refer to it. "
            "Its referrals are kept.", "ok")))

    def reload(self) -> None:
        status, partner = self.status.currentData(), self.partner.currentData()
        start, end = self.start.date().toPython(), self.end.date().toPython()

        def work(s: Session) -> list[tuple[Any, ...]]:
            sql = ("SELECT r.id, r.local_date, p.first_name || ' ' || p.last_name, rp.name, "
                   "r.reason, r.status, r.follow_up_on, r.outcome_note FROM referral r "
                   "JOIN person p ON p.id = r.person_id "
                   "JOIN referral_partner rp ON rp.id = r.partner_id "
                   "WHERE r.local_date BETWEEN :a AND :b")
            params: dict[str, Any] = {"a": start, "b": end}
            if status:
                sql += " AND r.status = :st"
                params["st"] = status
            if partner:
                sql += " AND r.partner_id = :pa"
                params["pa"] = partner
            rows = s.execute(text(sql + " ORDER BY r.local_date DESC, r.id DESC"), params)
            return [(r[0], str(r[1]), r[2], r[3], r[4], r[5], str(r[6] or ""), r[7])
                    for r in rows]

        self.admin.run(work, self.model.set_rows)

    def save(self) -> None:
        rid = selected_id(self.view)
        if rid is None:
            self.admin.say("Choose a referral in the list first.")
            return
        status, note = self.new_status.currentData(), self.outcome.text()

        def work(s: Session) -> tuple[Any, ...]:
            r = referrals.update_referral(s, referral_id=rid, status=status,
                                          outcome_note=note or None, actor=self.admin.actor,
                                          staff_id=self.admin.staff_id)
            return r.id, r.status

        self.admin.run(work, lambda _r: (self.outcome.clear(), self.reload(),
                                         self.admin.say("Referral updated.", "ok")))

    def new_partner(self) -> None:
        name = self.partner_name.text()
        self.admin.run(lambda s: referrals.get_or_create_partner(s, name),
                       lambda _p: (self.partner_name.clear(), self.refresh()))


# --- Feedback inbox ------------------------------------------------------------------------


class FeedbackPage(Page):
    title = "Feedback"

    def __init__(self, admin: Admin) -> None:
        super().__init__(admin)
        self.setObjectName("feedbackPage")
        lay = QVBoxLayout(self)
        self.model = RowsModel(["Date", "Topic", "Message", "From", "Status", "Reply"],
                               highlight=lambda r: r[5] == FeedbackStatus.new.value)
        self.view = table(self.model, "feedbackTable")
        lay.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.status = QComboBox()
        self.status.setObjectName("feedbackNewStatus")
        for st in FeedbackStatus:
            self.status.addItem(st.value, st.value)
        self.reply = line("feedbackReply", "Reply note (what was done)")
        self.update = push("Update", "updateFeedback")
        for w in (self.status, self.reply, self.update):
            row.addWidget(w)
        lay.addLayout(row)
        self.update.clicked.connect(self.save)

    def refresh(self) -> None:
        def work(s: Session) -> list[tuple[Any, ...]]:
            out = []
            for f in s.exec(select(Feedback).order_by(col(Feedback.id).desc())):
                who = f.given_name or ("a known visitor" if f.person_id else "anonymous")
                out.append((f.id, f.created_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M"),
                            f.topic, f.text, who, f.status, f.reply_note))
            return out

        self.admin.run(work, self.model.set_rows)

    def save(self) -> None:
        fid = selected_id(self.view)
        if fid is None:
            self.admin.say("Choose a message first.")
            return
        status, reply = self.status.currentData(), self.reply.text()
        self.admin.run(lambda s: feedback.update_feedback(
            s, feedback_id=fid, status=status, reply_note=reply or None,
            actor=self.admin.actor, staff_id=self.admin.staff_id),
            lambda _r: (self.reply.clear(), self.refresh()))


# --- Reports ---------------------------------------------------------------------------------


class ReportsPage(Page):
    title = "Reports"
    roles = (Role.staff.value, Role.manager.value)

    def __init__(self, admin: Admin) -> None:
        super().__init__(admin)
        self.setObjectName("reportsPage")
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.kind = QComboBox()
        self.kind.setObjectName("periodKind")
        self.kind.addItems(["Month", "Quarter", "Year", "Custom"])
        today = QDate.currentDate()
        self.start = QDateEdit(QDate(today.year(), today.month(), 1))
        self.start.setObjectName("reportFrom")
        self.end = QDateEdit(today)
        self.end.setObjectName("reportTo")
        for d in (self.start, self.end):
            d.setCalendarPopup(True)
            d.setDisplayFormat("dd/MM/yyyy")
        self.site, self.service = QComboBox(), QComboBox()
        for combo in (self.site, self.service):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.site.setObjectName("reportSite")
        self.service.setObjectName("reportService")
        self.run_button = push("Count", "runReport")
        self.export = push("Export tally (Excel)…", "exportTally")
        for w in (QLabel("Period"), self.kind, self.start, QLabel("to"), self.end,
                  QLabel("Site"), self.site, QLabel("Service"), self.service, self.run_button,
                  self.export):
            bar.addWidget(w)
        bar.addStretch(1)
        lay.addLayout(bar)
        split = QSplitter()
        left = QWidget()
        ll = QVBoxLayout(left)
        self.figures = RowsModel(["Figure", "Number"])
        self.figures_view = table(self.figures, "reportFigures", sortable=False)
        ll.addWidget(self.figures_view, 1)
        self.breakdown = QComboBox()
        self.breakdown.setObjectName("breakdownKind")
        self.breakdown.addItems(["By service", "By site", "By age band", "By postcode district",
                                 "Referrals by partner and status", "New and returning"])
        ll.addWidget(self.breakdown)
        self.rows = RowsModel(["Row", "Families", "Individuals", "Visits"])
        self.rows_view = table(self.rows, "reportBreakdown")
        ll.addWidget(self.rows_view, 2)
        split.addWidget(left)
        right = QWidget()
        rl = QVBoxLayout(right)
        self.chart = BarChart("reportChart")
        rl.addWidget(self.chart, 2)
        self.rules = QPlainTextEdit(plain_rules())
        self.rules.setObjectName("countingRules")
        self.rules.setReadOnly(True)
        rl.addWidget(self.rules, 1)
        split.addWidget(right)
        lay.addWidget(split, 1)
        self.report: Report | None = None
        self.kind.currentIndexChanged.connect(self._snap)
        self.start.dateChanged.connect(self._snap)
        self.run_button.clicked.connect(self.count)
        self.breakdown.currentIndexChanged.connect(self._show_breakdown)
        self.export.clicked.connect(self.export_tally)

    def _snap(self) -> None:
        """Month / quarter / year: the end date follows the start."""
        kind = self.kind.currentText()
        if kind == "Custom":
            return
        d = self.start.date()
        if kind == "Month":
            first = QDate(d.year(), d.month(), 1)
            last = first.addMonths(1).addDays(-1)
        elif kind == "Quarter":
            first = QDate(d.year(), 3 * ((d.month() - 1) // 3) + 1, 1)
            last = first.addMonths(3).addDays(-1)
        else:
            first, last = QDate(d.year(), 1, 1), QDate(d.year(), 12, 31)
        self.start.blockSignals(True)
        self.start.setDate(first)
        self.start.blockSignals(False)
        self.end.setDate(last)

    def refresh(self) -> None:
        def work(s: Session) -> tuple[list[Any], list[Any]]:
            return ([(x.id, x.name) for x in s.exec(select(Site).order_by(col(Site.name)))],
                    [(x.id, x.name) for x in s.exec(select(Service).order_by(col(Service.name)))])

        def show(data: tuple[list[Any], list[Any]]) -> None:
            for combo, rows, everything in ((self.site, data[0], "All sites"),
                                            (self.service, data[1], "All services")):
                combo.clear()
                combo.addItem(everything, None)
                for i, name in rows:
                    combo.addItem(name, i)
            self.count()

        self.admin.run(work, show)

    def period(self) -> Period:
        return Period(self.start.date().toPython(), self.end.date().toPython())

    def filters(self) -> Filters:
        return Filters(site_id=self.site.currentData(), service_id=self.service.currentData())

    def count(self) -> None:
        try:
            period = self.period()
        except Refused as exc:  # the end before the start
            self.admin.failed(exc)
            return
        filters = self.filters()

        def work(s: Session) -> Report:
            rep = report(s, period, filters)
            audit.record(s, actor=self.admin.actor, staff_id=self.admin.staff_id,
                         action="report.view", entity="report", start=period.start,
                         end=period.end, site=filters.site_id, service=filters.service_id)
            return rep

        self.admin.run(work, self.show)

    def show(self, rep: Report) -> None:
        self.report = rep
        self.figures.set_rows([
            (1, "Families supported", rep.families),
            (2, "Individuals supported", rep.individuals),
            (3, "Visits (named and anonymous)", rep.visits),
            (4, "Anonymous visits (beside, not inside, the counts)", rep.anonymous_visits),
            (5, "New families", rep.new_families),
            (6, "New individuals", rep.new_individuals),
            (7, "Referrals made", rep.referrals.total),
            (8, "People referred", rep.referrals.people),
        ])
        self._show_breakdown()

    def _show_breakdown(self) -> None:
        rep = self.report
        if rep is None:
            return
        kind = self.breakdown.currentIndex()
        headers = ["Row", "Families", "Individuals", "Visits"]
        rows: list[tuple[Any, ...]]
        if kind <= 3:
            source = [rep.by_service, rep.by_site, rep.by_age_band, rep.by_district][kind]
            rows = [(k, k, v.families, v.individuals, v.visits) for k, v in source.items()]
        elif kind == 4:
            headers = ["Partner", "Status", "Referrals", ""]
            rows = [(f"{p}/{st}", p, st, n, "")
                    for p, sts in rep.referrals.by_partner_status.items()
                    for st, n in sts.items()]
        else:
            rows = [("new", "New", rep.new_families, rep.new_individuals, ""),
                    ("returning", "Returning", rep.returning_families,
                     rep.returning_individuals, "")]
        self.rows.headers = headers
        self.rows.set_rows(rows)
        shown = rows[:12]
        self.chart.fill(f"{self.breakdown.currentText()}: individuals (each row distinct; "
                        "rows do not add up to the total)",
                        [str(r[1])[:18] for r in shown],
                        [("Individuals", [r[3] if isinstance(r[3], int) else 0
                                          for r in shown])], legend=False)

    def export_tally(self) -> None:
        if self.admin.role != Role.manager.value:
            self.admin.say("Exports are for managers.")
            return
        path = self.admin.ask_save_path("tally.xlsx", "Excel workbook (*.xlsx)")
        if path:
            self.admin.export_tally(path, self.period(), self.filters())


# --- Staff, settings and the audit log ----------------------------------------------------


class StaffPage(Page):
    title = "Staff"
    roles = (Role.manager.value,)

    def __init__(self, admin: Admin) -> None:
        super().__init__(admin)
        self.setObjectName("staffPage")
        lay = QVBoxLayout(self)
        self.model = RowsModel(["Name", "Role", "Active", "Locked until"])
        self.view = table(self.model, "staffTable")
        lay.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.name = line("newStaffName", "Name")
        self.role = QComboBox()
        self.role.setObjectName("newStaffRole")
        for r in Role:
            self.role.addItem(r.value, r.value)
        self.pin = line("newStaffPin", "PIN (4-12 digits)")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.add = push("Add", "addStaff")
        self.reset_pin = push("Set selected user's PIN", "resetPin")
        self.active = push("Switch active on/off", "toggleActive")
        for w in (self.name, self.role, self.pin, self.add, self.reset_pin, self.active):
            row.addWidget(w)
        lay.addLayout(row)
        self.add.clicked.connect(self.new_user)
        self.reset_pin.clicked.connect(self.set_pin)
        self.active.clicked.connect(self.toggle)

    def refresh(self) -> None:
        def work(s: Session) -> list[tuple[Any, ...]]:
            return [(u.id, u.name, u.role, "yes" if u.active else "no",
                     u.locked_until.astimezone(LONDON).strftime("%H:%M") if u.locked_until
                     else "") for u in s.exec(select(StaffUser).order_by(col(StaffUser.name)))]

        self.admin.run(work, self.model.set_rows)

    def new_user(self) -> None:
        name, role, pin = self.name.text(), self.role.currentData(), self.pin.text()
        self.pin.clear()
        self.admin.run(lambda s: staff.create_staff(s, name=name, role=role, pin=pin,
                                                    actor=self.admin.actor),
                       lambda _u: (self.name.clear(), self.refresh(),
                                   self.admin.say(f"{name} can now use their PIN.", "ok")))

    def set_pin(self) -> None:
        uid = selected_id(self.view)
        pin = self.pin.text()
        self.pin.clear()
        if uid is None:
            self.admin.say("Choose a user first.")
            return
        self.admin.run(lambda s: staff.reset_pin(s, staff_id=uid, pin=pin,
                                                 actor=self.admin.actor),
                       lambda _r: (self.refresh(), self.admin.say("PIN changed.", "ok")))

    def toggle(self) -> None:
        uid = selected_id(self.view)
        if uid is None:
            return

        def work(s: Session) -> None:
            user = s.get(StaffUser, uid)
            assert user is not None
            if user.id == self.admin.staff_id:
                from schema.errors import Refused

                raise Refused("you cannot switch yourself off")
            user.active = not user.active
            s.add(user)
            audit.record(s, actor=self.admin.actor, staff_id=self.admin.staff_id,
                         action="staff.active", entity="staff_user", entity_id=uid,
                         active=user.active)

        self.admin.run(work, lambda _r: self.refresh())


class SettingsPage(Page):
    title = "Settings"
    roles = (Role.manager.value,)

    def __init__(self, admin: Admin) -> None:
        super().__init__(admin)
        self.setObjectName("settingsPage")
        form = QFormLayout(self)
        self.retention = QSpinBox()
        self.retention.setObjectName("retentionMonths")
        self.retention.setRange(6, 120)
        self.retention.setSuffix(" months without support")
        self.version = line("noticeVersion", "Version, e.g. 2026-01")
        self.notice = QPlainTextEdit()
        self.notice.setObjectName("noticeText")
        self.notice.setAccessibleName("Privacy notice text")
        self.postcode = QCheckBox("Ask for a postcode")
        self.postcode.setObjectName("collectPostcode")
        self.phone = QCheckBox("Ask for a phone number")
        self.phone.setObjectName("collectPhone")
        self.kiosks = QLabel()
        self.kiosks.setObjectName("kioskSites")
        self.kiosks.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save = push("Save settings", "saveSettings")
        self.purge_check = push("Who is past the retention period?", "purgeDryRun")
        self.purge_now = push("Anonymise them now", "purgeNow")
        form.addRow("Keep people's details for", self.retention)
        form.addRow("Privacy notice version", self.version)
        form.addRow("Privacy notice", self.notice)
        form.addRow("On the kiosk", self.postcode)
        form.addRow("", self.phone)
        form.addRow("Kiosks", self.kiosks)
        form.addRow(self.save)
        purge_row = QHBoxLayout()
        purge_row.addWidget(self.purge_check)
        purge_row.addWidget(self.purge_now)
        form.addRow("Retention", purge_row)
        self.save.clicked.connect(self.store)
        self.purge_check.clicked.connect(lambda: self.purge(dry_run=True))
        self.purge_now.clicked.connect(lambda: self.purge(dry_run=False))

    def refresh(self) -> None:
        def work(s: Session) -> tuple[dict[str, str], list[tuple[str, str]]]:
            return get_settings(s), [(x.name, x.slug) for x in s.exec(select(Site))]

        def show(data: tuple[dict[str, str], list[tuple[str, str]]]) -> None:
            values, sites = data
            self.retention.setValue(int(values["retention_months"]))
            self.version.setText(values["privacy_notice_version"])
            self.notice.setPlainText(values["privacy_notice_text"])
            self.postcode.setChecked(values["collect_postcode"] == "yes")
            self.phone.setChecked(values["collect_phone"] == "yes")
            self.kiosks.setText("Start each room's kiosk with its site:<br>" + "<br>".join(
                f"{name}: <code>dropin-kiosk --site {slug}</code>" for name, slug in sites))

        self.admin.run(work, show)

    def store(self) -> None:
        values = {
            "retention_months": str(self.retention.value()),
            "privacy_notice_version": self.version.text(),
            "privacy_notice_text": self.notice.toPlainText(),
            "collect_postcode": "yes" if self.postcode.isChecked() else "no",
            "collect_phone": "yes" if self.phone.isChecked() else "no",
        }

        def work(s: Session) -> None:
            current = get_settings(s)
            for key, value in values.items():
                if current.get(key) != value:
                    set_setting(s, key=key, value=value, actor=self.admin.actor,
                                staff_id=self.admin.staff_id)

        self.admin.run(work, lambda _r: self.admin.say(
            "Settings saved. Kiosks pick them up when they next start.", "ok"))


    def purge(self, *, dry_run: bool) -> None:
        from schema.privacy import purge

        if not dry_run and not self.admin.confirm(
                "Anonymise everyone past the retention period?",
                "Their names and details go; past totals stay exactly the same."):
            return

        def done(ids: list[int]) -> None:
            if dry_run:
                self.admin.say(f"{len(ids)} people have not been supported for "
                               f"{self.retention.value()} months." if ids else
                               "Nobody is past the retention period.")
            else:
                self.admin.say(f"{len(ids)} people anonymised; past totals are unchanged.",
                               "ok")

        self.admin.run(lambda s: purge(s, actor=self.admin.actor, staff_id=self.admin.staff_id,
                                       dry_run=dry_run), done,
                       progress="" if dry_run else "Anonymising…")


class AuditPage(Page):
    title = "Audit log"
    roles = (Role.manager.value,)

    def __init__(self, admin: Admin) -> None:
        super().__init__(admin)
        self.setObjectName("auditPage")
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.action = line("auditAction", "Action contains (e.g. merge, export, person.view)")
        self.start = QDateEdit(QDate.currentDate().addMonths(-1))
        self.start.setObjectName("auditFrom")
        self.end = QDateEdit(QDate.currentDate())
        self.end.setObjectName("auditTo")
        for d in (self.start, self.end):
            d.setCalendarPopup(True)
        for w in (self.action, QLabel("From"), self.start, QLabel("to"), self.end):
            row.addWidget(w)
        lay.addLayout(row)
        self.model = RowsModel(["When", "Who", "Action", "Record", "Id", "Detail"])
        self.view = table(self.model, "auditTable")
        lay.addWidget(self.view, 1)
        self.action.textChanged.connect(self.refresh)
        self.start.dateChanged.connect(self.refresh)
        self.end.dateChanged.connect(self.refresh)

    def refresh(self) -> None:
        action = self.action.text().strip()
        start = dt.datetime.combine(self.start.date().toPython(), dt.time(), tzinfo=LONDON)
        end = dt.datetime.combine(self.end.date().toPython() + dt.timedelta(days=1), dt.time(),
                                  tzinfo=LONDON)

        def work(s: Session) -> list[tuple[Any, ...]]:
            return [(i, at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S"), who, act, ent,
                     eid or "", detail)
                    for i, (at, who, act, ent, eid, detail) in enumerate(
                        audit.list_events(s, action=action, start=start, end=end))]

        self.admin.run(work, self.model.set_rows)


PAGES: list[type[Page]] = [DashboardPage, PeoplePage, TimetablePage, ReferralsPage, FeedbackPage,
                           ReportsPage, StaffPage, SettingsPage, AuditPage]


def save_path(parent: QWidget, suggested: str, filter_: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Save as", suggested, filter_)
    return path


Callback = Callable[[Any], None]
