"""plan run heartbeat: a run whose worker died is failed instead of running forever

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 03:40:00

"""
from alembic import op
import sqlalchemy as sa
import dispatch.types


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Runs of earlier versions have no stamp: they keep the overall deadline only.
    with op.batch_alter_table('plan_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', dispatch.types.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('plan_run', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
