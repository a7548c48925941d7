"""Render every admin page at 1280×800 and 1920×1080 into docs/screenshots/.

Run by ``make screenshots`` under Xvfb, on a fresh demo database, signed in as the
demo manager.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

SIZES = ((1280, 800), (1920, 1080))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QTabWidget

    from admin.app import Admin
    from schema.db import make_engine
    from schema.demo import load_demo
    from schema.migrate import upgrade

    args.out.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='dropin-admin-shots-')) / 'demo.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    load_demo(engine, seed=1)
    app = QApplication([])

    def settle(ms: int = 800) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    for width, height in SIZES:
        admin = Admin(app, engine)
        admin.w.resize(width, height)
        admin.w.show()
        settle()
        admin.w.grab().save(str(args.out / f"admin-sign-in-{width}x{height}.png"))
        login = admin.w.login
        login.user.setCurrentIndex(login.user.findText("Manager"))
        login.pin.setText("1234")
        login.button.click()
        settle(1500)
        for row, page in enumerate(admin.visible_pages):
            admin.w.nav.setCurrentRow(row)
            settle(1500)
            name = page.title.lower().replace(" ", "-")
            admin.w.grab().save(str(args.out / f"admin-{name}-{width}x{height}.png"))
            if name == "people":
                tabs = page.findChild(QTabWidget, "peopleTabs")
                tabs.setCurrentIndex(1)
                settle(1200)
                admin.w.grab().save(str(args.out / f"admin-duplicates-{width}x{height}.png"))
                tabs.setCurrentIndex(0)
        admin.shutdown()
        admin.w.close()
    engine.dispose()
    print(f"admin screenshots written to {args.out}")
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
