"""Optional dependencies: a missing one is a :class:`ReportError` that names the pip command."""

from __future__ import annotations

import importlib

from ..errors import ReportError

__all__ = ["require", "EXTRAS"]

EXTRAS = {
    "report": ("matplotlib", "jinja2", "openpyxl"),
    "interactive": ("folium",),
}


def require(*modules: str, extra: str, why: str = "regional-eia report") -> None:
    """Import ``modules`` or raise a :class:`ReportError` naming the missing ones and the extra to install.

    Examples
    --------
    >>> require("json", extra="report")
    """
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise ReportError(why, f"needs {', '.join(missing)} (not installed): pip install 'regional-eia[{extra}]'")
