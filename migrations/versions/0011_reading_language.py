"""text in the reader's language: names searched without their diacritics on PostgreSQL (the
unaccent extension), and what a triage suggestion's reason says, kept to be written in each
reader's language

Revision ID: 0011_reading_language
Revises: 0010_directory
Create Date: 2026-12-07 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_reading_language'
down_revision = '0010_directory'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite gets its folding function from the app on every connection (dispatch.collation).
    # unaccent is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS unaccent')
    # Tickets suggested before keep the reason's text as it was written.
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suggestion_basis', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('suggestion_basis')
    # unaccent is kept: dropping an extension other objects may use is not this revision's.
