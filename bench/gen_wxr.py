"""Synthetic WordPress export (WXR 1.2) generator, streamed to disk.

Writes a realistic, deterministic export of any size, one ``<item>`` at a
time: memory follows the largest post (a few MB for a 3000-comment thread),
never the file. ~200,000 comments make ~260 MB (about 1.3 KB per comment,
WordPress's own tab-indented layout) in roughly 15-25 s.

Command line::

    python -m bench.gen_wxr --comments 200000 --out bench-data/big.xml [--seed 1]
    python -m bench.gen_wxr --comments 500 --posts 10 --out /tmp/t.xml --damage 0.05 --json

From tests::

    from bench.gen_wxr import write_wxr
    stats = write_wxr(tmp_path / "x.xml", comments=300, posts=12, seed=7)
    stats = write_wxr(path, comments=5000, chain_depth=3000)      # one very deep chain
    stats = write_wxr(io.StringIO(), comments=50)                 # any text stream works

``write_wxr`` returns a :class:`GenStats` (what was written: counts by status
and type, replies, replies written before their parent, max depth, exact
double posts, resubmissions, comments with meta, damage injected, bytes).

What is in the file
-------------------
* channel header: title, link, description, language, ``wp:wxr_version`` 1.2,
  base URLs, a few ``wp:author`` users, categories, generator;
* items: mostly posts, some pages, some attachments and items without
  comments; HTML (block-editor) bodies, unicode and percent-encoded slugs,
  categories, postmeta;
* comments, WordPress field order, CDATA where WordPress writes it (the
  author URL is not CDATA; its ``&`` is written ``&amp;``). No
  ``comment_agent``: WordPress does not export it;
* bodies: HTML paragraphs (``<p>``) or plain text with blank lines, links,
  ``<em>/<strong>/<blockquote>/<code>``, entities as WordPress stores them
  (``&amp;``, ``&#8217;``, ``&lt;``), accents, CJK, Cyrillic, Arabic, emoji,
  e-mail addresses and phone numbers in the text, and (rarely) code holding
  ``]]>``, written the way WordPress splits it: ``]]]]><![CDATA[>``;
* people: a pool of commenters (name, e-mail, IP v4/v6, URL) drawn with a
  skewed (Zipf-like) weight, so people recur; about 15% write in another
  language; the site's own users (``user_id`` > 0) comment too; pingbacks
  and trackbacks come from other blogs;
* threads: replies pick a random earlier comment of the same post as
  parent (half of the time one of the last few, half uniformly); replies
  often address their parent's author by first name ("Dear Anna, ...",
  "@Anna", "Anna, ...") and sometimes mention another commenter;
* order: comment ids grow with time, but some replies are written BEFORE
  their parent in the file (as an import or a plugin leaves them);
* dedupe work: exact double posts (same person, same text, seconds later)
  and resubmissions (same text plus a sentence, minutes to hours later);
* commentmeta: akismet_result / akismet_history (PHP-serialised),
  rating, trash meta on trashed comments, sometimes akismet_as_submitted;
* dates: posts spread over 12 years from 2012 whatever the size (a bigger
  file is a busier blog, not a longer one); the site is in a DST zone (UTC-5 / UTC-4); a few comments carry a
  zero GMT date (``0000-00-00 00:00:00``), as old imports do.

Knobs (keyword arguments of :func:`write_wxr`; CLI flags in brackets)
----------------------------------------------------------------------
``comments``          total comments, copies included [--comments]
``posts``             items that carry comments; default comments // 20
                      (~20 per post on average, skewed) [--posts]
``seed``              everything is a function of the seed [--seed]
``big_threads``       posts with ``big_thread_size`` +-20% comments; default
                      ``min(5, max(1, comments // 60000))`` from 10,000
                      comments on, else 0 [--big-threads]
``big_thread_size``   default 2500 (so 2000-3000) [--big-thread-size]
``chain_depth``       one post holding one reply chain this deep; default
                      ``min(1000, comments // 20)`` when comments >= 2000,
                      else 0 [--chain-depth]
``empty_posts``       extra items without comments (pages, attachments,
                      drafts); default posts // 8 [--empty-posts]
``reply_rate``        share of comments that are replies (0.55)
``out_of_order``      share of replies written before their parent (0.05)
``exact_dup_rate``    share of comments followed by an exact double post (0.02)
``resubmit_rate``     share followed by a resubmission + one sentence (0.01)
``pending_rate``, ``trash_rate``, ``spam_rate``
                      statuses (0.05, 0.03, 0.0; WordPress never exports spam)
``pingback_rate``, ``trackback_rate``   (0.03, 0.003) top-level only
``meta_rate``         share of comments with commentmeta (0.2)
``zero_gmt_rate``     share with a zero GMT date (0.003)
``cdata_end_rate``    share whose body holds ``]]>`` (0.005)
``people``            size of the commenter pool; default max(40, comments // 15)
``paragraphs``        mean paragraphs per comment body (1.6); ~2% of
                      comments are long (6-14 paragraphs)
``damage``            share of comments given damage a real export carries
                      and ``migrator.wxr.sanitise`` repairs: a raw ``&`` in the
                      author URL (what WordPress itself writes), a control
                      character in the body, or a pre-1.2 unsplit ``]]>``
                      (0.0: the default file is well-formed XML) [--damage]
``site_url``          https://bench.example.com

Only stdlib; no state outside the function call, so two calls with the same
arguments write the same bytes.
"""
from __future__ import annotations

import argparse
import bisect
import io
import json
import os
import random
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from typing import IO, Union

WXR_NS = "http://wordpress.org/export/1.2/"
EXCERPT_NS = "http://wordpress.org/export/1.2/excerpt/"
EPOCH = datetime(1970, 1, 1)
SPAN_YEARS = 12  # posts from 2012 on, spread over this many years at any size


@dataclass
class Knobs:
    comments: int = 1000
    posts: int | None = None
    seed: int = 0
    big_threads: int | None = None
    big_thread_size: int = 2500
    chain_depth: int | None = None
    empty_posts: int | None = None
    reply_rate: float = 0.55
    out_of_order: float = 0.05
    exact_dup_rate: float = 0.02
    resubmit_rate: float = 0.01
    pending_rate: float = 0.05
    trash_rate: float = 0.03
    spam_rate: float = 0.0
    pingback_rate: float = 0.03
    trackback_rate: float = 0.003
    meta_rate: float = 0.2
    zero_gmt_rate: float = 0.003
    cdata_end_rate: float = 0.005
    people: int | None = None
    paragraphs: float = 1.6
    damage: float = 0.0
    site_url: str = "https://bench.example.com"


@dataclass
class GenStats:
    path: str = ""
    bytes: int = 0
    seconds: float = 0.0
    items: int = 0
    posts_with_comments: int = 0
    comments: int = 0
    by_status: dict = field(default_factory=dict)
    by_type: dict = field(default_factory=dict)
    replies: int = 0
    replies_before_parent: int = 0
    max_depth: int = 0
    largest_thread: int = 0
    exact_duplicates: int = 0
    resubmissions: int = 0
    with_meta: int = 0
    zero_gmt: int = 0
    cdata_splits: int = 0
    damaged: int = 0
    people: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


# -- word material ----------------------------------------------------------

FIRST = ["Anna", "Björn", "Zoë", "José", "François", "Łukasz", "Søren", "Chloé", "Mateo",
         "Aiko", "Yuki", "Oleg", "Fatima", "Mohammed", "Priya", "Siobhán", "Dmitri", "Noémie",
         "Jürgen", "Ingrid", "Kwame", "Amara", "Hiroshi", "Mei", "Lars", "Elena", "Marco",
         "Giulia", "Sven", "Olga", "Tomás", "Ana", "João", "Raj", "Emily", "Jack", "Oliver",
         "Sophie", "Lucas", "Mia", "Noah", "Emma", "Liam", "Ava", "Ethan", "Grace", "Hannah",
         "Ben", "Dave", "Sarah", "Michael", "Laura", "Peter", "Kate", "Tom", "Lisa", "Paul",
         "Nina", "Jeffery", "Carmen", "Ahmed", "Leila", "Chen", "Thi", "Ngozi", "Ravi"]
LAST = ["Smith", "Müller", "García", "Dubois", "Kowalski", "Nakamura", "Andersson", "O'Brien",
        "Nguyễn", "Søndergaard", "Rossi", "Ivanova", "Okafor", "Patel", "Silva", "Jones",
        "Brown", "Taylor", "Wilson", "Schmidt", "Fischer", "Martin", "Bernard", "Kim", "Lee",
        "Chen", "Wang", "Singh", "Haddad", "van der Berg", "Johansson", "Papadopoulos",
        "Hernández", "Novák", "Yılmaz", "Murphy", "Costa", "Lefèvre", "Weiß", "MacDonald"]
CJK_NAMES = ["王芳", "李雷", "张伟", "田中太郎", "佐藤花子", "김민준", "이서연", "陈静"]
NICKS = ["dave_k", "MusicLover88", "the_real_pm", "coffeeaddict", "ninja42", "GrumpyCat",
         "webdev_jo", "Anonymous", "a reader", "old timer", "kiwi_bird", "pixelpusher"]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example", "post.example",
           "inbox.example.org", "uni.example.edu"]
BLOGS = ["Another Tech Blog", "Gardening &amp; Life", "Café Notes", "The Daily Byte",
         "Ideas in Progress", "日々の記録", "Blog de Marie", "Weekend Hacker"]

TOPICS = ["the new release", "this recipe", "your garden", "the conference", "the update",
          "the migration", "this plugin", "the theme", "the database", "the trip", "the book",
          "the podcast", "your approach", "the benchmark", "the API", "the photos",
          "the last post", "this tutorial", "the workshop", "the election", "the review"]
THINGS = ["caching", "the sourdough", "tomatoes", "WordPress", "PHP 8", "the kids", "my cat",
          "the bus", "SQLite", "backups", "the weather", "Python", "the editor", "comments",
          "the server", "my bike", "the soundtrack", "spam", "the map", "the timeline"]
ADJ = ["great", "useful", "confusing", "brilliant", "long overdue", "a bit odd", "spot on",
       "really helpful", "hard to follow", "inspiring", "hilarious", "well written"]
TEMPLATES = [
    "Thanks for {topic}, it was {adj}.",
    "I tried {thing} last week and it worked on the first attempt.",
    "Has anyone else had trouble with {thing} after {topic}?",
    "This is {adj}; I have been looking for something like it for ages.",
    "I disagree a little: {thing} is not the problem here.",
    "We did the same with {thing} in {num} and never looked back.",
    "Could you write more about {thing}?",
    "My experience with {topic} was {adj}, to be honest.",
    "The part about {thing} is {adj}.",
    "I read {topic} twice and I still think it is {adj}.",
    "Quick question: does {thing} still matter in {num}?",
    "Bookmarked. {topic} deserves more attention.",
    "It took me {num} minutes to set up {thing}, which is not bad at all.",
    "Funny, I was just talking about {thing} with a friend yesterday.",
    "I&#8217;m not sure {thing} is worth it, but {topic} convinced me to try.",
    "For what it&#8217;s worth, {thing} works fine here.",
    "Please keep writing about {thing}!",
    "There&#8217;s a typo in the third paragraph (\"{thing}\" twice).",
    "Ten out of ten, would read {topic} again.",
    "Not everyone can afford {thing}, remember that.",
    "This reminds me of {topic} from years ago.",
    "I've shared {topic} with my team; they found it {adj}.",
    "Tom &amp; Jerry would approve of {thing}.",
    "Prices went from 5 &lt; 10 to 10 &gt; 5 overnight, thanks to {thing}.",
    "He said &quot;{thing} is dead&quot; and I laughed.",
    "Fish & chips while reading about {thing}: perfect Sunday.",
    "Don&#8217;t forget that {thing} needs a backup&nbsp;first.",
    "I'd say {topic} is {adj} &#8212; but your mileage may vary.",
]
LINKS = [
    'See <a href="https://docs.example.org/guide?page=2&amp;lang=en" rel="nofollow ugc">this guide</a> for details.',
    'More here: https://www.example.net/articles/{num}/{slug}',
    '<a href="https://{slug}.example.com/">{slug}.example.com</a> has a good write-up.',
    'I wrote about it too: <a href="https://blog.example.org/{num}/{slug}/">my post</a>.',
    'Video: https://video.example.com/watch?v=dQw4w9WgXcQ&amp;t=42s',
]
CONTACT = [
    "You can reach me at {email} if you want the files.",
    "Call me on +44 20 7946 {num4} and we can talk it through.",
    "Mail {email} or phone (555) 010-{num4}.",
    "My number is +1 202 555 {num4}, text anytime.",
]
CODE = [
    "<code>if (a[b[i]]>0) { count++; }</code> fixed it for me.",
    "In XML, a CDATA section ends with ]]> so be careful.",
    "Use <code>x = arr[idx[0]]>>1</code> instead.",
]
FOREIGN = {
    "de": ["Das ist wirklich großartig, danke!", "Ich habe das gestern ausprobiert und es funktioniert.",
           "Schöne Grüße aus München.", "Über diesen Punkt müssen wir noch reden.",
           "Genau mein Gedanke – vielen Dank für den Beitrag."],
    "fr": ["C'est très intéressant, merci beaucoup.", "J'ai essayé ça hier soir, ça marche très bien.",
           "Bonne idée, mais ça coûte cher à Paris.", "Merci pour l'article, il est très clair.",
           "Voilà exactement ce que je cherchais !"],
    "es": ["¡Qué buena idea! ¿Funciona también en España?", "Muchas gracias por compartir.",
           "Lo probé con mi hermano y funcionó a la perfección.", "Señor, esto es increíble."],
    "ja": ["これはとても役に立ちました。", "ありがとうございます！早速試してみます。",
           "日本でも同じ問題がありました。", "詳しい説明をお願いします。"],
    "zh": ["这篇文章写得很好，谢谢分享！", "我也遇到过同样的问题。", "请问这个方法在手机上可以用吗？",
           "非常有用，已经收藏了。"],
    "ru": ["Отличная статья, спасибо!", "Я попробовал, всё работает.", "А как это сделать на Windows?",
           "Полностью согласен с автором."],
    "ar": ["مقالة رائعة، شكرا لك", "جربت هذه الطريقة ونجحت", "هل يمكن شرح ذلك بالتفصيل؟"],
}
ACCENTED = ["Très bien.", "Naïve question, maybe.", "Greetings from Zürich.",
            "Sent from a café in São Paulo.", "Jalapeño &amp; crème brûlée, anyone?", "Ça va ?",
            "A smörgåsbord of ideas.", "Łódź says hi.", "Déjà vu, honestly."]
EMOJI = ["😀", "🎉", "👍", "❤️", "🙏", "😂", "🤔", "🔥", "☕", "🌍", "👀", "🚀"]
OPENERS_REPLY = ["Dear {first}, ", "@{first} ", "{first}, ", "Hi {first}! ", "Thanks {first}. ",
                 "{first} &#8211; ", "Replying to {first}: "]
MENTIONS = ["I think {name} made a good point above.", "As {name} said, it depends.",
            "{name} is right about this.", "Sorry {name}, I have to disagree."]
RESUBMIT_ADD = ["Edit: forgot to say thanks!", "PS: it also works on Linux.",
                "Sorry, my first comment got cut off.", "(Posting again, the first one vanished.)",
                "Update: I tried it again and it still works."]


def _slug(text: str) -> str:
    a = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in a)
    return "-".join(p for p in out.split("-") if p)


def _cdata(text: str) -> str:
    """WordPress's wxr_cdata(): split any ']]>' inside the text."""
    if "]]>" in text:
        text = text.replace("]]>", "]]]]><![CDATA[>")
    return "<![CDATA[" + text + "]]>"


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wp_date(ts: int) -> str:
    return (EPOCH + timedelta(seconds=ts)).isoformat(" ")


def _offset(ts: int) -> int:
    """UTC-4 from mid-March to early November, else UTC-5 (close enough to
    US Eastern to exercise DST without a tz database)."""
    d = EPOCH + timedelta(seconds=ts)
    doy = d.timetuple().tm_yday
    return -4 * 3600 if 72 <= doy <= 306 else -5 * 3600


def _rfc822(ts: int) -> str:
    return (EPOCH + timedelta(seconds=ts)).strftime("%a, %d %b %Y %H:%M:%S +0000")


class _Person:
    __slots__ = ("name", "first", "email", "url", "ip", "user_id", "lang")

    def __init__(self, name, first, email, url, ip, user_id, lang):
        self.name, self.first, self.email, self.url = name, first, email, url
        self.ip, self.user_id, self.lang = ip, user_id, lang


class _Material:
    """Pre-built pools, so the per-comment work is picking and joining."""

    def __init__(self, rng: random.Random, k: Knobs, n_people: int):
        self.rng = rng
        sentences = []
        for i in range(3000):
            t = rng.choice(TEMPLATES)
            s = t.format(topic=rng.choice(TOPICS), thing=rng.choice(THINGS), adj=rng.choice(ADJ),
                         num=rng.randint(2005, 2024))
            r = rng.random()
            if r < 0.06:
                s += " " + rng.choice(EMOJI)
            elif r < 0.12:
                s = rng.choice(LINKS).format(num=rng.randint(1, 9999),
                                             slug=_slug(rng.choice(THINGS)) or "x")
            elif r < 0.2:
                s += " " + rng.choice(ACCENTED)
            sentences.append(s[0].upper() + s[1:])
        self.sentences = sentences
        self.foreign = {lang: lines for lang, lines in FOREIGN.items()}
        # People: a skewed weight so a few people write a lot.
        people = []
        for i in range(n_people):
            r = rng.random()
            if r < 0.06:
                name = rng.choice(CJK_NAMES)
                first = name
            elif r < 0.12:
                name = rng.choice(NICKS)
                first = name
            elif r < 0.2:
                name = first = rng.choice(FIRST)
            else:
                first = rng.choice(FIRST)
                name = f"{first} {rng.choice(LAST)}"
            local = _slug(name).replace("-", ".") or f"user{i}"
            email = f"{local}{rng.randint(1, 999) if rng.random() < 0.5 else ''}@{rng.choice(DOMAINS)}"
            if rng.random() < 0.08:
                email = ""  # some sites do not require one
            u = rng.random()
            if u < 0.45:
                url = ""
            elif u < 0.85:
                url = f"https://{_slug(name) or 'site'}.example.{rng.choice(['com', 'net', 'org'])}/"
            else:
                url = (f"https://www.example.com/~{_slug(first) or 'me'}/?ref=blog&amp;id="
                       f"{rng.randint(1, 99999)}")
            if rng.random() < 0.15:
                ip = "2001:db8:%x:%x::%x" % (rng.randint(0, 0xffff), rng.randint(0, 0xffff),
                                              rng.randint(1, 0xffff))
            else:
                ip = "%d.%d.%d.%d" % (rng.choice([10, 172, 192, 198, 203, 81, 92, 145]),
                                      rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
            lang = "en" if rng.random() < 0.85 else rng.choice(sorted(FOREIGN))
            people.append(_Person(name, first, email, url, ip, 0, lang))
        self.people = people
        weights = [1.0 / (i + 3) ** 0.9 for i in range(n_people)]
        acc, cum = 0.0, []
        for w in weights:
            acc += w
            cum.append(acc)
        self.people_cum = cum
        self.people_total = acc
        # The site's own users.
        self.users = [
            _Person("Jeffery Smith", "Jeffery", "jeffery@bench.example.com", k.site_url, "127.0.0.1", 1, "en"),
            _Person("Ada Admin", "Ada", "admin@bench.example.com", k.site_url, "127.0.0.1", 2, "en"),
            _Person("Mei Editor", "Mei", "mei@bench.example.com", "", "127.0.0.1", 3, "en"),
        ]

    def person(self) -> _Person:
        rng = self.rng
        if rng.random() < 0.03:
            return rng.choice(self.users)
        x = rng.random() * self.people_total
        return self.people[min(bisect.bisect_left(self.people_cum, x), len(self.people) - 1)]

    def paragraph(self, lang: str) -> str:
        rng = self.rng
        n = 1 + int(rng.random() * 4)
        if lang != "en":
            pool = self.foreign[lang]
            if rng.random() < 0.8:
                return " ".join(rng.choices(pool, k=n))
        return " ".join(rng.choices(self.sentences, k=n))


# -- writing -------------------------------------------------------------------

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of your site. -->
<!-- Synthetic: written by bench/gen_wxr.py (seed {seed}, {comments} comments). -->
<!-- generator="WordPress/6.4.2" created="2024-01-15 10:00" -->
<rss version="2.0"
\txmlns:excerpt="{excerpt_ns}"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:wp="{wp_ns}"
>

<channel>
\t<title>Bench Blog &#8211; a synthetic site</title>
\t<link>{site}</link>
\t<description>Just another WordPress site, with a lot of comments</description>
\t<pubDate>Mon, 15 Jan 2024 10:00:00 +0000</pubDate>
\t<language>en-US</language>
\t<wp:wxr_version>1.2</wp:wxr_version>
\t<wp:base_site_url>{site}</wp:base_site_url>
\t<wp:base_blog_url>{site}</wp:base_blog_url>

{authors}
{terms}
\t<generator>https://wordpress.org/?v=6.4.2</generator>

"""

AUTHOR = ("\t<wp:author><wp:author_id>{id}</wp:author_id><wp:author_login>{login}</wp:author_login>"
          "<wp:author_email>{email}</wp:author_email><wp:author_display_name>{name}"
          "</wp:author_display_name><wp:author_first_name>{first}</wp:author_first_name>"
          "<wp:author_last_name>{last}</wp:author_last_name></wp:author>\n")

CATEGORIES = [("news", "News"), ("how-to", "How-to"), ("life", "Life &amp; Stuff"),
              ("cafe", "Café"), ("tech", "Tech"), ("uncategorized", "Uncategorized")]

ITEM_HEAD = """\t<item>
\t\t<title>{title}</title>
\t\t<link>{link}</link>
\t\t<pubDate>{pub}</pubDate>
\t\t<dc:creator><![CDATA[{creator}]]></dc:creator>
\t\t<guid isPermaLink="false">{site}/?{guidq}={id}</guid>
\t\t<description></description>
\t\t<content:encoded>{content}</content:encoded>
\t\t<excerpt:encoded><![CDATA[]]></excerpt:encoded>
\t\t<wp:post_id>{id}</wp:post_id>
\t\t<wp:post_date><![CDATA[{date}]]></wp:post_date>
\t\t<wp:post_date_gmt><![CDATA[{date_gmt}]]></wp:post_date_gmt>
\t\t<wp:post_modified><![CDATA[{date}]]></wp:post_modified>
\t\t<wp:post_modified_gmt><![CDATA[{date_gmt}]]></wp:post_modified_gmt>
\t\t<wp:comment_status><![CDATA[{cstatus}]]></wp:comment_status>
\t\t<wp:ping_status><![CDATA[{pstatus}]]></wp:ping_status>
\t\t<wp:post_name><![CDATA[{slug}]]></wp:post_name>
\t\t<wp:status><![CDATA[{status}]]></wp:status>
\t\t<wp:post_parent>{parent}</wp:post_parent>
\t\t<wp:menu_order>0</wp:menu_order>
\t\t<wp:post_type><![CDATA[{ptype}]]></wp:post_type>
\t\t<wp:post_password><![CDATA[]]></wp:post_password>
\t\t<wp:is_sticky>0</wp:is_sticky>
{extra}"""

POSTMETA = """\t\t<wp:postmeta>
\t\t\t<wp:meta_key><![CDATA[{k}]]></wp:meta_key>
\t\t\t<wp:meta_value><![CDATA[{v}]]></wp:meta_value>
\t\t</wp:postmeta>
"""

COMMENT = """\t\t<wp:comment>
\t\t\t<wp:comment_id>%d</wp:comment_id>
\t\t\t<wp:comment_author>%s</wp:comment_author>
\t\t\t<wp:comment_author_email>%s</wp:comment_author_email>
\t\t\t<wp:comment_author_url>%s</wp:comment_author_url>
\t\t\t<wp:comment_author_IP>%s</wp:comment_author_IP>
\t\t\t<wp:comment_date>%s</wp:comment_date>
\t\t\t<wp:comment_date_gmt>%s</wp:comment_date_gmt>
\t\t\t<wp:comment_content>%s</wp:comment_content>
\t\t\t<wp:comment_approved>%s</wp:comment_approved>
\t\t\t<wp:comment_type>%s</wp:comment_type>
\t\t\t<wp:comment_parent>%d</wp:comment_parent>
\t\t\t<wp:comment_user_id>%d</wp:comment_user_id>
%s\t\t</wp:comment>
"""

COMMENTMETA = """\t\t\t<wp:commentmeta>
\t\t\t\t<wp:meta_key>%s</wp:meta_key>
\t\t\t\t<wp:meta_value>%s</wp:meta_value>
\t\t\t</wp:commentmeta>
"""


def _php_str(s: str) -> str:
    return 's:%d:"%s";' % (len(s.encode("utf-8")), s)


class _Writer:
    def __init__(self, fh: IO[str], k: Knobs):
        self.fh = fh
        self.k = k
        self.rng = random.Random(k.seed)
        self.stats = GenStats()
        n_people = k.people if k.people is not None else max(40, k.comments // 15)
        self.m = _Material(self.rng, k, n_people)
        self.stats.people = n_people + len(self.m.users)
        self.next_cid = 1
        self.next_pid = 10
        self.clock = 1325376000  # 2012-01-01 UTC; posts move it forward
        self.post_gap = 3600  # set by run(): the site spans SPAN_YEARS whatever its size
        self.by_status: Counter = Counter()
        self.by_type: Counter = Counter()

    # -- plan ------------------------------------------------------------------
    def plan(self) -> list[tuple[str, int]]:
        """(kind, comments) for every item, in file order. Only integers:
        the plan is tiny next to the file."""
        k, rng = self.k, self.rng
        total = max(0, k.comments)
        chain = k.chain_depth if k.chain_depth is not None else (
            min(1000, total // 20) if total >= 2000 else 0)
        chain = min(chain, total)
        nbig = k.big_threads if k.big_threads is not None else (
            min(5, max(1, total // 60000)) if total >= 10000 else 0)
        bigs = []
        left = total - chain
        for _ in range(max(0, nbig)):
            size = rng.randint(int(k.big_thread_size * 0.8), int(k.big_thread_size * 1.2))
            size = min(size, left)
            if size <= 0:
                break
            bigs.append(size)
            left -= size
        nposts = k.posts if k.posts is not None else max(1, total // 20)
        nposts = max(1, nposts - len(bigs) - (1 if chain else 0))
        # Skewed sizes (log-normal-ish), scaled to the comments left.
        raw = [rng.lognormvariate(0, 1.0) for _ in range(nposts)]
        scale = left / sum(raw) if raw and sum(raw) else 0
        sizes = [int(x * scale) for x in raw]
        short = left - sum(sizes)
        i = 0
        while short > 0 and sizes:
            sizes[i % len(sizes)] += 1
            short -= 1
            i += 1
        items: list[tuple[str, int]] = [("post", s) for s in sizes]
        items += [("big", s) for s in bigs]
        if chain:
            items.append(("chain", chain))
        n_empty = k.empty_posts if k.empty_posts is not None else len(sizes) // 8
        items += [("empty", 0)] * n_empty
        rng.shuffle(items)
        return items

    # -- header ------------------------------------------------------------------
    def header(self) -> None:
        k = self.k
        authors = "".join(
            AUTHOR.format(id=u.user_id, login=_cdata(_slug(u.first) or "user"), email=_cdata(u.email),
                          name=_cdata(u.name), first=_cdata(u.first),
                          last=_cdata(u.name.split(" ", 1)[-1]))
            for u in self.m.users)
        terms = "".join(
            f"\t<wp:category><wp:term_id>{i + 1}</wp:term_id><wp:category_nicename>{_cdata(nice)}"
            f"</wp:category_nicename><wp:category_parent>{_cdata('')}</wp:category_parent>"
            f"<wp:cat_name>{_cdata(name)}</wp:cat_name></wp:category>\n"
            for i, (nice, name) in enumerate(CATEGORIES))
        self.fh.write(HEADER.format(seed=k.seed, comments=k.comments, excerpt_ns=EXCERPT_NS,
                                    wp_ns=WXR_NS, site=k.site_url, authors=authors, terms=terms))

    # -- items -------------------------------------------------------------------
    def item(self, kind: str, n: int) -> None:
        rng, m, k = self.rng, self.m, self.k
        self.clock += rng.randint(self.post_gap // 2, self.post_gap * 3 // 2)
        pid = self.next_pid
        self.next_pid += rng.randint(1, 6)  # revisions and attachments take ids too
        ts = self.clock
        off = _offset(ts)
        if kind == "empty":
            ptype = rng.choice(["page", "attachment", "post", "nav_menu_item"])
            status = "draft" if ptype == "post" else ("inherit" if ptype == "attachment" else "publish")
        else:
            ptype = "page" if rng.random() < 0.08 else "post"
            status = "publish"
        words = [rng.choice(TOPICS), rng.choice(THINGS)]
        title = f"{words[0].capitalize()} and {words[1]}"
        r = rng.random()
        if r < 0.05:
            title = "日本語のタイトル " + str(pid)
            slug = "%e6%97%a5%e6%9c%ac%e8%aa%9e-" + str(pid)
        elif r < 0.1:
            title = f"Tips &amp; tricks: {words[1]} — part {pid}"
            slug = _slug(title)
        else:
            slug = _slug(title) + f"-{pid}"
        if kind == "chain":
            title = f"The longest conversation ({n} replies deep)"
            slug = f"longest-conversation-{pid}"
        elif kind == "big":
            title = f"Open thread #{pid}: {words[1]}"
            slug = f"open-thread-{pid}"
        d = EPOCH + timedelta(seconds=ts)
        link = f"{k.site_url}/{d.year}/{d.month:02d}/{slug}/" if ptype == "post" else f"{k.site_url}/{slug}/"
        paras = [m.paragraph("en") for _ in range(1 + int(rng.random() * 4))]
        body = "\n\n".join(f"<!-- wp:paragraph -->\n<p>{p}</p>\n<!-- /wp:paragraph -->" for p in paras)
        extra = []
        if ptype == "post":
            nice, name = rng.choice(CATEGORIES)
            extra.append(f'\t\t<category domain="category" nicename="{nice}">{_cdata(name)}</category>\n')
        extra.append(POSTMETA.format(k="_edit_last", v=rng.randint(1, 3)))
        if rng.random() < 0.3:
            extra.append(POSTMETA.format(k="_thumbnail_id", v=pid + 1))
        author = rng.choice(self.m.users)
        out = [ITEM_HEAD.format(
            title=title, link=link, pub=_rfc822(ts), creator=_slug(author.first), site=k.site_url,
            guidq="page_id" if ptype == "page" else "p", id=pid, content=_cdata(body),
            date=_wp_date(ts + off), date_gmt=_wp_date(ts),
            cstatus="open" if n or rng.random() < 0.5 else "closed",
            pstatus="open" if ptype == "post" else "closed", slug=slug, status=status,
            parent=0, ptype=ptype, extra="".join(extra))]
        if n:
            out.extend(self.comments(pid, kind, n, ts))
        out.append("\t</item>\n")
        self.fh.write("".join(out))
        self.stats.items += 1

    def comments(self, pid: int, kind: str, n: int, post_ts: int) -> list[str]:
        rng, m, k, st = self.rng, self.m, self.k, self.stats
        chain = kind == "chain"
        # Per comment: [id, parent, depth, xml]
        rows: list[list] = []
        cands: list[tuple[int, _Person, int]] = []  # (id, person, index in rows)
        index_of: dict[int, int] = {}
        names_here: list[str] = []
        ts = post_ts + rng.randint(60, 3 * 3600)
        spread = (30 * 86400) / max(n, 1) if kind != "post" else 2 * 86400
        pending_copy: tuple | None = None
        while len(rows) < n:
            if pending_copy is not None:
                person, parent, depth, content, status, ctype, ts_copy, how = pending_copy
                pending_copy = None
                cts = ts_copy
                if how == "exact":
                    st.exact_duplicates += 1
                else:
                    st.resubmissions += 1
            else:
                ts += int(rng.expovariate(1.0 / spread)) + 1
                cts = ts
                person = m.person()
                r = rng.random()
                ctype = ""
                if chain:
                    parent = rows[-1][0] if rows else 0
                elif not cands or r >= k.reply_rate:
                    parent = 0
                else:
                    if rng.random() < 0.5:
                        pc = cands[-1 - int(rng.random() * min(8, len(cands)))]
                    else:
                        pc = cands[int(rng.random() * len(cands))]
                    parent = pc[0]
                if parent == 0 and not chain:
                    t = rng.random()
                    if t < k.pingback_rate:
                        ctype = "pingback"
                    elif t < k.pingback_rate + k.trackback_rate:
                        ctype = "trackback"
                depth = rows[index_of[parent]][2] + 1 if parent else 1
                s = rng.random()
                if chain or s >= k.pending_rate + k.trash_rate + k.spam_rate:
                    status = "1"
                elif s < k.pending_rate:
                    status = "0"
                elif s < k.pending_rate + k.trash_rate:
                    status = "trash"
                else:
                    status = "spam"
                content = self.body(person, parent, rows, index_of, cands, names_here, ctype)
                if not chain and ctype == "" and len(rows) + 1 < n:
                    d = rng.random()
                    if d < k.exact_dup_rate:
                        pending_copy = (person, parent, depth, content, status, ctype,
                                        cts + rng.randint(1, 120), "exact")
                    elif d < k.exact_dup_rate + k.resubmit_rate:
                        extra = rng.choice(RESUBMIT_ADD)
                        copy = (content[:-4] + " " + extra + "</p>") if content.endswith("</p>") \
                            else content + "\n\n" + extra
                        pending_copy = (person, parent, depth, copy, status, ctype,
                                        cts + rng.randint(120, 8 * 3600), "resubmit")
            if ctype:
                blog = rng.choice(BLOGS)
                author = f"{blog} &raquo; {rng.choice(TOPICS).capitalize()}"
                email, ip, user_id = "", "%d.%d.%d.%d" % (
                    rng.randint(1, 223), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)), 0
                url = f"https://{_slug(blog) or 'blog'}.example.org/{rng.randint(1, 9999)}/"
            else:
                author, email, url, ip, user_id = (person.name, person.email, person.url,
                                                   person.ip, person.user_id)
            cid = self.next_cid
            self.next_cid += 1 if rng.random() < 0.9 else rng.randint(2, 9)  # spam deleted
            if rng.random() < k.zero_gmt_rate:
                gmt = "0000-00-00 00:00:00"
                st.zero_gmt += 1
            else:
                gmt = _wp_date(cts)
            local = _wp_date(cts + _offset(cts))
            meta = self.meta(status, cts) if rng.random() < k.meta_rate or status == "trash" else ""
            if meta:
                st.with_meta += 1
            body = content
            if "]]>" in body:
                st.cdata_splits += 1
            url_xml = url
            cdata_content = None
            if k.damage and rng.random() < k.damage:
                st.damaged += 1
                what = rng.random()
                if what < 0.4:
                    url_xml = (url or "https://x.example.com/") + "?a=1&b=2"  # what WordPress writes
                elif what < 0.7:
                    body = body[: len(body) // 2] + "\x0b" + body[len(body) // 2:]
                else:
                    cdata_content = "<![CDATA[" + body + " a[b[0]]> 1]]>"  # pre-1.2 exporter
            wp_type = ctype if ctype else ("comment" if (cid % 5) < 3 else "")
            xml = COMMENT % (
                cid, _cdata(author), _cdata(email), url_xml, _cdata(ip), _cdata(local), _cdata(gmt),
                cdata_content or _cdata(body), _cdata(status), _cdata(wp_type), parent, user_id, meta)
            index_of[cid] = len(rows)
            rows.append([cid, parent, depth, xml])
            if ctype == "":
                cands.append((cid, person, len(rows) - 1))
                if person.name not in names_here and len(names_here) < 50:
                    names_here.append(person.name)
            if parent:
                st.replies += 1
            if depth > st.max_depth:
                st.max_depth = depth
            self.by_status[status] += 1
            self.by_type[ctype or "comment"] += 1
        st.comments += len(rows)
        st.posts_with_comments += 1
        st.largest_thread = max(st.largest_thread, len(rows))
        return self.order(rows, index_of)

    def order(self, rows: list[list], index_of: dict[int, int]) -> list[str]:
        """Ids follow time; a few replies are moved to just before their parent."""
        rng, k = self.rng, self.k
        keys = []
        for i, (cid, parent, _depth, _xml) in enumerate(rows):
            if parent and rng.random() < k.out_of_order:
                keys.append((index_of[parent] - 0.5, i))
            else:
                keys.append((float(i), i))
        keys.sort()
        order = [i for _, i in keys]
        pos = {rows[i][0]: p for p, i in enumerate(order)}
        for cid, parent, _d, _x in rows:
            if parent and pos.get(parent, -1) > pos[cid]:
                self.stats.replies_before_parent += 1
        return [rows[i][3] for i in order]

    def body(self, person: _Person, parent: int, rows, index_of, cands, names_here, ctype) -> str:
        rng, m, k = self.rng, self.m, self.k
        if ctype:
            return f"[&#8230;] {rng.choice(m.sentences)} [&#8230;]"
        r = rng.random()
        if r < 0.02:
            n = 6 + int(rng.random() * 9)
        else:
            n = 1 + int(rng.expovariate(1.0 / max(0.01, k.paragraphs - 0.5)))
        paras = [m.paragraph(person.lang) for _ in range(n)]
        if parent and rng.random() < 0.65:
            # Address the parent's author by first name.
            pperson = None
            for cid, p, _i in reversed(cands):
                if cid == parent:
                    pperson = p
                    break
            if pperson is not None:
                paras[0] = rng.choice(OPENERS_REPLY).format(first=pperson.first) + paras[0]
        if names_here and rng.random() < 0.1:
            paras[-1] += " " + rng.choice(MENTIONS).format(name=rng.choice(names_here))
        x = rng.random()
        if x < 0.03:
            paras.insert(len(paras) // 2, rng.choice(CONTACT).format(
                email=person.email or "me@example.com", num4="%04d" % rng.randint(0, 9999)))
        if rng.random() < k.cdata_end_rate:
            paras.append(rng.choice(CODE))
        if rng.random() < 0.05 and len(paras) > 1:
            paras[0] = f"<blockquote>{paras[0]}</blockquote>"
        if rng.random() < 0.1:
            paras[-1] = paras[-1].replace(" it ", " <em>it</em> ", 1).replace(
                " not ", " <strong>not</strong> ", 1)
        if rng.random() < 0.5:
            return "".join(f"<p>{p}</p>" for p in paras) if rng.random() < 0.3 else \
                "\n".join(f"<p>{p}</p>" for p in paras)
        return "\n\n".join(paras)

    def meta(self, status: str, ts: int) -> str:
        rng = self.rng
        parts = []
        if status == "trash":
            parts.append(COMMENTMETA % (_cdata("_wp_trash_meta_status"), _cdata("1")))
            parts.append(COMMENTMETA % (_cdata("_wp_trash_meta_time"), _cdata(str(ts + 86400))))
            return "".join(parts)
        event = "check-ham" if status == "1" else "check-spam"
        parts.append(COMMENTMETA % (_cdata("akismet_result"), _cdata("false" if status == "1" else "true")))
        hist = "a:4:{%s%s%s%s}" % (_php_str("time"), "d:%d.%04d;" % (ts, rng.randint(0, 9999)),
                                    _php_str("event") + _php_str(event), _php_str("user") + _php_str(""))
        parts.append(COMMENTMETA % (_cdata("akismet_history"), _cdata(hist)))
        r = rng.random()
        if r < 0.1:
            parts.append(COMMENTMETA % (_cdata("rating"), _cdata(str(rng.randint(1, 5)))))
        elif r < 0.15:
            fields_ = {"comment_author": "x", "comment_author_email": "x@example.com",
                       "comment_author_url": "", "comment_content": rng.choice(self.m.sentences),
                       "user_ip": "10.0.0.1", "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
                       "referrer": "https://bench.example.com/", "blog_lang": "en_US",
                       "blog_charset": "UTF-8", "permalink": "https://bench.example.com/?p=1"}
            body = "".join(_php_str(a) + _php_str(b) for a, b in fields_.items())
            parts.append(COMMENTMETA % (_cdata("akismet_as_submitted"),
                                        _cdata("a:%d:{%s}" % (len(fields_), body))))
        return "".join(parts)

    def run(self) -> GenStats:
        t0 = time.perf_counter()
        items = self.plan()
        self.post_gap = max(3600, int(SPAN_YEARS * 365.25 * 86400 / max(1, len(items))))
        self.header()
        for kind, n in items:
            self.item(kind, n)
        self.fh.write("</channel>\n</rss>\n")
        st = self.stats
        st.by_status = {({"1": "approved", "0": "pending"}).get(s, s): n
                        for s, n in sorted(self.by_status.items())}
        st.by_type = dict(sorted(self.by_type.items()))
        st.seconds = round(time.perf_counter() - t0, 3)
        return st


PathOrStream = Union[str, "os.PathLike[str]", IO[str]]


def write_wxr(out: PathOrStream, comments: int = 1000, posts: int | None = None, seed: int = 0,
              **knobs) -> GenStats:
    """Write a synthetic WXR 1.2 export to ``out`` (a path, or a text stream).

    See the module docstring for every knob. Deterministic: the same
    arguments give the same bytes."""
    known = {f.name for f in fields(Knobs)}
    bad = sorted(set(knobs) - known)
    if bad:
        raise TypeError(f"unknown knob(s): {', '.join(bad)}")
    k = Knobs(comments=comments, posts=posts, seed=seed, **knobs)
    if isinstance(out, (str, os.PathLike)):
        path = os.fspath(out)
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
            st = _Writer(fh, k).run()
        st.path = path
        st.bytes = os.path.getsize(path)
        return st
    if isinstance(out, io.TextIOBase) or hasattr(out, "write"):
        counting = _CountingText(out)
        st = _Writer(counting, k).run()
        st.bytes = counting.bytes
        return st
    raise TypeError("out must be a path or a text stream")


class _CountingText:
    def __init__(self, fh: IO[str]):
        self.fh, self.bytes = fh, 0

    def write(self, s: str) -> int:
        self.bytes += len(s.encode("utf-8"))
        return self.fh.write(s)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.gen_wxr",
                                 description="Write a large synthetic WordPress export (WXR 1.2), streamed.")
    ap.add_argument("--comments", type=int, default=200000)
    ap.add_argument("--out", required=True, help="file to write ('-' for stdout)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--posts", type=int, default=None)
    ap.add_argument("--big-threads", type=int, default=None)
    ap.add_argument("--big-thread-size", type=int, default=2500)
    ap.add_argument("--chain-depth", type=int, default=None)
    ap.add_argument("--empty-posts", type=int, default=None)
    ap.add_argument("--damage", type=float, default=0.0)
    ap.add_argument("--json", action="store_true", help="print the stats as JSON")
    a = ap.parse_args(argv)
    knobs = dict(big_threads=a.big_threads, big_thread_size=a.big_thread_size,
                 chain_depth=a.chain_depth, empty_posts=a.empty_posts, damage=a.damage)
    if a.out == "-":
        st = write_wxr(sys.stdout, a.comments, a.posts, a.seed, **knobs)
    else:
        st = write_wxr(a.out, a.comments, a.posts, a.seed, **knobs)
    if a.json:
        print(json.dumps(st.as_dict(), indent=2), file=sys.stderr if a.out == "-" else sys.stdout)
    else:
        print(f"wrote {st.path or 'stream'}: {st.bytes / 1e6:.1f} MB, {st.items} items, "
              f"{st.comments} comments ({st.bytes / max(1, st.comments):.0f} B/comment), "
              f"max depth {st.max_depth}, largest thread {st.largest_thread}, "
              f"{st.replies_before_parent} replies before parent, {st.exact_duplicates} exact dups, "
              f"{st.resubmissions} resubmissions, {st.seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
