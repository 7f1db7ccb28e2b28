"""service levels: policies, closure days, the warnings sent, each site's country (public
holidays) and each ticket's deadlines

Revision ID: 0012_service_levels
Revises: 0011_reading_language
Create Date: 2026-12-07 14:30:00

"""
from alembic import op
import sqlalchemy as sa
import dispatch.types


# revision identifiers, used by Alembic.
revision = '0012_service_levels'
down_revision = '0011_reading_language'
branch_labels = None
depends_on = None

WHEN = dispatch.types.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        'sla_policy',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('priority', sa.String(length=10), nullable=True),
        sa.Column('kind', sa.String(length=10), nullable=True),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('first_response_minutes', sa.Integer(), nullable=False),
        sa.Column('resolution_minutes', sa.Integer(), nullable=False),
        sa.Column('around_the_clock', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['category.id'],
                                name=op.f('fk_sla_policy_category_id_category')),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_sla_policy_department_id_department')),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_sla_policy_site_id_site')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policy')),
        sa.UniqueConstraint('name', name=op.f('uq_sla_policy_name')),
    )
    op.create_table(
        'closure_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_closure_day')),
        sa.UniqueConstraint('day', name=op.f('uq_closure_day_day')),
    )
    op.create_table(
        'sla_warning',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=20), nullable=False),
        sa.Column('stage', sa.String(length=10), nullable=False),
        sa.Column('due_at', WHEN, nullable=False),
        sa.Column('created_at', WHEN, nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                                name=op.f('fk_sla_warning_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_warning')),
        sa.UniqueConstraint('ticket_id', 'target', 'stage', 'due_at',
                            name=op.f('uq_sla_warning_ticket_id')),
    )
    op.create_index(op.f('ix_sla_warning_ticket_id'), 'sla_warning', ['ticket_id'])
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country', sa.String(length=2), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_policy_id', sa.Integer(), nullable=True))
        for name in ('sla_first_response_due', 'sla_first_response_at', 'sla_resolution_due',
                     'sla_paused_since', 'sla_due_at', 'sla_warn_at'):
            batch_op.add_column(sa.Column(name, WHEN, nullable=True))
        batch_op.add_column(sa.Column('sla_paused_seconds', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('sla_breached', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_foreign_key(batch_op.f('fk_ticket_sla_policy_id_sla_policy'),
                                    'sla_policy', ['sla_policy_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_ticket_sla_due_at'), ['sla_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_sla_warn_at'), ['sla_warn_at'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_sla_warn_at'))
        batch_op.drop_index(batch_op.f('ix_ticket_sla_due_at'))
        batch_op.drop_constraint(batch_op.f('fk_ticket_sla_policy_id_sla_policy'),
                                 type_='foreignkey')
        for name in ('sla_breached', 'sla_paused_seconds', 'sla_warn_at', 'sla_due_at',
                     'sla_paused_since', 'sla_resolution_due', 'sla_first_response_at',
                     'sla_first_response_due', 'sla_policy_id'):
            batch_op.drop_column(name)
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('country')
    op.drop_index(op.f('ix_sla_warning_ticket_id'), table_name='sla_warning')
    op.drop_table('sla_warning')
    op.drop_table('closure_day')
    op.drop_table('sla_policy')
