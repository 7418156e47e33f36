"""The discharge-standard catalogue (as data, with sources) and the rules that select binding limits."""

from .catalog import Limit, StandardsCatalog, builtin_standards, load_standards
from .errors import SelectionError, StandardsDataError, StandardsError, UnitError, UnknownStandardError

__all__ = [
    "Limit",
    "StandardsCatalog",
    "builtin_standards",
    "load_standards",
    "StandardsError",
    "StandardsDataError",
    "SelectionError",
    "UnitError",
    "UnknownStandardError",
]
