"""Shared pytest fixtures.

Data fixtures keep tests away from the user's real Keras cache and the network.
"""

import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

# tools/ holds scripts and the modules they share (exercise_pattern): importable in tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """An empty, private Keras home: KERAS_HOME -> tmp_path/"keras-home".

    Also clears CNN_COURSE_DATA / CNN_COURSE_OFFLINE and points Keras' /tmp/.keras
    fallback into tmp_path, so no test ever reads or writes ~/.keras or /tmp/.keras.
    """
    import helpers.data

    home = tmp_path / "keras-home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.delenv("CNN_COURSE_DATA", raising=False)
    monkeypatch.delenv("CNN_COURSE_OFFLINE", raising=False)
    monkeypatch.setattr(helpers.data, "_keras_fallback_home", lambda: tmp_path / "tmp-keras")
    return home


@pytest.fixture
def offline(monkeypatch):
    """Simulate no network: urllib.request.urlopen raises URLError at once.

    Returns the list of URLs that were requested, so a test can check whether a
    download was attempted.
    """
    calls = []

    def refuse(url, *args, **kwargs):
        calls.append(url)
        raise urllib.error.URLError("simulated offline")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return calls


# ------------------------------------------------------------------------------------
# One headless Chromium per pytest worker, for every browser test (test_browser.py,
# test_site.py). Defined once here: Playwright's sync API refuses a second instance in the
# same process ("Sync API inside the asyncio loop").
# ------------------------------------------------------------------------------------

def _missing(what):
    """Skip (fail when CI is set) because the browser tests cannot run; say how to fix it."""
    import os

    import browser_support as bs

    message = f"{what}. {bs.INSTALL_HINT}"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so the browser tests must run: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_path():
    import browser_support as bs

    path = bs.find_chromium()
    if path is None:
        _missing("No Chromium found (looked for CHROMIUM_PATH, "
                 + ", ".join(bs.CHROMIUM_CANDIDATES) + " and `chromium` on PATH)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    import browser_support as bs

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("The Python package playwright is not installed (run `make install`)")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True,
                                              args=bs.CHROMIUM_ARGS)
    except Exception as err:      # a broken or incompatible binary: same rule as a missing one
        playwright.stop()
        _missing(f"Chromium at {chromium_path} did not start ({str(err).splitlines()[0]})")
    yield chromium
    chromium.close()
    playwright.stop()
