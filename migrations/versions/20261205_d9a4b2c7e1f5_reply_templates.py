"""reply templates: plain texts a body's managers keep for replies and reasons for not accepting

Revision ID: d9a4b2c7e1f5
Revises: a4d8e2c6f0b3
Create Date: 2026-12-05 10:00:00

A new table only; the audit log's new actions need no schema change (a plain VARCHAR).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd9a4b2c7e1f5'
down_revision = 'a4d8e2c6f0b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reply_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('use', sa.Enum('reply', 'decline', name='templateuse', native_enum=False, length=20), nullable=False),
        sa.Column('title', sa.String(length=60), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_reply_templates_body_id_bodies')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_templates')),
        sa.UniqueConstraint('body_id', 'title', name=op.f('uq_reply_templates_body_id')),
    )
    with op.batch_alter_table('reply_templates') as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_templates_body_id'), ['body_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reply_templates') as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_templates_body_id'))
    op.drop_table('reply_templates')
