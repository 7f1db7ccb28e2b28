"""The company's devices and installations: asset types (each with its own extra fields) and
the assets themselves, each known by the tag printed on its label."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.people.models import Department, User
from dispatch.sites.models import Site
from dispatch.tickets.models import FieldDefinition
from dispatch.translated import Translated
from dispatch.types import UTCDateTime, utcnow


class AssetStatus(StrEnum):
    IN_USE = "in_use"
    IN_REPAIR = "in_repair"
    SPARE = "spare"
    RETIRED = "retired"


class AssetType(Translated, db.Model):
    """A kind of device an admin defines (laptop, printer, POS till …) and the fields it has."""

    __tablename__ = "asset_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)

    fields: Mapped[list[AssetTypeField]] = relationship(
        back_populates="asset_type",
        order_by="AssetTypeField.position, AssetTypeField.id",
        cascade="all, delete-orphan",
    )

    def __str__(self) -> str:
        return self.text("name")


class AssetTypeField(FieldDefinition, db.Model):
    """An extra field every asset of a type has (a printer's toner, a till's drawer …)."""

    __tablename__ = "asset_type_field"
    __table_args__ = (db.UniqueConstraint("asset_type_id", "key"),)

    asset_type_id: Mapped[int] = mapped_column(ForeignKey("asset_type.id", ondelete="CASCADE"))

    asset_type: Mapped[AssetType] = relationship(back_populates="fields")

    @property
    def owner(self) -> AssetType:
        return self.asset_type


class Asset(db.Model):
    """One device. Its tag is stored upper-case, so that "pr-0042" and "PR-0042" are one tag
    and the unique constraint holds without a case-insensitive index."""

    __tablename__ = "asset"
    __table_args__ = (
        Index("ix_asset_serial", "serial"),
        Index("ix_asset_place", "site_id", "room"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)  # optimistic lock, see __mapper_args__
    type_id: Mapped[int] = mapped_column(ForeignKey("asset_type.id"))
    tag: Mapped[str] = mapped_column(String(40), unique=True)
    serial: Mapped[str] = mapped_column(String(80), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    maker: Mapped[str] = mapped_column(String(120), default="")
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    building: Mapped[str] = mapped_column(String(80), default="")
    floor: Mapped[str] = mapped_column(String(40), default="")
    room: Mapped[str] = mapped_column(String(80), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    status: Mapped[str] = mapped_column(String(20), default=AssetStatus.IN_USE)
    purchased_on: Mapped[date | None] = mapped_column(Date)
    warranty_until: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    type: Mapped[AssetType] = relationship()
    site: Mapped[Site | None] = relationship()
    owner: Mapped[User | None] = relationship()
    department: Mapped[Department | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def place(self) -> str:
        """Site, building, floor and room, as a ticket writes its location."""
        from flask_babel import gettext as _

        parts = [
            self.site.name if self.site else "",
            self.building and _("building %(b)s", b=self.building),
            self.floor and _("floor %(f)s", f=self.floor),
            self.room,
        ]
        return ", ".join(p for p in parts if p)

    def __str__(self) -> str:
        return self.tag
