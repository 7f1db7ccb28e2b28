"""ticket search: the folded subject and description, with a trigram index on PostgreSQL

Revision ID: 0007_ticket_search
Revises: 0006_admin_events
Create Date: 2026-12-07 05:50:00

"""
from alembic import op
import sqlalchemy as sa

from dispatch.tickets.folding import search_text


# revision identifiers, used by Alembic.
revision = '0007_ticket_search'
down_revision = '0006_admin_events'
branch_labels = None
depends_on = None

BATCH = 2000


def _fill(bind) -> None:
    """Fold the existing tickets in batches of ids (the same function the code uses)."""
    ticket = sa.table('ticket', sa.column('id', sa.Integer), sa.column('subject', sa.String),
                      sa.column('description', sa.Text), sa.column('search_text', sa.Text))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(ticket.c.id, ticket.c.subject, ticket.c.description)
            .where(ticket.c.id > last).order_by(ticket.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            ticket.update().where(ticket.c.id == sa.bindparam('row_id'))
            .values(search_text=sa.bindparam('folded')),
            [{'row_id': r.id, 'folded': search_text(r.subject, r.description)} for r in rows],
        )
        last = rows[-1].id


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
    _fill(bind)
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.alter_column('search_text', existing_type=sa.Text(), nullable=False)
    if bind.dialect.name == 'postgresql':
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.create_index('ix_ticket_search_text', 'ticket', ['search_text'], unique=False,
                        postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})


def downgrade():
    # The extension stays: other objects of the database may use it.
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_ticket_search_text', table_name='ticket')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('search_text')
