"""person.search_name / search_last: accents, apostrophes, hyphens and spaces left out

The find-me and staff searches compare names by these keys. Kept by ``schema.text.name_key``
from now on; this works them out again for everyone already on record. The fold is
written out here as it stands at this revision, so that a later change to ``name_key``
comes with a revision of its own.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 17:30:00
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
                      r"\ufdd0-\ufdef\ufffe\uffff]")
_MARKS = re.compile(r"[\s'\u2018\u2019`\u02bc\-\u2010\u2011.]+")
_BATCH = 5000


def _folded(name: str) -> str:  # schema.text.search_key at 0003
    return _CONTROL.sub("", unicodedata.normalize("NFC", name)).casefold().strip()


def _name_key(name: str) -> str:  # schema.text.name_key at 0004
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", _folded(name))
                   if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", _MARKS.sub("", bare))


def _rekey(key) -> None:
    bind = op.get_bind()
    # (A person merged away or anonymised has no keys, and keeps none.)
    rows = bind.execute(sa.text(
        "SELECT id, first_name, last_name FROM person "
        "WHERE merged_into_id IS NULL AND anonymised_at IS NULL")).all()
    update = sa.text("UPDATE person SET search_name = :n, search_last = :l WHERE id = :i")
    for start in range(0, len(rows), _BATCH):
        bind.execute(update, [{"i": r[0], "n": key(r[1])[:100], "l": key(r[2])[:100]}
                              for r in rows[start:start + _BATCH]])


def upgrade() -> None:
    _rekey(_name_key)


def downgrade() -> None:
    _rekey(_folded)
