"""The online channel (环企直通车): a web service over the screening library.

Companies pre-screen a project (the result page is the project's report) and ask the environment
department a question, followed through a private link; staff answer each question with the screening
in hand, keep one record per company (一企一账), count questions collected and resolved, and reserve or
commit capacity in the ledger from an application. Needs the ``serve`` extra
(``pip install 'regional-eia[serve]'``).

>>> from regional_eia.service import create_app, Settings  # doctest: +SKIP
>>> app = create_app(Settings(db="sqlite:///channel.sqlite"))  # doctest: +SKIP
"""

import importlib.util

_missing = [m for m in ("fastapi", "uvicorn", "sqlalchemy", "alembic", "argon2", "limits", "pydantic_settings",
                        "multipart", "jinja2", "matplotlib", "openpyxl") if importlib.util.find_spec(m) is None]
if _missing:
    from ..errors import ReportError

    raise ReportError("regional-eia serve", f"needs {', '.join(_missing)} (not installed): "
                                            "pip install 'regional-eia[serve]'")

from .app import create_app  # noqa: E402
from .channel import create_user  # noqa: E402
from .db import ServiceError  # noqa: E402
from .settings import Settings  # noqa: E402

__all__ = ["create_app", "create_user", "Settings", "ServiceError"]
