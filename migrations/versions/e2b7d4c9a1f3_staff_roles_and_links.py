"""staff roles (admin | editor), last sign-in, and one-time sign-up / reset links

Revision ID: e2b7d4c9a1f3
Revises: c4e8f1a2b3d5
Create Date: 2026-12-01 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2b7d4c9a1f3'
down_revision = 'c4e8f1a2b3d5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        # Accounts made before roles existed were made by whoever runs the server: admins.
        batch_op.add_column(sa.Column('role', sa.String(length=16), nullable=False, server_default='admin'))
        batch_op.add_column(sa.Column('last_sign_in_at', sa.DateTime(), nullable=True))
    op.create_table(
        'staff_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('staff_users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('purpose', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    with op.batch_alter_table('staff_links', schema=None) as batch_op:
        batch_op.create_index('ix_staff_links_user_id', ['user_id'], unique=False)


def downgrade():
    op.drop_table('staff_links')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('last_sign_in_at')
        batch_op.drop_column('role')
