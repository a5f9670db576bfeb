"""submission tokens: a form is stored once; its receipt is kept sealed for a short while

Revision ID: f2a7c4e9b1d3
Revises: f7c3a1e5b9d2
Create Date: 2026-12-05 08:00:00

Each case records a keyed hash of the one-time token of the form it came from (unique; empty
for the cases sent before), and kept_receipts holds, for 30 minutes, a new case's tracking code
sealed under a key that only the citizen's browser holds (feedback/cases/resubmission.py).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2a7c4e9b1d3'
down_revision = 'f7c3a1e5b9d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_cases_submission_hash'), ['submission_hash']
        )

    op.create_table('kept_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_kept_receipts_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_receipts')),
    sa.UniqueConstraint('case_id', name=op.f('uq_kept_receipts_case_id'))
    )
    with op.batch_alter_table('kept_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_receipts_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kept_receipts_fingerprint'), ['fingerprint'], unique=False)


def downgrade():
    op.drop_table('kept_receipts')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_cases_submission_hash'), type_='unique')
        batch_op.drop_column('submission_hash')
