"""The kiosk's one door to the database.

Every core operation runs on one worker thread, one at a time (the kiosk's UI
thread never waits on a disk or a server). Results come back to the UI thread
as callbacks. Sign-ins that fail because the database is unavailable go to a
durable local outbox and are replayed until they land: a sign-in confirmed on
screen is never lost.
"""

from __future__ import annotations

import json
import logging
import os
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from schema.errors import DropinError
from schema.sql import Db, Source, driver_bugs, driver_errors

log = logging.getLogger(__name__)

Work = Callable[[Any], Any]  # given a Db (the kiosk) or a Session (the admin window)
RETRY_MS = 5000


class Unavailable(Exception):
    """The database could not be reached or written (the environment's fault)."""


@dataclass
class _Job:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[Exception], None] | None


class _Batch:
    """Outbox entries sent together. Once one of them finds the database away, the rest
    are not tried: each would only wait out a time-out of its own. (Touched only on the
    worker thread.)"""

    def __init__(self) -> None:
        self.broken = False


@dataclass
class _Sent:
    """An outbox entry's work, sent as part of a batch."""

    batch: _Batch
    work: Work

    def __call__(self, db: Any) -> Any:
        return self.work(db)


@dataclass(frozen=True)
class OwnTransactions:
    """Work that is given the database itself and opens its transactions as it needs
    them (a PIN checked between two, say), instead of running inside one."""

    work: Callable[[Source], Any]


class _Worker(QObject):
    finished = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, database: Source) -> None:
        super().__init__()
        self.database = database

    @Slot(int, object)
    def run(self, job_id: int, work: Work) -> None:
        batch = work.batch if isinstance(work, _Sent) else None
        if batch is not None and batch.broken:  # (not tried: it would only wait again)
            self.failed.emit(job_id, Unavailable("the database was away for an earlier entry"))
            return
        try:
            if isinstance(work, OwnTransactions):
                result = work.work(self.database)
            else:
                result = self.database.transaction(work)
        except DropinError as exc:
            self.failed.emit(job_id, exc)
        except Exception as exc:
            if unavailable(exc):
                log.warning("database unavailable: %s", exc)
                if batch is not None:
                    batch.broken = True
                self.failed.emit(job_id, Unavailable(str(exc)))
            else:  # our bug: log it whole, but the kiosk keeps going
                log.error("kiosk operation failed:\n%s", traceback.format_exc())
                self.failed.emit(job_id, exc)
        else:
            self.finished.emit(job_id, result)


def unavailable(exc: BaseException) -> bool:
    """A failure of the database or the way to it (the environment's fault, not ours):
    a DB-API error, or SQLAlchemy's wrapping of one (the admin window's runner) — but not
    one that blames the statement or its data (a constraint, bad SQL): that would fail
    again however long it waited, and is ours to look at."""
    error = exc if isinstance(exc, driver_errors()) else getattr(exc, "orig", None)
    return isinstance(error, driver_errors()) and not isinstance(error, driver_bugs())


class OutboxInUse(DropinError):
    """Another kiosk process already keeps this outbox (the same site, the same data
    folder): two writing one file would lose each other's kept sign-ins."""


def _sync_folder(folder: Path) -> None:
    """Make a file just created in ``folder``, or renamed into it, survive a power cut
    (the folder's own entry for it is written to disk)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Outbox:
    """Sign-ins waiting for the database: one JSON object a line, fsync'd on every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.aside = path.with_suffix(".set-aside")
        # Lines that are not entries (one torn by a power cut, one edited by hand or
        # written by another version) go to the set-aside file before anything else is
        # written: the next entry is not appended to a torn line, and a rewrite of the
        # file (remove, replace) drops nothing unseen.
        if path.exists():
            good, odd = self._read()
            if odd:
                log.warning("outbox: %d line(s) that are not entries set aside", len(odd))
                self._append(self.aside, odd)
            if odd or not path.read_bytes().endswith(b"\n"):  # (an entry cut off its end)
                self._write(good)
        # What the file holds, known without reading it (each sign-in asks).
        self._ids = [str(e["id"]) for e in self.entries()]

    def _read(self) -> tuple[list[dict[str, Any]], list[str]]:
        """The entries in the file, and the lines that are not entries (one that is not
        even UTF-8 is kept with its odd bytes written as escapes)."""
        good: list[dict[str, Any]] = []
        odd: list[str] = []
        for raw in self.path.read_bytes().split(b"\n"):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                odd.append(raw.decode("utf-8", "backslashreplace"))
                continue
            if isinstance(entry, dict) and {"id", "kind", "args"} <= entry.keys():
                good.append(entry)
            else:
                odd.append(raw.decode("utf-8"))
        return good, odd

    def entries(self) -> list[dict[str, Any]]:
        return self._read()[0] if self.path.exists() else []

    @staticmethod
    def _append(path: Path, lines: list[str]) -> None:
        """Lines at the end of ``path``, on disk when this returns. A line left without
        its end by an append that failed half way (a full disk) is ended first, so the
        new lines are not run into it."""
        new = not path.exists()
        with path.open("a+b") as fh:
            data = "".join(line + "\n" for line in lines).encode("utf-8")
            if fh.seek(0, os.SEEK_END):
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    data = b"\n" + data
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if new:
            _sync_folder(path.parent)

    def add(self, kind: str, **args: Any) -> str:
        entry = {"id": uuid.uuid4().hex, "kind": kind, "args": args}
        self._append(self.path, [json.dumps(entry, default=str)])
        self._ids.append(str(entry["id"]))
        return str(entry["id"])

    def remove(self, entry_id: str) -> None:
        self._rewrite(lambda entries: [e for e in entries if e["id"] != entry_id])

    def replace(self, entry_id: str, kind: str, **args: Any) -> None:
        """Another sign-in in an entry's place (and under its id)."""
        self._rewrite(lambda entries: [{"id": e["id"], "kind": kind, "args": args}
                                       if e["id"] == entry_id else e for e in entries])

    def set_aside(self, entry: dict[str, Any]) -> None:
        """An entry that cannot be sent goes to a file of its own beside the outbox
        (``*.set-aside``), for someone to look at: not lost, and not in the way."""
        self._append(self.aside, [json.dumps(entry, default=str)])
        self.remove(entry["id"])

    def _rewrite(self, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
        """The file again, with ``change`` made to its entries; a line that is not an
        entry (torn by a failed write since the kiosk started) is set aside, not dropped."""
        good, odd = self._read() if self.path.exists() else ([], [])
        if odd:
            log.warning("outbox: %d line(s) that are not entries set aside", len(odd))
            self._append(self.aside, odd)
        self._write(change(good))

    def _write(self, keep: list[dict[str, Any]]) -> None:
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(e, default=str) + "\n" for e in keep)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _sync_folder(self.path.parent)
        self._ids = [str(e["id"]) for e in keep]

    def set_aside_count(self) -> int:
        """How many lines the set-aside file holds (read from disk: it is asked for only
        when staff open the fire register)."""
        try:
            data = self.aside.read_bytes()
        except FileNotFoundError:
            return 0
        return sum(1 for line in data.split(b"\n") if line.strip())

    def ids(self) -> list[str]:
        """The entries' ids, oldest first."""
        return list(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def _lock(outbox: Path) -> int:
    """Hold a lock file beside ``outbox`` while the kiosk runs (the lock goes with the
    process), or refuse with OutboxInUse: one kiosk process to one outbox."""
    import fcntl

    outbox.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(outbox.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OutboxInUse(f"another kiosk is already running with the outbox {outbox} "
                          "(one kiosk to a site in each data folder)",
                          code="outbox.in_use") from None
    return fd


class Runner(QObject):
    """Runs database operations one at a time on a worker thread (never the UI thread)."""

    _submit = Signal(int, object)

    def __init__(self, database: Source) -> None:
        super().__init__()
        self.database = database
        self._jobs: dict[int, _Job] = {}
        self._next = 0
        self._thread = QThread()
        self._thread.setObjectName("dropin-db")
        self._worker = _Worker(database)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._worker.finished.connect(self._finished)
        self._worker.failed.connect(self._failed)
        self._thread.start()
        self._stopping = False

    def set_database(self, database: Source) -> None:
        """Point the worker at another database: the jobs given after this run there
        (the tests and the screenshots use it to take the database away and bring it
        back). The worker takes it between two jobs, on its own thread."""
        self.database = database
        worker = self._worker
        self.call(OwnTransactions(lambda _old: setattr(worker, "database", database)))

    def call(
        self,
        work: Work,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._next += 1
        self._jobs[self._next] = _Job(on_done, on_error)
        self._submit.emit(self._next, work)

    @Slot(int, object)
    def _finished(self, job_id: int, result: Any) -> None:
        job = self._jobs.pop(job_id)
        if job.on_done:
            job.on_done(result)

    @Slot(int, object)
    def _failed(self, job_id: int, exc: Exception) -> None:
        job = self._jobs.pop(job_id)
        if job.on_error:
            job.on_error(exc)

    def idle(self) -> bool:
        return not self._jobs

    # How long shutting down waits for the job on hand: then it is interrupted, and waited
    # for as long again and more (a dead server's connection gives up within ~15 s).
    STOP_MS = 5000

    def shutdown(self) -> bool:
        """Close the database and stop the worker thread, once the work already given it
        is done (a job stuck on a dead connection or a locked file is interrupted after
        a few seconds). The connection is closed on the worker thread, never from under
        a transaction. False if the thread would not stop (the caller should then not
        wait for it either); calling it again does nothing."""
        if self._stopping:
            return not self._thread.isRunning()
        self._stopping = True
        self.call(OwnTransactions(_close_and_stop))
        if self._thread.wait(self.STOP_MS):
            return True
        interrupt = getattr(self.database, "interrupt", None)
        if interrupt is not None:
            interrupt()
        if self._thread.wait(3 * self.STOP_MS):
            return True
        log.error("the database thread did not stop: left behind")
        return False


def _close_and_stop(database: Source) -> None:
    """The worker's last job: the connection closed on its own thread, then its loop
    ended."""
    try:
        database.close()
    finally:
        QThread.currentThread().quit()


def _look(db: Any) -> Any:
    """Whether the database answers (run as a job: an error says it does not)."""
    return Db.of(db).value("SELECT 1")


def _head_count(entry: dict[str, Any]) -> int:
    """How many people a kept sign-in was for (0 for a head-count: it has no name to lose).

    A kept sign-in the core refuses when it is sent (the card was revoked meanwhile, the
    person merged into another record) was confirmed to the visitor on screen: it is
    counted as that many people without names rather than lost."""
    args = entry["args"]
    here = args.get("here")  # (a registration: those here today, beside the visitor)
    return {"scan": 1, "sign_in": len(args.get("person_ids") or ()),
            "register": 1 + len(here) if here is not None else len(args.get("members") or ())
            }.get(entry["kind"], 0)


class Store(Runner):
    """The kiosk's runner: also keeps unsent sign-ins in the outbox and replays them."""

    availability_changed = Signal(bool)  # False while the database cannot be reached
    outbox_drained = Signal()

    def __init__(self, database: Source, outbox_path: Path,
                 replay: Callable[[str, dict[str, Any]], Work]) -> None:
        lock = _lock(outbox_path)  # (before the worker thread starts)
        super().__init__(database)
        self._lock_fd = lock
        self.outbox = Outbox(outbox_path)
        self._replay = replay
        self.available = True
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self.drain)
        self._draining: set[str] = set()  # the ids of the batch on its way
        self._stalled = False  # the outbox could not be rewritten for the batch on its way
        self._batch = _Batch()
        # Kept entries to be sent in place of ones on their way, should those not land.
        self._instead: dict[str, tuple[str, dict[str, Any]]] = {}
        if len(self.outbox):
            QTimer.singleShot(0, self.drain)

    def call_or_keep(
        self,
        kind: str,
        args: dict[str, Any],
        on_done: Callable[[Any], None],
        on_kept: Callable[[str], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        """A sign-in: run it now; if the database is unavailable, keep it in the outbox
        (on disk before ``on_kept`` tells the visitor it is done; it is given the entry's
        id) and retry later.

        Sign-ins land in the order they were made (a visitor's second scan signs her
        out only after her first has landed). So a sign-in is kept at once, without
        trying the database, while the database is known to be away (until the outbox
        next drains) or while the outbox holds an entry not yet sent; it runs now only
        behind every kept entry, on the same worker thread, as the last of their batch:
        should one of them not land, it is not tried either, and is kept behind them.
        ``on_kept`` is still called from the event loop, never from within this call."""
        if not self.available or self.unsent():
            entry = self._keep(kind, args)
            self._retry_later()
            if entry is None:
                QTimer.singleShot(0, lambda: on_error(Unavailable("the outbox is not writable")))
            else:
                QTimer.singleShot(0, lambda: on_kept(entry))
            return

        def failed(exc: Exception) -> None:
            if isinstance(exc, Unavailable):
                entry = self._keep(kind, args)
                self._set_available(False)
                self._retry_later()
                if entry is None:
                    on_error(exc)
                else:
                    on_kept(entry)
            else:
                on_error(exc)

        def done(result: Any) -> None:
            self._set_available(True)
            on_done(result)

        work = self._replay(kind, args)
        self.call(_Sent(self._batch, work) if self._draining else work, done, failed)

    def _keep(self, kind: str, args: dict[str, Any]) -> str | None:
        """The sign-in written to the outbox: its entry's id, or None when it could not
        be written (a full disk, a folder made read-only): then nothing is confirmed, and
        the visitor is told to ask staff."""
        try:
            return self.outbox.add(kind, **args)
        except OSError:
            log.exception("outbox: a sign-in could not be kept in %s", self.outbox.path)
            return None

    def _retry_later(self) -> None:
        """Send the outbox again in a few seconds (a countdown already running goes on:
        sign-ins kept every few seconds must not put the next try off for ever)."""
        if not self._retry.isActive():
            self._retry.start()

    def unsent(self) -> bool:
        """Whether the outbox holds an entry that is not on its way to the database."""
        return any(i not in self._draining for i in self.outbox.ids())

    def replace(self, entry_id: str, kind: str, args: dict[str, Any]) -> None:
        """Keep a better sign-in in place of a kept one (a card scanned with the database
        away, and the session the visitor then chose), in its place in the order. One on
        its way to the database is replaced only if it does not land; one that has landed
        stands as it is (sent again, a card scan would sign its visitor out)."""
        if entry_id in self._draining:
            self._instead[entry_id] = (kind, args)
        elif entry_id in self.outbox.ids():
            try:
                self.outbox.replace(entry_id, kind, **args)
            except OSError:  # the kept scan stands: it still signs the visitor in
                log.exception("outbox: the session chosen could not be kept")

    @Slot()
    def drain(self) -> None:
        """Send everything the outbox holds, oldest first, queued on the worker thread
        together, so that nothing can come between them (a live sign-in queues behind).
        If the database is still away, the first entry finds out and the rest are not
        tried; the retry timer sends them all again later."""
        if self._draining:  # (the batch on its way drains again when it is back)
            return
        sends: list[tuple[dict[str, Any], Work]] = []
        for entry in self.outbox.entries():
            try:
                # From the outbox nobody is there to choose a session: the first one on is
                # taken.
                sends.append((entry, self._replay(entry["kind"],
                                                  {**entry["args"], "replay": True})))
            except Exception:  # not one of ours (edited by hand, or from another version)
                log.exception("outbox: an entry that cannot be sent, set aside")
                self._set_aside(entry)
        if not sends:
            if self.available:
                self._retry.stop()
            else:  # away, with nothing kept to find out by: a look is enough
                self.call(_look, self._back, lambda _exc: None)
            return
        self._batch = _Batch()
        self._draining = {str(entry["id"]) for entry, _work in sends}
        for entry, work in sends:
            self.call(_Sent(self._batch, work), self._landed(entry), self._not_landed(entry))

    def _landed(self, entry: dict[str, Any]) -> Callable[[Any], None]:
        def landed(_result: Any) -> None:
            self._instead.pop(entry["id"], None)
            try:
                self.outbox.remove(entry["id"])
            except OSError:  # sent again later: every kind of entry lands once
                log.exception("outbox: a landed entry could not be taken off")
                self._stalled = True
            finally:
                self._set_available(True)
                self._sent(entry)

        return landed

    def _not_landed(self, entry: dict[str, Any]) -> Callable[[Exception], None]:
        def failed(exc: Exception) -> None:
            instead = self._instead.pop(entry["id"], None)
            try:
                if isinstance(exc, Unavailable):
                    if instead is not None:
                        self.outbox.replace(entry["id"], instead[0], **instead[1])
                    self._set_available(False)
                    self._retry_later()
                elif not isinstance(exc, DropinError):  # our fault, not the visitor's: kept
                    self._set_aside(entry)
                else:  # refused for good (a card revoked since, a person merged away)
                    # (its code, not its words: they may carry what the visitor typed)
                    log.error("outbox entry %s refused: %s", entry["kind"],
                              getattr(exc, "code", type(exc).__name__))
                    counted = _head_count(entry)
                    if counted:  # confirmed on screen: the visit counts, without a name
                        # In the entry's place, in one rewrite, with a receipt of its own
                        # made from the entry's id: kept twice, it would still count once.
                        receipt = uuid.uuid5(uuid.NAMESPACE_OID, str(entry["id"])).hex
                        self.outbox.replace(entry["id"], "anonymous", headcount=counted,
                                            session_id=entry["args"].get("session_id"),
                                            at=entry["args"].get("at"), entry=receipt)
                    else:
                        self.outbox.remove(entry["id"])
            except OSError:  # left as it was, to be tried again
                log.exception("outbox: an entry that did not land could not be updated")
                self._stalled = True
            finally:
                self._sent(entry)

        return failed

    def _set_aside(self, entry: dict[str, Any]) -> None:
        try:
            self.outbox.set_aside(entry)
        except OSError:  # left in the outbox: tried again later
            log.exception("outbox: an entry could not be set aside")

    def _sent(self, entry: dict[str, Any]) -> None:
        """One entry of the batch is back; once all are, the outbox drains again (what
        was kept meanwhile) or is empty."""
        self._draining.discard(str(entry["id"]))
        if self._draining:
            return
        if not len(self.outbox):
            self._retry.stop()
            self.outbox_drained.emit()
        elif self._stalled:  # (the outbox could not be written: at the next try, not now)
            self._stalled = False
            self._retry_later()
        elif self.available:
            self.drain()

    def away(self) -> None:
        """The database is known to be away (the kiosk started without it): sign-ins go
        straight to the outbox, and every few seconds the database is looked for."""
        self._set_available(False)
        self._retry_later()

    def _back(self, _result: Any) -> None:
        if not len(self.outbox):
            self._retry.stop()
        self._set_available(True)

    def _set_available(self, ok: bool) -> None:
        if ok != self.available:
            self.available = ok
            self.availability_changed.emit(ok)

    def shutdown(self) -> bool:
        self._retry.stop()
        stopped = super().shutdown()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # (the next kiosk on this outbox may start)
            self._lock_fd = -1
        return stopped
