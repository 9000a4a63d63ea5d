"""Word lists the name matching uses: common words, titles, months, particles."""
from __future__ import annotations

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
#: Thanks and greetings in other languages: they open a comment ('Danke,
#: Pierre!') and address a name after them, like 'thanks' and 'hi'; they are
#: never a name themselves. Written as the folding writes them (no marks).
GREETINGS = frozenset("""danke merci gracias grazie obrigado obrigada dziekuje dzieki dekuji
diky dakujem tack takk tak kiitos bedankt dank koszonom multumesc hvala hola hallo bonjour
bonsoir ciao salut servus moin czesc ahoj hej hei moi szia ola salve buongiorno buenas
coucou shalom todah merhaba selam tesekkurler tesekkur sagol saol
спасибо благодарю привет здравствуите здравствуи дякую вітаю привіт здравеи благодаря
ευχαριστω γεια καλημερα شكرا مرحبا תודה שלום
bisous bises besos beijos baci bacioni abrazos abrazo kisses hugs saludos pozdrawiam pozdrav
grusse gruss liebe cordialement amities ciao tschuss adios""".split())

TITLES = ("Dr", "Mr", "Mrs", "Ms", "Mx", "Miss", "Prof", "Professor", "Doctor", "Mme",
          "Mlle", "Rev", "Fr",
          # other languages: Frau Schäfer, Herrn Özdemir, Dra. Fernández ... ('M.' is
          # not one: a one-letter key would stop at every "I'm")
          "Frau", "Herr", "Herrn", "Dra", "Sra", "Srta", "Sr", "Señora", "Señor", "Senhora",
          "Pani", "Pan", "Signora", "Signor", "Sig", "Dott", "Dottoressa", "Mevrouw", "Meneer")
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
