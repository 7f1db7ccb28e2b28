"""admin events: the append-only record of administration

Revision ID: 0006_admin_events
Revises: 0005
Create Date: 2026-12-07 05:40:00

"""
from alembic import op
import sqlalchemy as sa
import dispatch.types


# revision identifiers, used by Alembic.
revision = '0006_admin_events'
down_revision = '0005'
branch_labels = None
depends_on = None

# Written out here rather than imported, so that this revision stays what it was.
APPEND_ONLY = {
    'postgresql': [
        "CREATE OR REPLACE FUNCTION admin_event_append_only() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'admin events are append-only'; END $$",
        "CREATE TRIGGER admin_event_append_only BEFORE UPDATE OR DELETE ON admin_event "
        "FOR EACH ROW EXECUTE FUNCTION admin_event_append_only()",
    ],
    'sqlite': [
        "CREATE TRIGGER admin_event_no_update BEFORE UPDATE ON admin_event "
        "BEGIN SELECT RAISE(ABORT, 'admin events are append-only'); END",
        "CREATE TRIGGER admin_event_no_delete BEFORE DELETE ON admin_event "
        "BEGIN SELECT RAISE(ABORT, 'admin events are append-only'); END",
    ],
}
DROP_APPEND_ONLY = {
    'postgresql': [
        "DROP TRIGGER IF EXISTS admin_event_append_only ON admin_event",
        "DROP FUNCTION IF EXISTS admin_event_append_only()",
    ],
    'sqlite': [
        "DROP TRIGGER IF EXISTS admin_event_no_update",
        "DROP TRIGGER IF EXISTS admin_event_no_delete",
    ],
}


def upgrade():
    op.create_table('admin_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', dispatch.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=40), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('target_name', sa.String(length=255), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_admin_event_actor_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_event'))
    )
    with op.batch_alter_table('admin_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_event_target_type'), ['target_type'], unique=False)
    # The database refuses to update or delete a recorded event (the model makes the same
    # triggers when the tables are created without migrations).
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DROP_APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.drop_table('admin_event')
