"""people consent and erasure columns; audit_log of koordinator actions

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 20:30:00
"""
from alembic import op
import sqlalchemy as sa

from store.models import UtcDateTime


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('people', sa.Column('consent_version', sa.String(length=32), nullable=True))
    op.add_column('people', sa.Column('consent_at', UtcDateTime(timezone=True), nullable=True))
    op.add_column('people', sa.Column('erased_at', UtcDateTime(timezone=True), nullable=True))
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor', sa.String(length=200), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_audit_log_actor_id_people'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    )
    with op.batch_alter_table('audit_log') as batch:
        batch.create_index(batch.f('ix_audit_log_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_index(batch.f('ix_audit_log_at'))
    op.drop_table('audit_log')
    with op.batch_alter_table('people') as batch:
        batch.drop_column('erased_at')
        batch.drop_column('consent_at')
        batch.drop_column('consent_version')
