"""an index on the ticket a duplicate was merged into: every ticket page asks which tickets
were merged into it, which without one reads the whole table

Revision ID: 0016_ticket_merged_index
Revises: 0015_reports
Create Date: 2026-12-07 14:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016_ticket_merged_index'
down_revision = '0015_reports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_merged_into_id'), ['merged_into_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_merged_into_id'))
