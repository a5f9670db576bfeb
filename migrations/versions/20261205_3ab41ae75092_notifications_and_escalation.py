"""notifications and escalation: the outbox, what accounts and citizens asked to be told, 督办

Revision ID: 3ab41ae75092
Revises: e1b5c9d3a7f2
Create Date: 2026-12-05 16:13:50

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '3ab41ae75092'
down_revision = 'e1b5c9d3a7f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_settings',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('new_cases', sa.Enum('each', 'daily', 'none', name='newcasemail', native_enum=False, length=20), nullable=False),
    sa.Column('due_list', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('daily_on', sa.String(length=10), nullable=False),
    sa.Column('daily_since', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['users.id'], name=op.f('fk_mail_settings_account_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_mail_settings'))
    )
    op.create_table('case_news',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_news_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_news')),
    sa.UniqueConstraint('token', name=op.f('uq_case_news_token'))
    )
    op.create_table('escalations',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('days_overdue', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_escalations_body_id_bodies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_escalations_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['holder_id'], ['bodies.id'], name=op.f('fk_escalations_holder_id_bodies')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_escalations'))
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalations_body_id'), ['body_id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('audience', sa.Enum('citizen', 'account', name='audience', native_enum=False, length=20), nullable=False),
    sa.Column('what', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('unsubscribe_url', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['users.id'], name=op.f('fk_outbox_account_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_outbox_body_id_bodies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_outbox_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_outbox_last_attempt_at', ['last_attempt_at'], unique=False)
        batch_op.create_index('ix_outbox_waiting', ['sent_at', 'failed_at', 'due_at'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_waiting')
        batch_op.drop_index('ix_outbox_last_attempt_at')
        batch_op.drop_index(batch_op.f('ix_outbox_case_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_account_id'))

    op.drop_table('outbox')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalations_body_id'))

    op.drop_table('escalations')
    op.drop_table('case_news')
    op.drop_table('mail_settings')
