"""languages: each person's language, and the admins' mail templates per language

Revision ID: 0009_user_locale
Revises: 0008_mail_quarantine
Create Date: 2026-12-07 06:30:00

"""

from alembic import op
import sqlalchemy as sa
from flask import current_app, has_app_context


# revision identifiers, used by Alembic.
revision = "0009_user_locale"
down_revision = "0008_mail_quarantine"
branch_labels = None
depends_on = None


def _default_locale() -> str:
    # The templates admins wrote before were sent to everyone: they are in the company's language.
    return current_app.config.get("DEFAULT_LOCALE", "en") if has_app_context() else "en"


def upgrade():
    # None: the person follows the browser's language.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=10), nullable=True))
    with op.batch_alter_table("mail_template", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=10), nullable=True))
    op.execute(sa.text("UPDATE mail_template SET language = :l").bindparams(l=_default_locale()))
    with op.batch_alter_table("mail_template", schema=None) as batch_op:
        batch_op.alter_column("language", existing_type=sa.String(length=10), nullable=False)
        batch_op.drop_constraint("uq_mail_template_key", type_="unique")
        batch_op.create_unique_constraint("uq_mail_template_key_language", ["key", "language"])


def downgrade():
    # One template per message again: the company's language's version is kept.
    op.execute(
        sa.text("DELETE FROM mail_template WHERE language != :l").bindparams(l=_default_locale())
    )
    with op.batch_alter_table("mail_template", schema=None) as batch_op:
        batch_op.drop_constraint("uq_mail_template_key_language", type_="unique")
        batch_op.create_unique_constraint("uq_mail_template_key", ["key"])
        batch_op.drop_column("language")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("locale")
