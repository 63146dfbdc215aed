"""flow_runs.quote: the carry-forward quote, taken once per run

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('flow_runs') as batch:
        batch.add_column(sa.Column('quote', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('flow_runs') as batch:
        batch.drop_column('quote')
