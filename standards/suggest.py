""""Did you mean": the known names nearest to a mistyped one, for every message that refuses a name."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["did_you_mean"]


def did_you_mean(word: str, known: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Up to ``n`` known names closest to ``word`` (difflib's ratio at least ``cutoff``), then up to ``n``
    more that start with it (``dye`` suggests ``dyeing``).

    Examples
    --------
    >>> did_you_mean("dyeng", ["dyeing", "printing", "pretreatment"])
    ['dyeing']
    """
    import difflib

    known = list(known)
    close = difflib.get_close_matches(word, known, n=n, cutoff=cutoff)
    close += [k for k in known if word and k.startswith(word) and k not in close]
    return list(dict.fromkeys(close))[: 2 * n]
