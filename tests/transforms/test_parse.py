"""Segmenting the real seed dump line by line, its damaged variants, and the real Arabic ticker."""

import codecs
import csv
import random

import pytest

from tickerhouse.transforms.parse import (
    BLANK,
    BOILERPLATE,
    BYLINE,
    CAPTION,
    FOOTER,
    PARAGRAPH,
    TICKER,
    TITLE,
    parse_dump,
    parse_text,
    split_ticker,
)
from tickerhouse.transforms.site import EDITIONS

NBSP4 = "\u00a0" * 4

# The seed's ticker as read by eye from line 1 of the file (entries 34 and 41 are the same story).
SEED_TICKER = (
    "Le Maroc annonce un partenariat stratégique pour renforcer le secteur de l'eau avec un investissement de 11 milliards de dirhams",  # noqa: E501
    "Canada: L'Ontario affiche le taux de rétention le plus élevé des nouveaux immigrants",
    "Contre l'oubli: Une année 2025 pour une mémoire revisitée",
    "Gabon. La nouvelle Constitution officiellement promulguée",
    "À Rabat, des proches des otages israéliens à Gaza interpellent l'Internationale socialiste pour une action humanitaire urgente",  # noqa: E501
    "Aquaculture. 300 MDH pour booster le secteur en 2025",
    "Liquidité bancaire : une fin d'année sous le signe du creusement",
    "Soumission aux marchés de Bank Al-Maghrib : le format électronique obligatoire à compter du 1er janvier 2025",  # noqa: E501
    "Les Marocains face au défi des déchets plastiques",
    "Cours des devises du lundi 23 décembre 2024",
    "2,5 milliards d'Africains en 2050",
    "Etats-Unis : 88 M$ de missiles air-air pour le Maroc approuvés",
    "Le Grand Mufti d'Al-Qods salue le soutien du Maroc, sous le leadership de SM le Roi, au peuple palestinien",  # noqa: E501
    "Mobilisation des équipes de l'ONU au Vanuatu frappé par un second séisme",
    "Automne 2024, l'un des plus chauds jamais enregistrés au Maroc",
    "Honda et Nissan en discussions pour une fusion historique",
    "Maroc : Les explications du coran seront traduites vers l'amazigh",
    "Sahel : Le Maroc renforce ses liens militaires avec le Burkina Faso",
    "Karting : Le Maroc deuxième de la MENA Nations Cup au Qatar",
    "Foot. Yann Bisseck intéresse deux grands clubs anglais",
    "Coupe de France : Face à Ayoub El Aynaoui, le PSG d'Achraf Hakimi qualifié aux tirs au but",
    "Casablanca : Un automobiliste arrêté pour avoir percuté un restaurant de fast-food",
    "Justice. Clôture de la 10ème Session ordinaire du Comité technique spécialisé de l'UA",
    "Programme Riaya : Plus de 500 bénéficiaires d'une caravane médicale à Boulemane",
    "Ce que le récit orienté de «l'historien» Ali Lmrabet tait",
    "Rabat : l'ONP tient son conseil d'administration et annonce un référentiel national pour renforcer la traçabilité et la qualité des produits halieutiques",  # noqa: E501
    "Températures prévues pour le mardi 24 décembre 2024",
    "U.S. approves $88.37 million sale of Advanced Air-to-Air Missiles to Morocco",
    "Oscars 2025. L'Afrique en lice",
    "Recettes fiscales : croissance à deux chiffre en novembre",
    "Loi de finances 2025 : les grandes mesures à la loupe",
    "Maroc-UE, une étape charnière d'un partenariat stratégique de référence",
    "L'axe Rabat-Paris en 2024 : une dynamique nouvelle et un avenir porteur de grands desseins",
    "Funérailles à Casablanca de l'acteur feu Mohamed El Khalfi",
    "Le grand mufti d'Al-Qods salue le soutien du Maroc au peuple palestinien",
    "Karim El Aynaoui : «Pour relever les défis actuels, les pays en développement doivent adopter une approche globale et multidimensionnelle»",  # noqa: E501
    "Fin de la deuxième édition du Salon international du livre de l'enfant et de la jeunesse 2024",
    "PL : Un festival de buts lors de Tottenham-Liverpool !",
    "Liga : Le Real met la pression sur l'Atlético",
    "Botola : L'AS FAR bat le Hassania d'Agadir",
    "Funérailles à Casablanca de l'acteur feu Mohamed El Khalfi",
    "Botola : Le Raja Casablanca bat le Chabab Mohammedia",
    "Les Etats-Unis approuvent la vente d'armements au Maroc d'une valeur de 86 millions de dollars... Des armes de précision de dernière génération",  # noqa: E501
    "Selon le New York Times, «le Maroc a bien saisi que le football, au-delà d'un simple jeu, constitue un levier stratégique de développement économique et diplomatique»",  # noqa: E501
    "MAGAZINE : Nour-Eddine Saïl, un hommage en contreplongée",
    "Musique : Les notes jazz de l'arganier",
    "Exposition : Yamou paysagiste de l'essentiel",
    "L'acteur marocain Mohamed El Khalfi n'est plus",
)

SEED_TITLE = "Défense : Israël et le Maroc signent un mémorandum d'entente historique"
SEED_CAPTIONS = (
    "Benny Gantz et Abdellatif Loudiyi",
    "Loudiyi et Gantz",
    "Benny Gantz et le Général de Corps d'armée Belkhir El Farouk",
)
# One label per line of the seed: ticker, 7 blank, the widget (2), 3 blank, title, byline, blank,
# paragraphs with a caption after three of them (the last one closes the body), 2 blank, footer.
SEED_LABELS = (
    (TICKER,) + (BLANK,) * 7 + (BOILERPLATE,) * 2 + (BLANK,) * 3 + (TITLE, BYLINE, BLANK)
    + (PARAGRAPH, PARAGRAPH, CAPTION, PARAGRAPH, CAPTION, PARAGRAPH, CAPTION)
    + (BLANK, BLANK, FOOTER)
)  # fmt: skip


@pytest.fixture(scope="module")
def seed_text(seed_bytes: bytes) -> str:
    return seed_bytes.decode("utf-8")


def _assert_reads_as_the_seed(parsed, labels=SEED_LABELS):
    assert parsed.usable and parsed.reject_reason is None
    assert parsed.ticker == SEED_TICKER
    assert parsed.labels == labels
    article = parsed.article
    assert article.title == SEED_TITLE
    assert (article.source_raw, article.date_raw, article.edition) == ("Hespress", "24 - 11 - 2021", "fr")
    assert article.captions == SEED_CAPTIONS
    assert len(article.paragraphs) == 4
    assert article.paragraphs[0].startswith("Le ministre de la défense d'Israël, Benny Gantz")
    assert article.paragraphs[-1].startswith("Benny Gantz a par la suite rencontré l'inspecteur général")


def test_seed_is_read_line_by_line(seed_bytes, seed_text):
    parsed = parse_dump(seed_bytes)
    _assert_reads_as_the_seed(parsed)
    assert len(parsed.labels) == len(seed_text.split("\n"))
    # Byte for byte: the headlines, each followed by 4 NBSP, rebuild line 1 exactly.
    assert "".join(h + NBSP4 for h in parsed.ticker) == seed_text.split("\n")[0]
    assert parsed.ticker.count("Funérailles à Casablanca de l'acteur feu Mohamed El Khalfi") == 2
    assert parsed.ticker.index("Funérailles à Casablanca de l'acteur feu Mohamed El Khalfi") == 33


def _mojibake(text: str) -> bytes:
    return text.encode("utf-8").decode("latin-1").encode("utf-8")


@pytest.mark.parametrize(
    ("make", "repair"),
    [
        (lambda t: codecs.BOM_UTF8 + t.encode(), "utf8_bom_stripped"),  # BOM
        (lambda t: t.encode("cp1252"), None),  # Windows-1252
        (_mojibake, "mojibake_repaired"),  # `PubliÃ© dans`
        (lambda t: t.encode() + "é".encode()[:1], "truncated_multibyte_tail_dropped"),  # cut mid-character
        (lambda t: t.replace("\n", "\r\n").encode(), None),  # CRLF
        (lambda t: t.encode().replace(b"Hespress", b"Hespress\x00", 1), "nul_bytes_removed_1"),  # a NUL
    ],
    ids=["bom", "cp1252", "mojibake", "truncated", "crlf", "nul"],
)
def test_variants_read_exactly_as_the_seed(seed_text, make, repair):
    parsed = parse_dump(make(seed_text))
    _assert_reads_as_the_seed(parsed)
    assert repair is None or repair in parsed.repairs


def test_invalid_utf8_in_the_byline_line_still_gives_the_article(seed_text):
    data = b"\n".join(
        line.encode("cp1252") + b"\x81" if line.startswith("Publié") else line.encode()
        for line in seed_text.split("\n")
    )
    parsed = parse_dump(data)
    assert parsed.encoding == "mixed"
    assert parsed.ticker == SEED_TICKER
    assert parsed.article.source_raw == "Hespress"
    assert parsed.article.date_raw.startswith("24 - 11 - 2021")


def test_zero_filled_tail_inside_the_ticker_drops_the_cut_headline(seed_text):
    data = seed_text.encode()
    cut = data.index(b"Coupe de France") + 8  # mid-headline 21
    parsed = parse_dump(data[:cut] + b"\x00" * (len(data) - cut))
    assert parsed.ticker == SEED_TICKER[:20]
    assert parsed.article is None and parsed.usable
    assert "cut_off_ticker_entry_dropped" in parsed.repairs


def test_zero_filled_tail_on_a_separator_keeps_every_complete_headline(seed_text):
    data = seed_text.encode()
    cut = data.index(b"Coupe de France")  # right after headline 20's separator
    parsed = parse_dump(data[:cut] + b"\x00" * 500)
    assert parsed.ticker == SEED_TICKER[:20]
    assert "cut_off_ticker_entry_dropped" not in parsed.repairs


def test_saved_html_page_is_read_as_the_dump(seed_text):
    lines = seed_text.split("\n")
    anchors = "".join(
        f'<a href="/hespressfr/{i}">{h}</a>&nbsp;&nbsp;&nbsp;&nbsp;' for i, h in enumerate(SEED_TICKER)
    )
    widget = " ".join(lines[8:10])  # the two widget sentences in one element, as on the page
    paragraphs = "".join(f"<p>{line}</p>" for line in lines[16:23])
    page = (
        f"<!DOCTYPE html><html><body><marquee>{anchors}</marquee><div class='report'>{widget}</div>"
        f"<article><h1>{lines[13]}</h1><p>{lines[14]}</p>{paragraphs}"
        f"<p><a href='#'>{lines[-1]}</a></p></article></body></html>"
    )
    parsed = parse_dump(page.encode())
    labels = (TICKER, BOILERPLATE, TITLE, BYLINE, *SEED_LABELS[16:23], FOOTER)
    _assert_reads_as_the_seed(parsed, labels)
    assert "html_page_converted" in parsed.repairs


def test_ticker_only_dump(seed_text):
    parsed = parse_dump(seed_text.split("\n")[0].encode())
    assert parsed.usable and parsed.ticker == SEED_TICKER and parsed.article is None
    assert parsed.labels == (TICKER,)


@pytest.mark.parametrize("first", [1, 8], ids=["blank_first_line", "widget_first_line"])
def test_article_only_dump(seed_text, first):
    parsed = parse_dump("\n".join(seed_text.split("\n")[first:]).encode())
    assert parsed.usable and parsed.ticker == ()
    assert parsed.article.title == SEED_TITLE
    assert parsed.labels == SEED_LABELS[first:]


NEITHER = "no ticker and no article"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        # widget and footer with nothing between them
        (lambda t: "\n".join([*t.split("\n")[8:10], "", "", t.split("\n")[-1]]), NEITHER),
        # the article without its byline: no way to tell a title from a paragraph
        (lambda t: "\n".join(t.split("\n")[1:14] + t.split("\n")[15:]), NEITHER),
        # a single headline with no separator is just a line of text
        (lambda t: "Gabon. La nouvelle Constitution officiellement promulguée", NEITHER),
        (lambda t: "", "empty file"),
        (lambda t: " \n\t\n", "whitespace only"),
        (lambda t: ("\u00a0" * 40 + "\n") * 5, "whitespace only"),  # NBSP-only: an empty ticker
        (lambda t: "\x00" * 64, "whitespace only"),  # nothing but a zero-filled block
    ],
    ids=["widget_and_footer", "no_byline", "one_line", "empty", "whitespace", "nbsp", "nul_only"],
)
def test_unusable_dumps_are_rejected_with_the_specific_reason(seed_text, make, reason):
    parsed = parse_dump(make(seed_text).encode())
    assert not parsed.usable
    assert parsed.reject_reason.startswith(reason + ":")
    assert parsed.ticker == () and parsed.article is None


def test_random_bytes_are_rejected_as_binary():
    parsed = parse_dump(random.Random(7).randbytes(4000))
    assert not parsed.usable and parsed.reject_reason.startswith("binary content:")


def test_widget_and_footer_lines_are_labelled_not_kept_as_body(seed_text):
    parsed = parse_dump(seed_text.encode())
    body = " ".join(parsed.article.paragraphs + parsed.article.captions)
    assert "Merci d'avoir" not in body and "Cliquez ici" not in body


def test_caption_first_and_last_in_the_body(seed_text):
    lines = seed_text.split("\n")
    # a caption right after the byline's blank line, and the seed's own last-line caption
    text = "\n".join([*lines[:16], "Photo d'archives", *lines[16:]])
    labels, _, article = parse_text(text)
    assert labels[16] == CAPTION and labels[23] == CAPTION
    assert article.captions == ("Photo d'archives", *SEED_CAPTIONS)
    assert len(article.paragraphs) == 4


@pytest.mark.parametrize(
    ("line", "is_caption"),
    [
        ("Loudiyi et Gantz", True),  # short, no final punctuation
        ("Le Maroc et Israël ont signé un accord.", False),  # a sentence: a one-line paragraph
        ("Selon lui, « c'est historique »", False),  # closing guillemet ends a quote
        ("x" * 161, False),  # longer than any caption on the site
        ("وزير الدفاع الإسرائيلي في الرباط", True),  # Arabic caption
        ("ووقع البلدان مذكرة تفاهم؟", False),  # Arabic question mark
    ],
)
def test_caption_or_paragraph(seed_text, line, is_caption):
    lines = seed_text.split("\n")
    labels, _, _ = parse_text("\n".join([*lines[:17], line, *lines[17:]]))
    assert labels[17] == (CAPTION if is_caption else PARAGRAPH)


def test_real_arabic_ticker_splits_into_the_marquee_headlines(shared_dir):
    folder = shared_dir / "fixtures" / "maghress_ar_ticker_2018-03-22"
    line = (folder / "marquee_visible_text.txt").read_text(encoding="utf-8").rstrip("\n")
    with open(folder / "marquee.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == 58 and sum(not r["headline"] for r in rows) == 2
    expected = [r["headline"] for r in rows if r["headline"]]
    assert list(split_ticker(line)) == expected
    parsed = parse_dump((line + "\n").encode())
    assert parsed.labels[0] == TICKER and list(parsed.ticker) == expected


def _dump(byline: str, edition: str = "fr") -> str:
    ed = EDITIONS[edition]
    ticker = "Titre un" + NBSP4 + "Titre deux" + NBSP4
    body = "Un paragraphe assez long pour ne pas être une légende, avec un point final."
    return "\n".join([ticker, "", *ed.widget, "", "Le titre", byline, "", body, "", ed.footer])


@pytest.mark.parametrize(
    ("byline", "outlet", "date_raw", "edition"),
    [
        ("Publié dans Hespress le 24 - 11 - 2021", "Hespress", "24 - 11 - 2021", "fr"),  # the seed's
        # " le " inside the outlet name
        (
            "Publié dans Aujourd'hui le Maroc le 24 - 11 - 2021",
            "Aujourd'hui le Maroc",
            "24 - 11 - 2021",
            "fr",
        ),
        ("Publié dans L’Opinion le 03 - 01 - 2024", "L’Opinion", "03 - 01 - 2024", "fr"),  # curly apostrophe
        ("Publié dans Le Matin le 5 décembre 2024", "Le Matin", "5 décembre 2024", "fr"),  # month name
        ("Publié dans  Le360   le 01/02/2024 ", "Le360", "01/02/2024", "fr"),  # stray spaces
        ("Publié dans Yabiladi", "Yabiladi", None, "fr"),  # no date at all
        ("Publie dans Le Desk le 01 - 02 - 2024", "Le Desk", "01 - 02 - 2024", "fr"),  # accent dropped
        ("Publiée dans Le Desk le 01 - 02 - 2024", "Le Desk", "01 - 02 - 2024", "fr"),  # feminine
        ("PUBLIÉ DANS Le Desk LE 01 - 02 - 2024", "Le Desk", "01 - 02 - 2024", "fr"),  # capitals
        ("Publié\u00a0 dans Le Desk le 01 - 02 - 2024", "Le Desk", "01 - 02 - 2024", "fr"),  # NBSP run
        ("نشر في هسبريس يوم 24 - 11 - 2021", "هسبريس", "24 - 11 - 2021", "ar"),  # Arabic edition
        ("نشر في اليوم 24 يوم ٢٤ - ١١ - ٢٠٢١", "اليوم 24", "٢٤ - ١١ - ٢٠٢١", "ar"),  # Indic digits
    ],
)
def test_byline_grammar(byline, outlet, date_raw, edition):
    parsed = parse_dump(_dump(byline, edition).encode())
    assert parsed.article.source_raw == outlet
    assert parsed.article.date_raw == date_raw
    assert parsed.article.edition == edition
    assert parsed.article.title == "Le titre"


@pytest.mark.parametrize("edition", ["fr", "ar"])
def test_widget_and_footer_of_each_edition_are_recognized(edition):
    # The strings the sample generator writes too (the French ones are the seed's, byte for byte).
    byline = EDITIONS[edition].byline.format(outlet="Hespress", date="24 - 11 - 2021")
    parsed = parse_dump(_dump(byline, edition).encode())
    assert parsed.labels == (TICKER, BLANK, BOILERPLATE, BOILERPLATE, BLANK, TITLE, BYLINE, BLANK,
                             PARAGRAPH, BLANK, FOOTER)  # fmt: skip
