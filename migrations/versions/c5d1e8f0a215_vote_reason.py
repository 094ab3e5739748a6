"""vote reason: the visitor's optional one line after a thumbs down, stored redacted

Revision ID: c5d1e8f0a215
Revises: a7c3e9d21f04
Create Date: 2026-12-01 15:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d1e8f0a215'
down_revision = 'a7c3e9d21f04'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exchanges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vote_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('exchanges', schema=None) as batch_op:
        batch_op.drop_column('vote_reason')
