"""Topic tagging: the shipped taxonomy's traps, matching mechanics and validation."""

# Arabic headlines are intended, not look-alikes of Latin letters.

import re

import pandas as pd
import pytest

from helpers import REPO, SHARED
from tickerhouse.transforms.textfold import fold_text
from tickerhouse.transforms.topics import Taxonomy, load_taxonomy, tag_text, tag_texts, vetoed_topics

SEED = SHARED / "seeds" / "000_46a3b748499c8f06.txt"
REQUIRED_SLUGS = {
    "defense", "football", "sports", "economy", "politics", "international", "society",
    "justice", "security", "health", "culture", "religion", "weather", "technology", "environment",
}  # fmt: skip


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy((REPO / "data" / "topics.toml").read_text(encoding="utf-8"))


def topics_of(text: str, taxonomy: Taxonomy, language: str | None = None) -> list[str]:
    return [m.topic for m in tag_text(text, taxonomy, language)]


# ---------------------------------------------------------------- the shipped taxonomy


def test_shipped_taxonomy_has_required_slugs_with_terms_in_three_languages(taxonomy):
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d{2}\.\d+", taxonomy.version)
    assert REQUIRED_SLUGS <= set(taxonomy.slugs)
    for topic in taxonomy.topics:
        assert all(topic.terms[lang] for lang in ("fr", "ar", "en")), topic.slug
    assert next(t for t in taxonomy.topics if t.slug == "football").parent == "sports"


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # the AS FAR club under a Botola rubric is football, not the army
        ("Botola : L'AS FAR bat le Hassania d'Agadir", {"football", "sports"}, {"defense"}),
        # club name without rubric
        ("Le FAR Rabat enchaîne une troisième victoire", {"football"}, {"defense"}),
        # the army's full name
        ("Les Forces Armées Royales célèbrent leur anniversaire", {"defense"}, set()),
        # "les FAR" next to military words
        ("Les FAR mènent des manœuvres dans le Sud", {"defense"}, {"football"}),
        ("Exercice conjoint : les FAR et l'armée française", {"defense"}, {"football"}),
        ("L'inspecteur général des FAR reçoit son homologue", {"defense"}, {"football"}),
        # "sa défense" / "la défense centrale" in a match report
        ("Le Wydad s'impose grâce à sa défense, l'attaquant a marqué", {"football"}, {"defense"}),
        ("Raja : la défense centrale a cédé en fin de match", {"football"}, {"defense"}),
        # defending rights is not the military
        ("Défense des droits des femmes : une marche à Rabat", {"society"}, {"defense"}),
        # police and gendarmerie work is security
        ("Le BCIJ démantèle une cellule liée à Daech", {"security"}, {"defense"}),
        ("La DGSN dément les rumeurs d'enlèvement", {"security"}, {"defense"}),
        ("Deux morts dans un accident de la route près de Settat", {"security"}, {"defense"}),
        ("La gendarmerie saisit deux tonnes de chira", {"security"}, {"defense"}),
        # arms sales and exercises are defense without the word défense
        ("Les Etats-Unis approuvent la vente d'armements au Maroc", {"defense"}, set()),
        ("Washington approuve des missiles air-air pour Rabat", {"defense"}, set()),
        ("African Lion 2025 : coup d'envoi à Agadir", {"defense"}, set()),
        ("Début des manœuvres militaires conjointes", {"defense"}, set()),
        # Arabic: the football club الجيش الملكي beside football words
        ("الجيش الملكي يفوز في مباراة البطولة", {"football", "sports"}, {"defense"}),
        ("هدف قاتل يمنح الجيش الملكي صدارة الدوري", {"football"}, {"defense"}),
        # Arabic: the armed forces
        ("القوات المسلحة الملكية تنظم مناورات عسكرية", {"defense"}, {"football"}),
        ("الجيش يعزز قدراته الجوية", {"defense"}, {"football"}),
        # Arabic: defending rights
        ("جمعية للدفاع عن حقوق النساء تطالب بالمساواة", {"society"}, {"defense"}),
        # Arabic: national security and gendarmerie
        ("المديرية العامة للأمن الوطني توقف مشتبها به", {"security"}, {"defense"}),
        ("الدرك الملكي يحجز كمية من المخدرات", {"security"}, {"defense"}),
        # Arabic: arms deal, manoeuvres
        ("صفقة أسلحة أمريكية جديدة للمغرب", {"defense"}, set()),
        ("انطلاق مناورات عسكرية مشتركة", {"defense"}, set()),
        # Arabic: دفاع in a match report
        ("أخطاء الدفاع تكلف الفريق المباراة", {"football"}, {"defense"}),
        ("مدرب الدفاع الجديدي: هدفنا تصدر المجموعة", {"football"}, {"defense"}),
        # another ball sport vetoes football, a football club's section included; sports stays
        ("الزمالك يتوج بكأس مصر للكرة الطائرة", {"sports"}, {"football"}),
        ("الأهلي يتوج بلقب دوري أبطال إفريقيا لكرة اليد", {"sports"}, {"football"}),
        ("Le Zamalek sacré champion d'Afrique de handball", {"sports"}, {"football"}),
        ("الأهلي يفوز على الزمالك في دوري السلة", set(), {"football", "health"}),
        # false friends: an inflection of a term that is another word
        ("على كافة المواطنين التسجيل قبل نهاية الشهر", set(), {"football"}),  # كافة "all", not الكاف
        ("الحكومة تعتبر الميزانية غير كافية", {"economy"}, {"football"}),  # كافية "sufficient"
        ("Le Défenseur des droits alerte sur les contrôles d'identité", set(), {"football"}),
        ("L'attaquant au couteau a été interpellé par la police", {"security"}, {"football"}),
        ("L'Iran renforce son arsenal de missiles balistiques", {"defense"}, {"football"}),
        ("Arsenal bat Chelsea en Premier League", {"football"}, set()),
        ("المدير الفني للمنتخب يعلن القائمة", set(), {"culture"}),  # الفني "technical"
        ("ارتفاع الدين العام إلى 70 في المائة", set(), {"religion"}),  # the public debt
        ("نور الدين بوشحدة يحاضر في الاقتصاد", {"economy"}, {"religion"}),  # a first name
        ("مباراة حماسية بين الفريقين", {"sports"}, {"international"}),  # "enthusiastic", not Hamas
        ("Un officier de police tué à Bamako", {"security"}, {"defense"}),
        # the weapon of a crime report, a fire station, a cable; a match report's "rockets" and clashes
        ("Agression à l'arme blanche dans un quartier de Fès", {"security"}, {"defense"}),
        ("توقيف شخص هاجم مواطنين بالسلاح الأبيض", {"security"}, {"defense"}),
        ("La caserne des pompiers de Kénitra inaugurée", set(), {"defense"}),
        ("Un câble sous-marin relie le Maroc au Portugal", set(), {"defense"}),
        ("L'état-major du Wydad réuni après la défaite", {"football"}, {"defense"}),
        ("الوداد يفوز بقذيفة صاروخية من زياش", {"football"}, {"defense"}),
        ("اشتباكات بين الجماهير بعد مباراة الديربي", {"sports"}, {"defense"}),
        ("الحوثيون يطلقون صواريخ على سفينة في البحر الأحمر", {"defense"}, set()),
        ("L'état-major des FAR reçoit une délégation américaine", {"defense"}, set()),
        # the assailant is not a striker; other sports' championships are not football
        ("توقيف المهاجم الذي طعن شرطيا بسكين", {"security"}, {"football"}),
        ("مهاجم الوداد يغيب عن الديربي", {"football"}, set()),
        ("Coupe du monde de rugby: le Maroc qualifié", {"sports"}, {"football"}),
        ("البطولة الوطنية لألعاب القوى بالرباط", {"sports"}, {"football"}),  # ل + ألعاب
        ("Tensions dans le golfe Persique", set(), {"sports"}),
        # the Saudi National Guard is an army, Tunisia's a gendarmerie at its borders
        ("وزير الحرس الوطني يستقبل قائد القوات البرية", {"defense"}, set()),
        ("الحرس الوطني يحبط محاولة اجتياز الحدود البحرية خلسة", set(), {"defense"}),
        # a war's reporting without the army's words; a campaign's troops and weapons are politics
        ("Marioupol sous les bombes, les civils se terrent dans les caves", {"defense"}, set()),
        ("استشهاد ثلاثة فلسطينيين برصاص الاحتلال في جنين", {"defense"}, set()),
        ("انفجار لغم أرضي يودي بحياة رعاة في الصحراء", {"defense"}, set()),
        ("L'ONU enquête sur des crimes de guerre présumés au Soudan", {"defense"}, set()),
        ("Le candidat galvanise ses troupes avant le second tour", set(), {"defense"}),
        ("Passe d'armes entre le gouvernement et l'opposition sur le budget", set(), {"defense"}),
        ("Tournoi des Six Nations : les Bleus font le break avant la pause", {"sports"}, {"football"}),
        ("L'ultra-droite manifeste à Paris", set(), {"football"}),
        ("Les ultras du Raja interdits de stade", {"football"}, set()),
        # a stage, the Journal officiel, a regional power, unsung heroes are no sport and no army
        ("À ce stade, aucune piste n'est écartée par les enquêteurs", set(), {"sports"}),
        ("Le décret publié au JO entre en vigueur lundi", set(), {"sports"}),
        ("تركيا لاعب إقليمي لا يمكن تجاهله", set(), {"sports"}),
        ("جنود الخفاء في المستشفيات يواصلون العمل", {"health"}, {"defense"}),
        ("JO 2024 : trois médailles pour le Maroc", {"sports"}, set()),
    ],
)
def test_traps(taxonomy, text, present, absent):
    found = set(topics_of(text, taxonomy))
    assert present <= found
    assert not absent & found


def test_exclusion_vetoes_only_the_term_inside_it(taxonomy):
    # "légitime défense" is excluded, the ministry later in the text still counts
    text = "Il invoque la légitime défense. Le ministère de la défense dément"
    match = next(m for m in tag_text(text, taxonomy) if m.topic == "defense")
    assert match.terms[0] == "ministère de la défense"
    assert "defense" not in topics_of("Il invoque la légitime défense", taxonomy)


def test_a_false_friend_hides_the_term_inside_it_and_a_veto_the_topic_everywhere():
    taxonomy = load_taxonomy(
        MINI.replace(
            'exclude = ["bras armé"]', 'false_friends = ["armée du salut"]\nvetoed_by = ["jeu vidéo"]'
        )
    )
    assert topics_of("l'Armée du salut distribue des repas", taxonomy) == []
    assert topics_of("l'Armée du salut remercie un militaire", taxonomy) == ["army"]  # another term counts
    assert topics_of("un militaire de jeu vidéo", taxonomy) == []  # vetoed, wherever the term is
    rows = pd.DataFrame({"text": ["l'Armée du salut", "un jeu vidéo", "le bras armé"]})["text"]
    # a false friend says nothing of the topic: only a veto (or an exclude phrase) vetoes the model
    assert vetoed_topics(rows, taxonomy)["row"].tolist() == [1]


def test_football_implies_sports_after_it(taxonomy):
    matches = tag_text("Foot. Yann Bisseck intéresse deux grands clubs anglais", taxonomy)
    assert [m.topic for m in matches][:2] == ["football", "sports"]
    assert matches[0].via == "rubric"
    assert matches[0].terms[0] == "Foot."
    # sports is reached through its child even when no sports word is in the headline
    assert tag_text("Botola : le Raja bat le Wydad", taxonomy)[1].via == "parent:football"


def test_multi_label_headline(taxonomy):
    found = topics_of("Etats-Unis : 88 M$ de missiles air-air pour le Maroc approuvés", taxonomy)
    assert {"defense", "international"} <= set(found)
    # taxonomy order: defense is listed before international
    assert found.index("defense") < found.index("international")


@pytest.mark.parametrize(
    "variants",
    [
        # accents and case
        ["Les Forces Armées Royales", "LES FORCES ARMEES ROYALES", "les forces armees royales"],
        # curly, modifier and acute apostrophes
        ["Vente d'armements au Maroc", "Vente d’armements au Maroc", "Vente dʼarmements au Maroc",
         "Vente d´armements au Maroc"],
        # hamza forms, taa marbuta / haa, alef maqsura
        ["القوات المسلحة الملكية تنظم مناورات", "القوات المسلحه الملكيه تنظم مناورات"],
        ["صفقة أسلحة إسرائيلية", "صفقه اسلحه اسرائيليه"],
        # tatweel and diacritics
        ["الـجـيـش يـعـزز قـدراتـه", "الجَيْشُ يُعَزِّزُ قُدُرَاتِهِ", "الجيش يعزز قدراته"],
        # NBSP and doubled spaces
        ["Botola\u00a0: L'AS FAR bat le Hassania", "Botola :  L'AS   FAR bat le Hassania"],
    ],
)  # fmt: skip
def test_spelling_variants_get_the_same_topics(taxonomy, variants):
    tagged = [topics_of(v, taxonomy) for v in variants]
    assert tagged[0]
    assert all(t == tagged[0] for t in tagged[1:])


def test_fold_text_normalizes_spelling():
    assert fold_text("Forces  Armées\u00a0Royales") == "forces armees royales"
    assert fold_text("L’ŒUVRE") == "l'oeuvre"
    assert fold_text("أإآٱ ؤ ئ ى ة ـ") == "اااا و ي ي ه"
    # line breaks survive, so a rubric on the second line is still at a line start
    assert fold_text("Titre\n\n  Défense : x") == "titre\ndefense : x"


@pytest.mark.parametrize(
    ("text", "topic", "expected"),
    [
        # FAR must not fire inside Farouk
        ("Le général Belkhir El Farouk en visite", "football", False),
        # "art" must not fire inside partenariat
        ("Un partenariat stratégique signé", "culture", False),
        ("L'art contemporain à Rabat", "culture", True),
        # acronym followed by its edition number
        ("COP29 : les négociations piétinent", "environment", True),
        # "foi" would not be a topic word; "fois" and "foie" never reach religion
        ("Pour la première fois, une greffe de foie", "religion", False),
    ],
)
def test_word_boundaries(taxonomy, text, topic, expected):
    assert (topic in topics_of(text, taxonomy)) is expected


MINI = """
version = "2024.01.01.1"

[army]
label = "Army"
fr = ["militaire", "armé", "footbal*", "réseau social"]
ar = ["الجيش", "عسكري", "مناورة"]
en = ["army"]
rubrics = ["Armée :"]
exclude = ["bras armé"]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("un militaire", True),  # as written
        ("des militaires", True),  # plural
        ("un conflit armé", True),  # as written, accent folded
        ("l'armée", True),  # feminine
        ("les armées", True),  # feminine plural
        ("le bras armé du parti", False),  # excluded phrase
        ("le footballeur", True),  # prefix term
        ("le footing", False),  # the prefix is footbal, not foot
        ("les réseaux sociaux", True),  # -eau and -al plurals in a two-word term
        ("والجيش", True),  # conjunction + article clitics
        ("بالجيش", True),  # preposition + article
        ("للجيش", True),  # ل + ال contracted
        ("العسكريين", True),  # article + plural ending
        ("عسكرية", True),  # nisba feminine, taa marbuta
        ("مناورات", True),  # taa marbuta word in the plural
        ("المناورة", True),  # taa marbuta word with the article
        ("armies", True),  # English y -> ies
        ("Armée : rien d'autre", True),  # rubric
        ("armistice", False),  # no match inside a longer word
    ],
)
def test_inflection_and_clitics(text, expected):
    mini = load_taxonomy(MINI)
    assert bool(tag_text(text, mini)) is expected


def test_language_restricts_terms_to_that_edition():
    mini = load_taxonomy(MINI)
    assert tag_text("army", mini, "en")
    assert not tag_text("army", mini, "fr")
    with pytest.raises(ValueError, match="language"):
        tag_text("army", mini, "xx")


@pytest.mark.parametrize(
    ("toml_text", "message"),
    [
        # parent that does not exist
        (
            MINI.replace('label = "Army"', 'label = "Army"\nparent = "navy"'),
            "'army'.*unknown parent",
        ),
        # two topics pointing at each other
        (
            MINI.replace('label = "Army"', 'label = "Army"\nparent = "navy"')
            + '[navy]\nlabel = "Navy"\nparent = "army"\nfr = ["x"]\nar = ["س"]\nen = ["x"]\n',
            "loops",
        ),
        # a topic with no Arabic terms
        (MINI.replace('ar = ["الجيش", "عسكري", "مناورة"]', "ar = []"), "'army'.*ar"),
        # a topic missing its English list altogether
        (MINI.replace('en = ["army"]', ""), "'army'.*en"),
        # a misspelt key is caught rather than ignored
        (MINI.replace("exclude", "exclued"), "'army'.*unknown keys"),
        # a context rule with no condition
        (MINI + '[[army.context]]\nfr = ["FAR"]\n', "'army'.*requires_any or unless_any"),
        # version not in YYYY.MM.DD.N
        (MINI.replace("2024.01.01.1", "v1"), "version"),
    ],
)
def test_taxonomy_validation_names_the_problem(toml_text, message):
    with pytest.raises(ValueError, match=message):
        load_taxonomy(toml_text)


def test_tag_texts_long_format_keeps_input_labels(taxonomy):
    texts = pd.Series(
        [
            "Botola : L'AS FAR bat le Hassania d'Agadir",
            "Contre l'oubli",
            None,
            "Botola : L'AS FAR bat le Hassania d'Agadir",
        ],
        index=["a", "b", "c", "d"],
    )
    tags = tag_texts(texts, taxonomy)
    assert list(tags.columns) == ["row", "topic", "matched_terms", "via"]
    # the untagged and missing texts have no rows; the duplicate gets the same rows
    assert tags.groupby("row")["topic"].apply(list).to_dict() == {
        "a": ["football", "sports"],
        "d": ["football", "sports"],
    }
    first = tags.iloc[0]
    assert first["via"] == "rubric"
    assert "AS FAR" in first["matched_terms"]
    assert tag_texts(texts.iloc[1:3], taxonomy).empty


def test_tag_texts_languages_must_align(taxonomy):
    texts = pd.Series(["army"], index=[7])
    assert tag_texts(texts, taxonomy, pd.Series(["fr"], index=[7])).empty
    assert tag_texts(texts, taxonomy, pd.Series(["en"], index=[7]))["topic"].tolist() == ["defense"]
    with pytest.raises(ValueError, match="index"):
        tag_texts(texts, taxonomy, pd.Series(["fr"], index=[8]))


# ---------------------------------------------------------------- real data in ../shared


@pytest.fixture(scope="module")
def seed_ticker() -> list[str]:
    if not SEED.exists():
        pytest.skip("../shared is absent")
    line = SEED.read_text(encoding="utf-8").splitlines()[0]
    return [h for h in re.split(r"[\s\u00a0]{2,}", line) if h.strip()]


@pytest.mark.parametrize(
    ("start", "present", "absent"),
    [
        ("Botola : L'AS FAR bat", {"football", "sports"}, {"defense"}),
        ("Sahel : Le Maroc renforce ses liens militaires", {"defense"}, set()),
        ("Casablanca : Un automobiliste arrêté", {"security"}, {"defense"}),
        ("Etats-Unis : 88 M$ de missiles", {"defense", "international"}, set()),
        ("Les Etats-Unis approuvent la vente d'armements", {"defense"}, set()),
        ("U.S. approves $88.37 million sale", {"defense"}, set()),
        ("Températures prévues", {"weather"}, set()),
        ("Justice. Clôture", {"justice"}, set()),
        ("Musique : Les notes jazz", {"culture"}, set()),
        ("Aquaculture. 300 MDH", {"economy"}, set()),
        ("Karting : Le Maroc deuxième", {"sports"}, {"football"}),
        ("Maroc : Les explications du coran", {"religion"}, set()),
        ("PL : Un festival de buts", {"football"}, {"culture"}),
    ],
)
def test_seed_ticker_headlines(taxonomy, seed_ticker, start, present, absent):
    headline = next(h for h in seed_ticker if h.startswith(start))
    found = set(topics_of(headline, taxonomy))
    assert present <= found
    assert not absent & found
