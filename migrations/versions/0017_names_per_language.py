"""names an administrator gives in each language (categories, asset types, their fields,
departments), and notifications and planning runs' messages kept as data, said in each
reader's language

Revision ID: 0017_names_per_language
Revises: 0018_maintenance
Create Date: 2026-12-07 17:50:00

"""

import sqlalchemy as sa
from alembic import op
from flask import current_app


# revision identifiers, used by Alembic.
revision = '0017_names_per_language'
down_revision = '0018_maintenance'
branch_labels = None
depends_on = None

#: Each table's translated columns: today's texts become the company's language's version.
TRANSLATED = {
    'category': ('name', 'description'),
    'category_field': ('label', 'help_text', 'choices'),
    'asset_type': ('name', 'description'),
    'asset_type_field': ('label', 'help_text', 'choices'),
    'department': ('name',),
}


def _filled(value):
    return value not in (None, '', [], '[]')


def upgrade():
    language = current_app.config.get('DEFAULT_LOCALE', 'en')
    bind = op.get_bind()
    for table, columns in TRANSLATED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=True))
        rows = sa.table(table, sa.column('id'), sa.column('translations', sa.JSON()),
                        *(sa.column(c, sa.JSON() if c == 'choices' else sa.String()) for c in columns))
        for row in bind.execute(sa.select(rows)).mappings().all():
            texts = {c: {language: row[c]} for c in columns if _filled(row[c])}
            bind.execute(rows.update().where(rows.c.id == row['id']).values(translations=texts))
        with op.batch_alter_table(table, schema=None) as batch_op:
            # Empty by default, also for rows written by plain SQL (bulk loads, other tools).
            batch_op.alter_column('translations', existing_type=sa.JSON(), nullable=False,
                                  server_default='{}')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.JSON(), nullable=True))
    with op.batch_alter_table('plan_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_data', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('plan_run', schema=None) as batch_op:
        batch_op.drop_column('message_data')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('message')
    for table in reversed(list(TRANSLATED)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('translations')
