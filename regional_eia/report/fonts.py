"""Find a CJK font that matplotlib can use, from what the system provides (no font is shipped).

Debian/Ubuntu: ``apt-get install fonts-noto-cjk`` (Noto Sans CJK SC); others are tried in turn. When
none is found, figures are drawn with Latin labels only, so a report never shows empty boxes.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from collections.abc import Iterator

__all__ = ["CJK_FAMILIES", "find_cjk_font", "figure_style", "FONT_MISSING"]

# In order of preference: the Debian/Ubuntu packages first (fonts-noto-cjk, fonts-wqy-*, fonts-arphic-*),
# then what Windows and macOS carry.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "Noto Serif CJK SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
)

FONT_MISSING = (
    "no CJK font found for matplotlib (tried {tried}): map and chart labels are drawn in Latin script "
    "only; install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) and, if matplotlib had already "
    "built its font cache, delete ~/.cache/matplotlib"
)


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """The family name of the first installed font of :data:`CJK_FAMILIES`, or None.

    matplotlib knows the fonts of its cache, which is built once: a font installed after that (the
    usual order on a fresh machine: pip install, first plot, then apt-get install fonts-noto-cjk) is
    missing from it. So when the cache has no CJK font, fontconfig is asked for the files of the
    families wanted, and those are added to matplotlib's font manager for this process.
    """
    from matplotlib import font_manager

    found = _first_known(font_manager)
    if found is None and _add_fontconfig_fonts(font_manager):
        found = _first_known(font_manager)
    return found


def _first_known(font_manager) -> str | None:
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def _add_fontconfig_fonts(font_manager) -> bool:
    """Add the files fontconfig lists for :data:`CJK_FAMILIES`; whether any was added."""
    import shutil
    import subprocess

    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    try:
        listing = subprocess.run([fc_list, ":lang=zh", "family", "file"], capture_output=True, text=True,
                                 timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    wanted = set(CJK_FAMILIES)
    files = []
    for line in listing.splitlines():
        path, _, families = line.partition(": ")
        if wanted & {f.strip() for f in families.split(",")} and path not in files:
            files.append(path)
    added = False
    for path in files:
        try:
            font_manager.fontManager.addfont(path)
            added = True
        except (OSError, RuntimeError, ValueError):
            continue
    return added


@contextmanager
def figure_style(cjk_font: str | None) -> Iterator[None]:
    """matplotlib settings for report figures: the CJK font first, DejaVu Sans for what it lacks."""
    import matplotlib

    families = ([cjk_font] if cjk_font else []) + ["DejaVu Sans"]
    with matplotlib.rc_context({
        "font.family": "sans-serif",
        "font.sans-serif": families,
        "axes.unicode_minus": False,
        "font.size": 9,
        "svg.fonttype": "none",
    }):
        yield
