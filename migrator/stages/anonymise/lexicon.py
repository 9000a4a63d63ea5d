"""Word lists for finding names: given names and nicknames from packages, and
the small closed lists of words around a name ('my sister X', 'X said')."""
from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from dataclasses import dataclass

# ---------------------------------------------------------------------------
# Lexicon: given names, nicknames, common words
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Lexicon:
    given: frozenset  # folded given names
    nick_of: dict  # folded name -> folded nicknames and full forms it is linked to
    #: Common words of 58 languages (lower case), given names taken out: a
    #: capitalised 'Спасибо,' or 'Merci,' opening a line is no name.
    stop: frozenset = frozenset()


_LEXICON: Lexicon | None = None


def lexicon() -> Lexicon:
    """The given-names list and the nickname links (loaded once)."""
    global _LEXICON
    if _LEXICON is None:
        given: set[str] = set()
        try:
            import names as _names  # the census first-name lists (MIT)

            for key in ("first:male", "first:female"):
                with open(_names.FILES[key], encoding="ascii", errors="ignore") as fh:
                    for line in fh:
                        word = line.split(" ", 1)[0].strip().lower()
                        if word.isalpha():
                            given.add(word)
        except (ImportError, OSError, KeyError, AttributeError):
            given = set(_FALLBACK_GIVEN)
        links: dict[str, set[str]] = {}
        try:
            from nicknames import NickNamer

            nn = NickNamer()
            for full, nicks in nn.nickname_lookup.items():
                for n in nicks:
                    links.setdefault(full, set()).add(n)
                    links.setdefault(n, set()).add(full)
        except ImportError:
            pass
        stop: set[str] = set()
        try:
            import stopwordsiso  # stopwords-iso, 58 languages (MIT)

            for lang in stopwordsiso.langs():
                for w in stopwordsiso.stopwords(lang):
                    low = w.lower()
                    stop.add(w if low == w else low)  # the package's own string where it will do
        except ImportError:
            pass
        stop = {w for w in stop if w not in given}
        _LEXICON = Lexicon(frozenset(given), {k: frozenset(v) for k, v in links.items()},
                           frozenset(stop))
    return _LEXICON


#: Used only when the ``names`` package is missing.
_FALLBACK_GIVEN = """james john robert michael william david richard charles joseph thomas
mary patricia linda barbara elizabeth jennifer maria susan margaret dorothy lisa nancy karen
helen sandra donna carol ruth sharon michelle laura sarah kimberly deborah jessica shirley
cynthia angela melissa brenda amy anna rebecca virginia kathleen pamela martha debra amanda
stephanie carolyn christine marie janet catherine frances ann joyce diane alice julie heather
teresa doris gloria evelyn jean cheryl mildred katherine joan ashley judith rose janice kelly
nicole judy christina kathy theresa beverly denise tammy irene jane lori rachel marilyn andrea
kathryn louise sara anne jacqueline wanda bonnie julia ruby lois tina phyllis norma paula diana
annie lillian emily robin peggy crystal gladys rita dawn connie florence tracy edna tiffany
carmen rosa cindy grace wendy victoria edith kim sherry sylvia josephine thelma shannon sheila
ethel ellen elaine marjorie carrie charlotte monica esther pauline emma juanita anita rhonda
hazel amber eva debbie april leslie clara lucille jamie joanne eleanor valerie danielle megan
alicia suzanne michele gail bertha darlene veronica jill erin geraldine lauren cathy joann
lorraine lynn sally regina erica beatrice dolores bernice audrey yvonne annette june samantha
marion dana stacy ana renee ida vivian roberta holly brittany melanie loretta yolanda jeanette
laurie katie kristen vanessa alma sue elsie beth jeanne kori george kenneth steven edward brian
ronald anthony kevin jason matthew gary timothy jose larry jeffrey frank scott eric stephen
andrew raymond gregory joshua jerry dennis walter patrick peter harold douglas henry carl arthur
ryan roger joe juan jack albert jonathan justin terry gerald keith samuel willie ralph lawrence
nicholas roy benjamin bruce brandon adam harry fred wayne billy steve louis jeremy aaron randy
howard eugene carlos russell bobby victor martin ernest phillip todd jesse craig alan shawn
clarence sean philip chris johnny earl jimmy antonio danny bryan tony luis mike stanley leonard
nathan dale manuel rodney curtis norman allen marvin vincent glenn jeffery travis jeff chad
jacob lee melvin alfred kyle francis bradley jesus herbert frederick ray joel edwin don eddie
ricky troy randall barry alexander bernard mario leroy francisco marcus micheal theodore clifford
miguel oscar jay jim tom calvin alex jon ronnie bill lloyd tommy leon derek warren darrell
jerome floyd leo alvin tim wesley gordon dean greg jorge dustin pedro derrick dan lewis zachary
corey herman maurice vernon roberto clyde glen hector shane ricardo sam rick lester brent ramon
charlie tyler gilbert gene marc reginald ruben brett angel nathaniel rafael leslie edgar milton
raul ben chester cecil duane franklin andre elmer brad gabriel ron mitchell roland arnold harvey
jared adrian karl cory claude erik darryl jamie neil jessie christian javier fernando clinton
ted mathew tyrone darren lonnie lance cody julio kelly kurt allan nelson guy clayton hugh max
dwayne dwight armando felix jimmie everett jordan ian wallace ken bob jaime casey alfredo alberto
dave ivan johnnie sidney byron julian isaac morris clifton willard daryl ross virgil andy marshall
salvador perry kirk sergio marion tracy seth kent terrance rene eduardo terrence enrique freddie
wade""".split()

#: Frequent words that are also given names, places or months: these count as
#: names only in a name position, never merely for being capitalised.
WORDLIKE_NAMES = frozenset("""
will may june april august faith hope grace joy rose mark bill ray rich rob art bob drew grant
hunter chase guy jack frank gene sky dawn summer autumn winter heather holly ivy lily daisy iris
violet ruby amber pearl crystal jade robin jay wren sage olive hazel brown gray grey cook bird
angel destiny harmony melody patience charity mercy bliss star storm rain river brook cliff dale
glen wood reed sandy sunny rusty lucky buck earl duke king prince major victor miles lance norm
chance rocky sterling win nick penny carol sue pat don tim bud chip dot kitty misty brandy sherry
trinity justice liberty serenity prudence felicity verity constance honor honour sunshine dusty
skip page mason bear fox wolf hawk forest meadow ocean raven dove lark basil clay stone flint
rock ash rowan cash colt jewel diamond precious lovely sweet happy merry noel eve christian
long young lane love early lee say son man field hill hall rich baker cole lord king joy gay
bell ward house park short small little strong wise hardy bishop knight butcher fisher miller
potter porter walker weaver shepherd cooper glass gold silver banks brooks waters rivers
fields hills street church cross sharp swift crane drake finch bull hart fry payne ginger candy
honey sly fair best green white black carter hope love loving tender
an in is it to me my so do go he we us up on no by or as at be if of oh ok hi ha am
""".split())

#: Given names that are words but still worth a look where a name stands
#: ('Grace said', 'Hope here'); the very frequent ones (will, may) are not.
WORD_GIVEN = frozenset("""grace hope faith joy rose june april august mark bill ray rob art bob
drew grant chase guy jack frank gene dawn summer autumn heather holly ivy lily daisy iris violet
ruby amber pearl crystal jade robin jay sage olive hazel angel destiny harmony melody patience
charity mercy star storm river brook cliff dale glen sandy sunny rusty earl duke king prince
victor miles lance chance rocky sterling nick penny carol sue pat don tim bud kitty misty brandy
sherry trinity justice liberty constance noel eve christian""".split())

#: Given names that are as often places: after a place word they are places.
PLACE_NAMES = frozenset("""paris georgia virginia carolina florence austin jordan chelsea sydney
victoria charlotte savannah madison phoenix dallas houston israel india china kenya asia africa
america lincoln orlando denver aurora sierra nevada dakota brooklyn york london berlin vienna
milan venice siena lourdes regina adelaide alexandria tyler eugene marion raleigh""".split())
_PLACE_CONTEXT = frozenset("in to from at near visit visited visiting across around outside "
                           "inside via into through towards toward throughout of the".split())
DETERMINERS = frozenset("the a an my your his her our their its this that these those of "
                        "god's gods amazing saving red white pink yellow wild some any no every "
                        "each such what which".split())
#: Nouns after which a capitalised word is a person's name ("my sister Kori").
RELATIONS = frozenset("""sister brother mother father mum mom dad mama papa friend husband wife
son daughter aunt auntie uncle cousin niece nephew grandma grandmother grandpa grandfather
granny nana boss therapist colleague coworker neighbor neighbour partner boyfriend girlfriend
fiance fiancee counsellor counselor teacher roommate flatmate ex stepmother stepfather stepson
stepdaughter sibling child baby kid pastor priest coach mentor doctor nurse psychiatrist
psychologist analyst bestie buddy pal grandson granddaughter grandchild grandkid grandson
landlord landlady lawyer attorney solicitor twin classmate schoolmate carer caregiver midwife
surgeon dentist physio physiotherapist vet tutor professor lecturer supervisor manager""".split()) | {
    f"{r} in law" for r in "son daughter mother father sister brother".split()}  # 'son-in-law', folded
#: The same nouns in other languages ('mein Mann Heiko', 'ma sœur Ségolène',
#: 'моя сестра Оксана'), as written and as folded (sœur, soeur).
_RELATIONS_INTL = """mann frau sohn tochter schwester bruder mutter vater freund freundin oma opa
tante onkel cousine enkel enkelin sœur soeur frère frere mère mere père pere mari femme fils fille
ami amie copine copain oncle hermana hermano madre padre marido esposa esposo hijo hija amigo amiga
abuela abuelo tía tia tío tio novia novio siostra brat mama tata mąż maz żona zona syn córka corka
przyjaciel przyjaciółka przyjaciolka babcia dziadek ciocia wujek сестра брат мама папа муж жена сын
дочь друг подруга бабушка дедушка тётя тетя дядя sorella fratello madre padre marito moglie figlio
figlia amica nonna nonno irmã irma irmão irmao mãe mae pai filho filha""".split()
RELATIONS = RELATIONS | frozenset(_RELATIONS_INTL)
#: Possessives before such a noun ('my', 'mein', 'ma', 'mi', 'moja', 'моя' ...).
POSSESSIVES = frozenset("""my his her our their your mein meine meinen meinem meiner dein deine
sein seine ihr ihre unser unsere ma mon mes ta ton sa son notre votre mi mis tu su nuestra nuestro
moja mój moj moje mojej mojego twoja twój jego jej моя мой мою моей моего моё мое твоя твой наш
наша его её ее mia mio minha meu""".split())
#: Words that may stand between them ('my late husband, Zbigniew').
RELATION_ADJ = frozenset("""late dear dearest little big older younger elder eldest youngest
best beloved old new former twin verstorbener verstorbene feu défunt defunt difunto difunta
zmarły zmarly zmarła zmarla покойный покойная""".split())
#: Articles and determiners of other languages: 'La Vita', 'Die Heide'.
_DETERMINERS_INTL = frozenset("""la le les il lo gli l die der das den dem des el los las un una
une ein eine einen einem einer un uno unos unas""".split())
DETERMINERS = DETERMINERS | _DETERMINERS_INTL

#: Verbs of speech: "Helen said", "Hope wrote".
SPEECH = frozenset("""said says wrote writes asked asks told tells replied replies mentioned
mentions posted posts commented comments suggested suggests thinks thought explained explains
added adds noted notes shared shares answered answers responded responds argued argues claimed
claims believes believed feels felt knows knew agreed agrees""".split())
#: Words that open an addressed name ("Dear X", "thanks X").
ADDRESS = frozenset("dear dearest hi hiya hello hey howdy greetings thanks thx thankyou cheers "
                    "bye goodbye love sorry congrats welcome".split())
_SIGNOFF_WORDS = frozenset("love regards best cheers thanks warmly sincerely yours xo xx xoxo "
                           "hugs blessings namaste peace ciao".split())
_INTRO = re.compile(r"(?:\b(?:i'?m|i am|my name is|this is|named|called|call me|it'?s)\s+)$",
                    re.I)
_SENTENCE_END = ".!?…:;\n"


_SURNAMES: "_Sorted | None" = None


class _Sorted:
    """A large sorted list of words held as one string and the offsets into
    it, asked ``w in words`` by binary search (:func:`bisect.bisect_left` on
    it as a sequence): the census's 88,799 surnames cost 1 MB so, 9 MB as a
    frozenset (in every process)."""

    __slots__ = ("_blob", "_at", "_asked")

    #: How many answers are remembered (a run asks about a few thousand words,
    #: each a binary search of 17 steps in Python).
    ASKED = 4096

    def __init__(self, words) -> None:
        words = sorted(words)
        words = [w for i, w in enumerate(words) if not i or w != words[i - 1]]
        self._blob = "\n".join(words) + "\n"
        self._at = array("I")
        self._asked: dict[str, bool] = {}
        pos = 0
        for w in words:
            self._at.append(pos)
            pos += len(w) + 1

    def __len__(self) -> int:
        return len(self._at)

    def __getitem__(self, i: int) -> str:
        s = self._at[i]
        return self._blob[s:self._blob.index("\n", s)]

    def __contains__(self, w: str) -> bool:
        got = self._asked.get(w)
        if got is None:
            i = bisect_left(self, w)
            got = i < len(self._at) and self[i] == w
            if len(self._asked) >= self.ASKED:
                self._asked.clear()
            self._asked[w] = got
        return got


def surnames() -> _Sorted:
    """The census surname list of the ``names`` package (MIT), loaded once, and
    only for a local part whose first word is no given name."""
    global _SURNAMES
    if _SURNAMES is None:
        try:
            import names as _names

            with open(_names.FILES["last"], encoding="ascii", errors="ignore") as fh:
                _SURNAMES = _Sorted(w for w in (line.split(" ", 1)[0].strip().lower()
                                                for line in fh) if w.isalpha())
        except (ImportError, OSError, KeyError, AttributeError):
            _SURNAMES = _Sorted(())
    return _SURNAMES
