"""Secrets and identities: who a person is, and their keyed digest."""
from __future__ import annotations

import ipaddress
import os
import re
import unicodedata

from ...model import Comment


SECRET_ENV = "MIGRATOR_SECRET"
PSEUDONYM_PREFIX = "Commenter "
#: Hex digits of a pseudonym (32 bits); more only on a collision in the run.
HEX_DIGITS = 8
ANON_EMAIL_DOMAIN = "anonymous.invalid"

NAME, EMAIL, URL, PHONE, IP = "[name]", "[email]", "[url]", "[phone]", "[ip]"
#: A bank account (IBAN) or a national id number (PESEL, SSN ...) in a body.
ID = "[id]"
#: Ledger statistic for commenter names replaced by a pseudonym in bodies.
NAMES_IN_BODIES = "names in bodies"
IP_POLICIES = ("drop", "truncate")
#: A shorter secret could be guessed from the pseudonyms (or the fingerprint).
MIN_SECRET_BYTES = 16

# ---------------------------------------------------------------------------
# Secrets and identities
# ---------------------------------------------------------------------------

def load_secret(secret_file: str | None) -> bytes | None:
    """The secret for reproducible pseudonyms: the contents of
    ``secret_file`` (surrounding whitespace stripped) if given, else
    ``$MIGRATOR_SECRET``; ``None`` if neither (a random secret is then used).
    A secret shorter than :data:`MIN_SECRET_BYTES` is refused (ValueError)."""
    if secret_file:
        with open(secret_file, "rb") as fh:
            data = fh.read().strip()
        if not data:
            raise ValueError(f"secret file {secret_file} is empty")
        return check_secret(data, f"the secret in {secret_file}")
    env = os.environ.get(SECRET_ENV, "").strip()
    return check_secret(env.encode("utf-8"), f"${SECRET_ENV}") if env else None


def check_secret(secret: bytes, where: str = "the secret") -> bytes:
    """``secret`` if it is long enough to key pseudonyms, else ValueError."""
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"{where} is {len(secret)} bytes: use at least {MIN_SECRET_BYTES} "
                         "(e.g. the output of `openssl rand -hex 16`)")
    return secret

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
