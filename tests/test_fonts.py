"""The report finds the CJK font even when matplotlib's cache was built before the font was installed."""

import shutil
import subprocess

import pytest

from regional_eia.report import fonts


def _fontconfig_has_cjk() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listing = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    return any(family in listing for family in fonts.CJK_FAMILIES)


def test_font_installed_after_the_cache_is_found_through_fontconfig(monkeypatch):
    if not _fontconfig_has_cjk():
        pytest.skip("fontconfig lists no CJK font (apt-get install fonts-noto-cjk fontconfig)")
    from matplotlib import font_manager

    stale = [e for e in font_manager.fontManager.ttflist if e.name not in fonts.CJK_FAMILIES]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)  # the cache of a machine without the font
    assert fonts._first_known(font_manager) is None
    found = fonts.find_cjk_font.__wrapped__()
    assert found in fonts.CJK_FAMILIES
    assert found in {e.name for e in font_manager.fontManager.ttflist}


def test_no_fontconfig_means_no_font_and_no_error(monkeypatch):
    from matplotlib import font_manager

    stale = [e for e in font_manager.fontManager.ttflist if e.name not in fonts.CJK_FAMILIES]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert fonts.find_cjk_font.__wrapped__() is None
