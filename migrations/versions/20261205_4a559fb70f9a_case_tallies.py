"""case tallies: a body's month in counts, kept with the cases (月度统计)

Revision ID: 4a559fb70f9a
Revises: 859eaf52fb18
Create Date: 2026-12-05 16:40:00
"""
import sqlalchemy as sa
from alembic import op

from feedback.cases import figures

# revision identifiers, used by Alembic.
revision = '4a559fb70f9a'
down_revision = '859eaf52fb18'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_tallies',
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('dimension', sa.String(length=12), nullable=False),
    sa.Column('value', sa.String(length=20), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_case_tallies_body_id_bodies')),
    sa.PrimaryKeyConstraint('body_id', 'month', 'dimension', 'value', name=op.f('pk_case_tallies'))
    )
    # Count the cases already there, by the same rules as every later change.
    figures.recount(op.get_bind())


def downgrade():
    op.drop_table('case_tallies')
