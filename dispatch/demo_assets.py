"""The demo company's devices: a few asset types with their own fields, and about fifty
devices across the sites — employees' laptops, the printers of the demo's requests, each
site's switch, projector and UPS."""

from __future__ import annotations

import zlib
from datetime import date

from dispatch.assets.models import Asset, AssetStatus, AssetType, AssetTypeField
from dispatch.demo_names import in_both
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.sites.models import Site
from dispatch.tickets.models import FieldType

# name, [(key, label, type, choices)]
TYPES = [
    ("Laptop", [("ram_gb", "Memory (GB)", FieldType.NUMBER, []),
                ("os", "Operating system", FieldType.CHOICE, ["Windows 11", "Ubuntu", "macOS"])]),
    ("Desktop", [("os", "Operating system", FieldType.CHOICE, ["Windows 10", "Windows 11"])]),
    ("Printer", [("toner", "Toner cartridge", FieldType.TEXT, []),
                 ("network_name", "Network name", FieldType.TEXT, [])]),
    ("Network switch", [("ports", "Ports", FieldType.NUMBER, [])]),
    ("Projector", []),
    ("UPS", [("battery_replaced", "Battery replaced on", FieldType.DATE, [])]),
]  # fmt: skip

# tag, type, maker, model, site, building, floor, room, owner e-mail, status, fields
DEVICES = [
    ("CLJ-LT-0001", "Laptop", "Lenovo", "ThinkPad T14", "CLJ", "A", "2", "204",
     "ana.pop@example.com", AssetStatus.IN_USE, {"ram_gb": 16, "os": "Windows 11"}),
    ("CLJ-PR-0003", "Printer", "HP", "LaserJet Pro M404dn", "CLJ", "A", "3", "Kitchen corridor",
     None, AssetStatus.IN_USE, {"toner": "CF259A", "network_name": "clj-a3-print"}),
    ("TMS-PC-0042", "Desktop", "Dell", "OptiPlex 7090", "TMS", "Hall 2", "0", "Dock office",
     "mihai.ionescu@example.com", AssetStatus.IN_USE, {"os": "Windows 10"}),
    ("BUC-LT-0007", "Laptop", "Dell", "Latitude 5440", "BUC", "", "5", "Open space",
     "elena.radu@example.com", AssetStatus.IN_USE, {"ram_gb": 16, "os": "Windows 11"}),
    ("CLJ-LT-0099", "Laptop", "Lenovo", "ThinkPad T480", "CLJ", "A", "1", "IT store",
     None, AssetStatus.SPARE, {"ram_gb": 8, "os": "Ubuntu"}),
]  # fmt: skip
# Each site's shared equipment: type, maker, model, building, floor, room, fields.
PER_SITE = [
    ("Printer", "Canon", "i-SENSYS MF455dw", "", "1", "Reception", {"toner": "CRG-057"}),
    ("Printer", "HP", "LaserJet Pro M404dn", "", "2", "Copy room", {"toner": "CF259A"}),
    ("Network switch", "Cisco", "Catalyst 9200", "", "0", "Server room", {"ports": 48}),
    ("Network switch", "Cisco", "Catalyst 1000", "", "2", "Copy room", {"ports": 24}),
    ("Projector", "Epson", "EB-L200F", "", "1", "Meeting room", {}),
    ("Projector", "BenQ", "MH560", "", "2", "Training room", {}),
    ("UPS", "APC", "Smart-UPS 1500", "", "0", "Server room", {"battery_replaced": "2025-06-02"}),
    ("Desktop", "HP", "EliteDesk 800 G6", "", "1", "Reception", {"os": "Windows 11"}),
    ("Laptop", "HP", "ProBook 450", "", "2", "Training room", {"ram_gb": 8, "os": "Windows 11"}),
]
PREFIX = {"Printer": "PR", "Network switch": "SW", "Projector": "PJ", "UPS": "UPS",
          "Desktop": "PC", "Laptop": "LT"}  # fmt: skip


def load_assets() -> None:
    """Add the demo's types and devices, once (a database with assets is left as it is)."""
    if db.session.scalar(db.select(Asset.id).limit(1)) is not None:
        return
    types = {}
    for name, fields in TYPES:
        kind = db.session.scalar(db.select(AssetType).filter_by(name=name)) or AssetType(
            name=name, translations=in_both(name=name)
        )
        if not kind.fields:
            kind.fields = [
                AssetTypeField(
                    key=k,
                    label=label,
                    type=t,
                    choices=c,
                    position=i,
                    translations=in_both(label=label, choices=c),
                )
                for i, (k, label, t, c) in enumerate(fields)
            ]
        types[name] = kind
        db.session.add(kind)
    sites = {s.code: s for s in db.session.scalars(db.select(Site))}
    people = {u.email: u for u in db.session.scalars(db.select(User))}
    for tag, kind, maker, model, code, building, floor, room, owner, status, fields in DEVICES:
        db.session.add(
            Asset(
                tag=tag,
                type=types[kind],
                maker=maker,
                model=model,
                site=sites[code],
                building=building,
                floor=floor,
                room=room,
                owner=people.get(owner or ""),
                status=status,
                fields=fields,
                serial=f"SN{zlib.crc32(tag.encode()) % 10**8:08d}",
                purchased_on=date(2024, 3, 1),
                warranty_until=date(2027, 2, 28),
            )
        )
    for code, site in sorted(sites.items()):
        for n, (kind, maker, model, building, floor, room, fields) in enumerate(PER_SITE, 1):
            tag = f"{code}-{PREFIX[kind]}-{100 + n:04d}"
            db.session.add(
                Asset(
                    tag=tag,
                    type=types[kind],
                    maker=maker,
                    model=model,
                    site=site,
                    building=building,
                    floor=floor,
                    room=room,
                    fields=fields,
                    serial=f"{PREFIX[kind]}{code}{n:05d}",
                    purchased_on=date(2023, 9, n),
                    warranty_until=date(2026, 9, n),
                )
            )
    db.session.commit()
