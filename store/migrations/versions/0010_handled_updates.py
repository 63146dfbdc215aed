"""handled_updates: update ids applied in webhook mode, so a redelivered update is recognised as a repeat

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 20:45:00
"""
from alembic import op
import sqlalchemy as sa

from store.models import UtcDateTime


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'handled_updates',
        sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('handled_at', UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('update_id', name=op.f('pk_handled_updates')),
    )
    with op.batch_alter_table('handled_updates') as batch:
        batch.create_index(batch.f('ix_handled_updates_handled_at'), ['handled_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('handled_updates') as batch:
        batch.drop_index(batch.f('ix_handled_updates_handled_at'))
    op.drop_table('handled_updates')
