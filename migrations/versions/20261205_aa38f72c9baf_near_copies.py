"""near copies and groups (同一诉求): LSH band keys of open cases, groups of cases

Revision ID: aa38f72c9baf
Revises: 4a559fb70f9a
Create Date: 2026-12-05 16:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'aa38f72c9baf'
down_revision = '4a559fb70f9a'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    op.create_table('case_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_case_groups_body_id_bodies')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_case_groups_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_groups'))
    )
    op.create_index(op.f('ix_case_groups_body_id'), 'case_groups', ['body_id'], unique=False)
    op.create_table('case_bands',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('key', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_bands_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'band', name=op.f('pk_case_bands'))
    )
    op.create_index('ix_case_bands_key', 'case_bands', ['key'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_group_id'), ['group_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_cases_group_id_case_groups'), 'case_groups', ['group_id'], ['id'], ondelete='SET NULL')
    _index_open_cases()


def _index_open_cases():
    """The band keys of the cases open now, as the service stores them for new ones."""
    from feedback.cases.similar import band_rows

    connection = op.get_bind()
    bands = sa.table('case_bands', sa.column('case_id'), sa.column('band'), sa.column('key'))
    last = 0
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT id, subject, content FROM cases WHERE status IN ('received', 'accepted') "
                "AND id > :last ORDER BY id LIMIT :size"
            ),
            {"last": last, "size": BATCH},
        ).all()
        if not rows:
            return
        found = [band for row in rows for band in band_rows(row.id, row.subject, row.content)]
        if found:
            connection.execute(sa.insert(bands), found)
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_group_id_case_groups'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cases_group_id'))
        batch_op.drop_column('group_id')
    op.drop_index('ix_case_bands_key', table_name='case_bands')
    op.drop_table('case_bands')
    op.drop_index(op.f('ix_case_groups_body_id'), table_name='case_groups')
    op.drop_table('case_groups')
