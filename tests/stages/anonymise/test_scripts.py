"""--anonymise on small threads in scripts the multilingual thread does not try:
Hangul, Japanese kana and kanji, Thai, Devanagari, Bengali, Tamil, Georgian,
Armenian, Ethiopic, Persian and Urdu (Arabic script with ی ک), Vietnamese
(stacked diacritics), Turkish; commenters reply to, mention, address (with
their language's honorifics and particles: さん, 씨, 님, 아, जी, คุณ, chị,
Hanım, 'nin) and sign off to each other, as people write.

Each comment starts with a marker (``qz101``) so its text can be found in
every output (SQLite, JSON, JSONL with private fields). Checked per comment:

* no commenter's name survives, in the forms the thread uses (listed per
  comment: given name, surname, with the particles, inflected);
* the ordinary sentences of each language (no name in them) come through
  unchanged, word for word.
"""
from __future__ import annotations

import os
import re
import sys
import unicodedata

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from wxr_builder import C, P, wxr  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from multilingual import read_outputs, segments  # noqa: E402


def segments4(text: str) -> dict[str, str]:
    return segments(text, digits=4)

# A thread per language: commenters (name, e-mail), comments (author, parent
# index or None, body, the name forms in it that must not survive, and maybe
# the honorifics and particles beside them, which must stay), and ordinary
# sentences of the language that hold no name.
THREADS = {
    "korean": dict(
        people=[("김민준", "minjun.kim@example.kr"), ("이서연", "seoyeon.lee@example.kr"),
                ("박지훈", "jihoon.park@example.kr"), ("최 유진", "yujin.choi@example.kr")],
        comments=[
            (0, None, "좋은 글 감사합니다. 저도 작년에 비슷한 일을 겪었어요.\n\n민준 드림", ["민준"]),
            (1, 0, "민준 씨, 저도 같은 생각이에요. 힘내세요!\n서연", ["민준", "서연"], ["씨"]),
            (2, 1, "서연아, 오랜만이야! 민준님 말씀에 동의합니다.", ["서연", "민준"], ["님", "말씀"]),
            (0, 2, "지훈아 고마워. 서연 씨도 감사해요.\n김민준", ["지훈", "서연", "김민준"]),
            (1, None, "이서연입니다. 지훈이가 말한 것처럼 시간이 약이에요.", ["이서연", "지훈"]),
            (2, None, "Thanks Minjun, and Seo-yeon too! 민준이 형 말이 맞아요.", ["Minjun", "Seo-yeon", "민준"]),
            (3, None, "저도 같은 경험이 있어요.\n유진", ["유진"]),
            (0, None, "최유진 님, 감사합니다! 유진 씨 글 잘 봤어요.", ["최유진", "유진"], ["님", "씨"]),
        ],
        ordinary=["오늘 날씨가 정말 좋네요.", "이 책은 도서관에서 빌렸어요.",
                  "주말에 가족과 함께 산에 갔습니다."]),
    "japanese": dict(
        people=[("佐藤 花子", "hanako.sato@example.jp"), ("さくら", "sakura@example.jp"),
                ("田中 健太", "kenta.tanaka@example.jp")],
        comments=[
            (0, None, "とても参考になりました。私も同じ経験があります。\n花子", ["花子"]),
            (1, 0, "花子さん、ありがとうございます！佐藤さんの言う通りだと思います。", ["花子", "佐藤"],
             ["さん、", "さんの"]),
            (2, 1, "さくらちゃん、元気？田中です。\n健太より", ["さくら", "田中", "健太"]),
            (0, 2, "田中様、コメントありがとうございます。健太くんにもよろしく。", ["田中", "健太"],
             ["様、", "くん"]),
            (1, None, "さくらです。佐藤 花子さんのお話に励まされました。", ["さくら", "佐藤", "花子"]),
            (2, None, "サクラさん、ありがとう！Sakura-san, mata ne.", ["サクラ", "Sakura"], ["さん", "san"]),
        ],
        ordinary=["今日はとても暑いですね。", "駅の近くに新しいパン屋ができました。",
                  "毎朝コーヒーを飲みます。"]),
    "thai": dict(
        people=[("สมชาย วงศ์สวัสดิ์", "somchai@example.th"), ("มาลี รัตนพงศ์", "malee@example.th"),
                ("วิชัย", "wichai@example.th")],
        comments=[
            (0, None, "ขอบคุณสำหรับบทความนี้ครับ ผมเคยเจอปัญหาแบบเดียวกัน\nสมชาย", ["สมชาย"]),
            (1, 0, "ขอบคุณคุณสมชายมากค่ะ ดิฉันเห็นด้วยค่ะ", ["สมชาย"], ["ขอบคุณคุณ", "มากค่ะ"]),
            (0, 1, "คุณมาลีพูดถูกครับ ขอบคุณครับ", ["มาลี"]),
            (1, None, "มาลีค่ะ อ่านแล้วรู้สึกดีขึ้นมาก ฝากขอบคุณพี่สมชายด้วยนะคะ", ["มาลี", "สมชาย"]),
            (2, None, "ผมก็เคยเป็นแบบนี้ครับ\nวิชัย", ["วิชัย"]),
            (1, None, "พี่วิชัยเห็นด้วยไหมคะ", ["วิชัย"], ["พี่", "เห็นด้วยไหมคะ"]),
        ],
        ordinary=["วันนี้อากาศร้อนมาก", "ฉันชอบกินข้าวผัดกับไข่ดาว", "พรุ่งนี้เราจะไปตลาดกัน",
                  "บ้านหลังนี้มีมาลัยดอกมะลิแขวนอยู่"]),
    "hindi": dict(
        people=[("प्रिया शर्मा", "priya.sharma@example.in"), ("राहुल वर्मा", "rahul.verma@example.in")],
        comments=[
            (0, None, "बहुत अच्छा लेख है। मुझे भी ऐसा ही अनुभव हुआ था।\n– प्रिया", ["प्रिया"]),
            (1, 0, "प्रिया जी, आपकी बात बिल्कुल सही है। धन्यवाद!", ["प्रिया"], ["जी"]),
            (0, 1, "राहुल जी, शुक्रिया। शर्मा परिवार की ओर से शुभकामनाएँ।", ["राहुल", "शर्मा"]),
            (1, None, "राहुल की बात मानिए, सब ठीक हो जाएगा। प्रियाजी को नमस्ते।", ["राहुल", "प्रिया"]),
        ],
        ordinary=["आज मौसम बहुत अच्छा है।", "मैं हर सुबह चाय पीता हूँ।",
                  "प्रिय मित्रों, पढ़ने के लिए धन्यवाद।", "हम वहाँ रहते थे।"]),
    "bengali": dict(
        people=[("সুমন দাস", "suman.das@example.bd"), ("রিনা চৌধুরী", "rina@example.bd")],
        comments=[
            (0, None, "খুব ভালো লেখা। আমারও একই অভিজ্ঞতা হয়েছিল।\nসুমন", ["সুমন"]),
            (1, 0, "সুমনদা, ধন্যবাদ! আপনার কথা ঠিক।", ["সুমন"], ["দা,"]),
            (0, 1, "রিনার মন্তব্যটা খুব সুন্দর। রিনাদি, ভালো থাকবেন।", ["রিনা"]),
            (1, None, "সুমনের সাথে আমি একমত।", ["সুমন"]),
        ],
        ordinary=["আজ আকাশ খুব পরিষ্কার।", "আমি প্রতিদিন সকালে হাঁটতে যাই।",
                  "দুটো ভাগ সমান হতে হবে।"]),
    "tamil": dict(
        people=[("கார்த்திக் சுப்பிரமணியன்", "karthik@example.in"), ("மீனா", "meena@example.in")],
        comments=[
            (0, None, "அருமையான பதிவு. எனக்கும் இதே அனுபவம் இருந்தது.\nகார்த்திக்", ["கார்த்திக்"]),
            (1, 0, "கார்த்திக், உங்கள் கருத்துக்கு நன்றி!", ["கார்த்திக்"]),
            (0, 1, "மீனாவுக்கு நன்றி. மீனா சொன்னது சரிதான்.", ["மீனா"]),
            (1, None, "கார்த்திக்கின் அறிவுரை எனக்கு உதவியது.", ["கார்த்திக்"]),
        ],
        ordinary=["இன்று வானிலை நன்றாக இருக்கிறது.", "நான் தினமும் காலையில் நடக்கிறேன்.",
                  "இந்த புத்தகம் மிகவும் நல்லது."]),
    "georgian": dict(
        people=[("გიორგი ბერიძე", "giorgi@example.ge"), ("ნინო კაპანაძე", "nino@example.ge")],
        comments=[
            (0, None, "ძალიან კარგი სტატიაა. მეც მქონდა მსგავსი გამოცდილება.\nგიორგი", ["გიორგი"]),
            (1, 0, "გიორგი, მადლობა! გიორგის აზრს ვეთანხმები.", ["გიორგი", "გიორგ"]),
            (0, 1, "ნინოს დიდი მადლობა. ნინო, ყველაფერი კარგად იქნება.", ["ნინო"]),
            (1, None, "ბერიძის კომენტარი ძალიან დამეხმარა.", ["ბერიძ"]),
            (1, None, "Thanks Giorgi, it helped a lot.", ["Giorgi"]),
        ],
        ordinary=["დღეს ამინდი ძალიან კარგია.", "ყოველ დილით ყავას ვსვამ.",
                  "ეს წიგნი ძალიან საინტერესოა."]),
    "armenian": dict(
        people=[("Արամ Պետրոսյան", "aram@example.am"), ("Անի Սարգսյան", "ani@example.am")],
        comments=[
            (0, None, "Շատ լավ հոդված է։ Ես էլ նման փորձ եմ ունեցել։\nԱրամ", ["Արամ"]),
            (1, 0, "Արամ, շնորհակալություն։ Համաձայն եմ Արամի հետ։", ["Արամ"]),
            (0, 1, "Անին ճիշտ է ասում։ Անիին շնորհակալ եմ։", ["Անի"]),
            (1, None, "Պետրոսյանի խորհուրդը ինձ օգնեց։", ["Պետրոսյան"]),
            (1, None, "Shnorhakalutyun, Aram jan! Petrosyan's advice was good.", ["Aram", "Petrosyan"]),
        ],
        ordinary=["Այսօր եղանակը շատ լավ է։", "Ամեն առավոտ սուրճ եմ խմում։",
                  "Այս գիրքը շատ հետաքրքիր է։", "Անիվը կոտրվեց ճանապարհին։"]),
    "amharic": dict(
        people=[("አበበ ከበደ", "abebe@example.et"), ("ሜሮን ታደሰ", "meron@example.et")],
        comments=[
            (0, None, "በጣም ጥሩ ጽሑፍ ነው። እኔም ተመሳሳይ ልምድ ነበረኝ።\nአበበ", ["አበበ"]),
            (1, 0, "አበበ፣ አመሰግናለሁ! የአበበ ሃሳብ ትክክል ነው።", ["አበበ"]),
            (0, 1, "ለሜሮን ምስጋና ይገባል። ሜሮን፣ በርቺ!", ["ሜሮን"]),
            (1, None, "ከበደ የጻፈው ትክክል ነው። አበበን አመሰግናለሁ።", ["ከበደ", "አበበ"]),
            (0, None, "Thank you Meron, and greetings from Abebe's family.", ["Meron"]),
        ],
        ordinary=["ዛሬ አየሩ በጣም ጥሩ ነው።", "በየቀኑ ጠዋት ቡና እጠጣለሁ።", "ይህ መጽሐፍ በጣም አስደሳች ነው።"]),
    "persian": dict(
        people=[("مریم احمدی", "maryam@example.ir"), ("علی رضایی", "ali.rezaei@example.ir"),
                ("عمران قریشی", "imran@example.pk"), ("عائشہ ملک", "aisha.malik@example.pk")],
        comments=[
            (0, None, "مقاله خیلی خوبی بود. من هم تجربه مشابهی داشتم.\nمریم", ["مریم"]),
            (1, 0, "مریم جان، ممنون از نظرت! با مریم\u200cخانم موافقم.", ["مریم"]),
            (0, 1, "علی آقا، حق با شماست. نظر رضایی را قبول دارم.", ["علی", "رضایی"]),
            (1, None, "ممنون مريم، حرف احمدي درست است.", ["مريم", "احمدي"]),
            (2, None, "بہت اچھا مضمون ہے۔ مریم صاحبہ اور علی بھائی کا شکریہ۔\nعمران", ["مریم", "علی", "عمران"],
             ["صاحبہ", "بھائی"]),
            (0, 4, "عمران صاحب، شکریہ! قریشی صاحب کی بات درست ہے۔", ["عمران", "قریشی"]),
            (3, 4, "بہت شکریہ عمران بھائی۔\nعائشہ", ["عمران", "عائشہ"]),
            (2, 6, "شکریہ عائشه بہن، آپ نے ٹھیک کہا۔", ["عائشه"]),
        ],
        ordinary=["امروز هوا خیلی خوب است.", "من هر روز صبح چای می\u200cنوشم.",
                  "این کتاب خیلی جالب است.", "آج موسم بہت اچھا ہے۔"]),
    "vietnamese": dict(
        people=[("Nguyễn Thị Hương", "huong.nguyen@example.vn"), ("Trần Văn Minh", "minh.tran@example.vn")],
        comments=[
            (0, None, "Bài viết rất hay. Mình cũng từng trải qua chuyện tương tự.\nHương", ["Hương"]),
            (1, 0, "Hương ơi, cảm ơn bạn nhiều! Chị Hương nói đúng lắm.", ["Hương"], ["ơi", "Chị"]),
            (0, 1, "Cảm ơn anh Minh. Em thấy anh Minh nói rất có lý.", ["Minh"], ["anh", "Em"]),
            (1, None, "Cam on chi Huong nhieu, em dong y voi chi Huong.", ["Huong"]),
            (1, None, "cam on chi huong nhieu nha, em doc bai cua chi roi.", ["huong"]),
            (1, None, "cảm ơn chị hương nhiều nha, em đọc bài của chị rồi.", ["hương"]),
            (0, None, "Anh Trần Văn Minh ơi, em cảm ơn anh. Nhà Nguyễn chúng em cũng vậy.",
             ["Trần", "Minh", "Nguyễn"]),
        ],
        ordinary=["Hôm nay trời đẹp quá.", "Hướng dẫn này rất dễ hiểu.",
                  "Mùi hương của hoa nhài thật dễ chịu.", "Tôi uống cà phê mỗi sáng.",
                  "Mình rất thích bài này."]),
    "turkish": dict(
        people=[("Ayşe Yılmaz", "ayse.yilmaz@example.tr"), ("Mehmet Demir", "mehmet.demir@example.tr"),
                ("Zeynep Şahin", "zeynep.sahin@example.tr")],
        comments=[
            (0, None, "Çok güzel bir yazı. Ben de benzer bir şey yaşadım.\nAyşe", ["Ayşe"]),
            (1, 0, "Ayşe Hanım, teşekkürler! Ayşe'nin dediği gibi zamanla geçiyor.", ["Ayşe"],
             ["Hanım", "'nin"]),
            (0, 1, "Mehmet Bey, çok naziksiniz. Mehmet'e katılıyorum.", ["Mehmet"], ["Bey", "'e"]),
            (1, None, "Yılmaz’ın yorumu çok yardımcı oldu. Ayşe’ye selamlar.", ["Yılmaz", "Ayşe"]),
            (2, None, "Ben de aynı şeyi yaşadım.\nZeynep Şahin", ["Zeynep", "Şahin"]),
            (0, None, "Şahin Hanım'a ve Zeynep'e çok teşekkürler.", ["Şahin", "Zeynep"], ["Hanım'a"]),
        ],
        ordinary=["Bugün hava çok güzel.", "Her sabah çay içerim.", "Bu kitap çok ilginç."]),
}


def _marker(lang_i: int, k: int) -> str:
    return f"qz{lang_i + 1:02d}{k:02d}"


def build():
    """The WXR text, and per comment marker: (language, names that must go,
    ordinary sentences, words beside the names that must stay)."""
    posts, cases = [], {}
    cid = 1
    for li, (lang, t) in enumerate(THREADS.items()):
        ids, comments = [], []
        for k, (who, parent, body, forms, *keep) in enumerate(t["comments"]):
            name, email = t["people"][who]
            ordinary = t["ordinary"][k % len(t["ordinary"])]
            marker = _marker(li, k)
            # the ordinary sentence comes first, on a line of its own, after the marker
            text = f"{marker}\n{ordinary}\n\n{body}"
            ids.append(cid)
            comments.append(C(id=cid, parent=ids[parent] if parent is not None else 0, author=name,
                              email=email, content=text, date=f"2021-03-0{1 + k % 9} 1{k}:00:00"))
            cases[marker] = (lang, forms, [ordinary], [(w, body.count(w)) for w in keep[0]] if keep else [])
            cid += 1
        # every ordinary sentence once more, in a comment of its own (no name in it)
        k = len(t["comments"])
        marker = _marker(li, k)
        text = marker + "\n" + "\n\n".join(t["ordinary"])
        comments.append(C(id=cid, author=t["people"][0][0], email=t["people"][0][1], content=text,
                          date="2021-03-20 10:00:00"))
        cases[marker] = (lang, [], list(t["ordinary"]), [])
        cid += 1
        posts.append(P(id=1000 + li, comments=comments, title=f"Post {lang}", slug=f"post-{lang}"))
    return wxr(posts), cases


_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")


def _bare(s: str) -> str:
    """Without accents, case kept ('Hương' -> 'Huong', 'Ayşe' -> 'Ayse')."""
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)) \
        .replace("ı", "i")


def survives(form: str, text: str) -> bool:
    """Whether a name form is still in ``text``: as a word (and without its
    accents) for Latin script; anywhere, as written, in other scripts (their
    names carry particles and case endings glued on)."""
    if _LATIN.search(form):
        words = re.compile(r"(?<![^\W\d_])" + re.escape(_bare(form)) + r"(?![^\W\d_])")
        return bool(words.search(_bare(text)))
    return form in text


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from migrator import api
    from migrator.pipeline import Options

    tmp = tmp_path_factory.mktemp("scripts")
    text, cases = build()
    src = tmp / "thread.wxr"
    src.write_text(text, encoding="utf-8")
    out = tmp / "out"
    out.mkdir()
    targets = [f"sqlite:{out / 'db.sqlite'}", f"json:{out / 'json'}/", f"jsonl:{out / 'all.jsonl'}"]
    ledger = api.convert([str(src)], targets, Options(anonymise=True, secret=b"a secret of 16+ bytes",
                                                       dedupe=False), private_fields=True)
    assert ledger.totals()["written"] == len(cases)
    got = read_outputs(out)
    return cases, got


def findings(cases, got):
    """(leaks, eaten): (language, output, marker, name form) that survived;
    (language, output, marker, sentence or honorific) that changed."""
    leaks, eaten = [], []
    for fmt, text in got.items():
        segs = segments4(text)
        assert set(segs) == set(cases), fmt
        for marker, (lang, forms, ordinary, keep) in cases.items():
            seg = segs[marker]
            for word, n in keep:
                if seg.count(word) < n:
                    eaten.append((lang, fmt, marker, word))
            for sentence in ordinary:
                if sentence not in seg:
                    eaten.append((lang, fmt, marker, sentence))
                seg = seg.replace(sentence, " ")  # names are looked for in the rest
            for form in forms:
                if survives(form, seg):
                    leaks.append((lang, fmt, marker, form))
    return leaks, eaten


@pytest.mark.parametrize("lang", list(THREADS))
def test_no_name_survives_and_no_word_is_eaten(run, lang, capsys):
    cases, got = run
    leaks, eaten = findings(cases, got)
    leaks = sorted({(m, f) for lg, _, m, f in leaks if lg == lang})
    eaten = sorted({(m, s) for lg, _, m, s in eaten if lg == lang})
    with capsys.disabled():
        if leaks or eaten:
            print(f"\n[{lang}] names surviving: {leaks}; ordinary sentences changed: {eaten}")
    assert leaks == [] and eaten == []


def test_commenters_full_names_absent_everywhere(run):
    """No output holds a commenter's name as written in the author field."""
    cases, got = run
    for fmt, text in got.items():
        for t in THREADS.values():
            for name, email in t["people"]:
                assert name not in text, (fmt, name)
                assert email not in text, (fmt, email)


def test_thread_is_what_it_says():
    """Every language's thread names someone in every comment but the last,
    and holds ordinary sentences of its own (some with a word that starts
    like a name: 'Անիվը', the wheel; they are taken out before names are
    looked for)."""
    text, cases = build()
    assert text.count("<wp:comment>") == len(cases) == sum(len(t["comments"]) + 1 for t in THREADS.values())
    for lang, t in THREADS.items():
        assert len(t["ordinary"]) >= 3 and len(t["people"]) >= 2
        for who, parent, body, forms, *keep in t["comments"]:
            assert forms and all(survives(f, body) for f in forms), (lang, body)


@pytest.mark.parametrize("lang", list(THREADS))
def test_every_way_of_folding_agrees(lang):
    """Short texts fold character by character, long ones through NFKD of the
    whole, texts with entities piece by piece: the same folded words each way
    (katakana as hiragana, Indic vowel signs as vowels, Thai signs kept)."""
    from migrator.stages.anonymise.fold import _fold_pieces, fold

    words = re.compile(r"[^\W_]+")
    t = THREADS[lang]
    for text in [b for _, _, b, *_ in t["comments"]] + t["ordinary"]:
        for x in (text, (text + " ") * 8, text + " &amp;"):
            fast, slow = fold(x), _fold_pieces(x)
            assert words.findall(fast.text.replace("\x02", "")) == words.findall(slow.text), (lang, x)


def _scrub_thread(people, bodies):
    from migrator.ledger import Ledger
    from migrator.model import Comment, Post
    from migrator.stages.anonymise import Anonymiser

    a = Anonymiser(secret=b"a secret of sixteen+ bytes")
    post = Post(id=1, comments=[Comment(id=i + 1, post_id=1, author_name=n, author_email=e, content="x")
                                for i, (n, e) in enumerate(people)])
    post.comments += [Comment(id=100 + i, post_id=1, author_name=people[0][0],
                              author_email=people[0][1], content=b) for i, b in enumerate(bodies)]
    a.learn(post)
    a.apply(post, Ledger())
    return [c.content for c in post.comments[len(people):]]


#: What is known not to work (each would fail as written: strict xfail, so a fix shows):
#: (people, body, what must not survive, what must stay).
GAPS = {
    # (anyascii spells Indic names badly, 'शर्मा' -> 'srma': no Latin key; a name
    # in the given-names list is still caught where it stands, 'Thanks Priya')
    "hindi name in Latin letters": ([("स्नेहा कुलकर्णी", "s@example.in"), ("राहुल", "r@example.in")],
                                    "Sneha ne bilkul sahi kaha. Kulkarni ji ko dhanyavaad.",
                                    "Sneha", "bilkul sahi kaha"),
    "thai name that is a word": ([("ชาย ใจดี", "c@example.th"), ("มาลี", "m@example.th")],
                                 "ผู้ชายคนนั้นใจดีมาก", "", "ผู้ชายคนนั้น"),
    "kana name that is a word": ([("さくら", "s@example.jp"), ("田中 健太", "k@example.jp")],
                                 "さくらが満開です。", "", "さくらが満開"),
    # a three-character name is taken as a one-character family name and a given
    # name (王小芳, 김민준): a Japanese two-kanji family name alone stays
    "japanese family name of a three-kanji name": ([("田中健", "t@example.jp"), ("さくら", "s@example.jp")],
                                                  "田中さん、ありがとう。", "田中", "さん、ありがとう"),
    "vietnamese name that opens a sentence as a word": (
        [("Trần Văn Minh", "m@example.vn"), ("Lan", "l@example.vn")],
        "Bài viết hay. Minh họa trong bài rất đẹp.", "", "Minh họa"),
}


@pytest.mark.parametrize("gap", list(GAPS))
@pytest.mark.xfail(strict=True, reason="a known gap of the name rules (see GAPS)")
def test_known_gaps(gap):
    people, body, gone, stays = GAPS[gap]
    (out,) = _scrub_thread(people, [body])
    assert (not gone or gone not in out) and stays in out, out
