"""assets: asset types with their own extra fields, the assets, and the device a ticket is about

Revision ID: 0013_assets
Revises: 0012_service_levels
Create Date: 2026-12-07 14:10:00

"""
from alembic import op
import sqlalchemy as sa
import dispatch.types


# revision identifiers, used by Alembic.
revision = '0013_assets'
down_revision = '0012_service_levels'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'asset_type',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('description', sa.String(length=300), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_type')),
        sa.UniqueConstraint('name', name=op.f('uq_asset_type_name')),
    )
    op.create_table(
        'asset_type_field',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('asset_type_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        sa.Column('type', sa.String(length=20), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.Column('choices', sa.JSON(), nullable=False),
        sa.Column('help_text', sa.String(length=200), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['asset_type_id'], ['asset_type.id'],
                                name=op.f('fk_asset_type_field_asset_type_id_asset_type'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_type_field')),
        sa.UniqueConstraint('asset_type_id', 'key', name=op.f('uq_asset_type_field_asset_type_id')),
    )
    op.create_table(
        'asset',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('type_id', sa.Integer(), nullable=False),
        sa.Column('tag', sa.String(length=40), nullable=False),
        sa.Column('serial', sa.String(length=80), nullable=False),
        sa.Column('model', sa.String(length=120), nullable=False),
        sa.Column('maker', sa.String(length=120), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('building', sa.String(length=80), nullable=False),
        sa.Column('floor', sa.String(length=40), nullable=False),
        sa.Column('room', sa.String(length=80), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('purchased_on', sa.Date(), nullable=True),
        sa.Column('warranty_until', sa.Date(), nullable=True),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('created_at', dispatch.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', dispatch.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_asset_department_id_department')),
        sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_asset_owner_id_user')),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_asset_site_id_site')),
        sa.ForeignKeyConstraint(['type_id'], ['asset_type.id'],
                                name=op.f('fk_asset_type_id_asset_type')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_asset')),
        sa.UniqueConstraint('tag', name=op.f('uq_asset_tag')),
    )
    op.create_index('ix_asset_serial', 'asset', ['serial'])
    op.create_index('ix_asset_place', 'asset', ['site_id', 'room'])
    op.create_index(op.f('ix_asset_owner_id'), 'asset', ['owner_id'])
    # Requests filed before their device is in the inventory are linked when it arrives (an
    # import or the editor matches their asset-tag fields): none exists yet to match here.
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asset_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ticket_asset_id'), ['asset_id'])
        batch_op.create_foreign_key(batch_op.f('fk_ticket_asset_id_asset'), 'asset',
                                    ['asset_id'], ['id'])


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ticket_asset_id_asset'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ticket_asset_id'))
        batch_op.drop_column('asset_id')
    op.drop_index(op.f('ix_asset_owner_id'), table_name='asset')
    op.drop_index('ix_asset_place', table_name='asset')
    op.drop_index('ix_asset_serial', table_name='asset')
    op.drop_table('asset')
    op.drop_table('asset_type_field')
    op.drop_table('asset_type')
