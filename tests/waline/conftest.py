import fcntl

import pytest

from waline_service import reset, site, state_dir


@pytest.fixture
def waline():
    """The local Waline, held exclusively for the test and emptied first:
    two runs at once (the server is shared) take turns instead of deleting
    each other's comments. Skips without a server; fails under CI=true."""
    s = site()
    lock = open(state_dir() / "tests.lock", "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        reset()
        yield s
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


@pytest.fixture
def client(waline):
    from migrator.waline import Waline

    c = Waline(waline["url"], token=waline["token"])
    c.login()
    yield c
    c.close()


@pytest.fixture(autouse=True)
def _no_waline_env(monkeypatch):
    """Credentials in the caller's environment must not leak into tests."""
    for k in ("MIGRATOR_WALINE_TOKEN", "MIGRATOR_WALINE_PASSWORD", "MIGRATOR_WP_USER",
              "MIGRATOR_SECRET"):
        monkeypatch.delenv(k, raising=False)
