"""broadcasts.paid and outbox.paid: broadcasts sent as Telegram paid broadcasts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 04:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('broadcasts', sa.Column('paid', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('outbox', sa.Column('paid', sa.Boolean(), server_default=sa.text('false'), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('paid')
    with op.batch_alter_table('broadcasts') as batch:
        batch.drop_column('paid')
