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
