"""live hand-off queue, its messages, staff presence and callback requests

Revision ID: c4e8f1a2b3d5
Revises: c5d1e8f0a215
Create Date: 2026-12-01 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8f1a2b3d5'
down_revision = 'c5d1e8f0a215'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'handoffs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.String(length=100), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('staff_name', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_handoffs_conversation_id', 'handoffs', ['conversation_id'])
    op.create_index('ix_handoffs_state', 'handoffs', ['state'])
    op.create_index('ix_handoffs_created_at', 'handoffs', ['created_at'])
    op.create_table(
        'handoff_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('handoff_id', sa.Integer(), nullable=False),
        sa.Column('sender', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_handoff_messages_handoff_id', 'handoff_messages', ['handoff_id'])
    op.create_index('ix_handoff_messages_created_at', 'handoff_messages', ['created_at'])
    op.create_table(
        'staff_presence',
        sa.Column('sid', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('sid'),
    )
    op.create_index('ix_staff_presence_user_id', 'staff_presence', ['user_id'])
    op.create_index('ix_staff_presence_seen_at', 'staff_presence', ['seen_at'])
    op.create_table(
        'callback_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('phone', sa.String(length=30), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('preferred_time', sa.String(length=100), nullable=False),
        sa.Column('topic', sa.Text(), nullable=False),
        sa.Column('consent_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_callback_requests_created_at', 'callback_requests', ['created_at'])
    op.create_index('ix_callback_requests_status', 'callback_requests', ['status'])


def downgrade():
    op.drop_table('callback_requests')
    op.drop_table('staff_presence')
    op.drop_table('handoff_messages')
    op.drop_table('handoffs')
