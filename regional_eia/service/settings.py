"""Settings of the online channel, from the environment (``REGIONAL_EIA_*``) or from ``serve``'s options."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "DEFAULT_DB"]

DEFAULT_DB = "sqlite:///regional-eia-service.sqlite"


class Settings(BaseSettings):
    """Where the catalogue, the ledger and the database are, and the limits on public forms.

    Every field can be set as ``REGIONAL_EIA_<FIELD>`` (e.g. ``REGIONAL_EIA_DB=postgresql://...``).

    Examples
    --------
    >>> Settings(db="postgresql://u@127.0.0.1/eia").sqlalchemy_url
    'postgresql+psycopg://u@127.0.0.1/eia'
    """

    model_config = SettingsConfigDict(env_prefix="REGIONAL_EIA_", env_ignore_empty=True, extra="forbid",
                                      frozen=True)

    catalog: Path | None = Field(None, description="catalogue folder; default: the built-in demo")
    ledger: Path | str | None = Field(None, description="capacity ledger: a file, sqlite:///FILE or postgresql://... "
                                                 "(it must exist: `regional-eia ledger init`); default: beside "
                                                 "the catalogue (demo: ./demo-ledger.sqlite), created on first start")
    db: str = Field(DEFAULT_DB, description="database URL: sqlite:///FILE or postgresql://USER@HOST/DB")
    lang: str = Field("zh", pattern="^(zh|en)$", description="language of reports and pages")
    max_body_bytes: int = Field(2_000_000, gt=0, description="largest request body accepted")
    max_batch: int = Field(100, gt=0, description="most projects in one /api/screen/batch request")
    threads: int = Field(8, gt=0, le=200, description="requests handled at once by a server process; the rest "
                                                      "wait in order")
    screen_rate: str = Field("30/minute", description="screenings per client address (limits syntax)")
    question_rate: str = Field("10/minute", description="questions per client address")
    login_rate: str = Field("10/minute", description="login attempts per client address")
    session_hours: float = Field(12, gt=0, description="how long a staff login lasts")
    secure_cookies: bool = Field(False, description="mark cookies Secure (set it behind HTTPS)")
    routing: Path | None = Field(None, description="routing rules (YAML); default: the built-in rules")

    @field_validator("db")
    @classmethod
    def _known_database(cls, url: str) -> str:
        if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError(f"--db {url!r}: use sqlite:///FILE or postgresql://USER@HOST/DB")
        return url

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the driver SQLAlchemy should use (psycopg 3 for PostgreSQL)."""
        for scheme in ("postgres://", "postgresql://"):
            if self.db.startswith(scheme):
                return "postgresql+psycopg://" + self.db[len(scheme):]
        return self.db
