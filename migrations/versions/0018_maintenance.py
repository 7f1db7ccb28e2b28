"""preventive maintenance: plans, their occurrences (one per plan, asset and due date), and
tickets' asset-tag fields linked to the assets that have those tags

Revision ID: 0018_maintenance
Revises: 0019_site_managers
Create Date: 2026-12-07 17:30:00

"""
import json

import sqlalchemy as sa
from alembic import op

import dispatch.types


# revision identifiers, used by Alembic.
revision = '0018_maintenance'
down_revision = '0019_site_managers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'maintenance_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('asset_id', sa.Integer(), nullable=True),
        sa.Column('asset_type_id', sa.Integer(), nullable=True),
        sa.Column('site_ids', sa.JSON(), nullable=False),
        sa.Column('checklist', sa.JSON(), nullable=False),
        sa.Column('duration_min', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=500), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('from_last_done', sa.Boolean(), nullable=False),
        sa.Column('lead_days', sa.Integer(), nullable=False),
        sa.Column('window_days', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', dispatch.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', dispatch.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['asset_id'], ['asset.id'],
                                name=op.f('fk_maintenance_plan_asset_id_asset')),
        sa.ForeignKeyConstraint(['asset_type_id'], ['asset_type.id'],
                                name=op.f('fk_maintenance_plan_asset_type_id_asset_type')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_maintenance_plan_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_plan')),
    )
    op.create_index(op.f('ix_maintenance_plan_asset_id'), 'maintenance_plan', ['asset_id'])
    op.create_table(
        'maintenance_plan_skill',
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('skill_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['maintenance_plan.id'],
                                name=op.f('fk_maintenance_plan_skill_plan_id_maintenance_plan'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['skill_id'], ['skill.id'],
                                name=op.f('fk_maintenance_plan_skill_skill_id_skill'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('plan_id', 'skill_id', name=op.f('pk_maintenance_plan_skill')),
    )
    op.create_table(
        'maintenance_occurrence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('asset_id', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('window_start', dispatch.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('window_end', dispatch.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('skip_reason', sa.String(length=300), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('checklist_done', sa.JSON(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('created_at', dispatch.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['asset_id'], ['asset.id'],
                                name=op.f('fk_maintenance_occurrence_asset_id_asset')),
        sa.ForeignKeyConstraint(['plan_id'], ['maintenance_plan.id'],
                                name=op.f('fk_maintenance_occurrence_plan_id_maintenance_plan'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                                name=op.f('fk_maintenance_occurrence_ticket_id_ticket')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_occurrence')),
        sa.UniqueConstraint('plan_id', 'asset_id', 'due_on',
                            name=op.f('uq_maintenance_occurrence_plan_id')),
        sa.UniqueConstraint('ticket_id', name=op.f('uq_maintenance_occurrence_ticket_id')),
    )
    op.create_index(op.f('ix_maintenance_occurrence_asset_id'), 'maintenance_occurrence',
                    ['asset_id'])
    op.create_index(op.f('ix_maintenance_occurrence_due_on'), 'maintenance_occurrence',
                    ['due_on'])
    link_asset_tags()


def link_asset_tags():
    """Link the tickets whose category's asset-tag field holds the tag of an asset and that name
    no asset yet, as creating that asset would, with the same line in their record."""
    bind = op.get_bind()
    fields = bind.execute(sa.text(
        "SELECT category_id, key FROM category_field WHERE type = 'asset_tag'"
    )).all()
    if not fields:
        return
    tags = dict(bind.execute(sa.text("SELECT tag, id FROM asset")).all())
    if not tags:
        return
    keys = {}
    for category_id, key in fields:
        keys.setdefault(category_id, []).append(key)
    event = sa.table(
        'ticket_event',
        sa.column('ticket_id', sa.Integer), sa.column('actor_id', sa.Integer),
        sa.column('created_at', dispatch.types.UTCDateTime(timezone=True)),
        sa.column('type', sa.String), sa.column('data', sa.JSON), sa.column('internal', sa.Boolean),
    )
    rows = bind.execute(
        sa.text("SELECT id, category_id, fields FROM ticket "
                "WHERE asset_id IS NULL AND category_id IN :ids")
        .bindparams(sa.bindparam('ids', expanding=True)),
        {'ids': list(keys)},
    ).all()
    now = dispatch.types.utcnow()
    for ticket_id, category_id, raw in rows:
        values = json.loads(raw) if isinstance(raw, str) else (raw or {})
        for key in keys[category_id]:
            value = values.get(key)
            asset_id = tags.get(value.strip().upper()) if isinstance(value, str) else None
            if asset_id is not None:
                bind.execute(sa.text("UPDATE ticket SET asset_id = :a WHERE id = :t"),
                             {'a': asset_id, 't': ticket_id})
                bind.execute(event.insert().values(
                    ticket_id=ticket_id, actor_id=None, created_at=now, type='asset',
                    data={'tag': value.strip().upper()}, internal=False,
                ))
                break


def downgrade():
    # The links made by upgrade stay: they are what creating the assets would have made.
    op.drop_index(op.f('ix_maintenance_occurrence_due_on'), table_name='maintenance_occurrence')
    op.drop_index(op.f('ix_maintenance_occurrence_asset_id'), table_name='maintenance_occurrence')
    op.drop_table('maintenance_occurrence')
    op.drop_table('maintenance_plan_skill')
    op.drop_index(op.f('ix_maintenance_plan_asset_id'), table_name='maintenance_plan')
    op.drop_table('maintenance_plan')
