"""reports: whether a request stops its requester's work

Revision ID: 0015_reports
Revises: 0013_assets
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_reports'
down_revision = '0013_assets'
branch_labels = None
depends_on = None


def upgrade():
    # Requests filed before the question was asked stay unknown (NULL), like mail.
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stops_work', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('stops_work')
