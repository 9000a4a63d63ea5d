"""The local WordPress of scripts/wordpress.sh answers, and reset() gives a clean site."""

try:
    from wp_service import reset, rest, site
except ImportError:  # tests/ run as a package
    from tests.wp_service import reset, rest, site


def test_site_answers_authenticated_users_me():
    s = site()
    assert s["rest"] == s["url"] + "/?rest_route="
    me = rest("GET", "/wp/v2/users/me", params={"context": "edit"})
    assert me["slug"] == s["user"] == "admin"
    assert "administrator" in me["roles"]


def test_reset_creates_posts_that_rest_reads_back():
    ids = reset([
        {"title": "Hello migrator", "slug": "hello-migrator", "content": "<p>Body text</p>",
         "date_gmt": "2014-02-18 15:30:00", "type": "post"},
        {"title": "About", "slug": "about", "content": "<p>About page</p>",
         "date_gmt": "2014-01-02T09:00:00", "type": "page"},
    ])
    assert set(ids) == {"hello-migrator", "about"}

    post = rest("GET", "/wp/v2/posts/%d" % ids["hello-migrator"], params={"context": "edit"})
    assert post["title"]["raw"] == "Hello migrator"
    assert post["slug"] == "hello-migrator"
    assert post["date_gmt"] == "2014-02-18T15:30:00"
    assert post["comment_status"] == "open"
    assert post["status"] == "publish"

    page = rest("GET", "/wp/v2/pages/%d" % ids["about"])
    assert page["slug"] == "about" and page["comment_status"] == "open"

    # the site holds exactly what reset() created, and the post takes comments
    assert [p["id"] for p in rest("GET", "/wp/v2/posts")] == [ids["hello-migrator"]]
    assert rest("GET", "/wp/v2/comments") == []
    c = rest("POST", "/wp/v2/comments", data={
        "post": ids["hello-migrator"], "content": "A first comment on a clean site.",
        "author_name": "Tester", "author_email": "tester@example.com"}, expect=201)
    assert c["status"] == "approved"
