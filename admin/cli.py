"""``dropin-admin``: the manager's command line (DESIGN section 6)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session

from schema import audit
from schema.counting import RULES_TEXT, Filters, Period, Report, parse_date, report
from schema.db import ENV_VAR, default_url, make_engine, read_session, run_in_transaction
from schema.errors import DropinError, Refused
from schema.migrate import is_current, upgrade
from schema.sql import driver_errors

ACTOR = "cli"
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dropin-admin",
        description="Dropin for managers: set up the database, import sign-in sheets, "
        "count families and individuals. With no command, opens the admin window.",
    )
    parser.add_argument("--database", metavar="URL",
                        help=f"database URL (default: ${ENV_VAR}, else a SQLite file in the "
                        "user data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help="create or upgrade the database")
    p.add_argument("--demo", action="store_true", help="load demo data into an empty database")
    p.add_argument("--seed", type=int, default=1, help="seed for the demo data (default 1)")
    p.add_argument("--if-empty", action="store_true",
                   help="with --demo: load it only if nobody is on record yet (for `make run`)")

    p = sub.add_parser("site", help="add a room (a site) that kiosks can stand in")
    p.add_argument("name", metavar="NAME", help='the room\'s name, as the kiosk shows it')
    p.add_argument("--slug", help="its short name for --site (default: made from NAME)")

    p = sub.add_parser("staff", help="add a staff user (the first manager of a new install); "
                       "the PIN is asked for, or read from $DROPIN_STAFF_PIN")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--role", choices=["volunteer", "staff", "manager"], default="staff")

    p = sub.add_parser("import", help="import a sign-in sheet (.csv or .xlsx)")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="check the file, write nothing")

    p = sub.add_parser("report", help="families, individuals and visits for a period")
    p.add_argument("--from", dest="start", required=True, metavar="DATE")
    p.add_argument("--to", dest="end", required=True, metavar="DATE")
    p.add_argument("--site", metavar="SLUG")
    p.add_argument("--service", metavar="NAME")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("export", help="export figures to a file")
    export = p.add_subparsers(dest="export", metavar="WHAT", required=True)
    p = export.add_parser(
        "tally", help="the monthly tally as an Excel workbook (or the summary as CSV)",
        description="One column per month and one for the whole period (counted over the "
        "whole period, never the sum of the months), breakdowns, a chart and the rules.")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--month", metavar="YYYY-MM", help="one calendar month")
    when.add_argument("--year", metavar="YYYY", help="one calendar year")
    when.add_argument("--from", dest="start", metavar="DATE", help="first day (with --to)")
    p.add_argument("--to", dest="end", metavar="DATE", help="last day (with --from)")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE",
                   help="the file to write (.xlsx, or .csv with --csv)")
    p.add_argument("--site", metavar="SLUG")
    p.add_argument("--service", metavar="NAME")
    p.add_argument("--csv", action="store_true", help="write only the Summary sheet, as CSV")

    p = sub.add_parser("sar", help="subject access: everything held on a person (xlsx + json)")
    p.add_argument("person", type=int, metavar="PERSON", help="the person's id (see 'people')")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")

    p = sub.add_parser("purge", help="anonymise people past the retention period")
    p.add_argument("--dry-run", action="store_true", help="list who would be, change nothing")

    p = sub.add_parser("erase", help="erase a person's identity (their counts stay)")
    p.add_argument("person", type=int, metavar="PERSON")

    p = sub.add_parser("withdraw", help="record that a person withdrew consent")
    p.add_argument("person", type=int, metavar="PERSON")

    p = sub.add_parser("kiosk-role", help="PostgreSQL: create the kiosks' database role, with "
                       "only the grants a kiosk needs (password from $DROPIN_KIOSK_PASSWORD)")
    p.add_argument("role", nargs="?", default="dropin_kiosk", metavar="NAME")

    p = sub.add_parser("people", help="list the people on record")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("cards", help="a PDF sheet of QR cards to print and cut out",
                       description="A4 pages of ten bank-card-sized cards: the QR holds only "
                       "the card's token. Anyone chosen without a card is issued one; anyone "
                       "with one gets theirs printed again.")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--person", type=int, metavar="ID", help="one person")
    who.add_argument("--household", type=int, metavar="ID", help="every member of a household")
    who.add_argument("--without-card", action="store_true",
                     help="everyone on record who has no card yet")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.pdf")
    p.add_argument("--site", metavar="SLUG", help="the room printed on the cards (default: "
                   "the only site, else where each person last signed in)")
    p.add_argument("--print", action="store_true",
                   help="also send the sheet to the default printer, if one is set up")

    p = sub.add_parser("backup", help="copy the database to a file (works while kiosks write)",
                       description="SQLite: the online backup API; PostgreSQL: pg_dump "
                       "(custom format). The copy is checked before it gets its name.")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("-o", "--output", type=Path, metavar="FILE", help="the file to write")
    where.add_argument("--folder", type=Path, metavar="DIR",
                       help="write dropin-YYYYmmdd-HHMMSS.sqlite3 (.dump) there and keep "
                       "only the newest --keep (the nightly timer)")
    p.add_argument("--keep", type=int, default=14, metavar="N",
                   help="with --folder: how many backups to keep (default 14)")

    p = sub.add_parser("restore", help="replace the database with a backup (checked first)",
                       description="The file is checked first (a Dropin database of this "
                       "version, not damaged); if it is refused nothing changes. SQLite: the "
                       "current database is kept next to it as *.before-restore-*.sqlite3.")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return parser


def _open(url: str | None, *, need_current: bool = True) -> Engine:
    engine = make_engine(url or default_url())
    if need_current and not is_current(engine):
        raise Refused("the database is not set up or is out of date: run 'dropin-admin init'")
    return engine


def cmd_init(engine: Engine, args: argparse.Namespace) -> int:
    upgrade(engine)
    print(f"Database ready: {engine.url.render_as_string(hide_password=True)}")
    if args.demo:
        from schema.demo import load_demo

        if args.if_empty:
            with read_session(engine) as s:
                if s.execute(text("SELECT COUNT(*) FROM person")).scalar():
                    print("People are already on record: demo data not loaded again.")
                    return 0
        summary = load_demo(engine, seed=args.seed)
        print("Demo data loaded: " + ", ".join(f"{v} {k}" for k, v in summary.items()))
    return 0


def cmd_site(engine: Engine, args: argparse.Namespace) -> int:
    from schema.on_now import get_or_create_site

    site = run_in_transaction(engine, lambda s: get_or_create_site(s, args.name, args.slug))
    print(f"Site '{site.name}' ready: start its kiosk with --site {site.slug}")
    return 0


def cmd_staff(engine: Engine, args: argparse.Namespace) -> int:
    """The PIN is never an argument (it would stay in the shell's history and the process
    list): asked for twice on a terminal, or taken from $DROPIN_STAFF_PIN for a script."""
    import os

    from schema.staff import create_staff

    pin = os.environ.get("DROPIN_STAFF_PIN", "")
    if not pin:
        if not sys.stdin.isatty():
            raise Refused("set DROPIN_STAFF_PIN, or run this on a terminal to be asked for "
                          "the PIN")
        import getpass

        pin = getpass.getpass(f"PIN for {args.name} (4 to 12 digits): ")
        if getpass.getpass("The same PIN again: ") != pin:
            raise Refused("the two PINs were not the same: nothing changed")
    user = run_in_transaction(engine, lambda s: create_staff(
        s, name=args.name, role=args.role, pin=pin, actor=ACTOR))
    print(f"Staff user {user.name} ({user.role}) added: they sign in with their PIN at the "
          "kiosk's Staff corner and in the admin window.")
    return 0


def cmd_import(engine: Engine, args: argparse.Namespace) -> int:
    from schema.importer import import_file

    result = import_file(engine, args.file, dry_run=args.dry_run, actor=ACTOR)
    verb = "Checked (nothing written)" if args.dry_run else "Imported"
    print(
        f"{verb}: {result.rows} rows, {result.attendances} attendances, "
        f"{result.anonymous} anonymous, {result.referrals} referrals; new: "
        f"{result.households_created} households, {result.people_created} people, "
        f"{result.sites_created} sites, {result.services_created} services"
    )
    return 0


def _shown(value: str, limit: int = 40) -> str:
    """A value typed on the command line, safe to echo in a one-line message: control
    characters and line breaks escaped, long values cut short."""
    out = "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in value)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _lookup(engine: Engine, table: str, column: str, value: str, what: str) -> int:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in argv arrive as lone surrogates
        raise Refused(f"the {what} '{_shown(value)}' is not valid UTF-8 text") from None
    with read_session(engine) as s:
        found = s.execute(text(f"SELECT id FROM {table} WHERE {column} = :v"), {"v": value})
        row = found.first()
    if row is None:
        with read_session(engine) as s:
            names = s.execute(text(f"SELECT {column} FROM {table} ORDER BY 1")).scalars().all()
        known = ", ".join(_shown(n) for n in names[:20]) + (" …" if len(names) > 20 else "")
        raise Refused(f"there is no {what} '{_shown(value)}' (known: {known or 'none'})")
    return int(row[0])


def _date(value: str, option: str) -> dt.date:
    """``parse_date`` for a command-line option, its refusal on one line."""
    try:
        return parse_date(value)
    except Refused:
        raise Refused(f"{option} '{_shown(value.strip())}' is not a date "
                      "(use YYYY-MM-DD or DD/MM/YYYY)") from None


def cmd_report(engine: Engine, args: argparse.Namespace) -> int:
    period = Period(_date(args.start, "--from"), _date(args.end, "--to"))
    filters = Filters(
        site_id=_lookup(engine, "site", "slug", args.site, "site") if args.site else None,
        service_id=(_lookup(engine, "service", "name", args.service, "service")
                    if args.service else None),
    )
    with read_session(engine) as s:
        rep = report(s, period, filters)
    run_in_transaction(engine, lambda s: audit.record(
        s, actor=ACTOR, action="report.view", entity="report", start=period.start,
        end=period.end, site=args.site, service=args.service))
    if args.json:
        print(json.dumps(rep.to_json(), indent=2, ensure_ascii=False))
    else:
        print(format_report(rep, site=args.site, service=args.service))
    return 0


def format_report(rep: Report, *, site: str | None = None, service: str | None = None) -> str:
    """The report as plain text for a terminal."""
    lines = [f"Dropin report {rep.period.start} to {rep.period.end}"]
    if site or service:
        lines.append("Filtered to: " + ", ".join(
            x for x in (f"site {site}" if site else "", f"service {service}" if service else "")
            if x))
    lines += [
        "",
        f"  Families supported     {rep.families:>7}   (new {rep.new_families})",
        f"  Individuals supported  {rep.individuals:>7}   (new {rep.new_individuals})",
        f"  Visits                 {rep.visits:>7}",
        f"  Anonymous visits       {rep.anonymous_visits:>7}   (inside visits, not in people)",
        f"  Referrals              {rep.referrals.total:>7}   ({rep.referrals.people} people, "
        f"{rep.referrals.families} families)",
    ]

    def table(title: str, rows: dict[str, Any]) -> None:
        if not rows:
            return
        width = max(len(k) for k in rows) + 2
        lines.extend(["", f"{title} (each row distinct; rows do not add up to the total)",
                      f"  {'':<{width}}{'families':>10}{'individuals':>13}{'visits':>8}"])
        for key, row in rows.items():
            lines.append(f"  {key:<{width}}{row.families:>10}{row.individuals:>13}"
                         f"{row.visits:>8}")

    table("By service", rep.by_service)
    table("By site", rep.by_site)
    table("By age band", rep.by_age_band)
    table("By postcode district", rep.by_district)
    if rep.referrals.by_partner_status:
        lines += ["", "Referrals by partner and status"]
        for partner, statuses in rep.referrals.by_partner_status.items():
            detail = ", ".join(f"{k} {v}" for k, v in statuses.items())
            lines.append(f"  {partner}: {sum(statuses.values())} ({detail})")
    lines += ["", RULES_TEXT.rstrip()]
    return "\n".join(lines)


def tally_period(args: argparse.Namespace) -> Period:
    """The period of ``export tally`` from --month, --year or --from/--to."""
    if args.end is not None and args.start is None:
        raise Refused("--to needs --from (or use --month or --year)")
    if args.month is not None:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", args.month.strip())
        if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1900:
            raise Refused(f"'{_shown(args.month)}' is not a month (use YYYY-MM, e.g. 2026-03)")
        return Period.month(int(m.group(1)), int(m.group(2)))
    if args.year is not None:
        if not re.fullmatch(r"\d{4}", args.year.strip()) or int(args.year) < 1900:
            raise Refused(f"'{_shown(args.year)}' is not a year (use YYYY, e.g. 2026)")
        return Period.year(int(args.year))
    if args.end is None:
        raise Refused("--from needs --to")
    return Period(_date(args.start, "--from"), _date(args.end, "--to"))


def cmd_export(engine: Engine, args: argparse.Namespace) -> int:
    from schema.tally_xlsx import write_tally

    period = tally_period(args)
    filters = Filters(
        site_id=_lookup(engine, "site", "slug", args.site, "site") if args.site else None,
        service_id=(_lookup(engine, "service", "name", args.service, "service")
                    if args.service else None),
    )
    path = write_tally(engine, period, filters, args.output, csv=args.csv)
    run_in_transaction(engine, lambda s: audit.record(
        s, actor=ACTOR, action="export.tally", entity="report", start=period.start,
        end=period.end, site=args.site, service=args.service,
        format="csv" if args.csv else "xlsx"))
    print(f"Tally {period.start} to {period.end} written to {path}")
    return 0


def cmd_people(engine: Engine, args: argparse.Namespace) -> int:
    with read_session(engine) as s:
        rows = s.execute(text(
            "SELECT p.id, p.household_id, p.first_name, p.last_name, p.birth_year, h.postcode, "
            "h.reference, EXISTS (SELECT 1 FROM card c WHERE c.person_id = p.id "
            "AND c.revoked_at IS NULL), fs.first_date, "
            "(SELECT MAX(a.local_date) FROM attendance a WHERE a.person_id = p.id) "
            "FROM person p JOIN household h ON h.id = p.household_id "
            "LEFT JOIN first_support fs ON fs.person_id = p.id "
            "WHERE p.merged_into_id IS NULL AND p.anonymised_at IS NULL "
            "ORDER BY p.household_id, p.id"
        )).all()
    run_in_transaction(engine, lambda s: audit.record(
        s, actor=ACTOR, action="people.list", entity="person", count=len(rows)))
    people = [
        {"id": r[0], "household_id": r[1], "first_name": r[2], "last_name": r[3],
         "birth_year": r[4], "postcode": r[5], "household": r[6], "has_card": bool(r[7]),
         "first_seen": str(r[8]) if r[8] else None, "last_seen": str(r[9]) if r[9] else None}
        for r in rows
    ]
    if args.json:
        print(json.dumps(people, indent=2, ensure_ascii=False))
        return 0
    print(f"{'id':>6} {'household':>9}  {'name':<32} {'born':>4}  {'postcode':<8}  card  last seen")
    for p in people:
        name = f"{p['first_name']} {p['last_name']}".strip()
        print(f"{p['id']:>6} {p['household_id']:>9}  {name[:32]:<32} {p['birth_year'] or '':>4}  "
              f"{p['postcode'] or '':<8}  {'yes' if p['has_card'] else 'no ':<4}  "
              f"{p['last_seen'] or 'never'}")
    print(f"{len(people)} people")
    return 0


_QT_APP: object = None
_QT_ARGV = ["dropin-admin"]  # Qt keeps pointers into argv for the application's lifetime


def cmd_cards(engine: Engine, args: argparse.Namespace) -> int:
    import os

    # Painting text needs a Qt application; off screen, so this works over SSH and in cron.
    # A QApplication (not just QGuiApplication), so widgets still work if the same process
    # opens any later (the admin window, tests).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from admin.cards_pdf import cards_for, check_writable, print_sheet, write_sheet

    global _QT_APP
    # Kept for the life of the process: Qt cannot make a second application after one
    # has been destroyed.
    _QT_APP = QApplication.instance() or QApplication(_QT_ARGV)
    room = ""
    if args.site:
        site_id = _lookup(engine, "site", "slug", args.site, "site")
        with read_session(engine) as s:
            room = str(s.execute(text("SELECT name FROM site WHERE id = :i"),
                                 {"i": site_id}).scalar_one())
    check_writable(args.output)  # before any card is issued
    cards = run_in_transaction(engine, lambda s: cards_for(
        s, person_id=args.person, household_id=args.household,
        everyone_without=args.without_card, actor=ACTOR, room=room))
    if not cards:
        print("No cards to print: nothing written.")
        return 0
    pages = write_sheet(cards, args.output, room)
    printed = print_sheet(cards, room) if args.print else False
    new = sum(c.new for c in cards)
    run_in_transaction(engine, lambda s: audit.record(
        s, actor=ACTOR, action="cards.sheet", entity="card", person=args.person,
        household=args.household, without_card=args.without_card, cards=len(cards), new=new,
        pages=pages, printed=printed))
    print(f"{len(cards)} card{'s' if len(cards) != 1 else ''} ({new} newly issued) on "
          f"{pages} page{'s' if pages != 1 else ''} written to {args.output}")
    if args.print:
        print("Sent to the printer." if printed else "No printer is set up: print the PDF.")
    return 0


def cmd_sar(engine: Engine, args: argparse.Namespace) -> int:
    from schema.privacy import subject_access, write_subject_access

    data = run_in_transaction(engine, lambda s: subject_access(s, person_id=args.person,
                                                               actor=ACTOR))
    xlsx, js = write_subject_access(data, args.output)
    print(f"Everything held on person #{args.person}: {xlsx} and {js}")
    return 0


def cmd_purge(engine: Engine, args: argparse.Namespace) -> int:
    from schema.privacy import purge
    from schema.settings import get_settings

    with read_session(engine) as s:
        months = get_settings(s)["retention_months"]
    ids = run_in_transaction(engine, lambda s: purge(s, actor=ACTOR, dry_run=args.dry_run))
    verb = "would be anonymised (nothing changed)" if args.dry_run else "anonymised"
    print(f"{len(ids)} people not supported for {months} months {verb}"
          + (f": {', '.join(f'#{i}' for i in ids[:50])}" + (" …" if len(ids) > 50 else "")
             if ids else "."))
    return 0


def cmd_erase(engine: Engine, args: argparse.Namespace) -> int:
    from schema.privacy import checkpoint, erase

    def work(s: Session) -> None:
        erase(s, person_id=args.person, actor=ACTOR)

    run_in_transaction(engine, work)
    checkpoint(engine)
    print(f"Person #{args.person} erased: their name and details are gone; past totals stay.")
    return 0


def cmd_withdraw(engine: Engine, args: argparse.Namespace) -> int:
    from schema.privacy import withdraw_consent

    run_in_transaction(engine, lambda s: withdraw_consent(s, person_id=args.person,
                                                          actor=ACTOR))
    print(f"Consent withdrawn for person #{args.person}: from now on they are counted "
          "anonymously only.")
    return 0


def cmd_kiosk_role(engine: Engine, args: argparse.Namespace) -> int:
    import os

    from schema.roles import create_kiosk_role

    password = os.environ.get("DROPIN_KIOSK_PASSWORD", "")
    if not password:
        raise Refused("set DROPIN_KIOSK_PASSWORD to the kiosk role's password first "
                      "(never put it on the command line)")
    create_kiosk_role(engine, args.role, password)
    print(f"Role {args.role} ready: kiosks connect as it; it cannot read referrals or notes.")
    return 0


def cmd_backup(engine: Engine, args: argparse.Namespace) -> int:
    from schema.backup import backup, backup_to_folder

    if args.folder is not None:
        info, removed = backup_to_folder(engine, args.folder, keep=args.keep)
    else:
        info, removed = backup(engine, args.output), []
    if is_current(engine):
        run_in_transaction(engine, lambda s: audit.record(
            s, actor=ACTOR, action="backup.create", entity="database", file=str(info.path),
            bytes=info.bytes))
    print(f"Backup written to {info.path} ({info.bytes / 1e6:.1f} MB, checked)"
          + (f"; {len(removed)} older backup{'s' if len(removed) != 1 else ''} removed"
             if removed else ""))
    return 0


def cmd_restore(engine: Engine, args: argparse.Namespace) -> int:
    from schema.backup import restore

    where = engine.url.render_as_string(hide_password=True)
    if not args.yes:
        if not sys.stdin.isatty():
            raise Refused("restoring replaces the whole database: add --yes to confirm")
        answer = input(f"Replace everything in {where} with {args.file}? Type yes: ")
        if answer.strip().lower() != "yes":
            print("Nothing changed.")
            return 1
    kept = restore(engine, args.file)
    if is_current(engine):
        run_in_transaction(engine, lambda s: audit.record(
            s, actor=ACTOR, action="backup.restore", entity="database", file=str(args.file)))
    print(f"Restored {args.file} into {where}."
          + (f" The database as it was is kept in {kept}." if kept else ""))
    return 0


COMMANDS = {
    "init": cmd_init, "site": cmd_site, "staff": cmd_staff, "import": cmd_import,
    "report": cmd_report, "export": cmd_export,
    "people": cmd_people, "cards": cmd_cards, "sar": cmd_sar, "purge": cmd_purge,
    "erase": cmd_erase, "withdraw": cmd_withdraw, "kiosk-role": cmd_kiosk_role,
    "backup": cmd_backup, "restore": cmd_restore,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        try:
            from admin.app import main as window_main
        except ImportError:
            parser.print_help()
            print("\ndropin-admin: the admin window is not part of this build yet; "
                  "use one of the commands above.", file=sys.stderr)
            return EXIT_USAGE
        return window_main(args.database)
    try:
        engine = _open(args.database,
                       need_current=args.command not in ("init", "backup", "restore"))
        try:
            return COMMANDS[args.command](engine, args)
        finally:
            engine.dispose()
    except DropinError as exc:
        for line in getattr(exc, "lines", None) or [str(exc)]:
            print(f"dropin-admin: {line}", file=sys.stderr)
        return EXIT_USAGE
    except OperationalError as exc:
        print(f"dropin-admin: cannot use the database: {str(exc.orig).strip().splitlines()[0]}",
              file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"dropin-admin: database error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except driver_errors() as exc:  # raised under an operation of schema.sql
        print(f"dropin-admin: database error: {(str(exc).splitlines() or [''])[0]}",
              file=sys.stderr)
        return 1


def run() -> int:
    """Entry point: ``dropin-admin ... | head`` ends quietly when the pipe closes."""
    try:
        return main()
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(run())
