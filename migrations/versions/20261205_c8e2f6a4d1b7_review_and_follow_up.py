"""review and follow-up: a case may review another (复查); a follow-up question (追问); reviewers per notice

Revision ID: c8e2f6a4d1b7
Revises: b5e1d7a3c9f4
Create Date: 2026-12-05 10:00:00

A review is a case of its own, linked to the case it reviews (one review per case). A closed
case records when its one follow-up question was asked and answered. A notice may name, for a
role, another reviewing role than the defaults (feedback/cases/routing.py, REVIEWERS). Only
additions: the previous release keeps working while the upgrade runs.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c8e2f6a4d1b7'
down_revision = 'b5e1d7a3c9f4'
branch_labels = None
depends_on = None

ROLES = ('court', 'discipline', 'inspection')


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_cases_review_of_id'), ['review_of_id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_cases_review_of_id_cases'), 'cases', ['review_of_id'], ['id'],
            ondelete='SET NULL',
        )
    op.create_table('notice_reviewers',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum(*ROLES, name='bodyrole', native_enum=False, length=20), nullable=False),
    sa.Column('reviewer', sa.Enum(*ROLES, name='bodyrole', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_reviewers_notice_id_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notice_id', 'role', name=op.f('pk_notice_reviewers'))
    )


def downgrade():
    op.drop_table('notice_reviewers')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_review_of_id_cases'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_cases_review_of_id'), type_='unique')
        batch_op.drop_column('answered_at')
        batch_op.drop_column('follow_up_at')
        batch_op.drop_column('review_of_id')
