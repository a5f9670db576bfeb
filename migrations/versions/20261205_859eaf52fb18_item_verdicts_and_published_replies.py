"""item verdicts and published replies: a citizen's one-tap answer whether an item's rectification is real (属实/不属实/不了解); a reply the citizen allowed to publish

Revision ID: 859eaf52fb18
Revises: 3ab41ae75092
Create Date: 2026-12-05 16:30:00

Only an addition: the previous release keeps working while the upgrade runs.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '859eaf52fb18'
down_revision = '3ab41ae75092'
branch_labels = None
depends_on = None

VERDICTS = ('true', 'untrue', 'unknown')


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_allowed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('published_reply', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('item_verdicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('browser_hash', sa.String(length=64), nullable=False),
    sa.Column('verdict', sa.Enum(*VERDICTS, name='verdict', native_enum=False, length=20), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_verdicts_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_verdicts')),
    sa.UniqueConstraint('item_id', 'browser_hash', name=op.f('uq_item_verdicts_item_id'))
    )


def downgrade():
    op.drop_table('item_verdicts')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('published_at')
        batch_op.drop_column('published_reply')
        batch_op.drop_column('publish_allowed')
