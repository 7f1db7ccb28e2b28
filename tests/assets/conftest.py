"""Builders for the asset tests: a type with fields, and an asset."""

from __future__ import annotations

import itertools

import pytest

from dispatch.assets.models import Asset, AssetType, AssetTypeField
from dispatch.extensions import db

_seq = itertools.count(1)


@pytest.fixture
def make_asset_type(app):
    def make(fields=(), **kw):
        kind = AssetType(name=kw.pop("name", f"Type {next(_seq)}"), **kw)
        for i, f in enumerate(fields):
            kind.fields.append(AssetTypeField(position=i, **f))
        db.session.add(kind)
        db.session.commit()
        return kind

    return make


@pytest.fixture
def make_asset(app, make_asset_type):
    def make(**kw):
        kw.setdefault("type", kw.pop("asset_type", None) or make_asset_type())
        kw.setdefault("tag", f"AS-{next(_seq):04d}")
        asset = Asset(**kw)
        db.session.add(asset)
        db.session.commit()
        return asset

    return make
