"""pending_imports: files received for import and not finished yet

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 17:00:00
"""
from alembic import op
import sqlalchemy as sa

from store.models import UtcDateTime


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pending_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_pending_imports_person_id_people'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_imports')),
    )
    with op.batch_alter_table('pending_imports') as batch:
        batch.create_index(batch.f('ix_pending_imports_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pending_imports') as batch:
        batch.drop_index(batch.f('ix_pending_imports_person_id'))
    op.drop_table('pending_imports')
