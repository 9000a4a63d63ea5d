"""Anonymise comment threads: pseudonyms for people, scrubbed comment bodies.

WordPress's own eraser sets the author to "Anonymous", blanks e-mail, URL and
user agent and cuts the IP to /24, but leaves every body untouched: "Dear
Sibel," still names Sibel. This stage does the fields *and* the bodies.

People
    A person is their normalised e-mail (NFKC, trimmed, case-folded), or
    their normalised name when the comment has no e-mail. Their pseudonym is
    ``Commenter XXXXXXXX``: hex digits of HMAC-SHA256(secret, identity). The
    same secret gives the same pseudonym in every run and file; another
    secret gives unrelated ones; two people who share a name but not an
    e-mail stay two people. Should two people of one run share the digits,
    both get longer ones (checked as people are learned, so before any is
    written). No secret -> a random one, thrown away (``reproducible`` is
    False).

Fields
    author name -> pseudonym; e-mail, URL, user agent -> removed; IP ->
    removed, or with ``ip="truncate"`` WordPress's /24 and /64
    (``wp_privacy_anonymize_ip``); ``user_id`` -> 0 unless the person is kept;
    commentmeta -> only the keys in ``keep_meta``.

Bodies (HTML: only text is touched; links to absolute URLs lose their href)
    * a commenter's full name, first name, surname and e-mail local part
      -> that commenter's pseudonym (when a first name is shared by several
      commenters, the one the comment replies to wins, then the comment's
      own author, then the nearest comment of the same post; with no such
      context -> ``[name]``);
    * an unknown name used as addressee ("Dear X", "Hi X", "@X", "X," at the
      start of the comment or a line) or after a title (Dr., Mrs. ...) ->
      ``[name]``;
    * e-mails, URLs, phone numbers, IP addresses -> ``[email]``, ``[url]``,
      ``[phone]``, ``[ip]``.
    Names that are also common words ("Hope", "Will", "May", "Snow") are only
    replaced where they are used as names: capitalised mid-sentence, or
    addressed. Initials and one-letter surnames are never matched alone.

Kept people (``keep_names``, and with ``keep_registered`` the site's own
users) keep their name, their ``user_id`` and every mention of them: for
"Jeffery Smith" also "Jeffery", "Smith" ("Dr. Smith") and "JS".

Memory follows the number of distinct people, never the number of comments:
learning keeps per-person data only. :meth:`Anonymiser.learn_paths` learns
every commenter of the exports by scanning their bytes for WordPress's own
comment fields (the full reader is the fallback), so no export is parsed
twice. After learning, one pattern holding every name, addressing word and
title as a trie finds them all in a single scan of a comment; e-mails, URLs,
numbers and markup are looked for only where a cheap test says they may be.
"""
from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress
import mmap
import os
import re
import secrets
import unicodedata
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

from .ledger import Ledger
from .stages.anonymise import names as nm
from .model import Comment, Post, Site, status_from_wp, type_from_wp

SECRET_ENV = "MIGRATOR_SECRET"
PSEUDONYM_PREFIX = "Commenter "
#: Hex digits of a pseudonym (32 bits); more only on a collision in the run.
HEX_DIGITS = 8
ANON_EMAIL_DOMAIN = "anonymous.invalid"

NAME, EMAIL, URL, PHONE, IP = "[name]", "[email]", "[url]", "[phone]", "[ip]"
#: Ledger statistic for commenter names replaced by a pseudonym in bodies.
NAMES_IN_BODIES = "names in bodies"
IP_POLICIES = ("drop", "truncate")

# ---------------------------------------------------------------------------
# Word lists
# ---------------------------------------------------------------------------

#: Common words that are also given names: replaced only where used as a name.
NAME_WORDS = frozenset("""
snow will hope grace joy may june april august faith rose mark bill ray rich rob art bob
drew grant hunter chase guy jack frank gene sky dawn summer autumn winter heather holly
ivy lily daisy iris violet ruby amber pearl crystal jade robin jay wren sage olive hazel
brown gray grey cook bird lamb swan hill hall stone bell ward house park long short small
little young strong wise hardy bishop knight baker butcher fisher miller potter porter walker
weaver shepherd cooper glass gold silver steel banks brooks waters rivers fields hills lane
street church chapel cross sharp swift crane drake finch cole lord bull hart fry payne
ginger candy honey angel destiny harmony melody patience charity mercy bliss star storm
rain river brook cliff dale glen wood reed sandy sunny rusty lucky buck earl duke king
prince major victor miles lance norm chance rocky sterling win nick penny carol sue pat
don tim bud chip dot kitty misty brandy sherry trinity justice liberty serenity prudence
felicity verity constance honor honour sunshine dusty skip page mason bear fox wolf hawk
forest meadow ocean rain raven dove lark basil clay stone flint rock sandy ash rowan jordan
cash colt jewel diamond precious lovely sweet happy merry noel eve christian
""".split())

#: Frequent English words (plus therapy-blog vocabulary, interjections, sentence
#: adverbs, generic handles). A name token in here is ambiguous; an unknown
#: capitalised word in here is never taken for an addressee.
COMMON_WORDS = NAME_WORDS | frozenset("""
a about above across act actually add after afternoon again against age ago agree ah ahead
aid aim air all allow almost alone along already also although always am among an and anger
angry animal another answer any anybody anyone anything anyway anyways anywhere appear apply
are area arm around arrive as ask at attack attend away awful aww aw baby back bad bag ball
bank base basically be bear beat beautiful because become bed been before began begin behind
being believe below beside besides best better between beyond big bit black blame blue body
book born both bottom box boy brain break bring brother brought build building burn business
busy but buy by call came can cannot car care career carry case catch cause center certain
certainly chair change child children choice choose church city class clean clear clearly
close cold college color come coming common community company complete completely consider
continue control cool cost could country couple course cover create cry cup current
currently cut dad daddy daily dark data daughter day days dead deal dear death decide deep
definitely degree depend despite develop did die difference different difficult dinner
direction do doctor doc does dog doing done door double down draw dream drive drop during
each early earth easy eat economy edge effect effort eight either else elsewhere end enjoy
enough enter entire environment especially even evening event eventually ever every
everybody everyone everything everywhere exactly example except exist expect experience
explain eye face fact fail fair fall family far fast father fear feel feeling feet few field
fight figure fill final finally financial find fine finger finish fire firm first firstly
fish five floor fly focus follow food foot for force forget form former forward four free
friend friends from front full fun funny further furthermore future game garden gave general
generally get girl give glad go god goes going gone good goodbye got government great green
ground group grow guess gun guys hair half hall hand hang happen hard has hate have he head
health hear heard heart heavy hello help her here hers herself hey hi high him himself his
history hit hmm hold home honestly hot hour house how however huge human hundred hurt husband
i idea if ill image imagine important in include including increase indeed inside instead
interest interesting interestingly into is issue it item its itself job join just keep key
kid kids kill kind kitchen knew know knowledge known lady land language large last lastly
late lately later laugh law lay lead learn least leave left leg less let letter level lie
life light like likely likewise line list listen little live local lol long look lose loss
lost lot love low luckily mad made main make man manage many marriage married matter maybe
me mean meanwhile measure meet member memory men mention message middle might mind mine
minute miss mom mommy money month more moreover morning most mostly mother move movie much
mum music must my myself name nation natural naturally near nearly need never new news next
nice night nine no nobody none nor normal normally not note nothing notice now number of off
offer office often oh ok okay old on once one only onto open or order other others otherwise
our ours ourselves out outside over overall own pain paper parent parents part party pass
past pay peace people perhaps person personal personally phone pick picture piece place plan
play please plus point police poor position possible post power pray prayer prayers present
pretty probably problem process provide pull purpose push put question quick quickly quite
read reader readers ready real reality really reason receive recent recently red regardless
relationship remember report rest result return right room round rule run sad sadly safe said
same save saw say school sea season second secondly see seem seen self sell send sense series
serious seriously serve set seven several shall share she short should show side sign simple
simply since sing single sister sit six size sleep slow small smile so social some somebody
someone something sometimes somewhere son soon sorry sort soul sound south space speak
special spend spirit sport spring stand start state stay step still stop story strange
strangely street strong student study stuff such sudden suddenly suffer support suppose sure
surely surprisingly system table take talk tall teach team tell ten tend term terrible test
than thank thanks thankfully that the their theirs them themselves then theory there
therefore these they thing things think third this those though thought thousand three
through throughout thus time tired to today together told tomorrow tonight too took top
total totally touch toward towards town tree trip trouble true truly trust truth try turn
twice two type ugh uh um under understand unfortunately fortunately unless until up upon
us use used usually very view visit voice wait walk wall want war warm was watch water way
we weak wear week weekend weird welcome well went were west what whatever when whenever
where wherever whether which while white who whoever whole whom whose why wide wife wild
wish with within without woman women wonder wonderful word work world worry would wow write
wrong yeah year years yes yesterday yet you young younger your yours yourself yourselves
youth
monday tuesday wednesday thursday friday saturday sunday january february march july
september october november december christmas easter thanksgiving
jesus christ lord heaven bible
anonymous anon guest visitor user admin administrator unknown someone nobody anybody
client patient therapist therapy counsellor counselor counselling counseling psychiatrist
psychologist psychotherapist psychotherapy analyst doctor nurse mother father mom mum dad
sister brother son daughter husband wife partner friend friends folks everyone everybody
all sir madam maam miss mister ladies gentlemen gentleman lady reader readers blogger author
writer commenter poster colleague colleagues team staff member members fellow fellows
heartbroken broken grieving grief lonely alone lost hurting hopeless hopeful survivor
sadness sorrow depressed depression anxious anxiety fearful scared afraid tired weary
confused numb empty abandoned attached attachment mama papa grandma grandpa granny nana
inner child kid little younger older future past self
yes yeah yep yup nope no well oh ah ahh aww ok okay hmm hmmm wow gosh geez jeez alas
sorry thanks thankyou cheers please again also anyway anyways besides however therefore
still plus now then today yesterday tomorrow tonight lately recently sometimes otherwise
regardless unfortunately fortunately sadly honestly seriously basically obviously clearly
apparently personally instead meanwhile afterwards afterward later overall ultimately
eventually initially originally additionally furthermore moreover nevertheless nonetheless
similarly likewise indeed admittedly hopefully thankfully luckily ironically interestingly
surprisingly anyhow firstly secondly thirdly lastly finally first second third next last
oddly strangely naturally certainly definitely absolutely actually really truly frankly
generally usually typically normally ideally essentially hence thus yet but and so or
because although though since while when whenever if unless until after before as like
sure true right exactly agreed hello hi hey dear greetings
dr mr mrs ms mx prof professor rev fr mme mlle sr jr md phd
""".split())

#: Honorifics before a name ("Dr. Todd") and degrees/suffixes after one.
TITLES = ("Dr", "Mr", "Mrs", "Ms", "Mx", "Miss", "Prof", "Professor", "Doctor", "Mme",
          "Mlle", "Rev", "Fr")
_NAME_AFFIXES = frozenset("""dr mr mrs ms mx miss prof professor doctor mme mlle rev fr sr jr
md phd psyd lcsw lmft lpc rn ii iii iv esq""".split())
_MONTHS = frozenset("january february march april may june july august september october "
                    "november december".split())
_MONTH_CONTEXT = frozenset("in on of since until till by last next this early late mid "
                           "from through during before after every each since".split())
#: Adverbs ending in -ly that can still be names (the rest, 8+ letters, are not).
_LY_NAMES = frozenset(("kimberly", "beverly"))
_WORD_ENDINGS = ("ing", "ed", "ness", "ment", "tion", "sion", "ly", "ful", "less", "able",
                 "ible", "ous", "ive", "ship", "hood", "ism", "ist", "est", "ize", "ise")
#: Surname particles: part of a full name, never looked for alone.
_PARTICLES = frozenset("de da di du del della der den van von la le ní nic mac bin ibn ter "
                       "ten dos das do st".split())
#: How far up a thread a shared first name is looked for among the authors replied to.
MAX_ANCESTORS = 100
#: Long author "names" are phrases ("A therapy client who is lost"): their
#: single words are not taken as name tokens, only the whole phrase.
MAX_NAME_WORDS = 4

# ---------------------------------------------------------------------------
# Secrets and identities
# ---------------------------------------------------------------------------


def load_secret(secret_file: str | None) -> bytes | None:
    """The secret for reproducible pseudonyms: the contents of
    ``secret_file`` (surrounding whitespace stripped) if given, else
    ``$MIGRATOR_SECRET``; ``None`` if neither (a random secret is then used)."""
    if secret_file:
        with open(secret_file, "rb") as fh:
            data = fh.read().strip()
        if not data:
            raise ValueError(f"secret file {secret_file} is empty")
        return data
    env = os.environ.get(SECRET_ENV, "").strip()
    return env.encode("utf-8") if env else None


def _norm(value: str) -> str:
    """NFKC, trimmed, case-folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", value or "").casefold().split())


def identity(name: str, email: str = "") -> str | None:
    """The normalised identity a pseudonym is derived from: the e-mail if
    present, else the name; ``None`` for a comment with neither."""
    e = _norm(email)
    if e:
        return "email:" + e
    n = _norm(name)
    return "name:" + n if n else None


def pseudonymous_email(comment: Comment) -> str:
    """An ``@anonymous.invalid`` address for formats that need an e-mail.

    For an anonymised comment it is derived from its pseudonym (itself an
    HMAC of the person), so no secret is needed and nothing of the original
    address is in it; for a kept person from their public name."""
    name = comment.author_name or "anonymous"
    local = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", name).encode(
        "ascii", "ignore").decode().lower()).strip("-") or "anonymous"
    return f"{local[:64]}@{ANON_EMAIL_DOMAIN}"


def truncate_ip(ip: str) -> str:
    """What ``wp_privacy_anonymize_ip`` keeps: IPv4 /24 (``a.b.c.0``), IPv6
    /64, an IPv4-mapped address as ``::ffff:a.b.c.0``. Unreadable -> ``""``."""
    ip = (ip or "").strip()
    if not ip:
        return ""
    raw = ip
    if raw.startswith("[") and "]" in raw:  # [v6]:port
        raw = raw[1:raw.index("]")]
    raw = raw.split("%", 1)[0]
    if raw.count(":") == 1 and raw.count(".") == 3:  # v4:port
        raw = raw.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(raw)
    except ValueError:
        return ""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        v4 = ipaddress.ip_network(f"{addr.ipv4_mapped}/24", strict=False).network_address
        return f"::ffff:{v4}"
    bits = 24 if addr.version == 4 else 64
    return str(ipaddress.ip_network(f"{addr}/{bits}", strict=False).network_address)


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------

_WORD = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
_NAME_WORD = re.compile(_WORD)


def _lower(text: str) -> str:
    """Lower case of the same length (so positions match the original),
    with ’ as '. A character whose lower case is longer ('İ') stays."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return low.replace("’", "'")


def _key(text: str) -> str:
    """How a name or a matched mention is looked up: folded (entities
    decoded, accents and apostrophes dropped, hyphens as spaces, lower case,
    one space; see :func:`names.fold`)."""
    if text.isascii() and text.isalnum():
        return text.lower()
    return nm.fold_word(text)


def _is_initial(word: str) -> bool:
    return len(word) == 1 or (len(word) <= 3 and word.isupper())


@dataclass(eq=False)
class _Person:
    digest: bytes
    width: int
    kept: bool = False
    used: bool = False  # its pseudonym has been written: it may not change
    keys: set = field(default_factory=set)  # name / local-part keys of this person
    initials: set = field(default_factory=set)

    _pseudonym: str = ""

    @property
    def label(self) -> str:
        return self.digest.hex()[:self.width].upper()

    @property
    def pseudonym(self) -> str:
        if not self._pseudonym or len(self._pseudonym) != len(PSEUDONYM_PREFIX) + self.width:
            self._pseudonym = PSEUDONYM_PREFIX + self.label
        return self._pseudonym


def _name_words(name: str) -> list[str]:
    words = _NAME_WORD.findall(unicodedata.normalize("NFC", name or ""))
    return [w for w in words if w.lower().strip(".") not in _NAME_AFFIXES]


def _initials(words: list[str]) -> set[str]:
    letters = [w[0] for w in words if w]
    if len(letters) < 2:
        return set()
    s = "".join(letters).lower()
    return {s, ".".join(s) + ".", ". ".join(s) + "."}


def _ambiguous(key: str) -> bool:
    """A name key that may be a plain word: only its capitalised uses count."""
    return all(p in COMMON_WORDS or len(p) <= 2 or _wordlike(p) for p in key.split())


def _wordlike(key: str) -> bool:
    """Built like an English word ('waiting', 'hopeless'): a name with such an
    ending (Fleming) is still replaced wherever it is capitalised."""
    return len(key) >= 6 and key.endswith(_WORD_ENDINGS)


def _common(key: str) -> bool:
    """Every word of the key is a common word ('Hope', 'Will May'): at the
    start of a sentence it is taken for the word."""
    return all(p in COMMON_WORDS for p in key.split())


def _titlecase(word: str) -> bool:
    return word[:1].isupper() and not (len(word) > 1 and word.isupper())


def _not_a_name(word: str) -> bool:
    """An unknown capitalised word that is surely no name."""
    k = word.lower()
    if k in COMMON_WORDS:
        return True
    return len(k) >= 8 and k.endswith("ly") and k not in _LY_NAMES


# ---------------------------------------------------------------------------
# Body patterns
# ---------------------------------------------------------------------------

_SP = r"[ \t\u00a0]"
#: A word in name position: not followed by digits or '@' (then it is a handle or address).
_NWORD = rf"{_WORD}(?![\w@]|[:/.@][\w/])"
_NAMES_AFTER = rf"(?P<n1>{_NWORD})(?:(?P<sp>{_SP}+)(?P<n2>{_NWORD}))?"

# Each pattern either starts with a literal or a character set (so the regex
# engine skips quickly to where it can match) or only runs where a cheap test
# (a character in the text, _PII_GATE, _NUM_GATE) says it may match.
_TAG_RE = re.compile(r"<(?:!--.*?-->|/?[A-Za-z][A-Za-z0-9-]*(?=[\s/>])[^<>]*>|[!?][^<>]*>)", re.S)
#: From an '@': the rest of an e-mail address, or an @handle.
_EMAIL_AT = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
_HANDLE_AT = re.compile(r"@[^\W\d_][\w.]*(?<![.])")
_URL_REST = re.compile(r"[^\s<>\"]+")
_SCHEMES = ("https", "http", "ftps", "ftp")
_TLDS = "com|net|org|info|biz|co|io|me|de|uk|fr|nl|ca|au|us|eu|ly|tv"
#: A bare domain with a path ('facebook.com/ann.lee'), found by its '.tld/'.
_BARE_RE = re.compile(rf"\.(?:{_TLDS})/[^\s<>\"]*")
_NUM_GATE = re.compile(r"\d[\d .()+-]{5,}\d")
_IP6_GATE = re.compile(r":[0-9A-Fa-f]{0,4}:")
#: Whether a (lower-cased) comment may hold any e-mail, URL, number or IP at
#: all. Every branch starts with a literal, so the engine only stops at '@',
#: ':', 'w', '.' and digits.
_PII_GATE = re.compile("|".join(
    ["@", "://", r"www\.", rf"\.(?:{_TLDS})/", r":[0-9a-f]{0,4}:"]
    + [rf"{d}[\d .()+-]{{5,}}\d" for d in "0123456789"]))
_IP4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)")
_IP6_RE = re.compile(r"(?<![\w:.])(?=[0-9A-Fa-f:.]*[0-9A-Fa-f])(?:[0-9A-Fa-f]{0,4}:){2,7}"
                     r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?(?![\w:])")
_PHONE_RE = re.compile(r"(?<![\w+.-])(?=[+(]|\d{2,5}[ .-]\d{2}|0\d{8})"
                       r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{2,15}"
                       r"(?:[ .-]\d{2,10}){0,5}(?![\w]|[.-]\d)")
_TITLE_SET = frozenset(TITLES)
_TITLE_RUNS = frozenset(t.lower() for t in TITLES)
#: What may follow a title ('Dr. Todd') or an addressing word ('Dear Sibel,').
_TITLE_TAIL = re.compile(rf"\.?{_SP}+{_NAMES_AFTER}")
_ADDR_TAIL = re.compile(
    rf"(?:{_SP}*,)?{_SP}+(?!(?:{'|'.join(sorted(_TITLE_RUNS))})\b){_NAMES_AFTER}")
_ADDR_WORDS = frozenset("dear hiya hii hi hello hey howdy greetings thanks thx".split()
                        + ["thank you"])
#: A capitalised word and a comma where a line starts ('Tricia, if I had...').
_LEAD_RE = re.compile(rf"(?:[ \t\r\u00a0\"'“‘«„(\[*]|<[^<>]*>)*"
                      rf"(?P<w>[^\W\d_a-z][^\W\d_]*(?:['’-][^\W\d_]+)*){_SP}*,")
#: The same after a line break or a block tag (a new line or paragraph).
_LEAD_NL_RE = re.compile(r"(?:\n|<(?i:/?(?:p|br|div|li|blockquote|h[1-6]|pre|td|th|dd|dt))"
                         r"\b[^<>]*>)" + _LEAD_RE.pattern)
_ATTR_TAG_RE = re.compile(r"<[A-Za-z][A-Za-z0-9-]*\s[^<>]*=[^<>]*>")
_HTML_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_RUN = re.compile(r"[^\W\d_]+")
_EDGES = re.compile(r"^\W+|\W+$")

_ATTR = re.compile(r"""(\s+)([^\s"'>/=]+)(?:(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_TAG_NAME = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9]*)")
_URL_ATTRS = frozenset("href src srcset cite action formaction poster background longdesc "
                       "data usemap codebase".split())
_TEXT_ATTRS = frozenset("title alt aria-label aria-description placeholder label summary "
                        "content value".split())
_BLOCK_TAGS = frozenset("p br div li ul ol blockquote h1 h2 h3 h4 h5 h6 pre hr table tr td th "
                        "dd dt dl section article header footer".split())
_OPENERS = " \t\r\u00a0\"'“‘«„([*"
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4}")
_DATE_IN = re.compile(rf"(?<!\d)(?:{_DATE.pattern})(?!\d)")
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_URL_TRAIL = ".,;:!?)]}'\"”’»"

# Priorities when two replacements overlap: the leftmost wins, then this order.
(_P_TAG, _P_EMAIL, _P_URL, _P_IP, _P_PHONE, _P_OWN, _P_HANDLE, _P_TITLE, _P_ADDR, _P_KNOWN,
 _P_LEAD, _P_THIRD) = range(12)
_CONTACT_KIND = {"email": (_P_EMAIL, EMAIL), "url": (_P_URL, URL), "phone": (_P_PHONE, PHONE)}


def _is_w(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _in_tag(text: str, pos: int) -> bool:
    """Whether ``pos`` is inside an HTML tag (or comment) of ``text``."""
    j = text.rfind("<", 0, pos)
    if j < 0 or text.find(">", j, pos) >= 0:
        return False
    m = _TAG_RE.match(text, j)
    return m is not None and m.end() > pos


def _sentence_start(text: str, pos: int) -> bool:
    """Whether ``pos`` starts a sentence (or a line, a paragraph, the text),
    looking back over spaces, opening quotes and inline tags."""
    i = pos
    while i > 0:
        ch = text[i - 1]
        if ch == "\n":
            return True
        if ch in _OPENERS:
            i -= 1
            continue
        if ch == ";" and text.endswith("&nbsp;", 0, i):
            i -= 6
            continue
        if ch == ">":
            j = text.rfind("<", 0, i - 1)
            if j < 0:
                return False
            m = _TAG_NAME.match(text, j)
            if m and m.group(1).lower() in _BLOCK_TAGS:
                return True
            i = j
            continue
        return ch in ".!?:;…"
    return True


def _trie_pattern(words: Iterable[str]) -> str:
    """One alternation for many literal words, factored as a trie. A space
    in a word matches any run of whitespace."""
    root: dict = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [(r"\s+" if ch == " " else re.escape(ch)) + emit(child)
                    for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return emit(root)


Resolver = Callable[[str], "_Person | None"]

# ---------------------------------------------------------------------------
# The anonymiser
# ---------------------------------------------------------------------------


#: How much of a mapped export the learning scan reads before it releases it.
_RELEASE_EVERY = 16 << 20


class Anonymiser:
    """Pseudonymises people and scrubs comment bodies (see the module doc).

    >>> a = Anonymiser(secret=b"k")
    >>> for post in posts: a.learn(post)          # doctest: +SKIP
    >>> for post in posts: a.apply(post, ledger)  # doctest: +SKIP
    """

    def __init__(self, secret: bytes | str | None = None, keep_names: Iterable[str] = (),
                 keep_registered: bool = False, ip: str = "drop",
                 keep_meta: Iterable[str] = ()):
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        if secret is not None and not secret:
            raise ValueError("the anonymisation secret is empty")
        if ip not in IP_POLICIES:
            raise ValueError(f"ip must be one of {', '.join(IP_POLICIES)}, not {ip!r}")
        self.reproducible: bool = secret is not None
        self._secret: bytes = secret if secret is not None else secrets.token_bytes(32)
        self.keep_names = tuple(n for n in keep_names if n and n.strip())
        self.keep_registered = keep_registered
        self.ip = ip
        self.keep_meta = frozenset(keep_meta)

        self._kept_emails = {_norm(n) for n in self.keep_names if "@" in n}
        self._kept_names = {tuple(w.lower() for w in _name_words(n)) for n in self.keep_names}
        self._kept_names.discard(())
        self._kept_static: set[str] = set()
        for n in self.keep_names:
            words = _name_words(n)
            self._kept_static.add(_key(n))
            self._kept_static.update(_key(w) for w in words)
            self._kept_static.add(_key(" ".join(words)))
            self._kept_static |= _initials(words)
        self._kept_static.discard("")

        # Per person / per distinct name only (never per comment).
        self._by_digest: dict[bytes, _Person] = {}
        self._by_raw: dict[tuple[str, str], _Person | None] = {}
        self._labels: dict[str, _Person] = {}
        self._index: dict[str, list[_Person]] = {}
        self._counted: set[bytes] = set()

        self._dirty = True
        #: How many times the name tables were built (once per run after learning).
        self.compiled = 0
        self._live: dict[str, tuple[_Person, ...]] = {}
        self._live_ids: dict[str, frozenset] = {}
        self._single: dict[str, str] = {}
        self._words_re: re.Pattern | None = None
        self._kept_keys: set[str] = set()
        self._ambig: set[str] = set()
        self._common: set[str] = set()
        #: Keys that are a token of a phrase handle, or a nickname: they count
        #: only where a name stands (see names.name_position).
        self._word_tokens: set[str] = set()
        self._nick_keys: set[str] = set()
        self._handle_keys: set[str] = set()
        self._finder: nm.NameFinder | None = None
        self._taken: set[str] = set()
        self._alias_finders: dict = {}

    @classmethod
    def from_options(cls, o) -> "Anonymiser":
        """The anonymiser a :class:`~migrator.pipeline.Options` asks for."""
        return cls(secret=o.secret, keep_names=o.keep_names, keep_registered=o.keep_registered,
                   ip=o.ip, keep_meta=o.keep_meta)

    # -- people -------------------------------------------------------------
    def _digest(self, ident: str) -> bytes:
        return hmac.new(self._secret, b"migrator/person/v1\0" + ident.encode("utf-8"),
                        hashlib.sha256).digest()

    def pseudonym(self, name: str, email: str = "") -> str:
        """The pseudonym of the person with this name and e-mail ("" if neither)."""
        ident = identity(name, email)
        if ident is None:
            return ""
        digest = self._digest(ident)
        p = self._by_digest.get(digest)
        if p is not None:
            return p.pseudonym
        return PSEUDONYM_PREFIX + digest.hex()[:HEX_DIGITS].upper()

    def _place(self, p: _Person) -> None:
        """Give ``p`` a label no other person of this run has."""
        while True:
            other = self._labels.get(p.label)
            if other is None or other is p:
                self._labels[p.label] = p
                return
            if not other.used:  # both get longer labels, neither keeps the shared one
                del self._labels[other.label]
                other.width += 4
                self._place(other)
            p.width += 4

    def _person(self, c: Comment) -> _Person | None:
        raw = (c.author_name, c.author_email)
        if raw in self._by_raw:
            p = self._by_raw[raw]
        else:
            ident = identity(*raw)
            p = None
            if ident is not None:
                digest = self._digest(ident)
                p = self._by_digest.get(digest)
                if p is None:
                    p = self._by_digest[digest] = _Person(digest, HEX_DIGITS)
                    self._place(p)
                    self._dirty = True
                if self._is_kept(c) and not p.kept:
                    p.kept = True
                    self._dirty = True
                if not self._add_names(p, c):
                    return p  # not cached: a later real comment still brings the names
            self._by_raw[raw] = p
        if p is not None and not p.kept and self.keep_registered and c.user_id > 0:
            p.kept = True
            self._dirty = True
        return p

    def _is_kept(self, c: Comment) -> bool:
        if self._kept_emails and _norm(c.author_email) in self._kept_emails:
            return True
        words = tuple(w.lower() for w in _name_words(c.author_name))
        return bool(words) and words in self._kept_names

    def _add_key(self, p: _Person, key: str) -> None:
        key = _EDGES.sub("", key)  # a key starts and ends in a letter or digit: \b is its edge
        if not key or not any(len(r) >= 2 for r in _RUN.findall(key)):
            return  # initials only ('J. S.'): never looked for
        people = self._index.setdefault(key, [])
        if p not in people:
            people.append(p)
        p.keys.add(key)

    def _add_names(self, p: _Person, c: Comment) -> bool:
        if c.type in ("pingback", "trackback") or c.status == "spam":
            return False  # a blog's title, or a spammer's phrase: not a name to look for
        before = len(p.keys), len(p.initials)
        name = c.author_name or ""
        if "@" in name:  # an e-mail as display name: its local part, never 'gmail' or 'com'
            name = re.sub(r"[._+\d-]+", " ", name.split("@", 1)[0])
        words = _name_words(name)
        # 'Someone who cares', 'A therapy client': a phrase of words is found as
        # a whole; its words that are not common ones only where a name stands.
        phrase = len(words) >= 3 and any(w.lower() in COMMON_WORDS for w in words)
        if words:
            p.initials |= _initials(words)
            if len(words) >= 2:
                full = " ".join(words)
                if len(full) <= 80:
                    self._add_key(p, _key(full))
            if len(words) <= MAX_NAME_WORDS:
                for w in words:
                    if phrase and w.lower() in COMMON_WORDS:
                        continue
                    if not _is_initial(w) and w.lower() not in _PARTICLES:
                        self._add_key(p, _key(w))
                        if phrase:
                            self._word_tokens.add(_key(w))
                    for part in re.split(r"[-'’]", w) if "-" in w else ():
                        if len(part) >= 2:
                            self._add_key(p, _key(part))
            first = words[0]
            if not phrase and not _is_initial(first) and first.isalpha():
                # Robert is also Bob, Bobby, Rob: the nickname list's links
                for nick in nm.nickname_keys(first):
                    if len(nick) >= 3:
                        self._add_key(p, nick)
                        self._nick_keys.add(nick)
        local = _norm(c.author_email).partition("@")[0]
        if (len(local) >= 3 and any(ch.isalpha() for ch in local)
                and local not in COMMON_WORDS and not local.isdigit()):
            self._add_key(p, _key(local))
            self._handle_keys.add(_key(local))
        if (len(p.keys), len(p.initials)) != before:
            self._dirty = True
        return True

    def learn(self, post: Post) -> None:
        """Note every commenter of ``post`` (call for every post before
        :meth:`apply`, so a name is scrubbed even before its owner's first
        comment). Keeps per-person data only."""
        for c in post.comments:
            self._person(c)

    def learn_paths(self, paths: Iterable[str]) -> None:
        """Learn every commenter of these exports: what calling :meth:`learn`
        on every post does, without parsing them. The raw bytes are scanned
        for the fields WordPress's exporter writes, in its order; a file the
        scan cannot vouch for (another layout, another encoding, fields
        that do not pair up) is read with the full reader instead."""
        for path in paths:
            if self._scan(path):
                continue
            from .reader import WXRReader

            ledger = Ledger()
            try:
                for post in WXRReader(path, ledger).posts():
                    self.learn(post)
            finally:
                ledger.close()

    def _scan(self, path: str) -> bool:
        try:
            with open(path, "rb") as fh:
                if os.fstat(fh.fileno()).st_size == 0:
                    return False
                with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                    return self._scan_bytes(data)
        except (OSError, ValueError):
            return False

    def _scan_bytes(self, data) -> bool:
        decl = _XML_DECL.match(data[:512])
        if decl and decl.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
            return False
        # Every <wp:comment>: its author and e-mail come right after its id,
        # its status, type and user id after its content. The patterns run
        # over a chunk of whole comments at a time (no Python per comment);
        # a chunk where they do not match once per comment (another layout,
        # a comment cut off) and the file is read in full instead.
        rows: set = set()
        # The scanned part of a mapped file is handed back to the kernel as
        # we go, so its pages do not count against this process's memory.
        release = getattr(data, "madvise", None) if hasattr(mmap, "MADV_DONTNEED") else None
        released = 0
        pos = data.find(b"<wp:comment>")
        while pos >= 0:
            end = data.find(b"<wp:comment>", pos + _RELEASE_EVERY)
            stop = len(data) if end < 0 else end
            opened = len(_SCAN_OPEN.findall(data, pos, stop))
            heads = _SCAN_HEAD.findall(data, pos, stop)
            tails = _SCAN_TAIL.findall(data, pos, stop)
            if not opened == len(heads) == len(tails):
                return False
            rows.update(h + t for h, t in zip(heads, tails))
            if release is not None and end >= 0:
                upto = end - end % mmap.PAGESIZE
                release(mmap.MADV_DONTNEED, released, upto - released)
                released = upto
            pos = end
        if not rows and data.find(b"comment_author") >= 0:
            return False  # comments under another namespace prefix
        # Distinct rows only (sorted, so the order of learning never depends
        # on hashing): a person who wrote a thousand comments is learned once.
        for name, email, approved, ctype, user in sorted(rows):
            try:
                uid = int(_xml_value(user) or 0)
            except ValueError:
                uid = 0
            self._person(Comment(
                id=0, post_id=0, author_name=_xml_value(name),
                author_email=_xml_value(email).strip(), status=status_from_wp(_xml_value(approved)),
                type=type_from_wp(_xml_value(ctype)), user_id=uid))
        return True

    # -- name tables ----------------------------------------------------------
    def _compile(self) -> None:
        """Build the lookup tables from everyone learned (once per run)."""
        kept_keys = set(self._kept_static)
        for p in self._by_digest.values():
            if p.kept:
                kept_keys |= p.keys
                kept_keys |= p.initials
        live: dict[str, tuple[_Person, ...]] = {}
        for key, people in self._index.items():
            if key in kept_keys:
                continue
            alive = tuple(p for p in people if not p.kept)
            if alive:
                live[key] = alive
        self._live, self._kept_keys = live, kept_keys
        self._live_ids = {k: frozenset(map(id, ps)) for k, ps in live.items() if len(ps) > 1}
        # From now on pseudonyms may be written: a later collision extends
        # only the newcomer's.
        for p in self._by_digest.values():
            p.used = True
        self._single = {k: ps[0].pseudonym for k, ps in live.items() if len(ps) == 1}
        # One pattern for every name, addressing word and title, matched in
        # the lower-cased text: a trie, so each word start costs a few
        # character tests whatever the number of names.
        words = sorted(set(live) | _ADDR_WORDS | _TITLE_RUNS)
        # It starts with the character before the word, so the engine skips
        # to the next non-letter instead of trying every position.
        # (Any character but an ASCII letter or digit: a non-ASCII letter
        # before a match is told apart by hand, which is quicker than \W.)
        self._words_re = re.compile(r"[^0-9a-z_](?:" + _trie_pattern(words) + r")\b")
        self._ambig = {k for k in live if _ambiguous(k)}
        self._common = {k for k in self._ambig if _common(k)}
        # The finder works on folded text: every name key in any script (CJK
        # as substrings, Latin and Cyrillic declined), and the addressing
        # words and titles that introduce a name.
        keys = {k: self._key_flags(k) for k in live}
        for w in _ADDR_WORDS | _TITLE_RUNS:
            keys[w] = keys.get(w, 0) | nm.WORD
        self._finder = nm.NameFinder(keys)
        self._taken = set(self._index) | kept_keys
        self._dirty = False
        self.compiled += 1

    def _key_flags(self, k: str) -> int:
        """nm.WORD for a key that is also a word, nm.CASED for one that must
        be capitalised (unless where a name stands)."""
        script = nm.script_of(k)
        word = script != "cjk" and (
            k in self._word_tokens or k in self._ambig or k in nm.WORDLIKE_NAMES
            or all(t in COMMON_WORDS or t in nm.WORDLIKE_NAMES for t in k.split()))
        flags = nm.key_flags(k, word)
        if k in self._nick_keys:
            flags |= nm.CASED
        elif k in self._handle_keys or not k.replace(" ", "").isalpha():
            flags &= ~nm.CASED  # 'akowalski77', 'anna.k': handles are written in lower case
        return flags

    def _ensure(self) -> None:
        if self._dirty:
            self._compile()

    # -- bodies ---------------------------------------------------------------
    def scrub(self, text: str) -> str:
        """Body replacement alone (no thread context: a first name shared by
        several commenters becomes ``[name]``)."""
        return self._scrub(text, None, Counter())

    def _scrub(self, text: str, resolve: Resolver | None, counts: Counter,
               own: str | None = None, aliases: dict | None = None) -> str:
        """Find every replacement (cheap tests first: most comments need
        few of the patterns), then apply the leftmost of overlapping ones."""
        if not text:
            return text
        if self._dirty:
            self._compile()
        # (start, priority, -end, replacement, what to count ('' = by the replacement), n)
        edits: list[tuple[int, int, int, str, str, int]] = []
        add = edits.append
        live, kept = self._live, self._kept_keys

        # -- markup and things that are not names -----------------------------
        tags = "<" in text
        if tags and "=" in text:  # only tags with attributes can change
            for m in _ATTR_TAG_RE.finditer(text):
                new = self._tag(m.group(), counts)
                if new != m.group():
                    add((m.start(), _P_TAG, -m.end(), new, "", 0))
        if tags and "<!--" in text:  # the text of HTML comments is scrubbed like any other
            for m in _HTML_COMMENT.finditer(text):
                new = "<!--" + self._scrub(m.group(1), resolve, counts) + "-->"
                if new != m.group():
                    add((m.start(), _P_TAG, -m.end(), new, "", 0))
        low = _lower(text)
        if _PII_GATE.search(low):  # one quick look: most comments hold none of these
            at = text.find("@")
            while at >= 0:  # e-mails and @handles, found from their '@'
                m = _EMAIL_AT.match(text, at)
                b = at
                while b and (_is_w(text[b - 1]) or text[b - 1] in ".+-"):
                    b -= 1
                if m and b < at:
                    add((b, _P_EMAIL, -m.end(), EMAIL, EMAIL, 1))
                elif b == at and not (at and text[at - 1] in ".@"):
                    m = _HANDLE_AT.match(text, at)
                    if m:
                        k = _key(m.group()[1:])
                        if k not in kept:
                            who = self._person_for(k, resolve, counts) if k in live else NAME
                            add((at, _P_HANDLE, -m.end(), "@" + who,
                                 NAME if who == NAME else NAMES_IN_BODIES, 1))
                at = text.find("@", at + 1)
            urls = _url_spans(low) if "://" in low or "www." in low else ()
            for s, e in urls:
                add((s, _P_URL, -e, URL, URL, 1))
            if "/" in text:
                for m in _BARE_RE.finditer(low):
                    s = m.start()
                    if any(a <= s < b for a, b in urls):
                        continue  # part of a URL found above
                    while s and (_is_w(low[s - 1]) or low[s - 1] in ".-"):
                        s -= 1
                    if s == m.start() or (s and low[s - 1] in "/@:"):
                        continue  # no domain before it, or part of a longer URL
                    core = low[s:m.end()].rstrip(_URL_TRAIL)
                    add((s, _P_URL, -(s + len(core)), URL, URL, 1))
            n_text = len(text)
            for g in _NUM_GATE.finditer(text):  # look for numbers only where digits are
                lo, hi = max(0, g.start() - 2), min(n_text, g.end() + 2)
                for m in _IP4_RE.finditer(text, lo, hi):
                    if _valid_ip(m.group()):
                        add((m.start(), _P_IP, -m.end(), IP, IP, 1))
                for m in _PHONE_RE.finditer(text, lo, hi):
                    n = Counter()
                    rep = _phones(m.group(), n)
                    if n[PHONE]:
                        add((m.start(), _P_PHONE, -m.end(), rep, PHONE, n[PHONE]))
            if ":" in text and _IP6_GATE.search(text):
                for m in _IP6_RE.finditer(text):
                    if _valid_ip(m.group()):
                        add((m.start(), _P_IP, -m.end(), IP, IP, 1))

        # -- contact details the patterns above miss ---------------------------------
        for cs, ce, what in nm.contact_spans(text):
            prio, rep = _CONTACT_KIND[what]
            add((cs, prio, -ce, rep, rep, 1))

        # -- names (found in the folded text, replaced in the original) ---------------
        single = self._single
        folded = nm.fold(text)
        for m in self._finder.find(text, folded):
            k, s, e = m.key, m.start, m.end
            if k in live and self._stands(k, m, text):
                who = single.get(k) or self._person_for(k, resolve, counts)
                add((s, _P_KNOWN, -e, who, NAME if who == NAME else NAMES_IN_BODIES, 1))
            if m.inflected:
                continue
            if k in _ADDR_WORDS:
                t = _ADDR_TAIL.match(low, e)
                if t:
                    self._named(text, t, _P_ADDR, resolve, counts, add)
            elif k in _TITLE_RUNS and text[s:e] in _TITLE_SET:
                t = _TITLE_TAIL.match(text, e)
                if t:
                    self._named(text, t, _P_TITLE, resolve, counts, add)
        if aliases:
            for m in self._alias_finder(aliases).find(text, folded):
                if self._stands(m.key, m, text):
                    add((m.start, _P_KNOWN, -m.end, aliases[m.key], NAMES_IN_BODIES, 1))
        if own is not None:
            span = nm.signoff_span(text)
            if span is not None:
                w = text[span[0]:span[1]]
                k = _key(w)
                if k not in kept and k not in COMMON_WORDS and not _is_initial(w):
                    add((span[0], _P_OWN, -span[1], own, NAMES_IN_BODIES, 1))
        if "," in text:
            leads = [_LEAD_RE.match(text)]
            if tags or "\n" in text:
                leads += _LEAD_NL_RE.finditer(text)
            for m in leads:
                if m is None:
                    continue
                w = m.group("w")
                if not _titlecase(w) or _not_a_name(w):
                    continue  # 'Yes,', 'Thanks,', 'OMG,'
                k = _key(w)
                if k in live or k in kept:
                    continue
                add((m.start("w"), _P_LEAD, -m.end("w"), NAME, NAME, 1))
        # People who never commented: given names where a name stands.
        for ts, te in nm.third_parties(text, self._taken, COMMON_WORDS):
            add((ts, _P_THIRD, -te, NAME, NAME, 1))

        if not edits:
            return text
        edits.sort()  # leftmost first; then by priority; then the longest
        out, last = [], 0
        first_tag = text.find("<") if tags else len(text)
        for s, prio, e, rep, kind, n in edits:
            if s < last:
                continue  # inside an earlier replacement (a name in a URL, a tag)
            if s > first_tag and prio != _P_TAG and _in_tag(text, s):
                continue  # inside a tag: only _tag() changes what is there
            if prio in (_P_EMAIL, _P_URL) and s > last and text[s - 1] == "<" and text[-e:-e + 1] == ">":
                s, e = s - 1, e - 1  # '<ann@x.com>' in plain text: the brackets go too
            out.append(text[last:s])
            out.append(rep)
            last = -e
            if kind:
                counts[kind] += n
        out.append(text[last:])
        return "".join(out)

    def _stands(self, k: str, m: "nm.Match", text: str) -> bool:
        """Whether a found key stands as a name here: a declined form only
        capitalised; a key that is also a word only where a name stands (or
        capitalised mid-sentence, not after 'the', 'in May'); a key that must
        be capitalised (a surname, a nickname) capitalised or where a name
        stands."""
        s, e, f = m.start, m.end, m.flags
        if m.inflected:
            return text[s].isupper()
        if f & nm.WORD:
            if nm.name_position(text, s, e):
                return True
            return (text[s].isupper() and self._used_as_name(k, text, s, e)
                    and nm.prev_word(text, s) not in nm.DETERMINERS)
        if f & nm.CASED and not text[s].isupper():
            return nm.name_position(text, s, e)
        return True

    def _alias_finder(self, aliases: dict) -> "nm.NameFinder":
        key = frozenset(aliases)
        finder = self._alias_finders.get(key)
        if finder is None:
            if len(self._alias_finders) > 256:
                self._alias_finders.clear()
            finder = self._alias_finders[key] = nm.NameFinder(
                {a: nm.key_flags(a) for a in aliases})
        return finder

    def _used_as_name(self, k: str, text: str, s: int, e: int) -> bool:
        """A name that may be a word ('Hope', 'Will', 'May') is a name where
        it is capitalised and not simply starting a sentence, or addressed
        ('Hope, thank you'), and a month is a month before a day ('May 1st')."""
        w = text[s:e]
        if not _titlecase(w):
            return False
        after = text[e:e + 40].lstrip(" \t\u00a0")
        if k in self._common and not after.startswith(",") and _sentence_start(text, s):
            return False  # 'Hope you are well.'
        if k in _MONTHS and (after[:1].isdigit() or _month_context(text, s)):
            return False
        return True

    def _person_for(self, key: str, resolve: Resolver | None, counts: Counter) -> str:
        who = self._single.get(key)
        if who is not None:
            return who
        p = resolve(key) if resolve else None
        return NAME if p is None else p.pseudonym

    def _word(self, w: str, resolve: Resolver | None, counts: Counter) -> str | None:
        """An addressed word ('Dear X', 'Dr. X'): a commenter's pseudonym,
        ``[name]`` for a name nobody here has, or None to keep it."""
        k = _key(w)
        if k in self._kept_keys:
            return None
        if k in self._live:
            return self._person_for(k, resolve, counts)
        if _titlecase(w) and not _not_a_name(w):
            return NAME
        return None

    def _named(self, text: str, m: re.Match, prio: int, resolve, counts, add) -> None:
        """One or two name words after 'Dear' or a title."""
        s1, e1 = m.span("n1")
        n1 = text[s1:e1]
        if not n1[0].isupper() and _key(n1) not in self._live:
            return  # 'thanks for', 'hi there': the words after are looked at like any other
        if m.group("n2") is not None:
            s2, e2 = m.span("n2")
            n2 = text[s2:e2]
            full = _key(text[s1:e2])
            if full in self._live and full not in self._kept_keys:
                who = self._person_for(full, resolve, counts)
                add((s1, prio, -e2, who, NAME if who == NAME else NAMES_IN_BODIES, 1))
                return
        else:
            n2 = None
        r1 = self._word(n1, resolve, counts)
        if r1 is None:
            return  # kept, or no name: a second word is looked at like any other
        if n2 is not None and _titlecase(n2):
            r2 = self._word(n2, resolve, counts)
            if r2 == NAME and r1 == NAME:
                add((s1, prio, -e2, NAME, NAME, 1))  # 'Dear Mary Jane' -> one [name]
                return
            if r2 is not None:
                add((s2, prio, -e2, r2, NAME if r2 == NAME else NAMES_IN_BODIES, 1))
        add((s1, prio, -e1, r1, NAME if r1 == NAME else NAMES_IN_BODIES, 1))

    def _names_in(self, text: str) -> bool:
        """Whether a commenter's name occurs in ``text`` (a link's path)."""
        if self._dirty:
            self._compile()
        low = _lower(text)
        return any(m.group()[1:] in self._live for m in self._words_re.finditer(" " + low))

    def _tag(self, tag: str, counts: Counter) -> str:
        """Inside a tag: links to absolute URLs lose their attribute; text
        attributes (title, alt) are scrubbed; nothing else is touched."""
        if tag.startswith("<!--") or "=" not in tag:
            return tag

        def attr(m: re.Match) -> str:
            name = m.group(2).lower()
            value = m.group(4)
            if value is None:
                return m.group(0)
            quote = value[0] if value[0] in "\"'" else ""
            inner = value[1:-1] if quote else value
            if name in _URL_ATTRS:
                v = inner.strip()
                if v.startswith("#") or not (re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", v)
                                             or v.startswith("//") or "@" in v
                                             or self._names_in(v)):
                    return m.group(0)  # a fragment or a link within the site (naming nobody)
                counts[URL] += 1
                return ""
            if name in _TEXT_ATTRS or name.startswith("data-"):
                scrubbed = self._scrub(inner, None, counts)
                return m.group(1) + m.group(2) + m.group(3) + quote + scrubbed + quote
            return m.group(0)

        return _ATTR.sub(attr, tag)

    # -- posts ----------------------------------------------------------------
    def apply(self, post: Post, ledger: Ledger) -> Post:
        """Anonymise every comment of ``post`` in place (the post's own title
        and content are left as they are). Returns the post."""
        # Everyone of this post is known after this (learned now if apply()
        # is used without learn(): the tables are then rebuilt).
        people = {c.id: self._person(c) for c in post.comments}
        ctx = _Thread(self, post, people)
        resolve = ctx.resolve
        counts: Counter = Counter()
        truncate = self.ip == "truncate"
        self._ensure()
        aliases = self._aliases(post, people)
        for pos, c in enumerate(post.comments):
            ctx.comment, ctx.pos = c, pos
            me = people[c.id]
            own = me.pseudonym if me is not None and not me.kept else None
            c.content = self._scrub(c.content, resolve, counts, own, aliases)
            if me is not None and not me.kept:
                c.author_name = me.pseudonym
                if me.digest not in self._counted:
                    self._counted.add(me.digest)
                    counts["people"] += 1
            if me is None or not me.kept:
                c.user_id = 0
            c.author_ip = truncate_ip(c.author_ip) if truncate else ""
            self.clear_private(c)
        for name in ("people", NAMES_IN_BODIES, NAME, EMAIL, URL, PHONE, IP):
            if counts[name]:
                ledger.count("anonymise", name, counts[name])
        return post

    def _aliases(self, post: Post, people: dict) -> dict[str, str] | None:
        """Names commenters of this post sign with that are no commenter's
        name ('Natalya' signing 'Наташа'): folded name -> their pseudonym,
        so other comments of the post that name them are scrubbed too."""
        found: dict[str, str] = {}
        for c in post.comments:
            me = people[c.id]
            if me is None or me.kept or not c.content:
                continue
            span = nm.signoff_span(c.content)
            if span is None:
                continue
            w = c.content[span[0]:span[1]]
            k = _key(w)
            if (k in self._taken or k in COMMON_WORDS or _is_initial(w) or len(k) < 2
                    or k in me.keys):
                continue
            found.setdefault(k, me.pseudonym)
        return found or None

    def clear_private(self, c: Comment) -> None:
        """The fields no anonymised output keeps: e-mail, URL, user agent, and
        comment meta but for the ``keep_meta`` keys."""
        c.author_email = c.author_url = c.author_user_agent = ""
        if c.meta:
            c.meta = [(k, v) for k, v in c.meta if k in self.keep_meta]

    def apply_site(self, site: Site) -> tuple[Site, dict[str, str]]:
        """The site's own users (``wp:author`` blocks) as anonymised output
        may show them: a copy of ``site`` whose users, unless kept, carry a
        pseudonym, an ``@anonymous.invalid`` address and a pseudonymous login.
        Returns the copy and the map old login -> new login, for the posts'
        ``author`` field. Registered users are kept with ``keep_registered``."""
        authors, logins = [], {}
        for a in site.authors:
            name = a.display_name or " ".join(x for x in (a.first_name, a.last_name) if x) or a.login
            probe = Comment(id=0, post_id=0, author_name=name, author_email=a.email,
                            user_id=a.id or 1)
            p = self._person(probe)
            if p is None or p.kept:  # a kept name stays; an e-mail never does
                authors.append(replace(a, email=pseudonymous_email(probe) if a.email else ""))
                continue
            pseudonym = p.pseudonym
            login = re.sub(r"[^a-z0-9]+", "-", pseudonym.lower()).strip("-")
            logins[a.login] = login
            authors.append(replace(a, login=login, display_name=pseudonym, first_name="",
                                   last_name="", email=pseudonymous_email(
                                       replace(probe, author_name=pseudonym))))
        return replace(site, authors=authors), logins


class _Thread:
    """The post being anonymised, for telling apart commenters who share a
    name: the comment in hand is set before each body is scrubbed."""

    __slots__ = ("anon", "post", "people", "by_id", "comment", "pos", "_up", "_near", "_where")

    def __init__(self, anon: Anonymiser, post: Post, people: dict) -> None:
        self.anon, self.post, self.people = anon, post, people
        self.by_id = {c.id: c for c in post.comments}
        self.comment: Comment | None = None
        self.pos = 0
        self._up: dict[tuple[int, str], _Person | None] = {}  # (comment, key) -> ancestor
        self._near: dict[str, tuple[list[int], list[_Person]]] = {}  # key -> where, who
        self._where: dict[int, tuple[_Person, list[int]]] | None = None

    def resolve(self, key: str) -> _Person | None:
        """Of several commenters sharing a name: the one replied to (nearest
        ancestor first), else the author, else the nearest comment of the post."""
        c = self.comment
        p = self._ancestor(c, key)
        if p is not None:
            return p
        me = self.people[c.id]
        if me is not None and id(me) in self.anon._live_ids[key]:
            return me
        near = self._near.get(key)
        if near is None:
            if self._where is None:  # person -> positions in the post, once per post
                self._where = {}
                for i, o in enumerate(self.post.comments):
                    p = self.people[o.id]
                    if p is not None:
                        self._where.setdefault(id(p), (p, []))[1].append(i)
            pick = self.anon._live_ids[key]
            at = sorted((i, n, p) for n, (pid, (p, where)) in enumerate(self._where.items())
                        if pid in pick for i in where)
            near = self._near[key] = ([i for i, _, _ in at], [p for _, _, p in at])
        positions, persons = near
        if not positions:
            return None
        j = bisect_left(positions, self.pos)
        best = min((k for k in (j - 1, j) if 0 <= k < len(positions)),
                   key=lambda k: (abs(positions[k] - self.pos), positions[k]))
        return persons[best]

    def _ancestor(self, c: Comment, key: str) -> _Person | None:
        """The nearest author up the thread from ``c`` who has this name
        (remembered per comment, so a deep thread is walked once)."""
        pick, people, by_id, up = self.anon._live_ids[key], self.people, self.by_id, self._up
        walked: list[int] = []
        found = None
        parent = c.parent_id
        for _ in range(MAX_ANCESTORS):  # threads are trees: no cycle, but stay bounded
            if parent is None or parent not in by_id:
                break
            if (parent, key) in up:
                found = up[(parent, key)]
                break
            p = people[parent]
            if p is not None and id(p) in pick:
                found = p
                break
            walked.append(parent)
            parent = by_id[parent].parent_id
        # Every comment walked past has the same answer as the one above it:
        # 'the nearest of its own ancestors (itself included)'.
        for cid in walked:
            up[(cid, key)] = found
        return found


def _is_phone(s: str) -> bool:
    digits = sum(ch.isdigit() for ch in s)
    if not 7 <= digits <= 15 or _DATE.fullmatch(s) or _THOUSANDS.fullmatch(s):
        return False
    groups = re.findall(r"\d+", s)
    if s[0] not in "+(":
        if all(len(g) == 4 and g[:2] in ("19", "20") for g in groups):
            return False  # '2019 2020 2021', '1990-2005'
        if len(groups) == 2:
            # '555-1234', '07700 900123' are numbers; '25 30000' is not
            return (len(groups[0]) == 3 and len(groups[1]) == 4) or (
                groups[0][0] == "0" and digits >= 10)
    return True


def _phones(s: str, counts: Counter) -> str:
    """A run of digit groups -> its phone numbers as ``[phone]``: the longest
    leading run of groups that is a phone number, then the rest likewise
    ('555-123-4567 2020-06-01' is a phone number and a date)."""
    date = _DATE_IN.search(s)
    if date:  # '555-123-4567 2020-06-01': numbers around a date
        left, right = s[:date.start()], s[date.end():]
        return ((_phones(left[:-1], counts) + left[-1:] if left else "") + date.group()
                + (right[:1] + _phones(right[1:], counts) if right else ""))
    cuts = [m.start() for m in re.finditer(r"(?<=\d)[ .-](?=\d)", s)] + [len(s)]
    for end in reversed(cuts):
        if _is_phone(s[:end]):
            counts[PHONE] += 1
            rest = s[end:]
            if not rest:
                return PHONE
            lead = rest[0]
            return PHONE + lead + _phones(rest[1:], counts)
    if len(cuts) > 1:  # no phone starts here: try from the next group
        first = cuts[0]
        return s[:first + 1] + _phones(s[first + 1:], counts)
    return s


_XML_DECL = re.compile(rb"""\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_SCAN_OPEN = re.compile(rb"<wp:comment>")
_SCAN_HEAD = re.compile(rb"<wp:comment>\s*<wp:comment_id>[^<]*</wp:comment_id>\s*"
                        rb"<wp:comment_author>(.*?)</wp:comment_author>\s*"
                        rb"<wp:comment_author_email>(.*?)</wp:comment_author_email>", re.S)
_SCAN_TAIL = re.compile(rb"<wp:comment_approved>(.*?)</wp:comment_approved>\s*"
                        rb"<wp:comment_type>(.*?)</wp:comment_type>\s*"
                        rb"<wp:comment_parent>[^<]*</wp:comment_parent>\s*"
                        rb"<wp:comment_user_id>(.*?)</wp:comment_user_id>", re.S)
_CDATA = re.compile(rb"<!\[CDATA\[(.*?)\]\]>", re.S)
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_value(raw: bytes) -> str:
    """A field as the reader would give it: CDATA sections (WordPress splits
    ``]]>`` across two) joined, other text with its entities resolved, line
    ends as XML reads them, characters XML forbids dropped."""
    if b"<![CDATA[" in raw:
        text = b"".join(_CDATA.findall(raw)).decode("utf-8", "replace")
    else:
        text = html.unescape(raw.decode("utf-8", "replace"))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _XML_FORBIDDEN.sub("", text)


def _url_spans(low: str) -> list[tuple[int, int]]:
    """Spans of ``http(s)://...``, ``ftp(s)://...`` and ``www....`` URLs in
    lower-cased text, found from their '://' or 'www.' (quicker than a regex
    that would stop at every h, f and w)."""
    spans = []
    i = low.find("://")
    while i >= 0:
        for scheme in _SCHEMES:
            s = i - len(scheme)
            if s >= 0 and low.startswith(scheme, s) and not (s and _is_w(low[s - 1])):
                m = _URL_REST.match(low, s)
                spans.append((s, s + len(m.group().rstrip(_URL_TRAIL))))
                break
        i = low.find("://", i + 3)
    i = low.find("www.")
    while i >= 0:
        if not (i and (_is_w(low[i - 1]) or low[i - 1] in "@/.")):
            m = _URL_REST.match(low, i)
            spans.append((i, i + len(m.group().rstrip(_URL_TRAIL))))
        i = low.find("www.", i + 4)
    return spans


def _valid_ip(s: str) -> bool:
    if not any(ch.isdigit() or ch in "abcdefABCDEF" for ch in s):
        return False
    try:
        ipaddress.ip_address(s)
    except ValueError:
        return False
    return True


def _month_context(text: str, pos: int) -> bool:
    """'in May', 'last June': the word before a month name makes it a date."""
    m = re.search(r"(\w+)\W*$", text[max(0, pos - 20):pos])
    return bool(m) and m.group(1).lower() in _MONTH_CONTEXT


__all__ = ["Anonymiser", "load_secret", "identity", "pseudonymous_email", "truncate_ip",
           "NAME", "EMAIL", "URL", "PHONE", "IP", "NAMES_IN_BODIES"]
