"""Reports a park committee can hand to a company: one project's screening, or a batch summary.

Writing a report needs the ``report`` extra (``pip install 'regional-eia[report]'``: matplotlib,
jinja2, openpyxl); the interactive map needs the ``interactive`` extra (folium). Asking this package
for a writer without them raises a :class:`~regional_eia.errors.ReportError` naming the pip command.
The message catalogue (:mod:`.messages`) needs nothing beyond the core install: every screening words
its findings with it.

>>> from regional_eia.report import write_report, write_batch_report, load_batch  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from .messages import LANGS, MESSAGES, Messages

__all__ = ["BatchInput", "LANGS", "MESSAGES", "Messages", "Report", "load_batch", "write_batch_report",
           "write_report"]

_WRITERS = {"BatchInput": ".batch", "load_batch": ".batch", "Report": ".render", "write_report": ".render",
            "write_batch_report": ".render"}


def __getattr__(attribute: str) -> Any:
    module = _WRITERS.get(attribute)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")
    import importlib

    from .extras import require

    require("matplotlib", "jinja2", extra="report")
    return getattr(importlib.import_module(module, __name__), attribute)
