"""attachment contents: the bytes of attached files, in the database on PostgreSQL

Revision ID: f7c3a1e5b9d2
Revises: d4e9a2b6c8f1
Create Date: 2026-12-05 08:00:00

With ATTACHMENT_STORE=database (the default on PostgreSQL) each file's bytes live here, so that
every application machine sharing the database reaches them and pg_dump backs them up. Files
kept in ATTACHMENT_DIR by an earlier release are moved here by
`flask feedback move-attachments` (DEPLOY.md), not by this migration: it needs the folder.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f7c3a1e5b9d2'
down_revision = 'd4e9a2b6c8f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attachment_contents',
        sa.Column('attachment_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['attachment_id'],
            ['attachments.id'],
            name=op.f('fk_attachment_contents_attachment_id_attachments'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('attachment_id', name=op.f('pk_attachment_contents')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        # Photos and PDFs are compressed already: store them out of line without trying again.
        op.execute('ALTER TABLE attachment_contents ALTER COLUMN data SET STORAGE EXTERNAL')


def downgrade():
    op.drop_table('attachment_contents')
