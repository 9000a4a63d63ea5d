import os
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)  # test helpers such as wxr_builder
ROOT = os.path.dirname(HERE)
sys.path.insert(1, ROOT)  # bench.gen_wxr: the generator of big and varied exports


@pytest.fixture
def fixtures_dir():
    return os.path.join(ROOT, "fixtures")


@pytest.fixture
def small_wxr(fixtures_dir):
    return os.path.join(fixtures_dir, "small.wxr")


# -- running the CLI ------------------------------------------------------------
@pytest.fixture
def run_cli():
    """``run_cli("convert", path, "--to", target, cwd=tmp_path)`` runs the
    ``migrator`` command in-process (click's CliRunner), optionally in another
    working directory, and returns click's Result: ``exit_code``, ``stdout``,
    ``stderr``, ``output``. Exceptions that are not a clean exit propagate."""
    from click.testing import CliRunner

    from migrator.cli import cli

    def run(*args, cwd=None, input=None, env=None):
        old = os.getcwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            return CliRunner().invoke(cli, [str(a) for a in args], input=input, env=env,
                                      catch_exceptions=False)
        finally:
            os.chdir(old)

    return run


# -- PostgreSQL -------------------------------------------------------------------
#: What scripts/postgres.sh start prints.
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/migrator_test"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "postgres: needs PostgreSQL (scripts/postgres.sh start, or MIGRATOR_TEST_PG_URL)")


@pytest.fixture(scope="session")
def _pg_session():
    """Connect once per session. Every session works in its own PostgreSQL
    schema (namespace), so two test runs sharing the database - others work
    in this tree at the same time - never drop each other's tables.
    Yields ``(url, None)`` or ``(None, why it is unusable)``."""
    import secrets

    url = os.environ.get("MIGRATOR_TEST_PG_URL") or DEFAULT_PG_URL
    try:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        engine = create_engine(url, connect_args={"connect_timeout": 5})
        namespace = f"migrator_t_{os.getpid()}_{secrets.token_hex(3)}"
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{namespace}"'))
    except Exception as e:  # noqa: BLE001 - any reason means "no PostgreSQL here"
        yield None, f"PostgreSQL at {url} is not usable: {str(e).splitlines()[0]}"
        return
    base = make_url(url)
    options = (base.query.get("options", "") + f" -csearch_path={namespace}").strip()
    session_url = base.update_query_dict({"options": options}).render_as_string(hide_password=False)
    try:
        yield session_url, None
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{namespace}" CASCADE'))
        engine.dispose()


@pytest.fixture
def pg_url(_pg_session):
    """A SQLAlchemy URL of an empty PostgreSQL schema (migrator's tables are
    dropped before and after the test). Uses $MIGRATOR_TEST_PG_URL, else the
    URL scripts/postgres.sh prints. No server: the test is skipped - but fails
    when $CI is "true", so CI can never pass by skipping."""
    url, why = _pg_session
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail(why + " (CI=true: PostgreSQL is required; run scripts/postgres.sh start)",
                        pytrace=False)
        pytest.skip(why + " (run scripts/postgres.sh start)")
    from sqlalchemy import create_engine

    from migrator.sinks.sql import metadata

    engine = create_engine(url)
    metadata.drop_all(engine)
    try:
        yield url
    finally:
        metadata.drop_all(engine)
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """The same test on SQLite (a fresh file) and on PostgreSQL (see pg_url)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("pg_url")
