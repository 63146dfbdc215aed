"""outbox_notify: on PostgreSQL, NOTIFY outbox when rows become pending, so idle senders wake at once

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 20:30:00
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# Statement-level with transition tables: one notification per statement that leaves a row pending (a sender's
# claim, which moves rows to 'sending', notifies nobody). store/outbox.py listens on the channel.
FUNCTION = """
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed WHERE status = 'pending') THEN
        PERFORM pg_notify('outbox', '');
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite: store/outbox.py watches PRAGMA data_version instead
    op.execute(FUNCTION)
    for event in ('INSERT', 'UPDATE'):
        op.execute(f"CREATE TRIGGER outbox_notify_{event.lower()} AFTER {event} ON outbox "
                   f"REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP TRIGGER outbox_notify_update ON outbox")
    op.execute("DROP TRIGGER outbox_notify_insert ON outbox")
    op.execute("DROP FUNCTION outbox_notify()")
