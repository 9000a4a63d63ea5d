"""The anonymise stage: keyed pseudonyms for people, scrubbed comment bodies.

Where each part lives (the full story is in :mod:`.anonymiser`'s doc):

``secret``        the secret, identities, pseudonymous e-mails, IP truncation
``words``         word lists: common words, titles, months, name particles
``people``        a commenter's names as keys, and the thread context
``patterns``      the regular expressions that find names and contact details
``contacts``      contact details the classic patterns miss (written out, hidden)
``identifiers``   IBANs and national id numbers (PESEL, SSN ...) -> ``[id]``
``scrub_text``    bodies: names, e-mails, URLs, phone numbers, IPs, markup
``scrub_fields``  a post's comments' fields, and the site's own users
``scrub_posts``   around the comments: posts, authors, the site's URLs, ids
``anonymiser``    :class:`Anonymiser`, which learns people and joins the two
"""
from .anonymiser import Anonymiser
from .secret import (EMAIL, ID, IP, NAME, NAMES_IN_BODIES, PHONE, SECRET_ENV, URL, identity,
                     load_secret, pseudonymous_email, truncate_ip)

__all__ = ["Anonymiser", "load_secret", "identity", "pseudonymous_email", "truncate_ip",
           "NAME", "EMAIL", "URL", "PHONE", "IP", "ID", "NAMES_IN_BODIES", "SECRET_ENV"]
