"""the name of an account at its directory or provider (a DN; an issuer and subject), shown to
admins on the person's page

Revision ID: 0020_directory_links
Revises: 0016_ticket_merged_index
Create Date: 2026-12-07 17:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020_directory_links'
down_revision = '0016_ticket_merged_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('directory_dn', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('directory_dn')
