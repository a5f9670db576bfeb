"""notice supervisors: which role supervises (监督, 督办) another, where a notice departs from the defaults

Revision ID: e1b5c9d3a7f2
Revises: d9a4b2c7e1f5
Create Date: 2026-12-05 16:20:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e1b5c9d3a7f2'
down_revision = 'd9a4b2c7e1f5'
branch_labels = None
depends_on = None

ROLES = ('court', 'discipline', 'inspection')


def upgrade():
    op.create_table('notice_supervisors',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum(*ROLES, name='bodyrole', native_enum=False, length=20), nullable=False),
    sa.Column('supervisor', sa.Enum(*ROLES, name='bodyrole', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_supervisors_notice_id_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notice_id', 'role', name=op.f('pk_notice_supervisors'))
    )


def downgrade():
    op.drop_table('notice_supervisors')
