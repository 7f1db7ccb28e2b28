"""Front-end libraries from their Python packages (XStatic), served by the app: no CDN."""

from __future__ import annotations

import xstatic.pkg.bootstrap as bootstrap
import xstatic.pkg.leaflet as leaflet
from flask import Blueprint, abort, send_from_directory

bp = Blueprint("vendor", __name__)

PACKAGES = {"bootstrap": bootstrap.BASE_DIR, "leaflet": leaflet.BASE_DIR}
ONE_WEEK = 7 * 24 * 3600


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str):
    base = PACKAGES.get(package)
    if base is None:
        abort(404)
    # send_from_directory refuses paths that leave the package's folder.
    return send_from_directory(base, filename, max_age=ONE_WEEK)
