"""Search in the inbox (检索): a case by its reference number, or cases by words of their subject
and text, within the reader's body and the list's filters, newest first.

What is typed is read once (`read_query`): a reference as a citizen reads it over the phone
(receipts.normalise_reference) is looked up exactly, by the unique reference; anything else is
a substring of the subject or the text, as typed, of three characters or more: the trigram index
the migration 181322392ab6 keeps (SQLite FTS5, PostgreSQL pg_trgm) finds the cases holding its
trigrams, and LIKE keeps those that hold the words themselves. Fewer than three characters have
no trigram, and finding a rare two-character word would read every case of the body (seconds
with a million cases): such a search is explained and refused rather than slow.

Results come newest first, by id (the order cases arrive in): on SQLite the FTS5 table hands its
matches in that order, so that a page stops reading after its rows; on PostgreSQL the planner
chooses between the trigram index (few matches) and the cases newest first (many matches).

The terms are data, never syntax: FTS5 gets quoted strings, LIKE patterns escape % and _, and
every value is a bound parameter.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from feedback.cases import receipts
from feedback.extensions import DbSession
from feedback.inbox.queries import LISTED, InboxFilters, InboxPage, InboxRow, filter_conditions
from feedback.models import Case, Item, User

LONGEST = 100  # characters: a reference, a phrase or a sentence of a case, not a whole text
SHORTEST = 3  # characters of words: a trigram

# What the migration adds for search and the models do not describe (autogenerate and
# tests/test_migrations.py leave these out): SQLite's FTS5 table and its shadow tables,
# PostgreSQL's trigram index.
SEARCH_INDEX = frozenset(
    {
        "cases_search",
        "cases_search_data",
        "cases_search_idx",
        "cases_search_docsize",
        "cases_search_config",
        "ix_cases_search",
    }
)


def outside_search_index(
    _object: Any, name: str | None, _type: str, _reflected: bool, _compare_to: Any
) -> bool:
    """Alembic's include_object: everything but the search index."""
    return name not in SEARCH_INDEX


class QueryError(ValueError):
    """What was typed cannot be searched; the message says why, in the reader's language."""


@dataclass(frozen=True)
class Query:
    """What to look for: a reference, or words."""

    reference: str | None = None
    words: str | None = None

    @property
    def kind(self) -> str:
        return "reference" if self.reference is not None else "words"


def read_query(typed: str) -> Query:
    """Read a search as typed; raise QueryError with a message when it cannot be searched."""
    text = typed.strip()
    if len(text) > LONGEST:
        raise QueryError(
            _l("Search for at most %(n)d characters: a reference number or a few words.", n=LONGEST)
        )
    if not any(unicodedata.category(c)[0] in "LN" for c in text):
        raise QueryError(_l("Type a reference number or words to search for."))
    reference = receipts.normalise_reference(text)
    if receipts.is_reference(reference):
        return Query(reference=reference)
    if len(text) < SHORTEST:
        raise QueryError(
            _l(
                "Type at least %(n)d characters, for instance a word with the one before or "
                "after it: shorter words are in too many cases to be searched quickly.",
                n=SHORTEST,
            )
        )
    return Query(words=text)


SEARCH = sa.table("cases_search", sa.column("rowid", sa.Integer))
LIKE_SPECIAL = re.compile(r"([\\%_])")


def fts_query(words: str) -> str:
    """The FTS5 query of cases holding the words' trigrams, each as a quoted string (a quote
    doubled), so that AND, NEAR, * or a column name are searched for, not obeyed.

    A trigram every third character and the last one cover the words: fewer lists to read than
    every trigram, or a phrase, for the same cases; LIKE then keeps those with the words.
    """
    starts = sorted({*range(0, len(words) - 2, 3), len(words) - 3})
    return " AND ".join('"' + words[i : i + 3].replace('"', '""') + '"' for i in starts)


def like_pattern(words: str) -> str:
    return "%" + LIKE_SPECIAL.sub(r"\\\1", words) + "%"


def search_page(
    session: DbSession,
    body_id: int,
    filters: InboxFilters,
    query: Query,
    number: int,
    size: int,
    now: datetime,
) -> InboxPage:
    """One page of the body's cases that match, newest first, within the filters."""
    conditions = [Case.body_id == body_id, *filter_conditions(filters, now)]
    statement = sa.select(*LISTED)
    if query.reference is not None:
        return run_page(
            session,
            statement.select_from(Case).where(Case.reference == query.reference, *conditions),
            1,
            1,
        )
    words = query.words or ""
    pattern = like_pattern(words)
    holds_words = sa.or_(
        Case.subject.ilike(pattern, escape="\\"), Case.content.ilike(pattern, escape="\\")
    )
    if session.get_bind().dialect.name == "sqlite":
        # The FTS5 table walks its matches newest first (rowid is the case's id); each is
        # checked against the words, the body and the filters until the page has its rows.
        statement = (
            statement.select_from(SEARCH)
            .join(Case, Case.id == SEARCH.c.rowid)
            .where(
                sa.literal_column("cases_search").op("MATCH")(fts_query(words)),
                holds_words,
                *conditions,
            )
            .order_by(SEARCH.c.rowid.desc())
        )
    else:
        statement = (
            statement.select_from(Case).where(holds_words, *conditions).order_by(Case.id.desc())
        )
    return run_page(session, statement, number, size)


def run_page(session: DbSession, statement: Any, number: int, size: int) -> InboxPage:
    """Read one page of `statement`'s rows, with each case's item and assignee."""
    statement = (
        statement.outerjoin(Item, Item.id == Case.item_id)
        .outerjoin(User, User.id == Case.assignee_id)
        .offset((number - 1) * size)
        .limit(size + 1)
    )
    rows = [InboxRow._make(row) for row in session.execute(statement)]
    return InboxPage(cases=rows[:size], number=number, has_next=len(rows) > size)
