"""Which platform --to names, and where its journal lives."""
import os

import pytest
from click.testing import CliRunner

from migrator.cli import cli
from migrator.targets import PushError, default_state_path
from migrator.targets.select import package, split_target


def test_plain_urls_stay_wordpress_and_prefixes_pick_the_platform():
    assert split_target("https://new.example.org") == ("wordpress", "https://new.example.org")
    assert split_target("ghost+https://blog.example.org/") == ("ghost", "https://blog.example.org/")
    assert split_target("Waline+http://127.0.0.1:8360") == ("waline", "http://127.0.0.1:8360")
    assert split_target("wordpress+https://x.example") == ("wordpress", "https://x.example")
    with pytest.raises(PushError, match="unknown platform 'disqus'"):
        split_target("disqus+https://x.example")
    assert package("ghost").__name__ == "migrator.ghost"


def test_each_platform_has_its_own_journal():
    assert default_state_path("http://127.0.0.1:2368") == \
        os.path.join(".migrator-state", "127.0.0.1_2368.db")
    assert default_state_path("http://127.0.0.1:2368", platform="ghost") == \
        os.path.join(".migrator-state", "127.0.0.1_2368_ghost.db")


def test_unknown_platform_is_a_usage_error(small_wxr):
    r = CliRunner().invoke(cli, ["push", small_wxr, "--to", "disqus+https://x.example"])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "unknown platform" in r.stderr


def test_wordpress_needs_a_user(small_wxr):
    r = CliRunner(env={"MIGRATOR_WP_USER": ""}).invoke(
        cli, ["push", small_wxr, "--to", "http://127.0.0.1:1"])
    assert r.exit_code == 2 and "--user" in r.stderr
