"""reports: business times of each ticket's service level, the report settings, site managers
and the months whose summary was mailed

Revision ID: 0019_site_managers
Revises: 0020_directory_links
Create Date: 2026-12-07 17:30:00

"""
from alembic import op
import sqlalchemy as sa

import dispatch.types

WHEN = dispatch.types.UTCDateTime(timezone=True)


# revision identifiers, used by Alembic.
revision = '0019_site_managers'
down_revision = '0020_directory_links'
branch_labels = None
depends_on = None


def upgrade():
    # Filled as each ticket's clock is next replayed (its next change, or a policy saved).
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_first_response_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sla_resolution_seconds', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ticket_sla_policy_id'), ['sla_policy_id'], unique=False)
    op.create_table(
        'report_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summary_recipients', sa.Text(), nullable=False),
        sa.Column('site_managers_allowed', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_settings')),
    )
    op.create_table(
        'site_manager',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('created_at', WHEN, nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_site_manager_site_id_site')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_site_manager_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_manager')),
        sa.UniqueConstraint('user_id', 'site_id', name=op.f('uq_site_manager_user_id')),
    )
    with op.batch_alter_table('site_manager', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_manager_user_id'), ['user_id'], unique=False)
    op.create_table(
        'report_summary_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.Column('created_at', WHEN, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_summary_sent')),
        sa.UniqueConstraint('month', name=op.f('uq_report_summary_sent_month')),
    )


def downgrade():
    op.drop_table('report_summary_sent')
    with op.batch_alter_table('site_manager', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_manager_user_id'))
    op.drop_table('site_manager')
    op.drop_table('report_settings')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_sla_policy_id'))
        batch_op.drop_column('sla_resolution_seconds')
        batch_op.drop_column('sla_first_response_seconds')
