"""inbox search: a trigram index of each case's subject and text (SQLite FTS5, PostgreSQL pg_trgm)

Revision ID: 181322392ab6
Revises: aa38f72c9baf
Create Date: 2026-12-05 16:30:00

The index finds any substring of three characters or more, Chinese included, without a word
list (feedback/inbox/search.py). It is not in the models: autogenerate and
tests/test_migrations.py leave out what feedback.inbox.search.SEARCH_INDEX names.

SQLite: an FTS5 table with the trigram tokenizer over the cases table (external content: the
text is stored once, in cases), kept by the three triggers below. A later migration that rebuilds
the cases table (batch_alter_table) drops its triggers with it and must create them again.

PostgreSQL: one GIN index of the trigrams of both columns (pg_trgm, a trusted extension: the
database's owner may create it). pg_trgm indexes Chinese characters only in a database whose
LC_CTYPE is a UTF-8 locale (C.UTF-8, zh_CN.UTF-8...), not "C" (DEPLOY.md).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '181322392ab6'
down_revision = 'aa38f72c9baf'
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE cases_search USING fts5("
    "subject, content, content='cases', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN "
    "INSERT INTO cases_search (rowid, subject, content) "
    "VALUES (new.id, new.subject, new.content); END",
    "CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN "
    "INSERT INTO cases_search (cases_search, rowid, subject, content) "
    "VALUES ('delete', old.id, old.subject, old.content); END",
    "CREATE TRIGGER cases_search_update AFTER UPDATE OF subject, content ON cases BEGIN "
    "INSERT INTO cases_search (cases_search, rowid, subject, content) "
    "VALUES ('delete', old.id, old.subject, old.content); "
    "INSERT INTO cases_search (rowid, subject, content) "
    "VALUES (new.id, new.subject, new.content); END",
    "INSERT INTO cases_search (cases_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER cases_search_update",
    "DROP TRIGGER cases_search_delete",
    "DROP TRIGGER cases_search_insert",
    "DROP TABLE cases_search",
]
POSTGRESQL_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_cases_search ON cases USING gin (subject gin_trgm_ops, content gin_trgm_ops)",
]
# The extension stays: dropping it needs its owner, and other objects may use it by then.
POSTGRESQL_DOWN = ["DROP INDEX ix_cases_search"]


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for statement in SQLITE_UP if sqlite else POSTGRESQL_UP:
        op.execute(statement)


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for statement in SQLITE_DOWN if sqlite else POSTGRESQL_DOWN:
        op.execute(statement)
