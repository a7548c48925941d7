"""The kiosk's messages: every refusal the core can give it has the kiosk's own words,
marked for lupdate and translated when shown; and the names the kiosk takes in I'm new
and on Who's here.

The first tests read the source: from what ``class Kiosk`` and ``replay`` in
kiosk/app.py call (or hand to the store), every schema function that can run, and every
``raise`` of a DropinError in them, with its ``code`` worked out for the arguments each
call gives. The rest drive the real widgets on a fresh database.
"""

from __future__ import annotations

import ast
import datetime as dt
import logging
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PySide6.QtCore import Qt, QTranslator
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from sqlalchemy import text

from kiosk.messages import CONTEXT, GENERIC, MESSAGES, explain
from schema.clock import LONDON, UTC
from schema.db import read_session, run_in_transaction
from schema.errors import DropinError, LockedOut, NotFound, Refused
from schema.staff import create_staff
from schema.text import clean_first_name, clean_surname
from tests import test_kiosk_touch as touch
from tests.test_kiosk import Rig, _about_you, _family, _type_about_you
from tests.test_kiosk_touch import _qt_tool

ROOT = Path(__file__).resolve().parent.parent
ERROR_CLASSES = {"DropinError", "Refused", "NotFound", "LockedOut"}
UNKNOWN = object()  # a value the scan cannot work out from the source

# --- reading the core's source -----------------------------------------------------------

Imports = dict[str, tuple[str, str | None]]  # local name -> (module, name in it | None)


@dataclass
class Module:
    name: str
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    classes: dict[str, dict[str, ast.FunctionDef]] = field(default_factory=dict)
    bases: dict[str, list[str]] = field(default_factory=dict)
    imports: Imports = field(default_factory=dict)
    tree: ast.Module | None = None


def _imports(tree: ast.AST) -> Imports:
    """What ``from schema... import ...`` brings in, anywhere in ``tree``."""
    out: Imports = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "schema":
            for alias in node.names:
                if node.module == "schema":  # from schema import signin: a module
                    out[alias.asname or alias.name] = (f"schema.{alias.name}", None)
                else:
                    out[alias.asname or alias.name] = (str(node.module), alias.name)
    return out


@cache
def module(name: str) -> Module:
    tree = ast.parse((ROOT / (name.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
    m = Module(name, imports=_imports(tree), tree=tree)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            m.functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            m.classes[node.name] = {f.name: f for f in node.body
                                    if isinstance(f, ast.FunctionDef)}
            m.bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]
    return m


def schema_modules() -> list[str]:
    return [f"schema.{p.stem}" for p in sorted((ROOT / "schema").glob("*.py"))]


Target = tuple[str, ast.FunctionDef]  # a function, and the module it is in


def _lookup(mod: str, name: str, depth: int = 0) -> Target | str | None:
    """``name`` in a schema module: a function (following re-exports), or "module:x" /
    "class:x.Name"; None when it is not the core's."""
    m = module(mod)
    if name in m.functions:
        return mod, m.functions[name]
    if name in m.classes:
        return f"class:{mod}.{name}"
    if name in m.imports and depth < 10:
        other, attr = m.imports[name]
        return f"module:{other}" if attr is None else _lookup(other, attr, depth + 1)
    return None


def _name(imports: Imports, mod: str | None, name: str) -> Target | str | None:
    found = _lookup(mod, name) if mod else None
    if found is None and name in imports:
        other, attr = imports[name]
        found = f"module:{other}" if attr is None else _lookup(other, attr)
    return found


def resolve(imports: Imports, mod: str | None, expr: ast.expr) -> Target | None:
    """The schema function ``expr`` names (``f``, ``module.f``, ``Class.method``), if any.
    A method called on an object (``db.row(...)``) is not followed: the test below checks
    that no method of the core but two admin-only ones raises a DropinError."""
    if isinstance(expr, ast.Name):
        found = _name(imports, mod, expr.id)
        return found if isinstance(found, tuple) else None
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        base = _name(imports, mod, expr.value.id)
        if isinstance(base, str) and base.startswith("module:"):
            found = _lookup(base.removeprefix("module:"), expr.attr)
            return found if isinstance(found, tuple) else None
        if isinstance(base, str) and base.startswith("class:"):
            owner, cls = base.removeprefix("class:").rsplit(".", 1)
            method = module(owner).classes[cls].get(expr.attr)
            return (owner, method) if method is not None else None
    return None


def _value(node: ast.expr, env: dict[str, object]) -> object:
    """A constant, a parameter given as a constant, or an f-string of those."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id, UNKNOWN)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for part in node.values:
            value = _value(part.value if isinstance(part, ast.FormattedValue) else part, env)
            if not isinstance(value, str):
                return UNKNOWN
            parts.append(value)
        return "".join(parts)
    return UNKNOWN


def _bind(fn: ast.FunctionDef, call: ast.Call | None, env: dict[str, object]
          ) -> dict[str, object]:
    """The parameters of ``fn`` that are constants when ``call`` (made where ``env``
    holds) runs it; its defaults where the call gives nothing."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    out: dict[str, object] = {}
    for param, default in zip(positional[len(positional) - len(a.defaults):], a.defaults,
                              strict=True):
        out[param.arg] = _value(default, {})
    for param, kw_default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        if kw_default is not None:
            out[param.arg] = _value(kw_default, {})
    if call is not None:
        for param, arg in zip(positional, call.args, strict=False):
            out[param.arg] = _value(arg, env)
        for kw in call.keywords:
            if kw.arg is not None:
                out[kw.arg] = _value(kw.value, env)
    return out


def _never(test: ast.expr, env: dict[str, object]) -> bool:
    """An ``if`` that cannot be taken: ``if required and ...`` with ``required=False``."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_never(v, env) for v in test.values)
    if isinstance(test, ast.Name | ast.Constant):
        value = _value(test, env)
        return value is not UNKNOWN and not value
    return False


@dataclass
class Site:
    """A ``raise`` of a DropinError: where, its code (as worked out; None: no code given)
    and the names of the values it gives with it."""

    where: str
    code: object
    params: set[str]


def _error_class(mod: str, call: ast.Call) -> str | None:
    """The DropinError class a raised call makes (``Refused(...)``,
    ``ImportProblem.whole_file(...)``), or None for any other exception."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else (
        func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
        else None)
    seen = name
    while seen is not None and seen not in ERROR_CLASSES:
        found = _name(module(mod).imports, mod, seen)
        if not (isinstance(found, str) and found.startswith("class:")):
            return None
        owner, cls = found.removeprefix("class:").rsplit(".", 1)
        seen = next(iter(module(owner).bases.get(cls, [])), None)
        mod = owner
    return name if seen is not None else None


def _own_code(mod: str, cls: str) -> ast.Call | None:
    """A DropinError subclass that gives its code itself: its ``super().__init__(...)``."""
    found = _name(module(mod).imports, mod, cls)
    if not (isinstance(found, str) and found.startswith("class:")) or cls in ERROR_CLASSES:
        return None
    owner, name = found.removeprefix("class:").rsplit(".", 1)
    init = module(owner).classes[name].get("__init__")
    for node in ast.walk(init) if init is not None else ():
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "__init__":
            return node
    return None


def _site(mod: str, node: ast.Raise, env: dict[str, object]) -> Site | None:
    if not isinstance(node.exc, ast.Call):
        return None  # a bare re-raise, or an exception caught earlier raised again
    cls = _error_class(mod, node.exc)
    if cls is None:
        return None
    call = _own_code(mod, cls) or node.exc
    code = next((kw.value for kw in call.keywords if kw.arg == "code"), None)
    return Site(f"{mod}:{node.lineno}", None if code is None else _value(code, env),
                {kw.arg for kw in call.keywords if kw.arg and kw.arg != "code"})


Entry = tuple[Target, ast.Call | None, dict[str, object]]


def reachable(entries: list[Entry]) -> list[Site]:
    """Every DropinError raise site that can run from ``entries``, through the schema
    functions they call, with its code for the constant arguments each call gives."""
    sites: list[Site] = []
    done: set[tuple[str, int, frozenset[tuple[str, str]]]] = set()
    todo = [((mod, fn), _bind(fn, call, env)) for (mod, fn), call, env in entries]
    while todo:
        (mod, fn), env = todo.pop()
        key = (mod, fn.lineno, frozenset((k, repr(v)) for k, v in env.items()))
        if key in done:
            continue
        done.add(key)
        imports = module(mod).imports

        def visit(node: ast.AST, mod: str = mod, env: dict[str, object] = env,
                  imports: Imports = imports) -> None:
            if isinstance(node, ast.If) and _never(node.test, env):
                for child in node.orelse:
                    visit(child)
                return
            if isinstance(node, ast.Raise):
                site = _site(mod, node, env)
                if site is not None:
                    sites.append(site)
            if isinstance(node, ast.Call):
                target = resolve(imports, mod, node.func)
                if target is not None:
                    todo.append((target, _bind(target[1], node, env)))
            elif isinstance(node, ast.Name | ast.Attribute):  # a function handed on
                target = resolve(imports, mod, node)
                if target is not None:
                    todo.append((target, _bind(target[1], None, {})))
            for child in ast.iter_child_nodes(node):
                if not (isinstance(node, ast.Call) and child is node.func):
                    visit(child)

        for statement in fn.body:
            visit(statement)
    return sites


def kiosk_entries() -> list[Entry]:
    """The schema functions the kiosk calls, or hands to its store, where a refusal goes
    to ``Kiosk.failed``: in ``class Kiosk`` and ``replay`` of kiosk/app.py."""
    tree = ast.parse((ROOT / "kiosk/app.py").read_text(encoding="utf-8"))
    imports = _imports(tree)
    scopes = [n for n in tree.body
              if isinstance(n, ast.ClassDef | ast.FunctionDef) and n.name in ("Kiosk", "replay")]
    assert len(scopes) == 2
    entries: list[Entry] = []
    called: set[int] = set()
    for scope in scopes:
        for node in ast.walk(scope):
            if isinstance(node, ast.Call):
                target = resolve(imports, None, node.func)
                if target is not None:
                    entries.append((target, node, {}))
                    called.add(id(node.func))
    for scope in scopes:
        for node in ast.walk(scope):
            if isinstance(node, ast.Name | ast.Attribute) and id(node) not in called:
                target = resolve(imports, None, node)
                if target is not None:
                    entries.append((target, None, {}))
    return entries


def _codes(sites: list[Site]) -> set[str]:
    return {s.code for s in sites if isinstance(s.code, str)}


# --- (a) every code the kiosk can meet has the kiosk's own words -------------------------

def test_every_refusal_in_the_core_has_a_code() -> None:
    uncoded = []
    for name in schema_modules():
        tree = module(name).tree
        assert tree is not None
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise):
                site = _site(name, node, {})
                if site is not None and site.code is None:
                    uncoded.append(site.where)
    assert uncoded == []


def test_only_admin_methods_of_the_core_raise() -> None:
    """The scan follows functions, not methods called on objects (``db.row(...)``): no
    class in the core but these (never on the kiosk's path) has a method that raises."""
    raising = set()
    for name in schema_modules():
        for cls, methods in module(name).classes.items():
            for method in methods.values():
                if any(isinstance(n, ast.Raise) and _site(name, n, {}) is not None
                       for n in ast.walk(method)):
                    raising.add(f"{name}.{cls}")
    assert raising == {"schema.counting.Period", "schema.importer._Checker"}


def test_every_code_the_kiosk_can_meet_has_a_kiosk_message_and_no_other() -> None:
    sites = reachable(kiosk_entries())
    codes = _codes(sites)
    # The scan sees the kiosk's paths: a card, I'm new, a staff PIN, a referral.
    assert {"card.unknown", "name.whole", "surname.not_letters", "postcode.invalid",
            "year.impossible", "pin.locked", "referral.reason.required",
            "feedback.empty"} <= codes
    assert [s.where for s in sites if not isinstance(s.code, str)] == []  # each one named
    assert sorted(codes - set(MESSAGES)) == []  # every code the kiosk can meet is said...
    assert sorted(set(MESSAGES) - codes) == []  # ...and nothing it cannot meet
    for site in sites:  # every value a message fills in is one the raise gives
        missing = set(MESSAGES[str(site.code)].fills) - site.params
        assert not missing, (site.where, site.code, missing)


def test_the_scan_finds_codes_the_kiosk_does_not_say() -> None:
    """What the admin window meets (a staff user's name taken, a bad PIN when one is set)
    is found from its functions and has no kiosk message: the test above can fail."""
    create = module("schema.staff").functions["create_staff"]
    codes = _codes(reachable([(("schema.staff", create), None, {})]))
    assert {"staff.exists", "staff.role", "pin.format", "staff.name.required"} <= codes
    assert not codes & set(MESSAGES)


# --- (b) lupdate finds them ----------------------------------------------------------------

def _lupdate(ts: Path) -> ElementTree.ElementTree:
    subprocess.run([_qt_tool("lupdate"), "kiosk/messages.py", "-ts", str(ts)], cwd=ROOT,
                   check=True, capture_output=True, timeout=120)
    return ElementTree.parse(ts)


def test_lupdate_extracts_every_kiosk_message(tmp_path: Path) -> None:
    tree = _lupdate(tmp_path / "dropin_xx.ts")
    found = {m.findtext("source") for c in tree.getroot().iter("context")
             if c.findtext("name") == CONTEXT for m in c.iter("message")}
    wanted = {GENERIC} | {said.text for said in MESSAGES.values()}
    assert found == wanted
    for said in MESSAGES.values():  # %1, %2... one for each value filled in
        assert sorted(set(re.findall(r"%(\d)", said.text))) == [
            str(i + 1) for i in range(len(said.fills))], said.text


# --- explain() on its own ----------------------------------------------------------------

def test_values_are_filled_in_and_times_are_the_rooms() -> None:
    assert explain(Refused("1800 is not a possible year of birth", code="year.impossible",
                           year=1800)).startswith("1800 can't be a year of birth.")
    until = dt.datetime(2026, 7, 1, 13, 5, tzinfo=UTC)  # 14:05 in London (summer time)
    assert explain(LockedOut("too many", code="pin.locked", until=until)) == (
        "Too many wrong PINs. The PIN pad is locked until 14:05.")
    # A lock that ends within a minute: the first minute it is over (at 14:05 it holds).
    assert explain(LockedOut("too many", code="pin.locked",
                             until=until.replace(second=29))) == (
        "Too many wrong PINs. The PIN pad is locked until 14:06.")
    # a value is put in once, never filled in itself
    assert explain(Refused("x", code="year.impossible", year="%1")).startswith("%1 can't")


@pytest.mark.parametrize("exc", [
    NotFound("there is no thing called 'Zed'", code="thing.unknown"),  # no kiosk message
    Refused("no code at all"),
    Refused("'=1' is not a year of birth", code="year.impossible"),  # without its value
], ids=["unknown-code", "no-code", "missing-value"])
def test_a_refusal_without_kiosk_words_gets_a_calm_message_and_a_log_line(
        exc: DropinError, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.messages"):
        shown = explain(exc)
    assert shown == GENERIC
    assert str(exc) not in shown
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert exc.code in caplog.records[0].getMessage()
    assert "Zed" not in caplog.text and "=1" not in caplog.text  # what was typed stays out


# --- the real kiosk ----------------------------------------------------------------------

rig = touch.rig  # the kiosk at 1280×800, one session on now, on a fresh database


def said(code: str, **params: object) -> str:
    """What the kiosk shows for ``code`` (English: no translation installed)."""
    return explain(Refused("", code=code, **params))


def _toast(rig: Rig, expected: str) -> None:
    rig.qtbot.waitUntil(lambda: rig.kiosk.w.toast.isVisible()
                        and rig.kiosk.w.toast.text() == expected, timeout=5000)


def _people(rig: Rig) -> object:
    return rig.sql("SELECT COUNT(*) FROM person")


# --- (c) translated on screen ------------------------------------------------------------

@pytest.fixture
def shouting(tmp_path: Path) -> Iterator[None]:
    """A translation of the kiosk (every sentence in capitals), made with lupdate and
    lrelease from every kiosk source, installed while the test runs."""
    _found, qm = touch.shouting_translation(tmp_path)
    translator = QTranslator()
    assert translator.load(str(qm))
    app = QApplication.instance()
    app.installTranslator(translator)
    yield
    app.removeTranslator(translator)


def test_an_unknown_card_is_told_in_the_kiosks_language(rig: Rig, shouting: None) -> None:
    rig.scanner.show("DRP-" + "A" * 26)  # a card's shape, but no card of ours
    _toast(rig, "SORRY, WE DON'T KNOW THIS CARD. PLEASE ASK A MEMBER OF STAFF.")
    assert "recognised" not in rig.kiosk.w.toast.text().lower()  # not the core's English


def test_a_bad_postcode_and_an_impossible_year_are_told_in_the_kiosks_language(
        rig: Rig, shouting: None) -> None:
    new = rig.kiosk.new
    rig.tap(rig.kiosk.welcome.new_button)
    _type_about_you(rig)
    rig.enter()
    rig.type("ZZZ")
    rig.tap(rig.find("newNextButton"))
    _toast(rig, said("postcode.invalid").upper())
    assert "ZZZ" not in rig.kiosk.w.toast.text() and "UK postcode" not in rig.kiosk.w.toast.text()
    assert QApplication.focusWidget() is new.postcode and new.postcode.text() == "ZZZ"
    # and a value filled into a translated sentence
    rig.tap(new.year)
    rig.qtbot.keyClick(new.year, Qt.Key.Key_Backspace)
    rig.qtbot.keyClick(new.year, Qt.Key.Key_Backspace)
    rig.type("1800")
    rig.tap(rig.find("newNextButton"))
    _toast(rig, "1800 CAN'T BE A YEAR OF BIRTH. PLEASE TYPE A YEAR LIKE 1988, OR AN AGE "
                "LIKE 34.")
    assert new.step == 0 and _people(rig) == 0


def test_a_locked_pin_pad_says_until_when_in_the_rooms_time(rig: Rig) -> None:
    """The fifth wrong PIN in a row says at once that the pad is locked, and until when;
    the right PIN is then refused too. Only this kiosk's pad is locked, not Jo."""
    run_in_transaction(rig.engine, lambda s: create_staff(s, name="Jo", role="staff",
                                                          pin="2468", actor="test"))
    run_in_transaction(rig.engine, lambda s: s.execute(text(
        "INSERT INTO pin_pad (actor, failed_attempts) VALUES (:pad, 4)"),
        {"pad": rig.kiosk.cfg.actor}))  # one more wrong PIN locks it
    rig.tap(rig.kiosk.welcome.staff_button)
    rig.wait_for(rig.kiosk.pin)
    said = []
    for pin in ("1111", "2468"):  # the fifth wrong one; then the right one, too late
        rig.kiosk.w.toast.clear_now()
        for digit in pin:
            rig.tap(rig.find(f"pin_{digit}"))
        rig.tap(rig.find("pin_ok"))
        rig.qtbot.waitUntil(lambda: rig.kiosk.w.toast.isVisible(), timeout=5000)
        said.append(rig.kiosk.w.toast.text())
    locked = rig.sql("SELECT locked_until FROM pin_pad")
    until = dt.datetime.fromisoformat(str(locked)).replace(tzinfo=UTC)
    over = until.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)  # (rounded up)
    message = (f"Too many wrong PINs. The PIN pad is locked until "
               f"{over.astimezone(LONDON):%H:%M}.")
    assert said == [message, message]
    assert rig.kiosk.current() is rig.kiosk.pin
    assert rig.sql("SELECT locked_until FROM staff_user") is None


# --- the name rules, in the core ---------------------------------------------------------

@pytest.mark.parametrize("name", ["Amira", "Mary-Jane", "O'Neill", "O’Neill", "D'Arcy", "Zoë",
                                  "Jo", "  Sam  ", "Łukasz", "Nguyễn", "明", "慧敏", "서연",
                                  "ゆい"])
def test_first_names_the_kiosk_takes(name: str) -> None:
    assert clean_first_name(name) == name.strip()


@pytest.mark.parametrize(("name", "code"), [
    ("", "name.required"), ("   ", "name.required"), ("A", "name.too_short"),
    ("É", "name.too_short"), ("Amira Khan", "name.whole"), ("Mary Jane", "name.whole"),
    ("Amira2", "name.not_letters"), ("1988", "name.not_letters"), ("Am!ra", "name.not_letters"),
    ("Amira.", "name.not_letters"), ("-Amira", "name.not_letters"),
    ("Mary--Jane", "name.not_letters"), ("Amira 1990", "name.not_letters"),
    ("Sam@x", "name.not_letters"), ("=1+1", "name.not_letters"), ("👍🏽", "name.not_letters"),
    ("Ann\x00e", "name.control"), ("'Amira", "name.not_letters"), ("'", "name.not_letters"),
    ("明 李", "name.whole"), ("明1", "name.not_letters"),
])
def test_first_names_the_kiosk_refuses(name: str, code: str) -> None:
    with pytest.raises(Refused) as refused:
        clean_first_name(name)
    assert refused.value.code == code


@pytest.mark.parametrize(("name", "kept"), [
    ("K", "K"), ("K.", "K"), ("Khan", "Khan"), ("O'Neill", "O'Neill"),
    ("Smith-Jones", "Smith-Jones"), ("van der Berg", "van der Berg"), ("", ""),
    ("'t Hooft", "'t Hooft"), ("’s Jacob", "’s Jacob"), ("李", "李"),
])
def test_surnames_and_initials_the_kiosk_takes(name: str, kept: str) -> None:
    assert clean_surname(name) == kept


@pytest.mark.parametrize(("typed", "kept", "clean"), [
    ("amira", "Amira", clean_first_name), ("mary-jane", "Mary-Jane", clean_first_name),
    ("d'arcy", "D'Arcy", clean_first_name), ("łukasz", "Łukasz", clean_first_name),
    ("zoë", "Zoë", clean_first_name), ("McKenzie", "McKenzie", clean_first_name),
    ("k", "K", clean_surname), ("k.", "K", clean_surname), ("khan", "Khan", clean_surname),
    ("o'neill", "O'Neill", clean_surname), ("smith-jones", "Smith-Jones", clean_surname),
    ("van der berg", "van der berg", clean_surname), ("de Souza", "de Souza", clean_surname),
    ("'t hooft", "'t hooft", clean_surname), ("李", "李", clean_surname),
])
def test_names_typed_in_lower_case_get_capitals_and_others_are_kept(typed, kept, clean) -> None:
    assert clean(typed) == kept


@pytest.mark.parametrize("name", ["K9", "Khan!", "K..", "1", "Smith & Jones", "-", "'", "''t",
                                  "t'", "' Hooft"])
def test_surnames_the_kiosk_refuses(name: str) -> None:
    with pytest.raises(Refused) as refused:
        clean_surname(name)
    assert refused.value.code == "surname.not_letters"


# --- the name rules, on screen -----------------------------------------------------------

def test_a_whole_name_typed_as_the_first_name_is_pointed_out_and_kept(rig: Rig) -> None:
    new = rig.kiosk.new
    _about_you(rig, "Amira Khan", "Khan")
    _toast(rig, said("name.whole"))
    assert rig.kiosk.w.toast.text().startswith("Just the first name here")
    assert new.step == 0 and _people(rig) == 0
    assert new.first.text() == "Amira Khan" and new.last.text() == "Khan"  # left to put right
    assert QApplication.focusWidget() is new.first
    for _ in " Khan":
        rig.qtbot.keyClick(new.first, Qt.Key.Key_Backspace)
    rig.tap(rig.find("newNextButton"))
    rig.qtbot.waitUntil(lambda: new.step == 1)


@pytest.mark.parametrize(("first", "last", "code"), [
    ("A", "K", "name.too_short"),
    ("Amira2", "K", "name.not_letters"),
    ("Am!ra", "K", "name.not_letters"),
    ("Amira", "K9", "surname.not_letters"),
])
def test_a_name_the_kiosk_cannot_take_is_told_and_nothing_is_saved(
        rig: Rig, first: str, last: str, code: str) -> None:
    new = rig.kiosk.new
    _about_you(rig, first, last)
    _toast(rig, said(code, letters=2))
    assert new.step == 0 and _people(rig) == 0
    assert (new.first.text(), new.last.text()) == (first, last)
    assert QApplication.focusWidget() is (new.last if code.startswith("surname") else new.first)


def test_hyphens_apostrophes_and_an_initial_with_a_full_stop_are_taken(rig: Rig) -> None:
    _about_you(rig, "Mary-Jane", "O'Neill", "1990")
    rig.qtbot.waitUntil(lambda: rig.kiosk.new.step == 1)
    rig.type("D'Arcy")
    rig.enter()
    rig.type("8")
    rig.enter()
    rig.qtbot.waitUntil(lambda: len(rig.kiosk.visit.new_members) == 1)
    rig.tap(rig.find("familyNextButton"))
    rig.tap(rig.find("agreeButton"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneMessage", QLabel).text() == "Welcome, Mary-Jane"
    with read_session(rig.engine) as s:
        rows = s.execute(text("SELECT first_name, last_name FROM person ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("Mary-Jane", "O'Neill"), ("D'Arcy", "O'Neill")]


def test_names_typed_in_lower_case_are_given_their_capitals(rig: Rig) -> None:
    """The on-screen keyboard does not always start a name with a capital: "amira" is
    welcomed and kept as "Amira", and her household's names likewise."""
    _about_you(rig, "mary-jane", "o'neill", "1990")
    rig.qtbot.waitUntil(lambda: rig.kiosk.new.step == 1)
    rig.type("d'arcy")
    rig.enter()
    rig.type("8")
    rig.enter()
    rig.qtbot.waitUntil(lambda: len(rig.kiosk.visit.new_members) == 1)
    assert rig.find("memberRemove0").text().startswith("D'Arcy")
    rig.tap(rig.find("familyNextButton"))
    rig.tap(rig.find("agreeButton"))
    rig.wait_for(rig.kiosk.done)
    assert rig.find("doneMessage", QLabel).text() == "Welcome, Mary-Jane"
    with read_session(rig.engine) as s:
        rows = s.execute(text("SELECT first_name, last_name FROM person ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("Mary-Jane", "O'Neill"), ("D'Arcy", "O'Neill")]


def test_a_household_member_with_a_whole_name_is_pointed_out_and_kept(rig: Rig) -> None:
    new = rig.kiosk.new
    _about_you(rig, "Amira", "K.")
    rig.qtbot.waitUntil(lambda: new.step == 1)
    assert rig.kiosk.visit.new_you["last_name"] == "K"  # "K." is the initial K
    rig.type("Yusuf Khan")
    rig.enter()
    rig.type("36")
    rig.enter()
    _toast(rig, said("name.whole"))
    assert rig.kiosk.visit.new_members == []
    assert new.member_name.text() == "Yusuf Khan" and new.member_year.text() == "36"
    assert QApplication.focusWidget() is new.member_name
    rig.kiosk.w.toast.clear_now()
    rig.type("2")  # "Yusuf Khan2"
    rig.enter()
    rig.enter()
    _toast(rig, said("name.not_letters"))
    new.member_name.setText("Y")
    rig.tap(rig.find("memberAddButton"))
    _toast(rig, said("name.too_short", letters=2))
    assert rig.kiosk.visit.new_members == [] and _people(rig) == 0
    new.member_name.setText("Yusuf")
    rig.tap(rig.find("memberAddButton"))
    rig.qtbot.waitUntil(lambda: [m["first_name"] for m in rig.kiosk.visit.new_members]
                        == ["Yusuf"])


def _to_whos_here(rig: Rig) -> None:
    _family(rig.engine, ("Lauren", "Lawrence", 1982), ("Gordon", "Lawrence", 1979), card=False)
    rig.tap(rig.kiosk.welcome.sign_in_button)
    rig.type("Lau")
    rig.enter()
    rig.type("1982")
    rig.qtbot.waitUntil(lambda: rig.shown("result0"))
    rig.tap(rig.find("result0"))
    rig.wait_for(rig.kiosk.who)


def test_adding_someone_on_whos_here_checks_their_first_name(rig: Rig) -> None:
    _to_whos_here(rig)
    who = rig.kiosk.who
    for name, code in (("B", "name.too_short"), ("Bilal Lawrence", "name.whole"),
                       ("B1lal", "name.not_letters")):
        rig.kiosk.w.toast.clear_now()
        for field_, typed in ((who.new_name, name), (who.new_year, "3")):
            rig.tap(field_)
            field_.selectAll()  # what was there before is typed over
            rig.type(typed)
        rig.tap(rig.find("addMemberButton"))
        _toast(rig, said(code, letters=2))
        assert who.new_name.text() == name and who.new_year.text() == "3"  # kept to fix
        assert QApplication.focusWidget() is who.new_name
        assert _people(rig) == 2 and len(who.toggles) == 2
    rig.tap(who.new_name)
    who.new_name.selectAll()
    rig.type("Bilal")
    rig.tap(rig.find("addMemberButton"))
    rig.qtbot.waitUntil(lambda: len(who.toggles) == 3)
    assert _people(rig) == 3
    assert rig.sql("SELECT first_name FROM person ORDER BY id DESC LIMIT 1") == "Bilal"


def test_find_me_shows_only_the_first_word_of_a_whole_name_stored(rig: Rig) -> None:
    """Names from the admin window or an import may hold a whole name: the shared screen
    still shows "Amira K. (1990)" at most."""
    _family(rig.engine, ("Amira Khan Begum", "Khan", 1990), card=False)
    rig.tap(rig.kiosk.welcome.sign_in_button)
    rig.type("Ami")
    rig.enter()
    rig.type("1990")
    rig.qtbot.waitUntil(lambda: rig.shown("result0"))
    assert rig.find("result0", QPushButton).text() == "Amira K. (1990)"
    shown = rig.visible_text()
    assert "Khan" not in shown and "Begum" not in shown
