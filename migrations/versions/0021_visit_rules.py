"""the technicians a dispatcher names on an on-site ticket: required, prohibited, preferred

Revision ID: 0021_visit_rules
Revises: 0017_names_per_language
Create Date: 2026-12-07 18:30:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0021_visit_rules'
down_revision = '0017_names_per_language'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ticket_technician',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                                name=op.f('fk_ticket_technician_ticket_id_ticket'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_ticket_technician_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ticket_id', 'user_id', 'rule', name=op.f('pk_ticket_technician')),
    )


def downgrade():
    op.drop_table('ticket_technician')
