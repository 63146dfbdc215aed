"""outbox.maybe_duplicate and an index of claimed rows by claimer (crash recovery in seconds)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

SENDING = sa.text("status = 'sending'")


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('maybe_duplicate', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch.create_index('ix_outbox_sending_claimer', ['claimed_by'], unique=False,
                           postgresql_where=SENDING, sqlite_where=SENDING)


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_index('ix_outbox_sending_claimer', postgresql_where=SENDING, sqlite_where=SENDING)
        batch.drop_column('maybe_duplicate')
