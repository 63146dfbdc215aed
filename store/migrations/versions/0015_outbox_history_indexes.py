"""outbox: the planner's and the escalation check's lookups read only recent rows, not months of sent ones

ix_outbox_subject_id becomes (subject_id, due_at); (rule_id, sent_at) is new.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 22:00:00
"""
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_outbox_subject_due', 'outbox', ['subject_id', 'due_at'], unique=False)
    op.drop_index('ix_outbox_subject_id', table_name='outbox')
    op.create_index('ix_outbox_rule_sent', 'outbox', ['rule_id', 'sent_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_rule_sent', table_name='outbox')
    op.create_index('ix_outbox_subject_id', 'outbox', ['subject_id'], unique=False)
    op.drop_index('ix_outbox_subject_due', table_name='outbox')
