"""notice catalog: drafts and feedback windows, per-notice receiving bodies, item statuses

Revision ID: c5d2e8f4a1b6
Revises: a3f1c9e2b7d4
Create Date: 2026-11-24 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d2e8f4a1b6'
down_revision = 'a3f1c9e2b7d4'
branch_labels = None
depends_on = None

ROLES = ('court', 'discipline', 'inspection')
ITEM_STATUSES = ('done', 'ongoing')
# A frozen copy of feedback.notices.status at the time of this migration, for items loaded before it.
PENDING_CUES = ('拟', '将于', '争取', '后期', '正在', '持续', '逐步', '尚未', '计划于', '长期坚持')
NOT_CUES = ('拟定', '草拟', '模拟', '虚拟', '比拟')


def upgrade():
    op.create_table('notice_bodies',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum(*ROLES, name='bodyrole', native_enum=False, length=20), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_notice_bodies_body_id_bodies')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_bodies_notice_id_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notice_id', 'role', name=op.f('pk_notice_bodies'))
    )
    with op.batch_alter_table('notice_bodies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_bodies_body_id'), ['body_id'], unique=False)

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('opens_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closes_on', sa.Date(), nullable=True))

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum(*ITEM_STATUSES, name='itemstatus', native_enum=False, length=20), server_default='done', nullable=False))
        batch_op.add_column(sa.Column('status_cue', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('status_by_hand', sa.Boolean(), server_default=sa.false(), nullable=False))

    _carry_over_existing_notices()


def _carry_over_existing_notices():
    """Notices loaded before: published, linked to the three bodies by their slugs, items read."""
    connection = op.get_bind()
    notices = sa.table('notices', sa.column('id'), sa.column('created_at'), sa.column('published_at'))
    connection.execute(notices.update().values(published_at=notices.c.created_at))
    bodies = dict(connection.execute(sa.text('SELECT slug, id FROM bodies')).all())
    notice_ids = [row[0] for row in connection.execute(sa.text('SELECT id FROM notices'))]
    links = [
        {'notice_id': notice_id, 'role': role, 'body_id': bodies[role]}
        for notice_id in notice_ids
        for role in ROLES
        if role in bodies
    ]
    if links:
        connection.execute(
            sa.text('INSERT INTO notice_bodies (notice_id, role, body_id) VALUES (:notice_id, :role, :body_id)'),
            links,
        )
    for item_id, text in connection.execute(sa.text('SELECT id, rectification FROM items')).all():
        status, cue = _infer(text or '')
        connection.execute(
            sa.text('UPDATE items SET status = :status, status_cue = :cue WHERE id = :id'),
            {'status': status, 'cue': cue, 'id': item_id},
        )


def _infer(text):
    for phrase in NOT_CUES:
        text = text.replace(phrase, '\0' * len(phrase))
    found = [(text.find(cue), cue) for cue in PENDING_CUES if cue in text]
    return ('ongoing', min(found)[1]) if found else ('done', '')


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('status_by_hand')
        batch_op.drop_column('status_cue')
        batch_op.drop_column('status')

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_column('closes_on')
        batch_op.drop_column('opens_on')
        batch_op.drop_column('published_at')

    with op.batch_alter_table('notice_bodies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_bodies_body_id'))

    op.drop_table('notice_bodies')
