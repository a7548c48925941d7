"""Table models for the admin window: dumb holders of rows, and a lazy people model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
HIGHLIGHT = QBrush(QColor("#fff1c2"))

Index = QModelIndex | QPersistentModelIndex


class _Headed(QAbstractTableModel):
    """Column titles shared by the admin's table models."""

    headers: list[str]

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.headers)):
            return self.headers[section]
        return None


class RowsModel(_Headed):
    """Rows handed in by the controller; column 0 of each row is its id (not shown).

    ``highlight`` picks rows to colour (e.g. follow-ups due).
    """

    def __init__(self, headers: Sequence[str], *,
                 highlight: Callable[[Sequence[Any]], bool] | None = None) -> None:
        super().__init__()
        self.headers = list(headers)
        self.rows: list[Sequence[Any]] = []
        self.highlight = highlight

    def set_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        self.beginResetModel()
        self.rows = [tuple(r) for r in rows]
        self.endResetModel()

    def update_row(self, row_id: Any, values: Sequence[Any]) -> None:
        """Replace one row (same id) and tell the views just that row changed."""
        for i, row in enumerate(self.rows):
            if row[0] == row_id:
                self.rows[i] = tuple(values)
                self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))
                return

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        value = row[index.column() + 1] if index.column() + 1 < len(row) else ""
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if value is None else str(value)
        if role == SORT_ROLE:
            return value if isinstance(value, int | float) else str(value or "")
        if role == ID_ROLE:
            return row[0]
        if role == Qt.ItemDataRole.BackgroundRole and self.highlight and self.highlight(row):
            return HIGHLIGHT
        return None

    def row_id(self, row: int) -> Any:
        return self.rows[row][0] if 0 <= row < len(self.rows) else None


class LazyPeopleModel(_Headed):
    """Holds only person ids; fetches the rows a view shows, a block at a time.

    ``fetch(ids)`` returns {id: row tuple}. Keeps 100 000 people instant: only the
    visible blocks are ever read.
    """

    BLOCK = 200

    def __init__(self, headers: Sequence[str],
                 fetch: Callable[[list[int]], dict[int, tuple[Any, ...]]]) -> None:
        super().__init__()
        self.headers = list(headers)
        self.fetch = fetch
        self.ids: list[int] = []
        self.cache: dict[int, tuple[Any, ...]] = {}

    def set_ids(self, ids: list[int]) -> None:
        self.beginResetModel()
        self.ids = list(ids)
        self.cache = {}
        self.endResetModel()

    def refresh_id(self, person_id: int) -> None:
        self.cache.pop(person_id, None)
        if person_id in self.ids:
            row = self.ids.index(person_id)
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def _row(self, row: int) -> tuple[Any, ...]:
        person_id = self.ids[row]
        if person_id not in self.cache:
            start = (row // self.BLOCK) * self.BLOCK
            block = self.ids[start:start + self.BLOCK]
            fetched = self.fetch(block)
            for pid in block:
                self.cache[pid] = fetched.get(pid, ("(removed)",) + ("",) * 6)
        return self.cache[person_id]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.ids):
            return None
        if role == ID_ROLE:
            return self.ids[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            value = self._row(index.row())[index.column()]
            return "" if value is None else str(value)
        return None

    def row_id(self, row: int) -> int | None:
        return self.ids[row] if 0 <= row < len(self.ids) else None
