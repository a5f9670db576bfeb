"""Search in the inbox (检索): a case by its reference number, or cases by words of their subject
and text, within the reader's body and the list's filters, newest first.

What is typed is read once (`read_query`): a reference as a citizen reads it over the phone
(receipts.normalise_reference) is looked up exactly, by the unique reference; anything else is
a substring of the subject or the text, as typed. Three characters or more go through the
trigram index the migration 181322392ab6 keeps (SQLite FTS5, PostgreSQL pg_trgm), whose
results come newest first (by id, the order cases arrive in) so that a page stops reading after
its rows. Two characters have no trigram: they are matched with LIKE on the body's cases, newest
first, which stops as soon as the page is full (quick for common words, a read of the body's
cases for rare ones). One character is refused: it is in most cases.

The terms are data, never syntax: the FTS5 query is one quoted phrase, LIKE patterns escape
% and _, and every value is a bound parameter.
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
from feedback.inbox.queries import InboxFilters, InboxPage, InboxRow, filter_conditions
from feedback.models import Case, Item, User

LONGEST = 100  # characters: a reference, a phrase or a sentence of a case, not a whole text
SHORTEST = 2  # characters of words; the index needs 3 (trigrams), shorter ones read the cases
INDEXED = 3

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
            _l("Type at least %(n)d characters: a single one is in most cases.", n=SHORTEST)
        )
    return Query(words=text)


SEARCH = sa.table("cases_search", sa.column("rowid", sa.Integer))
LIKE_SPECIAL = re.compile(r"([\\%_])")


def fts_phrase(words: str) -> str:
    """The words as one FTS5 string: inside double quotes every character is text (a quote
    doubled), so that AND, NEAR, * or a column name are searched for, not obeyed."""
    return '"' + words.replace('"', '""') + '"'


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
    sqlite = session.get_bind().dialect.name == "sqlite"
    conditions = [Case.body_id == body_id, *filter_conditions(filters, now)]
    statement = sa.select(
        Case.id,
        Case.reference,
        Case.received_at,
        Case.kind,
        Item.code,
        Case.subject,
        Case.status,
        Case.due_at,
        User.username,
        Case.review_of_id,
    )
    if query.reference is not None:
        statement = statement.select_from(Case).where(
            Case.reference == query.reference, *conditions
        )
    elif len(query.words or "") < INDEXED or not sqlite:
        # PostgreSQL's planner chooses between the trigram index (few matches, then sorted)
        # and the cases newest first (many matches: the page fills at once). SQLite walks the
        # cases newest first: "+ 0" keeps it off the body's index, whose order is the date's.
        if sqlite:
            conditions[0] = Case.body_id + 0 == body_id
        pattern = like_pattern(query.words or "")
        statement = (
            statement.select_from(Case)
            .where(
                sa.or_(
                    Case.subject.ilike(pattern, escape="\\"),
                    Case.content.ilike(pattern, escape="\\"),
                ),
                *conditions,
            )
            .order_by(Case.id.desc())
        )
    else:
        # The FTS5 table walks its matches newest first (rowid is the case's id) and each is
        # checked against the body and the filters, until the page has its rows.
        statement = (
            statement.select_from(SEARCH)
            .join(Case, Case.id == SEARCH.c.rowid)
            .where(
                sa.literal_column("cases_search").op("MATCH")(fts_phrase(query.words or "")),
                *conditions,
            )
            .order_by(SEARCH.c.rowid.desc())
        )
    statement = (
        statement.outerjoin(Item, Item.id == Case.item_id)
        .outerjoin(User, User.id == Case.assignee_id)
        .offset((number - 1) * size)
        .limit(size + 1)
    )
    rows = [InboxRow._make(row) for row in session.execute(statement)]
    return InboxPage(cases=rows[:size], number=number, has_next=len(rows) > size)
