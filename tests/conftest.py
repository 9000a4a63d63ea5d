import os
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)  # test helpers such as wxr_builder
ROOT = os.path.dirname(HERE)


@pytest.fixture
def fixtures_dir():
    return os.path.join(ROOT, "fixtures")


@pytest.fixture
def small_wxr(fixtures_dir):
    return os.path.join(fixtures_dir, "small.wxr")
