"""extra_days: days off a koordinator adds; people.province for regional days off

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from store.models import UtcDateTime


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('people', sa.Column('province', sa.String(length=100), nullable=True))
    op.create_table(
        'extra_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('on_date', sa.Date(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('scope', sa.Enum('national', 'province', 'cohort', name='day_off_scope', native_enum=False, length=16),
                  nullable=False),
        sa.Column('province', sa.String(length=100), nullable=True),
        sa.Column('cohort_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_extra_days_cohort_id_cohorts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by'], ['people.id'], name=op.f('fk_extra_days_created_by_people'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_extra_days')),
    )
    with op.batch_alter_table('extra_days') as batch:
        batch.create_index(batch.f('ix_extra_days_on_date'), ['on_date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('extra_days') as batch:
        batch.drop_index(batch.f('ix_extra_days_on_date'))
    op.drop_table('extra_days')
    op.drop_column('people', 'province')
