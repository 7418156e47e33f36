"""Reports a park committee can hand to a company: one project's screening, or a batch summary.

Needs the ``report`` extra (``pip install 'regional-eia[report]'``: matplotlib, jinja2, openpyxl); the
interactive map needs the ``interactive`` extra (folium). Importing this package without them raises
a :class:`~regional_eia.errors.ReportError` naming the pip command.

>>> from regional_eia.report import write_report, write_batch_report, load_batch  # doctest: +SKIP
"""

from .extras import require

require("matplotlib", "jinja2", extra="report")

from .batch import BatchInput, load_batch  # noqa: E402  (after the check, so a missing extra reads clearly)
from .messages import LANGS, MESSAGES, Messages  # noqa: E402
from .render import Report, write_batch_report, write_report  # noqa: E402

__all__ = ["BatchInput", "LANGS", "MESSAGES", "Messages", "Report", "load_batch", "write_batch_report",
           "write_report"]
