"""The dropin-admin command line: report JSON keys, people, exit codes and messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from admin.cli import main
from tests.helpers import World, local

KEYS = ["from", "to", "families", "individuals", "visits", "anonymous_visits", "new_families",
        "new_individuals", "by_service", "by_site", "referrals"]


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_report_json_has_exactly_the_design_keys(engine, capsys) -> None:
    w = World(engine)
    ann, bob = w.household("Ann", "Bob")
    w.attend([ann, bob], local(2026, 3, 3), site="Burns Flats", service="Coffee morning")
    w.attend([ann], local(2026, 4, 3), site="Burns Flats", service="Coffee morning")
    w.anonymous(local(2026, 3, 3), headcount=2, site="Burns Flats", service="Coffee morning")
    w.refer(ann, local(2026, 3, 4), partner="Housing")

    assert main(["--database", url_of(engine), "report", "--from", "2026-03-01",
                 "--to", "31/03/2026", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == KEYS
    assert data == {
        "from": "2026-03-01", "to": "2026-03-31", "families": 1, "individuals": 2,
        "visits": 4, "anonymous_visits": 2, "new_families": 1, "new_individuals": 2,
        "by_service": {"Coffee morning": {"families": 1, "individuals": 2, "visits": 4}},
        "by_site": {"Burns Flats": {"families": 1, "individuals": 2, "visits": 4}},
        "referrals": {"total": 1, "people": 1, "families": 1, "by_partner": {"Housing": 1}},
    }
    assert main(["--database", url_of(engine), "report", "--from", "2026-03-01",
                 "--to", "2026-04-30", "--site", "burns-flats",
                 "--service", "Coffee morning"]) == 0
    out = capsys.readouterr().out
    assert "Families supported           1" in out and "Visits                       5" in out
    assert "rows do not add up" in out


def test_report_refuses_bad_input_with_one_line(engine, capsys) -> None:
    World(engine).site("Room")
    db = ["--database", url_of(engine)]
    for args, expect in [
        (["report", "--from", "2026-13-01", "--to", "2026-12-31"], "is not a date"),
        (["report", "--from", "2026-03-01", "--to", "2026-02-01"], "before it starts"),
        (["report", "--from", "2026-03-01", "--to", "2026-03-31", "--site", "nowhere"],
         "no site 'nowhere' (known: room)"),
    ]:
        assert main(db + args) == 2
        err = capsys.readouterr().err
        assert expect in err and err.count("\n") == 1


def test_people_lists_everyone_and_is_audited(engine, capsys) -> None:
    w = World(engine)
    ann, _bob = w.household("Ann", "Bob", postcode="M40 7AB")
    w.attend([ann], local(2026, 3, 3))
    assert main(["--database", url_of(engine), "people", "--json"]) == 0
    people = json.loads(capsys.readouterr().out)
    assert [(p["first_name"], p["postcode"], p["last_seen"]) for p in people] == [
        ("Ann", "M40 7AB", "2026-03-03"), ("Bob", "M40 7AB", None)]
    assert main(["--database", url_of(engine), "people"]) == 0
    assert "2 people" in capsys.readouterr().out


def test_commands_need_an_initialised_database(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    assert main(["--database", url, "people"]) == 2
    assert "run 'dropin-admin init'" in capsys.readouterr().err
    assert main(["--database", url, "init"]) == 0
    assert main(["--database", url, "people", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1]) == []


def test_default_database_lives_in_the_user_data_folder(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "PATH": "/usr/bin"}
    done = subprocess.run([sys.executable, "-m", "admin.cli", "init"], env=env,
                          capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "dropin" / "dropin.sqlite3").exists()
    env["DROPIN_DATABASE_URL"] = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    done = subprocess.run([sys.executable, "-m", "admin.cli", "init"], env=env,
                          capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0 and (tmp_path / "elsewhere.sqlite3").exists()


@pytest.mark.parametrize("args", [["report"], ["frobnicate"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2


def test_a_new_install_gets_its_site_and_first_manager_from_the_command_line(
        tmp_path: Path, capsys, monkeypatch) -> None:
    """deploy/README.md: init, then the room and the first manager, with no demo data."""
    from schema.db import make_engine, read_session
    from schema.staff import check_pin

    db = ["--database", f"sqlite:///{tmp_path / 'new.sqlite3'}"]
    assert main([*db, "init"]) == 0
    assert main([*db, "site", "Burns Flats Community Room", "--slug", "burns-flats"]) == 0
    assert "--site burns-flats" in capsys.readouterr().out
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert main([*db, "staff", "Lauren", "--role", "manager"]) == 2  # no PIN given
    assert "DROPIN_STAFF_PIN" in capsys.readouterr().err
    monkeypatch.setenv("DROPIN_STAFF_PIN", "12")
    assert main([*db, "staff", "Lauren", "--role", "manager"]) == 2  # not a PIN
    monkeypatch.setenv("DROPIN_STAFF_PIN", "482913")
    assert main([*db, "staff", "Lauren", "--role", "manager"]) == 0
    assert main([*db, "staff", "Lauren"]) == 2  # there is one already
    engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    try:
        with read_session(engine) as s:
            assert s.execute(text("SELECT slug, name FROM site")).all() == [
                ("burns-flats", "Burns Flats Community Room")]
            assert s.execute(text("SELECT COUNT(*) FROM person")).scalar() == 0
        from schema.db import Sessions

        user = check_pin(Sessions(engine), pin="482913", actor="test")
        assert user is not None and user.role == "manager"
    finally:
        engine.dispose()


@pytest.mark.parametrize("args", [["--size", "big"], ["--size", "1280"], ["--idle", "0"],
                                  ["--idle", "-5"], ["--idle", "soon"]])
def test_the_kiosk_refuses_a_bad_size_or_idle_time_in_one_line(args, capsys) -> None:
    from kiosk.__main__ import parse_args

    with pytest.raises(SystemExit) as ended:
        parse_args(["--windowed", *args])
    assert ended.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("dropin-kiosk: error: argument")
    assert "Traceback" not in "\n".join(err)


def test_the_kiosk_takes_a_good_size_and_idle_time() -> None:
    from kiosk.__main__ import parse_args

    args = parse_args(["--size", "1920x1080", "--idle", "45"])
    assert (args.size, args.idle) == ("1920x1080", 45)
