"""attachment chunks: attachments stored in the database, for several web machines

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachment_chunk',
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('stored_name', 'seq', name=op.f('pk_attachment_chunk'))
    )


def downgrade():
    op.drop_table('attachment_chunk')
