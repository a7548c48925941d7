"""The admin window, driven with qtbot on a fresh demo database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QTableView
from sqlalchemy import text
from sqlalchemy.engine import Engine

from admin.app import Admin
from admin.models import LazyPeopleModel, RowsModel
from admin.pages import (
    AuditPage,
    DashboardPage,
    FeedbackPage,
    PeoplePage,
    ReferralsPage,
    ReportsPage,
    SettingsPage,
    StaffPage,
    TimetablePage,
)
from schema.counting import Period, report
from schema.db import make_engine, read_session
from schema.demo import load_demo
from schema.migrate import upgrade
from schema.referrals import active_partners

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, made once and copied for each test."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    load_demo(engine, seed=3, today=TODAY)
    engine.dispose()
    return path


@pytest.fixture
def engine(demo_template: Path, tmp_path: Path) -> Iterator[Engine]:
    import sqlite3

    target = tmp_path / "admin.sqlite3"
    src, dst = sqlite3.connect(demo_template), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    eng = make_engine(f"sqlite:///{target}")
    yield eng
    eng.dispose()


@pytest.fixture
def admin(qtbot, engine: Engine) -> Iterator[Admin]:
    a = Admin(QApplication.instance(), engine)
    qtbot.addWidget(a.w)
    a.w.show()
    qtbot.waitUntil(lambda: a.w.login.user.count() == 3)
    yield a
    a.shutdown()


def sign_in(qtbot, a: Admin, name: str = "Manager", pin: str = "1234",
            ok: bool = True) -> None:
    a.w.login.user.setCurrentIndex(a.w.login.user.findText(name))
    qtbot.keyClicks(a.w.login.pin, pin)
    qtbot.mouseClick(a.w.login.button, Qt.MouseButton.LeftButton)
    if ok:
        qtbot.waitUntil(lambda: a.w.top.currentIndex() == 1 and a.w.nav.count() > 0)


def rows(view: QTableView) -> list[list[str]]:
    m = view.model()
    return [[m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())]


def test_sign_in_roles_and_wrong_pin(qtbot, admin: Admin) -> None:
    sign_in(qtbot, admin, "Manager", "9999", ok=False)
    qtbot.waitUntil(lambda: "PIN is not right" in admin.w.message.text())
    assert admin.w.top.currentIndex() == 0
    sign_in(qtbot, admin, "Volunteer", "1357")
    qtbot.waitUntil(lambda: admin.w.top.currentIndex() == 1)
    titles = [admin.w.nav.item(i).text() for i in range(admin.w.nav.count())]
    assert titles == ["Dashboard", "Feedback"]  # no people, referrals, exports or staff
    qtbot.mouseClick(admin.w.sign_out, Qt.MouseButton.LeftButton)
    assert admin.w.top.currentIndex() == 0
    sign_in(qtbot, admin)
    qtbot.waitUntil(lambda: admin.w.nav.count() == 9)


def test_locks_after_idle(qtbot, admin: Admin) -> None:
    sign_in(qtbot, admin)
    qtbot.waitUntil(lambda: admin.w.top.currentIndex() == 1)
    admin.idle.set_seconds(0.3)
    qtbot.waitUntil(lambda: admin.w.top.currentIndex() == 0, timeout=3000)
    assert admin.staff_id is None


def test_every_page_opens_and_every_model_passes_the_model_tester(
        qtbot, qtmodeltester, admin: Admin) -> None:
    sign_in(qtbot, admin)
    qtbot.waitUntil(lambda: admin.w.nav.count() == 9)
    for row in range(admin.w.nav.count()):
        admin.w.nav.setCurrentRow(row)
        qtbot.wait(50)
    qtbot.waitUntil(admin.runner.idle, timeout=10000)
    qtbot.wait(100)
    tested = 0
    for view in admin.w.findChildren(QTableView):
        model = view.model()
        source = model.sourceModel() if hasattr(model, "sourceModel") else model
        if isinstance(source, RowsModel | LazyPeopleModel):
            qtmodeltester.check(source, force_py=True)
            tested += 1
    assert tested >= 10
    assert admin.w.message.isHidden() or "went wrong" not in admin.w.message.text()


def test_dashboard_figures_match_the_core(qtbot, admin: Admin, engine: Engine) -> None:
    sign_in(qtbot, admin)
    page = admin.page(DashboardPage)
    qtbot.waitUntil(lambda: page.tiles["families"].text() != "", timeout=10000)
    today = dt.datetime.now(dt.UTC).date()
    with read_session(engine) as s:
        now = report(s, Period.month(today.year, today.month))
    assert page.tiles["families"].text().startswith(f"{now.families} ")
    assert page.tiles["individuals"].text().startswith(f"{now.individuals} ")
    assert page.chart.chart().series()[0].barSets()[0].count() == 12


def test_people_search_edit_move_and_card(qtbot, admin: Admin, engine: Engine) -> None:
    sign_in(qtbot, admin)
    page = admin.go(PeoplePage)
    with read_session(engine) as s:
        first, last, pid = s.execute(text(
            "SELECT first_name, last_name, id FROM person WHERE birth_year < 1990 "
            "ORDER BY id LIMIT 1")).one()
    qtbot.keyClicks(page.search, f"{first} {last}")
    qtbot.waitUntil(lambda: page.model.rowCount() >= 1)
    assert page.model.row_id(0) == pid
    page.view.setCurrentIndex(page.model.index(0, 0))
    qtbot.waitUntil(lambda: page.first.text() == first)
    page.phone.setText("not a phone")
    qtbot.mouseClick(page.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "phone number" in admin.w.message.text())
    page.phone.setText("07700 900123")
    page.last.setText(last + "-Smith")
    qtbot.mouseClick(page.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: admin.w.message.text() == "Saved.")
    with read_session(engine) as s:
        assert s.execute(text("SELECT last_name, phone FROM person WHERE id = :p"),
                         {"p": pid}).one() == (last + "-Smith", "07700900123")
        old = s.execute(text("SELECT household_id FROM person WHERE id = :p"),
                        {"p": pid}).scalar()
        visits_before = s.execute(text("SELECT COUNT(*) FROM attendance WHERE person_id = :p "
                                       "AND household_id = :h"), {"p": pid, "h": old}).scalar()
    qtbot.mouseClick(page.move, Qt.MouseButton.LeftButton)  # blank: a household of their own
    qtbot.waitUntil(lambda: "Moved to household" in admin.w.message.text())
    with read_session(engine) as s:
        new = s.execute(text("SELECT household_id FROM person WHERE id = :p"),
                        {"p": pid}).scalar()
        assert new != old
        assert s.execute(text("SELECT COUNT(*) FROM attendance WHERE person_id = :p AND "
                              "household_id = :h"), {"p": pid, "h": old}).scalar() == visits_before
    qtbot.mouseClick(page.issue, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "New card issued" in admin.w.message.text())
    with read_session(engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM card WHERE person_id = :p AND "
                              "revoked_at IS NULL"), {"p": pid}).scalar() == 1
        assert s.execute(text("SELECT COUNT(*) FROM audit_event WHERE action = 'person.view' "
                              "AND entity_id = :p"), {"p": pid}).scalar() >= 1


def test_duplicate_queue_merge_moves_all_history(qtbot, admin: Admin, engine: Engine) -> None:
    sign_in(qtbot, admin)
    page = admin.go(PeoplePage)
    qtbot.waitUntil(lambda: page.dupes.rowCount() >= 3, timeout=10000)
    keep, gone = page.dupes.rows[0][0]
    with read_session(engine) as s:
        def counts(p: int) -> tuple[int, ...]:
            return tuple(s.execute(text(f"SELECT COUNT(*) FROM {t} WHERE person_id = :p"),
                                   {"p": p}).scalar() for t in ("attendance", "referral",
                                                                "card", "consent"))
        before_keep, before_gone = counts(keep), counts(gone)
        year = Period(TODAY - dt.timedelta(days=200), TODAY)
        before = report(s, year)
    page.dupe_view.selectRow(0)
    qtbot.waitUntil(lambda: "<b>" in page.left.text() and "<b>" in page.right.text())
    qtbot.mouseClick(page.merge, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Merged" in admin.w.message.text(), timeout=10000)
    with read_session(engine) as s:
        assert counts(gone) == (0, 0, 0, 0)
        merged = counts(keep)
        assert merged[1:] == tuple(a + b for a, b in zip(before_keep[1:], before_gone[1:],
                                                         strict=True))
        assert merged[0] <= before_keep[0] + before_gone[0]
        after = report(s, year)
    # Two records were one person: one fewer individual if both were supported.
    supported = int(before_keep[0] + before_keep[1] > 0) + int(before_gone[0] + before_gone[1] > 0)
    assert after.individuals == before.individuals - (1 if supported == 2 else 0)
    assert after.visits == before.visits - (before_keep[0] + before_gone[0] - merged[0])
    qtbot.waitUntil(lambda: all(r[0] != (keep, gone) for r in page.dupes.rows))


def test_timetable_referrals_feedback_staff_settings_audit(
        qtbot, admin: Admin, engine: Engine) -> None:
    sign_in(qtbot, admin)
    tt = admin.go(TimetablePage)
    qtbot.waitUntil(lambda: tt.services.rowCount() == 7)
    qtbot.keyClicks(tt.service_name, "Baby group")
    qtbot.mouseClick(tt.add_service, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tt.services.rowCount() == 8)
    n_slots = tt.slots.rowCount()
    tt.slot_service.setCurrentIndex(tt.slot_service.findText("Baby group"))
    qtbot.mouseClick(tt.add_slot, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tt.slots.rowCount() == n_slots + 1)

    refs = admin.go(ReferralsPage)
    qtbot.waitUntil(lambda: refs.model.rowCount() > 0)
    everything = refs.model.rowCount()
    refs.status.setCurrentIndex(refs.status.findData("declined"))
    qtbot.waitUntil(lambda: 0 < refs.model.rowCount() < everything)
    assert {r[5] for r in refs.model.rows} == {"declined"}
    refs.status.setCurrentIndex(refs.status.findData("made"))
    qtbot.waitUntil(lambda: {r[5] for r in refs.model.rows} == {"made"})
    refs.view.selectRow(0)
    rid = refs.view.model().index(0, 0).data(Qt.ItemDataRole.UserRole + 2)
    refs.new_status.setCurrentIndex(refs.new_status.findData("completed"))
    qtbot.keyClicks(refs.outcome, "Repairs booked")
    qtbot.mouseClick(refs.update, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Referral updated" in admin.w.message.text())
    with read_session(engine) as s:
        assert s.execute(text("SELECT status, outcome_note FROM referral WHERE id = :r"),
                         {"r": rid}).one() == ("completed", "Repairs booked")

    fb = admin.go(FeedbackPage)
    qtbot.waitUntil(lambda: fb.model.rowCount() > 0)
    fb.view.selectRow(0)
    fid = fb.view.model().index(0, 0).data(Qt.ItemDataRole.UserRole + 2)
    fb.status.setCurrentIndex(fb.status.findData("acted on"))
    qtbot.keyClicks(fb.reply, "Light fixed")
    qtbot.mouseClick(fb.update, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(r[0] == fid and r[5] == "acted on" for r in fb.model.rows))

    st = admin.go(StaffPage)
    qtbot.waitUntil(lambda: st.model.rowCount() == 3)
    qtbot.keyClicks(st.name, "Priya")
    qtbot.keyClicks(st.pin, "12")
    qtbot.mouseClick(st.add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "4 to 12 digits" in admin.w.message.text())
    st.pin.setText("482913")
    qtbot.mouseClick(st.add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: st.model.rowCount() == 4)

    se = admin.go(SettingsPage)
    qtbot.waitUntil(lambda: se.version.text() != "")
    se.retention.setValue(36)
    se.phone.setChecked(False)
    qtbot.mouseClick(se.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Settings saved" in admin.w.message.text())
    with read_session(engine) as s:
        values = dict(s.execute(text("SELECT key, value FROM setting")).all())
    assert values["retention_months"] == "36" and values["collect_phone"] == "no"

    au = admin.go(AuditPage)
    qtbot.keyClicks(au.action, "setting")
    qtbot.waitUntil(lambda: au.model.rowCount() == 2)
    assert {r[3] for r in au.model.rows} == {"setting.change"}


def test_a_partner_comes_off_the_kiosks_list_and_back(qtbot, admin: Admin,
                                                      engine: Engine) -> None:
    """A manager takes a partner that closed off the kiosk's list: staff can no longer
    refer to it, its referrals stay; put back, it is on the list again."""
    sign_in(qtbot, admin)
    refs = admin.go(ReferralsPage)
    qtbot.waitUntil(lambda: refs.partner.findText("Food bank") > 0)
    assert not refs.partner_active.isEnabled()  # "Any partner": nothing to take off
    with read_session(engine) as s:
        pid, made = s.execute(text(
            "SELECT p.id, COUNT(r.id) FROM referral_partner p LEFT JOIN referral r "
            "ON r.partner_id = p.id WHERE p.name = 'Food bank' GROUP BY p.id")).one()
    refs.partner.setCurrentIndex(refs.partner.findText("Food bank"))
    assert refs.partner_active.text() == "Take off the kiosk's list"
    qtbot.mouseClick(refs.partner_active, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "off the kiosk's list" in admin.w.message.text())
    qtbot.waitUntil(lambda: refs.partner.currentText() == "Food bank (off the list)")
    assert refs.partner_active.text() == "Put back on the kiosk's list"
    with read_session(engine) as s:
        assert s.execute(text("SELECT active FROM referral_partner WHERE id = :p"),
                         {"p": pid}).scalar() in (False, 0)
        assert s.execute(text("SELECT COUNT(*) FROM referral WHERE partner_id = :p"),
                         {"p": pid}).scalar() == made
        assert s.execute(text("SELECT COUNT(*) FROM audit_event WHERE action = "
                              "'partner.active'")).scalar() == 1
        assert "Food bank" not in [n for _i, n in active_partners(s)]
    qtbot.mouseClick(refs.partner_active, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "back on the kiosk's list" in admin.w.message.text())
    qtbot.waitUntil(lambda: refs.partner.currentText() == "Food bank")
    with read_session(engine) as s:
        assert "Food bank" in [n for _i, n in active_partners(s)]


def test_reports_page_shows_the_core_figures(qtbot, admin: Admin, engine: Engine) -> None:
    sign_in(qtbot, admin)
    page = admin.go(ReportsPage)
    qtbot.waitUntil(lambda: page.report is not None, timeout=10000)
    page.kind.setCurrentText("Quarter")
    page.start.setDate(page.start.date().fromString("2026-08-01", "yyyy-MM-dd"))
    assert page.end.date().toPython() == dt.date(2026, 9, 30)
    qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.report is not None
                    and page.report.period.start == dt.date(2026, 7, 1))
    with read_session(engine) as s:
        expected = report(s, Period.quarter(2026, 3))
    figures = {r[1]: r[2] for r in page.figures.rows}
    assert figures["Families supported"] == expected.families
    assert figures["Individuals supported"] == expected.individuals
    page.breakdown.setCurrentIndex(2)  # age band
    assert {r[1] for r in page.rows.rows} == set(expected.by_age_band)
    assert "rows do not add up" in page.chart.chart().title()
    page.kind.setCurrentText("Custom")
    page.start.setDate(page.end.date().addDays(1))
    qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "before it starts" in admin.w.message.text())


def test_admin_models_hold_what_they_are_given(qtmodeltester) -> None:
    model = RowsModel(["A", "B"], highlight=lambda r: r[1] == "x")
    model.set_rows([(1, "x", 2), (2, "y", 3)])
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is not None
    model.update_row(2, (2, "z", 4))
    assert model.index(1, 1).data() == "4"
    fetched: list[list[int]] = []

    def fetch(ids: list[int]) -> dict[int, tuple[object, ...]]:
        fetched.append(ids)
        return {i: (f"p{i}", "", "", "", "", "", "") for i in ids}

    lazy = LazyPeopleModel(["a", "b", "c", "d", "e", "f", "g"], fetch)
    lazy.set_ids(list(range(100_000)))
    assert lazy.index(99_999, 0).data() == "p99999"
    assert fetched == [list(range(99_800, 100_000))]  # one block, not 100 000 rows
    assert lazy.rowCount(QModelIndex()) == 100_000


def test_reports_page_exports_the_tally_and_a_card_sheet(qtbot, admin: Admin, tmp_path: Path,
                                                          engine: Engine) -> None:
    import openpyxl

    sign_in(qtbot, admin)
    page = admin.go(ReportsPage)
    qtbot.waitUntil(lambda: page.report is not None, timeout=10000)
    target = tmp_path / "tally.xlsx"
    admin.save_path_provider = lambda _suggested, _filter: str(target)
    qtbot.mouseClick(page.export, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Tally saved" in admin.w.message.text(), timeout=20000)
    book = openpyxl.load_workbook(target)
    assert "Summary" in book.sheetnames and "Notes" in book.sheetnames
    with read_session(engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM audit_event WHERE action = "
                              "'export.tally'")).scalar() == 1
    people = admin.go(PeoplePage)
    qtbot.waitUntil(lambda: people.model.rowCount() > 0)
    sheet = tmp_path / "cards.pdf"
    admin.save_path_provider = lambda _suggested, _filter: str(sheet)
    qtbot.mouseClick(people.sheet_all, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cards on" in admin.w.message.text(), timeout=30000)
    assert sheet.exists() and sheet.read_bytes().startswith(b"%PDF")
    with read_session(engine) as s:
        assert s.execute(text(
            "SELECT COUNT(*) FROM person p WHERE p.merged_into_id IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM card c WHERE c.person_id = p.id AND c.revoked_at IS NULL)")
        ).scalar() == 0


def test_only_managers_export(qtbot, admin: Admin) -> None:
    sign_in(qtbot, admin, "Hub staff", "2468")
    page = admin.go(ReportsPage)
    admin.save_path_provider = lambda *_: pytest.fail("no file should be asked for")
    qtbot.mouseClick(page.export, Qt.MouseButton.LeftButton)
    assert "managers" in admin.w.message.text()


def test_subject_access_erase_and_purge_from_the_window(qtbot, admin: Admin, tmp_path: Path,
                                                        engine: Engine) -> None:
    sign_in(qtbot, admin)
    page = admin.go(PeoplePage)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    page.view.setCurrentIndex(page.model.index(0, 0))
    pid = page.model.row_id(0)
    qtbot.waitUntil(lambda: page.first.text() != "")
    admin.save_path_provider = lambda *_: str(tmp_path / "sar.xlsx")
    qtbot.mouseClick(page.sar, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Everything held" in admin.w.message.text(), timeout=10000)
    assert (tmp_path / "sar.xlsx").exists() and (tmp_path / "sar.json").exists()
    asked: list[str] = []
    admin.confirm_provider = lambda q, _d: asked.append(q) or False
    qtbot.mouseClick(page.erase, Qt.MouseButton.LeftButton)
    assert asked == ["Erase this person?"]
    admin.confirm_provider = lambda *_: True
    qtbot.mouseClick(page.erase, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Erased" in admin.w.message.text(), timeout=10000)
    with read_session(engine) as s:
        assert s.execute(text("SELECT first_name, anonymised_at IS NOT NULL FROM person "
                              "WHERE id = :p"), {"p": pid}).one() == ("", True)
    qtbot.waitUntil(lambda: pid not in page.model.ids)
    settings = admin.go(SettingsPage)
    qtbot.waitUntil(lambda: settings.version.text() != "")
    qtbot.mouseClick(settings.purge_check, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "retention" in admin.w.message.text()
                    or "not been supported" in admin.w.message.text())
