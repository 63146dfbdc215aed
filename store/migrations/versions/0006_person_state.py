"""people: left_at (roster) and blocked_at (Telegram) replace the `active` flag

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 09:00:00

`active` meant both "left the program" and "blocked the bot". An inactive person with blocked_at
blocked the bot; one without left the program (when is unknown: their last update is the best
guess). An active person with a stale blocked_at was reactivated, so it is cleared.

Plain ALTER TABLE, also on SQLite (3.35+ drops columns): batch mode would copy and drop `people`,
and with foreign keys on, dropping it deletes every row that cascades from a person.
"""
from alembic import op
import sqlalchemy as sa

import store.models

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

people = sa.table(
    'people', sa.column('active', sa.Boolean()), sa.column('left_at'), sa.column('blocked_at'), sa.column('updated_at'),
)


def upgrade() -> None:
    op.add_column('people', sa.Column('left_at', store.models.UtcDateTime(timezone=True), nullable=True))
    op.execute(people.update().where(people.c.active.is_(False), people.c.blocked_at.is_(None))
               .values(left_at=people.c.updated_at))
    op.execute(people.update().where(people.c.active.is_(True)).values(blocked_at=None))
    op.drop_column('people', 'active')


def downgrade() -> None:
    # The server default stays (SQLite cannot drop it without copying the table); the old code always set it.
    op.add_column('people', sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute(people.update().where(sa.or_(people.c.left_at.is_not(None), people.c.blocked_at.is_not(None)))
               .values(active=False))
    op.drop_column('people', 'left_at')
