"""Time the admin window's people table on a benchmark database: from opening the page
to the first rows painted, with 100 000 people. Prints the figures.

    python -m bench.admin_bench [--db bench/data/large.sqlite3] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=Path("bench/data/large.sqlite3"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from admin.models import LazyPeopleModel
    from admin.pages import table
    from schema.db import make_engine, read_session
    from schema.people import PEOPLE_COLUMNS, people_ids, people_rows

    if not args.db.exists():
        print(f"{args.db} is missing: run python -m bench.generate --scale large")
        return 2
    engine = make_engine(f"sqlite:///{args.db}")
    app = QApplication([])

    class Painted(QObject):
        done = False

        def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.done = True
            return False

    def fetch(ids: list[int]) -> dict[int, tuple[object, ...]]:
        with read_session(engine) as s:
            return people_rows(s, ids)

    times = []
    count = 0
    for _ in range(args.runs):
        t0 = time.perf_counter()
        with read_session(engine) as s:
            ids = people_ids(s)
        model = LazyPeopleModel(PEOPLE_COLUMNS, fetch)
        model.set_ids(ids)
        view = table(model, "peopleTable", sortable=False)
        view.resize(900, 700)
        spy = Painted()
        view.viewport().installEventFilter(spy)
        view.show()
        while not spy.done:
            app.processEvents()
        times.append((time.perf_counter() - t0) * 1000)
        count = len(ids)
        view.close()
        view.deleteLater()
        app.processEvents()
    print(f"people table, {count} people: first paint median {statistics.median(times):.0f} ms "
          f"(min {min(times):.0f}, max {max(times):.0f}; target <= 300 ms)")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
