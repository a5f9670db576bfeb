"""one role per body in a notice: the inspected unit cannot also be its discipline group

Revision ID: f3a8c6d1e9b2
Revises: f2a7c4e9b1d3
Create Date: 2026-12-05 08:00:00

A body named in two roles of one notice received the reports of misconduct about itself. The
upgrade refuses to start while such a notice exists, and says which: the administrator gives
the role another body on the notice's page (/admin/notices/<id>) first, and then upgrades.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f3a8c6d1e9b2'
down_revision = 'f2a7c4e9b1d3'
branch_labels = None
depends_on = None

TWO_ROLES = """
SELECT notices.id, notices.slug, bodies.slug
FROM notice_bodies
JOIN notices ON notices.id = notice_bodies.notice_id
JOIN bodies ON bodies.id = notice_bodies.body_id
GROUP BY notices.id, notices.slug, bodies.slug
HAVING count(*) > 1
ORDER BY notices.id
"""


def upgrade():
    doubled = op.get_bind().execute(sa.text(TWO_ROLES)).all()
    if doubled:
        where = '; '.join(
            f'notice {slug} (/admin/notices/{notice_id}): body {body}'
            for notice_id, slug, body in doubled
        )
        raise RuntimeError(
            f'A body plays two roles in a notice: {where}. Give one of its roles another body '
            'on the notice page, then upgrade again.'
        )
    with op.batch_alter_table('notice_bodies', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_notice_bodies_one_role', ['notice_id', 'body_id'])


def downgrade():
    with op.batch_alter_table('notice_bodies', schema=None) as batch_op:
        batch_op.drop_constraint('uq_notice_bodies_one_role', type_='unique')
