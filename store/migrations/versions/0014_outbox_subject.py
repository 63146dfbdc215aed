"""outbox.subject_id: whom a planned reminder is about, indexed (rows to a former mentor were not found by recipient)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 13:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    op.add_column('outbox', sa.Column('subject_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_outbox_subject_id'), 'outbox', ['subject_id'], unique=False)
    # Planned reminders' keys are r:<rule>:<subject>:…
    connection = op.get_bind()
    outbox = sa.table('outbox', sa.column('id', sa.Integer()), sa.column('dedupe_key', sa.String()),
                      sa.column('subject_id', sa.Integer()))
    rows = connection.execute(sa.select(outbox.c.id, outbox.c.dedupe_key).where(outbox.c.dedupe_key.like('r:%'))).all()
    values = [{'b_id': row.id, 'b_subject': int(parts[2])} for row in rows
              if len(parts := row.dedupe_key.split(':')) > 2 and parts[2].isdigit()]
    change = outbox.update().where(outbox.c.id == sa.bindparam('b_id')).values(subject_id=sa.bindparam('b_subject'))
    for start in range(0, len(values), BATCH):
        connection.execute(change, values[start:start + BATCH])


def downgrade() -> None:
    op.drop_index(op.f('ix_outbox_subject_id'), table_name='outbox')
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('subject_id')
