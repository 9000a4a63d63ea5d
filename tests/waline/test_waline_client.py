"""The Waline client against the real server of scripts/waline.sh (and the
parts that need no server: dates, paths, the path map)."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import pytest

from migrator.targets.http import AuthError, PushError
from migrator.waline import Waline, WalineError, decode_uri, link_path, read_path_map
from migrator.waline.client import iso_from_ms, waline_date
from migrator.waline.target import WalineTarget
from waline_service import call, raw_comments


# -- no server needed ----------------------------------------------------------------
def test_dates_are_gmt_in_wallines_own_form():
    d = datetime(2019, 3, 4, 7, 6, 7, tzinfo=timezone(timedelta(hours=2)))
    assert waline_date(d) == "2019-03-04 05:06:07"
    assert waline_date(datetime(2019, 3, 4, 5, 6, 7)) == "2019-03-04 05:06:07"
    assert iso_from_ms(1551675967000) == "2019-03-04T05:06:07"
    assert iso_from_ms(None) is None and iso_from_ms("x") is None


def test_paths_are_decoded_like_javascripts_decodeURI():
    # the Waline client sends decodeURI(location.pathname)
    assert link_path("https://b.example/2019/03/%e4%bd%a0%e5%a5%bd/") == "/2019/03/你好/"
    assert link_path("https://b.example/a%2Fb/c%3F/") == "/a%2Fb/c%3F/"  # reserved stay
    assert link_path("https://b.example/x/?p=1#c") == "/x/"
    assert decode_uri("/bad%e4%bd/") == "/bad%e4%bd/"  # not UTF-8: left alone
    assert link_path("https://b.example/keep-slash/") != link_path("https://b.example/keep-slash")


def test_path_map_csv(tmp_path):
    f = tmp_path / "map.csv"
    f.write_text("source_post_id,path\n# a comment\n412,/2018/04/goodbye/\n\n"
                 "437, https://new.example/2018/05/%C3%A9t%C3%A9/ \n")
    assert read_path_map(str(f)) == {412: "/2018/04/goodbye/", 437: "/2018/05/été/"}
    f.write_text("412,2018/04/goodbye\n")
    with pytest.raises(PushError, match=r"map.csv:1: '2018/04/goodbye' is not a page path"):
        read_path_map(str(f))
    f.write_text("412,/a/\nabc,/b/\n")
    with pytest.raises(PushError, match=r"map.csv:2: 'abc' is not a post id"):
        read_path_map(str(f))


def test_no_credentials_is_one_clear_line():
    with pytest.raises(PushError, match="MIGRATOR_WALINE_TOKEN"):
        Waline("http://127.0.0.1:8360")
    with pytest.raises(PushError, match="password"):
        Waline("http://127.0.0.1:8360", email="admin@example.com")


def test_plain_http_off_this_machine_and_passwords_in_urls_are_refused():
    with pytest.raises(PushError, match="plain http"):
        Waline("http://comments.example.org", token="t" * 20)
    with pytest.raises(PushError, match="password in it") as e:
        Waline("https://admin:hunter22@comments.example.org", token="t" * 20)
    assert "hunter22" not in str(e.value)


# -- against the real Waline -----------------------------------------------------------
def test_login_with_email_and_password_gets_the_admin_token(waline):
    c = Waline(waline["url"], email=waline["admin_email"], password=waline["admin_password"])
    user = c.login()
    assert user["type"] == "administrator" and user["email"] == waline["admin_email"]
    # the token it got is the admin's: it imports
    new_id = c.create({"url": "/t/", "nick": "N", "comment": "x",
                       "insertedAt": "2020-01-01 00:00:00", "status": "approved"})
    assert [r["objectId"] for r in raw_comments()] == [new_id]
    assert waline["admin_password"] not in c.redact(f"pw {waline['admin_password']}")


def test_wrong_password_and_bad_token_stop_with_one_line(waline):
    pw = "wrong-" + secrets.token_hex(6)
    with pytest.raises(AuthError) as e:
        Waline(waline["url"], email=waline["admin_email"], password=pw).login()
    assert "wrong e-mail or password" in str(e.value) and pw not in str(e.value)
    tok = waline["token"][:-6] + "AAAAAA"
    with pytest.raises(AuthError) as e:
        Waline(waline["url"], token=tok).login()
    assert "MIGRATOR_WALINE_TOKEN" in str(e.value) and tok not in str(e.value)


def test_a_guest_account_is_refused(waline):
    email = f"guest-{secrets.token_hex(4)}@example.com"
    pw = secrets.token_hex(8)
    status, body = call("POST", "/user", {"display_name": "guest", "email": email,
                                          "password": pw, "url": ""}, token="")
    assert status == 200 and body["errno"] == 0, body
    with pytest.raises(AuthError, match="needs an administrator"):
        Waline(waline["url"], email=email, password=pw).login()


def test_errors_come_back_as_http_200_and_are_still_errors(waline):
    """A bad token on the import is HTTP 200 with errno 401: the client must
    read errno, and the platform must stop the run (not count it as created)."""
    c = Waline(waline["url"], token="not-a-token-" + secrets.token_hex(8))
    row = {"url": "/t/", "nick": "N", "comment": "x", "status": "approved"}
    resp = c.post_comment(row)
    assert resp.status_code == 200 and resp.json()["errno"] == 401
    with pytest.raises(WalineError) as e:
        c.data(resp, "import")
    assert e.value.errno == 401 and e.value.status == 200
    answer = WalineTarget(c).create(row)
    assert answer.kind == "fatal" and "token" in answer.reason
    assert raw_comments() == []


def test_every_field_round_trips_verbatim(client):
    hostile = "Quote \" back\\slash\nnew line\ttab 😀 <b>bold</b> '); DROP TABLE wl_Comment; --"
    row = {"url": "/2019/03/hello/", "nick": "Zoë \"Z\" O'Hara", "mail": "zoe@example.org",
           "link": "https://zoe.example", "ip": "203.0.113.5", "ua": "Mozilla/5.0 (X11)",
           "status": "waiting", "comment": hostile, "insertedAt": "2019-03-04 05:06:07",
           "createdAt": "2019-03-04 05:06:07", "updatedAt": "2019-03-04 05:06:07"}
    root = client.create(row)
    reply = client.create(dict(row, nick="Bob", comment="re", status="spam", pid=root, rid=root,
                               insertedAt="2019-03-05 10:00:00"))
    raw = {r["objectId"]: r for r in raw_comments()}
    for k, v in row.items():
        assert raw[root][k] == v, k
    assert (raw[reply]["pid"], raw[reply]["rid"], raw[reply]["status"]) == (root, root, "spam")
    listed = {c["objectId"]: c for c in client.path_comments("/2019/03/hello/")}
    assert set(listed) == {root, reply}
    assert listed[root]["orig"] == hostile
    assert iso_from_ms(listed[root]["time"]) == "2019-03-04T05:06:07"
    assert listed[reply]["pid"] == root and listed[reply]["rid"] == root


def test_find_matches_only_the_same_comment(client):
    base = {"url": "/p/", "nick": "Ann", "mail": "ann@example.org", "comment": "same words",
            "insertedAt": "2019-01-01 10:00:00", "status": "approved"}
    a = client.create(base)
    b = client.create(dict(base, pid=a, rid=a))               # same words, a reply
    client.create(dict(base, insertedAt="2019-01-01 10:00:01"))  # a second later
    client.create(dict(base, url="/q/"))                      # another page
    assert [x["objectId"] for x in client.find(base)] == [a]
    assert [x["objectId"] for x in client.find(dict(base, pid=a, rid=a))] == [b]
    assert client.find(dict(base, mail="other@example.org")) == []
    assert client.find(dict(base, comment="same words ")) == []
    no_date = {k: v for k, v in base.items() if k != "insertedAt"}
    assert len(client.find(no_date)) == 2


def test_find_survives_a_server_not_in_utc(client):
    """A server in UTC+2 reads our '10:00:00' as 08:00Z. The copy must still be
    found (after any exact match), or a lost answer would become a duplicate;
    a date off by something that is no zone offset is another comment."""
    base = {"url": "/tz/", "nick": "Ann", "comment": "hello", "status": "approved"}
    shifted = client.create(dict(base, insertedAt="2019-01-01 08:00:00"))  # as UTC+2 reads it
    client.create(dict(base, insertedAt="2019-01-01 09:59:59"))             # not an offset
    exact = client.create(dict(base, insertedAt="2019-01-01 10:00:00"))
    got = [x["objectId"] for x in client.find(dict(base, insertedAt="2019-01-01 10:00:00"))]
    assert got == [exact, shifted]
    client.delete(exact)
    assert [x["objectId"] for x in client.find(dict(base, insertedAt="2019-01-01 10:00:00"))] \
        == [shifted]


def test_reading_a_page_follows_every_page_of_roots(client):
    """GET /api/comment pages by roots, 100 at most: 130 roots with a reply
    each must all come back."""
    for i in range(130):
        r = client.create({"url": "/big/", "nick": f"n{i}", "comment": f"c{i}", "status": "approved",
                           "insertedAt": f"2019-01-01 00:{i // 60:02d}:{i % 60:02d}"})
        client.create({"url": "/big/", "nick": f"r{i}", "comment": f"r{i}", "pid": r, "rid": r,
                       "status": "approved", "insertedAt": "2019-02-01 00:00:00"})
    got = client.path_comments("/big/")
    assert len(got) == 260 and len({c["objectId"] for c in got}) == 260


def test_delete_takes_a_leaf_alone(client):
    a = client.create({"url": "/d/", "nick": "a", "comment": "a", "status": "approved"})
    b = client.create({"url": "/d/", "nick": "b", "comment": "b", "status": "approved",
                       "pid": a, "rid": a})
    client.delete(b)
    assert [r["objectId"] for r in raw_comments()] == [a]


def test_a_page_past_a_thousand_comments_is_read_whole(client, waline):
    """Waline reads a page with 1,000 comments or more another way (roots,
    then their children) and over-counts its pages: all 1,050 must come back
    once. Seeded straight into Waline's SQLite file (importing 1,050 over
    HTTP would take 15 s), read back through the server."""
    import sqlite3

    db = sqlite3.connect(waline["db"], timeout=30)
    with db:
        for r in range(50):
            cur = db.execute("INSERT INTO wl_Comment (url, nick, comment, status, insertedAt) "
                             "VALUES ('/huge/', ?, ?, 'approved', ?)",
                             (f"root{r}", f"root {r}", f"2019-01-01 00:{r:02d}:00"))
            root = cur.lastrowid
            db.executemany("INSERT INTO wl_Comment (url, nick, comment, status, insertedAt, pid, rid) "
                           "VALUES ('/huge/', ?, ?, 'approved', '2019-02-01 00:00:00', ?, ?)",
                           [(f"re{r}-{k}", f"reply {k}", root, root) for k in range(20)])
    db.close()
    got = client.path_comments("/huge/")
    assert len(got) == 1050 and len({c["objectId"] for c in got}) == 1050
    assert sum(1 for c in got if not c["rid"]) == 50


def test_the_wrong_map_for_the_platform_is_a_usage_error(tmp_path, small_wxr):
    from click.testing import CliRunner

    from migrator.cli import cli

    m = tmp_path / "m.csv"
    m.write_text("1,2\n")
    env = {"MIGRATOR_WALINE_TOKEN": "x" * 20, "MIGRATOR_WP_PASSWORD": "y" * 20}
    r = CliRunner(env=env).invoke(cli, ["push", small_wxr, "--to", "waline+http://127.0.0.1:9",
                                        "--post-map", str(m)])
    assert r.exit_code == 2 and "--path-map" in r.stderr
    r = CliRunner(env=env).invoke(cli, ["push", small_wxr, "--to", "http://127.0.0.1:9",
                                        "--user", "u", "--path-map", str(m)])
    assert r.exit_code == 2 and "is for a Waline target" in r.stderr
    m.write_text("1,no-slash\n")
    r = CliRunner(env=env).invoke(cli, ["push", small_wxr, "--to", "waline+http://127.0.0.1:9",
                                        "--path-map", str(m)])
    assert r.exit_code == 2 and "m.csv:1: 'no-slash' is not a page path" in r.stderr
    assert r.stderr.count("\n") == 1


def test_adopting_a_found_copy_sets_its_status_quietly(client):
    """After a lost answer the found copy is brought to the status we sent,
    through the raw table update (no hooks, no notification e-mails)."""
    row = {"url": "/a/", "nick": "Ann", "comment": "x", "status": "waiting",
           "insertedAt": "2019-01-01 00:00:00"}
    cid = client.create(row)
    note = WalineTarget(client).adopt({"id": cid, "status": "waiting"}, dict(row, status="approved"))
    assert note == "status set to approved"
    assert [(r["objectId"], r["status"]) for r in raw_comments()] == [(cid, "approved")]
    assert WalineTarget(client).hide(cid)
    assert raw_comments()[0]["status"] == "waiting"
