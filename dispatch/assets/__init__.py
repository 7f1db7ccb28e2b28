"""Assets: the inventory of devices, their labels and their history (/assets, /a/<tag>)."""

from dispatch.assets import file_views  # noqa: F401  (its routes join the blueprint)
from dispatch.assets.views import bp  # noqa: F401
