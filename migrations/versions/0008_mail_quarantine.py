"""mail quarantine review: who released or discarded a held message, and when

Revision ID: 0008_mail_quarantine
Revises: 0006_admin_events
Create Date: 2026-12-07 06:00:00

"""
from alembic import op
import sqlalchemy as sa
import dispatch.types


# revision identifiers, used by Alembic.
revision = '0008_mail_quarantine'
down_revision = '0006_admin_events'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', dispatch.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key('fk_mail_message_reviewed_by_id_user', 'user',
                                    ['reviewed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_constraint('fk_mail_message_reviewed_by_id_user', type_='foreignkey')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
