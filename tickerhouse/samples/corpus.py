"""Deterministic synthetic corpus of Maghress page dumps, for the bundled demo and for benchmarks.

Layout, boilerplate and byline of a French dump reproduce the real seed dump byte for byte; the
Arabic edition swaps in the Arabic widget, byline and footer. Headlines come from templates written
for this module (no third-party text), published as a Poisson-ish stream whose topic mix shifts
over time (weekends, a tournament week, an arms-sale story), so day-by-day trends are visible.

Run: ``python -m tickerhouse.samples.corpus --out data/sample --dumps 400 --interval-minutes 180``.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import html
import io
import itertools
import math
import os
import random
import re
import string
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

CASABLANCA = ZoneInfo("Africa/Casablanca")
DEFAULT_START = datetime(2024, 12, 1, tzinfo=UTC)
NBSP4 = "\u00a0" * 4
_MAX_LIFETIME = 36 * 3600.0  # seconds a headline can stay on the ticker
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

BAD_KINDS: tuple[str, ...] = (
    "empty",
    "whitespace",
    "random_bytes",
    "nul_bytes",
    "bom",
    "cp1252",
    "mojibake",
    "truncated",
    "html",
    "article_only",
    "no_content",
    "duplicate",
    "empty_entries",
)
# Kinds that only make sense on Latin text: cp1252 cannot encode Arabic, and mojibake of Arabic
# hits bytes undefined in cp1252.
_FRENCH_ONLY_KINDS = frozenset({"cp1252", "mojibake"})

# --------------------------------------------------------------------------------------------
# Edition boilerplate (French strings are the seed's, byte for byte)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Edition:
    code: str
    widget: tuple[str, str]
    byline: str  # format with outlet and date
    footer: str
    headlines_per_hour: float
    ticker_size: int  # the real French ticker shows 48 entries, the real Arabic one 58


_EDITIONS = {
    "fr": _Edition(
        "fr",
        (
            "Merci d'avoir signalé!",
            "Cette image sera automatiquement bloquée après qu'elle soit signalée par plusieurs personnes.",
        ),
        "Publié dans {outlet} le {date}",
        "Cliquez ici pour lire l'article depuis sa source.",
        4.0,
        48,
    ),
    "ar": _Edition(
        "ar",
        (
            "شكرا على التبليغ!",
            "سيتم حجب هذه الصورة تلقائيا بعد أن يتم التبليغ عنها من طرف عدة أشخاص.",
        ),
        "نشر في {outlet} يوم {date}",
        "اضغط هنا لقراءة الخبر من مصدره.",
        6.0,
        54,
    ),
}

# --------------------------------------------------------------------------------------------
# Slot pools. Person names are invented combinations so no real person is put in a fake story.
# --------------------------------------------------------------------------------------------

_FR_FIRST = "Karim Nadia Youssef Salma Hamid Leila Omar Meryem Rachid Imane Mehdi Samira Tarik Houda"
_FR_LAST = (
    "Bennani|El Idrissi|Tazi|Alaoui|Berrada|Chraibi|El Fassi|Lahlou|Amrani|Benjelloun|Ouazzani|"
    "Kettani|Naciri|Zerouali"
)
_AR_FIRST = "كريم نادية يوسف سلمى حميد ليلى عمر مريم رشيد إيمان مهدي سميرة طارق هدى"
_AR_LAST = (
    "بناني|الإدريسي|التازي|العلوي|برادة|الشرايبي|الفاسي|لحلو|العمراني|بنجلون|الوزاني|الكتاني|الناصري|الزروالي"
)

_FR_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
_FR_WEEKDAYS = "lundi mardi mercredi jeudi vendredi samedi dimanche".split()
_AR_MONTHS = "يناير فبراير مارس أبريل ماي يونيو يوليوز غشت شتنبر أكتوبر نونبر دجنبر".split()
_AR_WEEKDAYS = "الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد".split()
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split("|")]


_FR_POOLS: dict[str, list[str]] = {
    "city": _split(
        "Casablanca|Rabat|Marrakech|Fès|Tanger|Agadir|Oujda|Meknès|Kénitra|Tétouan|Laâyoune|"
        "Dakhla|El Jadida|Safi|Béni Mellal|Nador|Errachidia|Ouarzazate|Khouribga|Settat"
    ),
    "region": _split(
        "Souss-Massa|l'Oriental|Drâa-Tafilalet|Béni Mellal-Khénifra|Marrakech-Safi|Fès-Meknès|"
        "Tanger-Tétouan-Al Hoceïma|Dakhla-Oued Eddahab"
    ),
    "country": _split(
        "l'Espagne|la France|les Etats-Unis|le Sénégal|la Mauritanie|le Nigeria|la Côte d'Ivoire|"
        "l'Egypte|le Qatar|les Emirats arabes unis|l'Arabie saoudite|la Chine|l'Inde|le Brésil|"
        "l'Allemagne|le Royaume-Uni|l'Italie|le Portugal|le Japon|la Corée du Sud|le Burkina Faso|"
        "le Gabon|le Rwanda|le Kenya"
    ),
    "african": _split(
        "Sénégal|Côte d'Ivoire|Egypte|Nigeria|Cameroun|Mali|Tunisie|Ghana|Zambie|RD Congo|"
        "Comores|Tanzanie|Afrique du Sud"
    ),
    # Article included and no AS FAR: AS FAR/FAR Rabat get their own templates (tagger traps).
    "club": _split(
        "le Raja Casablanca|le Wydad|la RS Berkane|le FUS Rabat|le Maghreb de Fès|"
        "le Hassania d'Agadir|le Moghreb de Tétouan|l'Ittihad de Tanger|l'Olympique de Safi|"
        "le Difaâ El Jadida|le Chabab Mohammedia|la Jeunesse Soualem|l'Union Touarga|"
        "le Kawkab Marrakech"
    ),
    "pl": _split("Liverpool|Tottenham|Arsenal|Chelsea|Manchester City|Newcastle|Aston Villa"),
    "liga": _split("Real Madrid|FC Barcelone|Atlético Madrid|Séville FC|Villarreal|Girona"),
    "league": _split("anglais|espagnols|allemands|italiens|saoudiens"),
    "weapon": _split(
        "missiles air-air AIM-9X|hélicoptères Apache|systèmes de défense aérienne|"
        "lance-roquettes HIMARS|obus d'artillerie de précision|drones de surveillance"
    ),
    "drone": _split("de surveillance|tactiques|kamikazes|de reconnaissance"),
    "exercise": _split("African Lion|Marlin|Lightning Handshake|Chergui"),
    "minister": _split(
        "le ministre de l'Intérieur|la ministre de l'Economie et des Finances|"
        "le ministre des Affaires étrangères|le ministre de l'Education nationale|"
        "le ministre de la Santé|le ministre de l'Agriculture|le ministre de l'Equipement et de "
        "l'Eau|la ministre de la Transition énergétique|le ministre de la Justice|"
        "le ministre délégué chargé de l'Administration de la Défense nationale|"
        "la ministre du Tourisme"
    ),
    "law": _split(
        "le droit de grève|la procédure pénale|les peines alternatives|l'eau|"
        "la protection sociale|les partis politiques"
    ),
    "committee": _split(
        "l'investissement|la réforme de la fonction publique|la protection sociale|l'eau potable"
    ),
    "affair": _split(
        "des marchés publics à Casablanca|un réseau de migration irrégulière|"
        "une affaire de corruption foncière|des fraudes aux subventions agricoles"
    ),
    "institution": _split(
        "le Haut-Commissariat au Plan|Bank Al-Maghrib|l'Office des changes|"
        "le ministère de l'Intérieur|la Direction générale des impôts|"
        "l'Agence marocaine de développement des investissements et des exportations"
    ),
    "weapon_en": _split(
        "Advanced Air-to-Air Missiles|Javelin Missiles|AH-64E Apache Helicopters|HIMARS Rocket Systems"
    ),
    "country_en": _split("Spain|France|Israel|Senegal|Portugal|Germany"),
}

_AR_POOLS: dict[str, list[str]] = {
    "city": _split(
        "الدار البيضاء|الرباط|مراكش|فاس|طنجة|أكادير|وجدة|مكناس|القنيطرة|تطوان|العيون|الداخلة|"
        "الجديدة|آسفي|بني ملال|الناظور|الراشيدية|ورزازات"
    ),
    "region": _split("سوس ماسة|الشرق|درعة تافيلالت|بني ملال خنيفرة|مراكش آسفي|فاس مكناس"),
    "country": _split(
        "إسبانيا|فرنسا|الولايات المتحدة|السنغال|موريتانيا|نيجيريا|مصر|قطر|الإمارات|السعودية|"
        "الصين|البرتغال|ألمانيا|بريطانيا|بوركينا فاسو|الغابون|رواندا"
    ),
    "african": _split("السنغال|مصر|نيجيريا|الكاميرون|مالي|تونس|غانا|زامبيا|جزر القمر|تنزانيا"),
    # No الجيش الملكي here: the club's templates are written out as tagger traps.
    "club": _split(
        "الرجاء الرياضي|الوداد الرياضي|نهضة بركان|الفتح الرياضي|المغرب الفاسي|حسنية أكادير|"
        "المغرب التطواني|اتحاد طنجة|أولمبيك آسفي|الدفاع الحسني الجديدي|شباب المحمدية|"
        "الكوكب المراكشي"
    ),
    "weapon": _split("صواريخ جو-جو متطورة|مروحيات أباتشي|منظومات دفاع جوي|طائرات مسيرة"),
    "minister": _split(
        "وزير الداخلية|وزير الاقتصاد والمالية|وزير الشؤون الخارجية|وزير التربية الوطنية|"
        "وزير الصحة|وزير الفلاحة|وزير العدل|وزير السياحة|"
        "الوزير المنتدب المكلف بإدارة الدفاع الوطني"
    ),
    "law": _split("الإضراب|المسطرة الجنائية|العقوبات البديلة|الماء|الحماية الاجتماعية"),
    "affair": _split("صفقات عمومية|تبديد أموال عمومية|شبكة للهجرة السرية|التلاعب في الدعم"),
    "field": _split("مكافحة الإرهاب|الهجرة|الطاقات المتجددة|الأمن الغذائي"),
    "institution": _split(
        "المندوبية السامية للتخطيط|بنك المغرب|مكتب الصرف|وزارة الداخلية|المديرية العامة للضرائب"
    ),
}

_FR_CAPTIONS = _split(
    "{Person} et {Person2}|{Person} à {city}|Vue de {city}|Photo d'illustration|Archives|"
    "Le siège de Bank Al-Maghrib à Rabat|Des supporters au stade de {city}|"
    "Cérémonie de signature à {city}|{Person}, {city}"
)
_AR_CAPTIONS = _split(
    "{person} و{person2}|{person} في {city}|صورة من الأرشيف|صورة تعبيرية|جانب من اللقاء بـ{city}"
)

# --------------------------------------------------------------------------------------------
# Headline templates by group. "[...]" marks an optional clause: dropping it, or a case change,
# makes the near-duplicate pairs seen in the real ticker.
# --------------------------------------------------------------------------------------------

_FR_HEADLINES: dict[str, list[str]] = {
    "defense": [
        "FAR : les Forces Armées Royales participent à l'exercice {exercise}[ au large de {city}]",
        "African Lion {year} : {n} militaires attendus dans la région de {region}",
        "Les FAR réceptionnent de nouveaux drones {drone}",
        "Défense : le Maroc et {country} renforcent leur coopération militaire",
        "Le ministre délégué chargé de l'Administration de la Défense nationale reçoit[ à Rabat] "
        "une délégation militaire étrangère",
        "Défense : {Country} et le Maroc signent un mémorandum d'entente[ historique]",
        "Les Forces Armées Royales organisent une campagne médico-chirurgicale à {city}",
        "Sahel : le Maroc renforce ses liens militaires avec {country}",
        "Drones : l'industrie de défense marocaine se structure[ avec un nouveau site près de {city}]",
    ],
    "defense_arms": [
        "Etats-Unis : {n} M$ de missiles air-air pour le Maroc approuvés",
        "Le Département d'Etat approuve la vente de {weapon} au Maroc[ pour {n} millions de dollars]",
        "Les Etats-Unis approuvent la vente d'armements au Maroc d'une valeur de {n} millions de "
        "dollars[... Des armes de précision de dernière génération]",
        "Vente d'armes : le Congrès américain notifié d'un contrat marocain[ de {n} millions de dollars]",
        "Armement : les FAR vont acquérir des {weapon}",
    ],
    "football": [
        "Botola : {Club} bat {club2}",
        "Botola : {Club} et {club2} se neutralisent",
        "Botola : l'AS FAR bat {club}",
        "Botola : {Club} solide en défense contre {club2}",
        "{Club} : sa défense a encore craqué contre {club2}",
        "AS FAR : sa défense tient bon[ face aux assauts adverses]",
        "FAR Rabat : {Player} nouvel entraîneur[ jusqu'en {nextyear}]",
        "Foot. {Player} intéresse deux grands clubs {league}",
        "PL : {pl} s'impose contre {pl2}",
        "PL : Un festival de buts lors de {pl}-{pl2} !",
        "Liga : {liga} met la pression sur {liga2}",
        "Lions de l'Atlas : {n} joueurs convoqués pour le stage de {month}",
        "Coupe du Trône : {Club} qualifié aux tirs au but",
        "Botola : le derby de Casablanca entre le Raja et le Wydad fixé au {day} {month}",
    ],
    "football_can": [
        "CAN 2025 : les Lions de l'Atlas battent le {african}[ et filent en quarts]",
        "CAN 2025 : {city} prête à accueillir les supporters",
        "CAN 2025 : le Maroc affronte le {african} au stade de {city}",
        "CAN 2025 : record de billets vendus pour Maroc-{african}",
        "CAN 2025 : le sélectionneur national dévoile sa liste[ de 26 joueurs]",
    ],
    "sports": [
        "Karting : le Maroc deuxième de la MENA Nations Cup",
        "Athlétisme : {Player} remporte le marathon de {city}",
        "Tennis : {Player} qualifié pour le tableau final à {city}",
        "Handball : le Maroc termine {ordinal} du tournoi international",
        "Boxe : médaille d'or pour le Maroc aux championnats d'Afrique",
        "Surf : {city} accueille une étape du championnat du monde",
    ],
    "economy": [
        "Bank Al-Maghrib maintient son taux directeur à {rate}%",
        "Inflation : l'indice des prix à la consommation en hausse de {pct}% en {month}",
        "Recettes fiscales : croissance à deux chiffres en {month}",
        "Liquidité bancaire : {n} milliards de dirhams injectés par Bank Al-Maghrib",
        "Aquaculture. {n} MDH pour booster le secteur en {year}",
        "Le dirham s'apprécie de {pct}% face à l'euro",
        "Loi de finances {year} : les grandes mesures à la loupe",
        "Bourse de Casablanca : le MASI termine la semaine en hausse de {pct}%",
        "Le Maroc annonce un partenariat stratégique pour renforcer le secteur de l'eau[ avec un "
        "investissement de {n} milliards de dirhams]",
        "Tourisme : {n} millions d'arrivées à fin {month}",
        "Bank Al-Maghrib : la croissance attendue à {pct}% en {year}",
    ],
    "politics": [
        "{Minister} présente le bilan de son secteur devant la Chambre des représentants",
        "Conseil de gouvernement : adoption de {n} projets de décrets",
        "Le Chef du gouvernement préside la commission interministérielle sur {committee}",
        "Parlement : la Chambre des conseillers adopte le projet de loi sur {law}",
        "Régionalisation avancée : les présidents des conseils régionaux réunis à {city}",
        "Elections partielles : la participation atteint {pct}% à {city}",
    ],
    "international": [
        "Maroc-UE, une étape charnière d'un partenariat stratégique[ de référence]",
        "Sahara : {country} réaffirme son soutien au plan d'autonomie",
        "Le Maroc et {country} signent {n} accords de coopération",
        "Mobilisation des équipes de l'ONU après un séisme[ dans le Pacifique]",
        "L'axe Rabat-Paris en {year} : une dynamique nouvelle[ et un avenir porteur de grands desseins]",
        "Diplomatie : {Minister} s'entretient avec son homologue[ à Rabat]",
    ],
    "society": [
        "Défense des droits des femmes : un forum régional à {city}",
        "Défense des droits de l'enfant : une campagne nationale lancée[ à {city}]",
        "Programme Riaya : plus de {n} bénéficiaires d'une caravane médicale à {city}",
        "Les Marocains face au défi des déchets plastiques",
        "Enseignement : {n} nouvelles écoles ouvriront à la rentrée",
        "Vague de froid : des aides pour {n} douars isolés dans la région de {region}",
        "Emploi : le taux de chômage à {pct}%[ au troisième trimestre]",
    ],
    "justice": [
        "Justice. {years} ans de prison ferme pour un escroc à {city}",
        "Justice. Clôture de la {ordinal} session ordinaire du comité technique spécialisé de l'UA",
        "Procès à {city} : la défense demande le report de l'audience",
        "Tribunal de {city} : un ancien élu condamné pour dilapidation de deniers publics",
        "Justice. Le parquet ouvre une enquête sur {affair}",
        "Cour de cassation : la défense de {Person} dépose un pourvoi",
    ],
    "security": [
        "DGSN : {n} suspects interpellés à {city} pour trafic de drogue",
        "BCIJ : démantèlement d'une cellule terroriste à {city}",
        "{City} : un automobiliste arrêté pour avoir percuté un restaurant[ de fast-food]",
        "Accident de la route : {few} morts près de {city}",
        "Gendarmerie royale : saisie de {n2} tonnes de chira à {city}",
        "La police de {city} interpelle un individu pour vol avec violence",
        "Accidents de la route : {few} morts et {n} blessés en périmètre urbain la semaine dernière",
    ],
    "health": [
        "Santé : campagne de vaccination contre la rougeole à {city}",
        "Grippe saisonnière : le ministère de la Santé appelle à la vigilance",
        "CHU de {city} : une première greffe réussie",
        "AMO : {n} millions de bénéficiaires à fin {month}",
    ],
    "culture": [
        "Musique : les notes jazz de {city}",
        "Exposition : {Person} paysagiste de l'essentiel",
        "Festival de {city} : {n2} films en compétition",
        "Fin de la {ordinal} édition du Salon du livre de {city}",
        "Cinéma : {Person} primé au festival de Marrakech",
        "Funérailles à {city} de l'acteur feu {Player}",
        "MAGAZINE : {Person}, un hommage en contreplongée",
    ],
    "religion": [
        "Le Grand Mufti d'Al-Qods salue le soutien du Maroc[, sous le leadership de SM le Roi,] "
        "au peuple palestinien",
        "Maroc : les explications du Coran seront traduites vers l'amazigh",
        "Habous : {n} mosquées rouvertes après travaux[ dans la région de {region}]",
    ],
    "technology": [
        "Digital : {n} startups marocaines sélectionnées[ pour un programme d'accélération]",
        "5G : l'ANRT lance l'appel d'offres",
        "Intelligence artificielle : {city} accueille un sommet africain",
        "Cybersécurité : la DGSSI alerte sur une campagne d'hameçonnage",
    ],
    "environment": [
        "Automne {year}, l'un des plus chauds jamais enregistrés au Maroc",
        "Sécheresse : le taux de remplissage des barrages à {pct}%",
        "Dessalement : une nouvelle station à {city}",
        "Reboisement : {n} hectares plantés dans la région de {region}",
    ],
    "weather": [
        "Alerte météo : fortes pluies attendues à {city} et {city2}",
        "Bulletin spécial : chutes de neige sur les reliefs de l'Atlas",
    ],
    "english": [
        "U.S. approves ${usd} million sale of {weapon_en} to Morocco",
        "Morocco's central bank holds key rate at {rate_en}%",
        "Morocco, {country_en} sign defense cooperation agreement",
    ],
}

_AR_HEADLINES: dict[str, list[str]] = {
    "defense": [
        "القوات المسلحة الملكية تشارك في مناورات الأسد الإفريقي {year}",
        "الجيش المغربي يتسلم دفعة جديدة من الطائرات المسيرة",
        "المغرب و{country} يعززان التعاون العسكري",
        "الوزير المنتدب المكلف بإدارة الدفاع الوطني يستقبل وزير دفاع {country}",
        "القوات المسلحة الملكية تقيم مستشفى ميدانيا بإقليم {city}",
        "مناورات عسكرية مشتركة بين المغرب و{country}[ بجهة {region}]",
    ],
    "defense_arms": [
        "واشنطن توافق على صفقة أسلحة للمغرب بقيمة {n} مليون دولار",
        "الخارجية الأمريكية تصادق على بيع {weapon} للمغرب",
        "صفقة أسلحة جديدة للقوات المسلحة الملكية[ بقيمة {n} مليون دولار]",
    ],
    "football": [
        "البطولة الاحترافية: {club} يفوز على {club2}",
        "البطولة الاحترافية: {club} يتعادل مع {club2}",
        "الجيش الملكي يتغلب على {club}[ ويعزز صدارته]",
        "دفاع {club} يتلقى ثلاثة أهداف أمام {club2}",
        "الرجاء والوداد يتعادلان في ديربي الدار البيضاء",
        "أسود الأطلس: استدعاء {n2} لاعبين جدد لمعسكر {month}",
        "{player} يقترب من الانتقال إلى الدوري الإنجليزي",
    ],
    "football_can": [
        "كأس إفريقيا 2025: أسود الأطلس يفوزون على منتخب {african}[ ويتأهلون إلى الربع]",
        "كأس أمم إفريقيا 2025: {city} جاهزة لاستقبال الجماهير",
        "كان 2025: نفاد تذاكر مباراة المغرب و{african}",
    ],
    "sports": [
        "ألعاب القوى: {player} يفوز بماراثون {city}",
        "الملاكمة: ذهبية للمغرب في البطولة الإفريقية",
        "كرة السلة: فريق {city} يتأهل إلى النهائي",
    ],
    "economy": [
        "بنك المغرب يبقي على سعر الفائدة الرئيسي في {rate} في المائة",
        "التضخم يتراجع إلى {pct} في المائة خلال شهر {month}",
        "الدرهم يرتفع بنسبة {pct} في المائة مقابل الأورو",
        "بورصة الدار البيضاء تنهي الأسبوع على ارتفاع",
        "المداخيل الضريبية ترتفع بـ{n2} مليار درهم",
        "الحكومة تخصص {n2} مليار درهم لقطاع الماء",
    ],
    "politics": [
        "مجلس الحكومة يصادق على {n2} مشاريع مراسيم",
        "{minister} يقدم حصيلة قطاعه أمام مجلس النواب",
        "مجلس المستشارين يصادق على مشروع قانون {law}",
    ],
    "international": [
        "المغرب و{country} يوقعان {n2} اتفاقيات تعاون",
        "{country} تجدد دعمها لمخطط الحكم الذاتي",
        "الأمم المتحدة تشيد بجهود المغرب في مجال {field}",
    ],
    "society": [
        "الدفاع عن حقوق النساء: منتدى جهوي بـ{city}",
        "موجة البرد: مساعدات لفائدة {n} دوارا بجهة {region}",
        "نسبة البطالة تبلغ {pct} في المائة",
        "برنامج رعاية: قافلة طبية لفائدة {n} مستفيد بـ{city}",
    ],
    "justice": [
        "محكمة الاستئناف بـ{city} تدين متهما بـ{years} سنوات سجنا نافذا",
        "هيئة الدفاع تطالب بتأجيل محاكمة منتخب سابق بـ{city}",
        "النيابة العامة تفتح تحقيقا في {affair}",
    ],
    "security": [
        "المديرية العامة للأمن الوطني: توقيف {few} أشخاص بـ{city} للاشتباه في ترويج المخدرات",
        "المكتب المركزي للأبحاث القضائية يفكك خلية إرهابية بـ{city}",
        "الدرك الملكي يحجز {n2} أطنان من الشيرا بـ{city}",
        "مصرع {few} أشخاص في حادثة سير بالقرب من {city}",
        "حوادث السير: {few} قتلى و{n} جريحا بالمدار الحضري خلال الأسبوع الماضي",
    ],
    "health": [
        "حملة للتلقيح ضد الحصبة بـ{city}",
        "وزارة الصحة تدعو إلى الحذر من الأنفلونزا الموسمية",
        "المستشفى الجامعي بـ{city} ينجح في أول عملية زرع",
    ],
    "culture": [
        "مهرجان {city} يعرض {n2} فيلما في المسابقة الرسمية",
        "معرض تشكيلي لـ{person} بـ{city}",
        "تشييع جثمان الفنان {person} بـ{city}",
    ],
    "religion": [
        "مفتي القدس يشيد بدعم المغرب[ بقيادة جلالة الملك] للشعب الفلسطيني",
        "وزارة الأوقاف تعلن افتتاح {n} مسجدا",
        "ترجمة معاني القرآن الكريم إلى الأمازيغية",
    ],
    "technology": [
        "{n} مقاولة ناشئة مغربية تشارك في برنامج للتسريع",
        "الوكالة الوطنية لتقنين المواصلات تطلق طلب عروض الجيل الخامس",
        "الذكاء الاصطناعي: {city} تحتضن قمة إفريقية",
    ],
    "environment": [
        "نسبة ملء السدود تبلغ {pct} في المائة",
        "محطة جديدة لتحلية مياه البحر بـ{city}",
        "غرس {n} هكتار بجهة {region}",
    ],
    "weather": [
        "نشرة إنذارية: أمطار رعدية قوية بعدد من أقاليم المملكة",
        "تساقطات ثلجية مرتقبة بمرتفعات الأطلس",
    ],
}

# Base share of the headline stream per group; multiplied by calendar and event factors below.
_GROUP_WEIGHTS = {
    "defense": 3.0,
    "defense_arms": 0.2,
    "football": 13.0,
    "football_can": 0.3,
    "sports": 5.0,
    "economy": 12.0,
    "politics": 9.0,
    "international": 11.0,
    "society": 9.0,
    "justice": 5.0,
    "security": 7.0,
    "health": 4.0,
    "culture": 6.0,
    "religion": 2.0,
    "technology": 4.0,
    "environment": 4.0,
    "weather": 1.0,
    "english": 0.6,
}

# --------------------------------------------------------------------------------------------
# Article sentences. Articles are drawn by family (defense_arms -> defense, football_can -> ...).
# --------------------------------------------------------------------------------------------

_FR_GENERIC = [
    "Selon les données communiquées par {institution}, {n} projets ont été lancés au cours des "
    "derniers mois dans la région de {region}.",
    "Cette initiative s'inscrit dans le cadre de la stratégie nationale visant à renforcer la "
    "compétitivité et l'attractivité du Royaume.",
    "Les responsables présents ont souligné l'importance d'une approche intégrée, associant "
    "l'ensemble des acteurs publics et privés.",
    "Il convient de rappeler que {city} avait déjà accueilli une rencontre similaire en "
    "{pastyear}, en présence de nombreux experts nationaux et internationaux.",
    "D'après une source proche du dossier, les discussions devraient se poursuivre dans les "
    "prochaines semaines.",
    "« Nous avons franchi une étape importante, mais beaucoup reste à faire », a déclaré "
    "{Person}, cité par plusieurs médias.",
    "Les chiffres publiés font état d'une progression de {pct}% par rapport à la même période "
    "de l'année précédente.",
    "Plusieurs observateurs estiment toutefois que les effets de ces mesures ne seront visibles "
    "qu'à moyen terme.",
    "La rencontre a également été l'occasion de passer en revue les différents chantiers en "
    "cours et les moyens de les accélérer.",
    "De son côté, {minister} a insisté sur la nécessité de respecter les délais fixés et "
    "d'assurer un suivi rigoureux des engagements pris.",
    "Les autorités locales de {city} ont mobilisé d'importants moyens humains et logistiques "
    "pour assurer le bon déroulement de l'opération.",
    "Un budget global de {n} millions de dirhams a été mobilisé pour la réalisation de ce "
    "programme, dont une partie est financée par des partenaires internationaux.",
    "Les habitants interrogés se disent satisfaits, tout en appelant à une meilleure "
    "communication sur les prochaines étapes.",
    "Ce rendez-vous annuel réunit des participants venus de {n2} pays, selon les organisateurs.",
    "À noter que cette annonce intervient quelques jours seulement après la publication d'un "
    "rapport détaillé sur la situation du secteur.",
    "Le document recommande notamment de simplifier les procédures administratives et de "
    "renforcer la coordination entre les différents intervenants.",
    "Interrogé sur le calendrier, {Person} a indiqué que la première phase devrait être achevée "
    "avant la fin de l'année {nextyear}.",
    "Pour rappel, le Maroc s'est engagé depuis plusieurs années dans un vaste programme de "
    "réformes touchant à la fois l'économie, l'administration et les services sociaux.",
    "La cérémonie s'est déroulée en présence du wali de la région de {region}, gouverneur de la "
    "préfecture, ainsi que de plusieurs élus et représentants de la société civile.",
    "Les travaux, d'une durée prévisionnelle de {n2} mois, devraient mobiliser une main-d'œuvre "
    "locale estimée à plusieurs centaines de personnes.",
    "Les professionnels du secteur saluent une mesure attendue depuis longtemps, mais "
    "s'interrogent sur les modalités concrètes de sa mise en œuvre.",
    "Une convention de partenariat a été signée à cette occasion entre {institution} et "
    "plusieurs collectivités territoriales.",
    "Dans un communiqué parvenu à la rédaction, les organisateurs précisent que l'accès sera "
    "gratuit et ouvert au grand public.",
    "Cette dynamique confirme, selon plusieurs économistes, la résilience de l'économie "
    "nationale face à un contexte international marqué par de fortes incertitudes.",
    "Le rapport pointe toutefois des disparités importantes entre les régions, notamment entre "
    "le littoral et les zones rurales de l'intérieur.",
    "Des mesures d'accompagnement sont également prévues au profit des ménages les plus "
    "vulnérables et des petites et moyennes entreprises.",
    "{Person}, chercheur à l'université de {city}, estime pour sa part que « le chemin reste "
    "long, mais la direction est la bonne ».",
    "Une nouvelle réunion de suivi est programmée le {day} {month} prochain à {city}.",
]
_FR_FAMILY_SENTENCES = {
    "defense": [
        "Les Forces Armées Royales ont déployé à cette occasion des unités terrestres, aériennes "
        "et navales, dans le cadre d'un scénario de gestion de crise.",
        "Cette acquisition s'inscrit dans le programme de modernisation des équipements des FAR "
        "engagé depuis plusieurs années.",
        "Le ministre délégué chargé de l'Administration de la Défense nationale a rappelé "
        "l'attachement du Royaume à une coopération militaire équilibrée avec ses partenaires.",
        "Selon l'agence américaine de coopération en matière de sécurité et de défense, la vente "
        "proposée ne modifiera pas l'équilibre militaire de base dans la région.",
        "L'inspecteur général des FAR a passé en revue les unités engagées avant de s'entretenir "
        "avec les officiers des pays participants.",
    ],
    "football": [
        "Dès le coup d'envoi, {Club} a pris le match à son compte, multipliant les incursions "
        "dans le camp adverse.",
        "La défense de l'équipe visiteuse a longtemps résisté avant de céder en seconde période "
        "sur une tête décroisée.",
        "Avec ce résultat, le club grimpe à la {ordinal} place du classement de la Botola avec {n2} points.",
        "L'entraîneur s'est dit satisfait de l'état d'esprit de ses joueurs, tout en reconnaissant "
        "que des réglages restent nécessaires avant le prochain match.",
        "Les supporters, venus nombreux au stade de {city}, ont animé la rencontre du début à la fin.",
    ],
    "economy": [
        "Selon Bank Al-Maghrib, l'inflation devrait rester modérée, autour de {pct}% en moyenne "
        "sur l'ensemble de l'année.",
        "Les réserves de change s'établissent à {n} milliards de dirhams, soit l'équivalent de "
        "cinq mois d'importations de biens et services.",
        "Le conseil de la banque centrale a relevé que les perspectives de croissance restent "
        "entourées de fortes incertitudes.",
    ],
    "security": [
        "Les éléments de la police judiciaire ont procédé à l'interpellation des suspects en "
        "flagrant délit, avant de les placer en garde à vue sous la supervision du parquet "
        "compétent.",
        "L'enquête menée par le Bureau central d'investigations judiciaires a permis de saisir "
        "des armes blanches et du matériel électronique.",
        "Selon un communiqué de la DGSN, les recherches se poursuivent pour interpeller "
        "d'éventuels complices.",
    ],
    "justice": [
        "La chambre criminelle près la Cour d'appel de {city} a rendu son verdict après plusieurs "
        "heures de délibérations.",
        "La défense a plaidé l'acquittement, estimant que le dossier ne contenait aucune preuve matérielle.",
        "Le parquet a requis des peines plus lourdes, rappelant la gravité des faits reprochés aux accusés.",
    ],
    "culture": [
        "Le public, venu nombreux, a salué une programmation riche mêlant artistes confirmés et "
        "jeunes talents.",
        "L'exposition se poursuit jusqu'à la fin du mois, du mardi au dimanche, de 10h à 19h.",
    ],
}
_AR_GENERIC = [
    "وحسب المعطيات التي قدمتها {institution}، فقد تم إطلاق {n} مشروعا خلال الأشهر الأخيرة بجهة {region}.",
    "وتندرج هذه المبادرة في إطار الاستراتيجية الوطنية الرامية إلى تعزيز تنافسية وجاذبية المملكة.",
    "وأكد المسؤولون الحاضرون على أهمية اعتماد مقاربة مندمجة تشرك مختلف الفاعلين العموميين والخواص.",
    "وتجدر الإشارة إلى أن مدينة {city} سبق أن احتضنت لقاء مماثلا سنة {pastyear} بحضور عدد من الخبراء.",
    "وحسب مصدر مطلع، فإن المشاورات ستتواصل خلال الأسابيع المقبلة.",
    "وقال {person} في تصريح صحافي: «لقد قطعنا خطوة مهمة، لكن الطريق ما يزال طويلا».",
    "وتشير الأرقام المنشورة إلى ارتفاع بنسبة {pct} في المائة مقارنة مع الفترة نفسها من السنة الماضية.",
    "ويرى عدد من المتتبعين أن آثار هذه الإجراءات لن تظهر إلا على المدى المتوسط.",
    "من جهته، شدد {minister} على ضرورة احترام الآجال المحددة وضمان تتبع دقيق للالتزامات.",
    "وقد عبأت السلطات المحلية بـ{city} إمكانيات بشرية ولوجستيكية مهمة لضمان حسن سير العملية.",
    "وخصصت لهذا البرنامج ميزانية إجمالية تقدر بـ{n} مليون درهم.",
    "وأوصت الوثيقة بتبسيط المساطر الإدارية وتعزيز التنسيق بين مختلف المتدخلين.",
    "وعبر عدد من السكان عن ارتياحهم لهذه الخطوة، مطالبين بتسريع وتيرة الإنجاز.",
    "وجرى حفل التوقيع بحضور والي جهة {region} وعدد من المنتخبين وممثلي المجتمع المدني.",
    "ومن المرتقب أن تستغرق الأشغال {n2} شهرا، وأن توفر مئات من فرص الشغل لفائدة شباب المنطقة.",
    "ورحب المهنيون بهذا الإجراء الذي طال انتظاره، متسائلين في الوقت نفسه عن كيفية تنزيله على أرض الواقع.",
    "ووقعت بالمناسبة اتفاقية شراكة بين {institution} وعدد من الجماعات الترابية.",
    "وأوضح المنظمون في بلاغ توصلت به الجريدة أن الدخول سيكون مجانيا ومفتوحا في وجه العموم.",
    "ويرصد التقرير تفاوتات مهمة بين الجهات، خاصة بين المدن الساحلية والمناطق القروية الداخلية.",
    "ومن المنتظر أن يعقد اجتماع جديد للتتبع يوم {day} {month} المقبل بـ{city}.",
    "واعتبر {person}، الباحث بجامعة {city}، أن الطريق ما يزال طويلا لكن الاتجاه صحيح.",
]
_AR_FAMILY_SENTENCES = {
    "defense": [
        "وشاركت في هذه المناورات وحدات برية وجوية وبحرية تابعة للقوات المسلحة الملكية.",
        "وتندرج هذه الصفقة في إطار برنامج تحديث تجهيزات القوات المسلحة الملكية.",
    ],
    "football": [
        "وتمكن الفريق من تسجيل هدف الفوز في الدقائق الأخيرة من المباراة.",
        "وبهذه النتيجة يرتقي الفريق في ترتيب البطولة الاحترافية برصيد {n2} نقطة.",
    ],
    "security": [
        "وقد تم إيداع المشتبه فيهم تحت تدبير الحراسة النظرية رهن إشارة البحث القضائي الذي يجري "
        "تحت إشراف النيابة العامة المختصة.",
    ],
    "justice": ["وطالب دفاع المتهمين بتمتيعهم بظروف التخفيف."],
}

# --------------------------------------------------------------------------------------------
# Outlets: weights, spelling variants a normalizer must fold, one rare unknown outlet each.
# --------------------------------------------------------------------------------------------

_FR_OUTLETS: list[tuple[str, str, float]] = [
    ("Hespress FR", "hespressfr", 8),
    ("Hespress", "hespressfr", 3),
    ("Le360", "le360", 7),
    ("le360", "le360", 2),
    ("Le 360", "le360", 1),
    ("Médias24", "medias24", 5),
    ("Medias24", "medias24", 2),
    ("H24info", "h24info", 4),
    ("H24 info", "h24info", 1),
    ("L'Opinion", "lopinion", 3),
    ("L\u2019Opinion", "lopinion", 1),  # curly apostrophe
    ("TelQuel", "telquel", 4),
    ("Telquel", "telquel", 1),
    ("Le Matin", "lematin", 6),
    ("L'Economiste", "leconomiste", 4),
    ("Aujourd'hui le Maroc", "aujourdhui", 4),
    ("Libération", "liberation", 3),
    ("Al Bayane", "albayane", 3),
    ("MAP Express", "mapexpress", 6),
    ("Yabiladi", "yabiladi", 4),
    ("Le Desk", "ledesk", 2),
    ("Barlamane", "barlamane", 3),
    ("Finances News", "financesnews", 3),
    ("Maroc Diplomatique", "marocdiplomatique", 2),
    ("Challenge", "challenge", 2),
    ("Le Petit Rbati", "lepetitrbati", 0.3),  # invented: stands for an outlet nobody has mapped
]
_AR_OUTLETS: list[tuple[str, str, float]] = [
    ("هسبريس", "hespress", 8),
    ("اليوم 24", "alyaoum24", 5),
    ("اليوم24", "alyaoum24", 1),
    ("فبراير", "febrayer", 3),
    ("كود", "goud", 3),
    ("الأول", "alaoual", 3),
    ("العمق المغربي", "al3omk", 4),
    ("المساء", "almassae", 3),
    ("الصباح", "assabah", 3),
    ("وكالة المغرب العربي للأنباء", "mapar", 4),
    ("هسبريس الرياضية", "hespresssport", 4),
    ("البطولة", "elbotola", 4),
    ("الأحداث المغربية", "ahdathpress", 2),
    ("أخبارنا", "akhbarona", 3),
    ("بيان اليوم", "bayanealyaoume", 2),
    ("صدى المدينة القديمة", "sadaalmadina", 0.3),  # invented: an outlet nobody has mapped
]

# Headline groups whose article bodies borrow another group's topical sentences.
_FAMILY_OF = {"defense_arms": "defense", "football_can": "football", "english": "defense"}

# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleFile:
    """One generated file: a page dump (possibly a deliberately bad one) or a folder manifest."""

    relpath: str
    data: bytes
    mtime: float
    kind: str = "dump"  # "dump", "ticker_only", "manifest" or one of BAD_KINDS


@dataclass(frozen=True)
class CorpusStats:
    """Counts of what write_corpus wrote: files (dumps and manifests), bytes, files per kind."""

    files: int
    bytes: int
    by_kind: dict[str, int] = field(default_factory=dict)


def generate_corpus(
    n_dumps: int,
    *,
    seed: int = 20241223,
    start: datetime = DEFAULT_START,
    interval_minutes: int = 15,
    editions: tuple[str, ...] = ("fr", "ar"),
    bad_ratio: float = 0.02,
) -> Iterator[SampleFile]:
    """Yield n_dumps page dumps in capture order, plus one manifest.csv per folder that needs one.

    Deterministic: the same arguments give the same files, names, bytes and order.
    """
    if n_dumps < 0:
        raise ValueError(f"n_dumps must be >= 0, got {n_dumps}")
    if interval_minutes <= 0:
        raise ValueError(f"interval_minutes must be > 0, got {interval_minutes}")
    if not 0.0 <= bad_ratio <= 1.0:
        raise ValueError(f"bad_ratio must be within [0, 1], got {bad_ratio}")
    unknown = [e for e in editions if e not in _EDITIONS]
    if unknown or not editions:
        raise ValueError(f"editions must be a non-empty subset of {sorted(_EDITIONS)}: {editions}")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    return _Builder(n_dumps, seed, start, interval_minutes, editions, bad_ratio).run()


def write_corpus(out_dir: Path, n_dumps: int, **kwargs: object) -> CorpusStats:
    """Write generate_corpus(n_dumps, **kwargs) under out_dir with mtimes set; return its counts."""
    out_dir = Path(out_dir)
    made: set[str] = set()
    kinds: Counter[str] = Counter()
    n_files = n_bytes = 0
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    for sample in generate_corpus(n_dumps, **kwargs):  # type: ignore[arg-type]
        folder, _, _ = sample.relpath.rpartition("/")
        if folder not in made:
            (out_dir / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        # os-level calls and utime on the open descriptor: the write loop is the benchmark's
        # bottleneck, and a path-based utime would resolve the path a second time.
        fd = os.open(out_dir / sample.relpath, flags, 0o644)
        try:
            os.write(fd, sample.data)
            if os.utime in os.supports_fd:
                os.utime(fd, (sample.mtime, sample.mtime))
        finally:
            os.close(fd)
        if os.utime not in os.supports_fd:
            os.utime(out_dir / sample.relpath, (sample.mtime, sample.mtime))
        n_files += 1
        n_bytes += len(sample.data)
        kinds[sample.kind] += 1
    return CorpusStats(files=n_files, bytes=n_bytes, by_kind=dict(sorted(kinds.items())))


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: write a sample corpus and print its counts; return exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--dumps", type=int, required=True, help="number of page dumps")
    parser.add_argument("--seed", type=int, default=20241223)
    parser.add_argument("--interval-minutes", type=int, default=15)
    parser.add_argument("--bad-ratio", type=float, default=0.02)
    parser.add_argument(
        "--start",
        type=datetime.fromisoformat,
        default=DEFAULT_START,
        help="first snapshot, ISO 8601 with offset (default 2024-12-01T00:00:00+00:00)",
    )
    parser.add_argument("--editions", default="fr,ar", help="comma-separated, e.g. fr,ar")
    args = parser.parse_args(argv)
    stats = write_corpus(
        args.out,
        args.dumps,
        seed=args.seed,
        start=args.start,
        interval_minutes=args.interval_minutes,
        editions=tuple(e.strip() for e in args.editions.split(",") if e.strip()),
        bad_ratio=args.bad_ratio,
    )
    kinds = ", ".join(f"{k}={v}" for k, v in stats.by_kind.items())
    print(f"wrote {stats.files} files, {stats.bytes} bytes to {args.out} ({kinds})")
    return 0


# --------------------------------------------------------------------------------------------
# Implementation
# --------------------------------------------------------------------------------------------

_OPTIONAL = re.compile(r"\[([^\]]*)\]")
_FORMATTER = string.Formatter()


class _Headline(NamedTuple):
    text: str
    encoded: bytes  # text + 4 NBSP, UTF-8: the ticker is a plain join of these
    slug: str
    item_id: int


@dataclass
class _Stream:
    """An edition's headlines in publication order, as parallel lists for a fast ticker walk."""

    published: list[float] = field(default_factory=list)
    expires: list[float] = field(default_factory=list)
    encoded: list[bytes] = field(default_factory=list)
    items: list[_Headline] = field(default_factory=list)


@dataclass(frozen=True)
class _Article:
    home: float  # when the article starts showing up in dumps
    title: str
    byline: str
    body: tuple[str, ...]  # paragraphs and caption lines, in page order
    blob: bytes  # title through footer, UTF-8


@dataclass
class _Recent:
    """Recently published headlines (shown form, near-duplicate form) with a membership count."""

    pairs: list[tuple[str, str | None]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    rendered: dict[tuple[str, int], list[tuple[str, str]]] = field(default_factory=dict)

    def push(self, shown: str, other: str | None) -> None:
        self.pairs.append((shown, other))
        self.counts[shown] += 1
        if len(self.pairs) > 150:
            old, _ = self.pairs.pop(0)
            self.counts[old] -= 1
            if not self.counts[old]:
                del self.counts[old]


@dataclass
class _Slots:
    """Fills template fields from the edition's pools; numbered fields get distinct values."""

    rng: random.Random
    pools: dict[str, list[str]]
    persons: tuple[list[str], list[str]]
    arabic: bool

    def fill(self, template: str, context: dict[str, str]) -> str:
        values: dict[str, str] = {}
        used: dict[str, set[str]] = {}
        for _, name, _, _ in _FORMATTER.parse(template):
            if not name or name in values:
                continue
            base = name.rstrip("0123456789").lower()
            taken = used.setdefault(base, set())
            value = self._value(base, context, taken)
            taken.add(value)
            values[name] = value[:1].upper() + value[1:] if name[0].isupper() else value
        return template.format_map(values)

    def _value(self, base: str, context: dict[str, str], taken: set[str]) -> str:
        rng = self.rng
        if base in context:
            return context[base]
        for _ in range(8):
            value = self._draw(base, rng)
            if value not in taken:
                return value
        return value

    def _draw(self, base: str, rng: random.Random) -> str:
        if base == "person":
            return f"{rng.choice(self.persons[0])} {rng.choice(self.persons[1])}"
        if base == "player":  # the pools list a man's first name at every even index
            return f"{rng.choice(self.persons[0][::2])} {rng.choice(self.persons[1])}"
        if base == "n":
            return str(rng.choice((rng.randint(3, 60), rng.randint(60, 900))))
        if base == "pct":
            value = f"{rng.uniform(0.3, 9.9):.1f}"
            return value if self.arabic else value.replace(".", ",")
        if base == "rate":
            return rng.choice(("2,25", "2,50", "2,75", "3")) if not self.arabic else "2.5"
        if base == "rate_en":
            return rng.choice(("2.25", "2.50", "2.75"))
        if base == "usd":
            return f"{rng.randint(40, 900)}.{rng.randint(10, 99)}"
        if base == "ordinal":
            k = rng.randint(2, 14)
            return f"{k}ème" if not self.arabic else str(k)
        if base == "few":
            return str(rng.randint(2, 9))
        if base == "years":
            return str(rng.randint(1, 12))
        if base == "day":
            return str(rng.randint(1, 28))
        return rng.choice(self.pools[base])


class _Builder:
    """Precomputes headline streams and article pools, then assembles dumps from encoded pieces."""

    def __init__(
        self,
        n_dumps: int,
        seed: int,
        start: datetime,
        interval_minutes: int,
        editions: tuple[str, ...],
        bad_ratio: float,
    ) -> None:
        self.n_dumps = n_dumps
        self.seed = seed
        self.editions = editions
        self.interval = interval_minutes * 60
        self.t0 = start.timestamp()
        n_slots = math.ceil(n_dumps / len(editions)) if n_dumps else 0
        self.t_end = self.t0 + max(n_slots, 1) * self.interval
        self.rng = random.Random(f"{seed}:dumps")
        self.events = self._events(random.Random(f"{seed}:events"))
        self.streams = {e: self._headline_stream(e) for e in editions}
        self.articles = {e: self._article_pool(e, n_slots) for e in editions}
        self.article_homes = {e: [a.home for a in self.articles[e]] for e in editions}
        self.bad_at = self._bad_positions(bad_ratio)

    # ---- calendar and topic mix -------------------------------------------------------------

    def _events(self, rng: random.Random) -> dict[str, list[tuple[float, float]]]:
        """Arms-sale stories and tournament weeks, placed early so even the demo shows them."""
        day = 86400.0
        spikes, weeks = [], []
        t = self.t0 + rng.uniform(5, 9) * day
        while t < self.t_end:
            spikes.append((t, t + rng.uniform(2, 4) * day))
            t += rng.uniform(20, 45) * day
        t = self.t0 + rng.uniform(12, 15) * day
        while t < self.t_end:
            weeks.append((t, t + 7 * day))
            t += rng.uniform(40, 80) * day
        return {"defense_arms": spikes, "football_can": weeks}

    def _group_weights(self, local: datetime, t: float) -> list[float]:
        w = dict(_GROUP_WEIGHTS)
        if local.weekday() >= 5:  # Botola rounds and European leagues play at weekends
            w["football"] *= 2.2
            w["sports"] *= 1.5
            w["economy"] *= 0.5
            w["politics"] *= 0.5
        elif local.weekday() == 2:
            w["football"] *= 1.4
        if any(a <= t < b for a, b in self.events["defense_arms"]):
            w["defense_arms"] = 14.0
            w["defense"] *= 2.5
        if any(a <= t < b for a, b in self.events["football_can"]):
            w["football_can"] = 22.0
            w["football"] *= 1.5
        return [w[g] for g in _GROUP_WEIGHTS]

    # ---- headlines --------------------------------------------------------------------------

    def _slots(self, edition: str, rng: random.Random) -> _Slots:
        if edition == "ar":
            return _Slots(rng, _AR_POOLS, (_AR_FIRST.split(), _split(_AR_LAST)), True)
        return _Slots(rng, _FR_POOLS, (_FR_FIRST.split(), _split(_FR_LAST)), False)

    def _context(self, edition: str, local: datetime) -> dict[str, str]:
        months = _AR_MONTHS if edition == "ar" else _FR_MONTHS
        return {
            "year": str(local.year),
            "pastyear": str(local.year - 2),
            "nextyear": str(local.year + 2),
            "month": months[local.month - 1],
        }

    def _headline_stream(self, edition: str) -> _Stream:
        """Every headline published for the edition, in publication order."""
        rng = random.Random(f"{self.seed}:{edition}:headlines")
        slots = self._slots(edition, rng)
        templates = _AR_HEADLINES if edition == "ar" else _FR_HEADLINES
        groups = list(_GROUP_WEIGHTS)
        outlets = _AR_OUTLETS if edition == "ar" else _FR_OUTLETS
        slugs = [slug for _, slug, _ in outlets]
        slug_weights = list(itertools.accumulate(w for _, _, w in outlets))
        rate = _EDITIONS[edition].headlines_per_hour
        stream = _Stream()
        recent = _Recent()
        item_id = rng.randint(100000, 900000)
        # Start two days early so the first ticker is already full.
        hour = math.floor((self.t0 - 48 * 3600) / 3600) * 3600.0
        while hour < self.t_end:
            local = datetime.fromtimestamp(hour, CASABLANCA)
            weights = self._group_weights(local, hour)
            weights = list(
                itertools.accumulate(
                    w if g in templates else 0.0 for g, w in zip(_GROUP_WEIGHTS, weights, strict=True)
                )
            )
            factor = 0.3 if local.hour < 6 else 0.8 if local.hour < 9 else 1.3
            factor = 0.9 if local.hour >= 19 else factor
            batch: list[tuple[float, float, str]] = []
            for _ in range(_poisson(rng, rate * factor)):
                published = hour + rng.uniform(0, 3600)
                lifetime = rng.uniform(3 * 3600, _MAX_LIFETIME)
                text = self._next_headline(rng, slots, templates, groups, weights, local, recent)
                batch.append((published, published + lifetime, text))
            batch.extend(self._daily_headlines(edition, rng, local, hour))
            batch.sort()
            for published, expires, text in batch:
                slug = rng.choices(slugs, cum_weights=slug_weights)[0]
                item_id += 1 + int(rng.random() * 40)
                encoded = (text + NBSP4).encode()
                stream.published.append(published)
                stream.expires.append(expires)
                stream.encoded.append(encoded)
                stream.items.append(_Headline(text, encoded, slug, item_id))
            hour += 3600.0
        return stream

    def _next_headline(
        self,
        rng: random.Random,
        slots: _Slots,
        templates: dict[str, list[str]],
        groups: list[str],
        weights: list[float],
        local: datetime,
        recent: _Recent,
    ) -> str:
        roll = rng.random()
        if recent.pairs and roll < 0.02:
            # Same story picked up again while still live: a duplicate entry in one ticker.
            return rng.choice(recent.pairs[-20:])[0]
        if recent.pairs and roll < 0.05:
            # Near-duplicate from another outlet: clause dropped/added, case or rubric changed.
            shown, other = rng.choice(recent.pairs[-20:])
            return other if other is not None else _variant(shown)
        # Redraw a few times so an unrelated story does not repeat a live headline by accident.
        for _ in range(4):
            group = rng.choices(groups, cum_weights=weights)[0]
            rendered = recent.rendered.setdefault((group, local.year), [])
            # Past a few hundred renderings per group and year, reuse them: keeps long benchmark
            # corpora cheap to generate while a ticker's worth of headlines stays varied.
            if len(rendered) < 300:
                context = self._context("ar" if slots.arabic else "fr", local)
                filled = slots.fill(rng.choice(templates[group]), context)
                full, short = _OPTIONAL.sub(r"\1", filled), _OPTIONAL.sub("", filled)
                rendered.append((full, short))
            else:
                full, short = rng.choice(rendered)
            if full not in recent.counts:
                break
        if full == short:
            shown, other = full, None
        else:
            shown, other = (full, short) if rng.random() < 0.6 else (short, full)
        recent.push(shown, other)
        return shown

    def _daily_headlines(
        self, edition: str, rng: random.Random, local: datetime, hour: float
    ) -> list[tuple[float, float, str]]:
        """Exchange rates (today's date) at 08h and temperatures (tomorrow's) at 17h, local."""
        if local.hour not in (8, 17):
            return []
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        # Expire at local midnight so the headline's date always matches the snapshot's day.
        expires = midnight.timestamp()
        published = hour + rng.uniform(0, 1800)
        day = local.date() if local.hour == 8 else local.date() + timedelta(days=1)
        if edition == "ar":
            spelled = f"{_AR_WEEKDAYS[day.weekday()]} {day.day} {_AR_MONTHS[day.month - 1]} {day.year}"
            text = (
                f"أسعار صرف العملات الأجنبية ليوم {spelled}"
                if local.hour == 8
                else f"توقعات أحوال الطقس ليوم {spelled}"
            )
        else:
            spelled = f"{_FR_WEEKDAYS[day.weekday()]} {day.day} {_FR_MONTHS[day.month - 1]} {day.year}"
            text = (
                f"Cours des devises du {spelled}"
                if local.hour == 8
                else f"Températures prévues pour le {spelled}"
            )
        return [(published, expires, text)]

    # ---- articles ---------------------------------------------------------------------------

    def _article_pool(self, edition: str, n_slots: int) -> list[_Article]:
        """Articles sorted by the time they start showing up; each recurs in several dumps."""
        rng = random.Random(f"{self.seed}:{edition}:articles")
        slots = self._slots(edition, rng)
        arabic = edition == "ar"
        templates = _AR_HEADLINES if arabic else _FR_HEADLINES
        groups = [g for g in _GROUP_WEIGHTS if g in templates]
        weights = [_GROUP_WEIGHTS[g] for g in groups]
        outlets = _AR_OUTLETS if arabic else _FR_OUTLETS
        outlet_weights = [w for _, _, w in outlets]
        generic = _AR_GENERIC if arabic else _FR_GENERIC
        families = _AR_FAMILY_SENTENCES if arabic else _FR_FAMILY_SENTENCES
        captions = _AR_CAPTIONS if arabic else _FR_CAPTIONS
        ed = _EDITIONS[edition]
        # About ten dumps per article: the same article recurs, and the pool stays cheap to build.
        size = max(60, min(3000, n_slots // 12))
        pool = []
        paragraph_pools: dict[tuple[str, int], list[str]] = {}
        rare = [name for name, _, weight in outlets if weight <= 1]
        for i in range(size):
            home = rng.uniform(self.t0 - 86400, self.t_end)
            local = datetime.fromtimestamp(home, CASABLANCA)
            context = self._context(edition, local)
            group = rng.choices(groups, weights)[0]
            title = _OPTIONAL.sub(r"\1", slots.fill(rng.choice(templates[group]), context))
            outlet = rng.choices(outlets, outlet_weights)[0][0]
            k, rest = divmod(i - 3, size // len(rare))
            if rest == 0 and 0 <= k < len(rare):
                outlet = rare[k]  # spelling variants and unknown outlets show up even in the demo
            # One article per spelling, spread over the timeline, so the demo shows all of them.
            k, rest = divmod(i, size // len(_DATE_STYLES))
            style = _DATE_STYLES[k] if rest == 0 and k < len(_DATE_STYLES) else None
            spelled = _byline_date(rng, local.date(), arabic, style)
            byline = ed.byline.format(outlet=outlet, date=spelled)
            family = _FAMILY_OF.get(group, group)
            sentences = families.get(family, []) * 2 + generic
            # Seed-sized article bodies: the real one is 3.3 KB, Arabic bytes run larger.
            target = rng.randint(2200, 4200) if not arabic else rng.randint(1800, 3200)
            shared = paragraph_pools.setdefault((family, local.year), [])
            body = _article_body(rng, slots, context, sentences, captions, target, shared)
            text = f"{title}\n{byline}\n\n" + "\n".join(body) + "\n\n\n" + ed.footer
            pool.append(_Article(home, title, byline, tuple(body), text.encode()))
        pool.sort(key=lambda a: a.home)
        return pool

    def _pick_article(self, edition: str, t: float, rng: random.Random) -> _Article:
        homes = self.article_homes[edition]
        newest = bisect.bisect_right(homes, t) - 1
        # Mostly the latest few articles; a geometric tail brings back older ones.
        back = min(int(rng.expovariate(0.35)), 30)
        return self.articles[edition][max(newest - back, 0)]

    # ---- bad files --------------------------------------------------------------------------

    def _bad_positions(self, bad_ratio: float) -> dict[int, str]:
        rng = random.Random(f"{self.seed}:bad")
        n = self.n_dumps
        kinds = [k for k in BAD_KINDS if "fr" in self.editions or k not in _FRENCH_ONLY_KINDS]
        count = round(n * bad_ratio)
        if bad_ratio > 0 and n >= 200:
            count = max(count, len(kinds))
        # Skip the first few dumps so a duplicate always has an earlier dump to copy.
        candidates = list(range(min(n, 8), n))
        count = min(count, len(candidates))
        if not count:
            return {}
        wanted = kinds[:count] + [rng.choice(kinds) for _ in range(count - len(kinds))]
        fr_index = self.editions.index("fr") if "fr" in self.editions else -1
        width = len(self.editions)
        positions = rng.sample(candidates, count)
        placed = dict(zip(positions, wanted, strict=True))
        # Move French-only kinds onto French dumps by swapping with another bad position or
        # relocating to a free French position.
        for position, kind in list(placed.items()):
            if kind not in _FRENCH_ONLY_KINDS or position % width == fr_index:
                continue
            for _ in range(10_000):
                target = rng.choice(candidates)
                if target % width == fr_index and placed.get(target) not in _FRENCH_ONLY_KINDS:
                    break
            else:
                continue  # no French dump left to host it: bad_ratio near 1 on a tiny corpus
            del placed[position]
            if target in placed:
                placed[position] = placed[target]
            placed[target] = kind
        return placed

    # ---- assembly ---------------------------------------------------------------------------

    def run(self) -> Iterator[SampleFile]:
        rng = self.rng
        random_ = rng.random
        width = len(self.editions)
        heads = {e: ("\n" * 8 + "\n".join(_EDITIONS[e].widget) + "\n" * 4).encode() for e in self.editions}
        footers = {e: _EDITIONS[e].footer.encode() for e in self.editions}
        sizes = {e: _EDITIONS[e].ticker_size for e in self.editions}
        cursor = {e: [0, 0] for e in self.editions}  # [first unpublished, first possibly live]
        folders: dict[str, str] = {}
        folder_of_day: dict[tuple[str, int], str] = {}
        offsets: dict[int, float] = {}
        manifests: dict[str, list[tuple[str, str, float]]] = {}
        page_counter = dict.fromkeys(self.editions, 0)
        earlier: list[SampleFile] = []
        for position in range(self.n_dumps):
            slot, e_index = divmod(position, width)
            edition = self.editions[e_index]
            captured = int(self.t0 + slot * self.interval) + 30 * e_index + int(random_() * 26)
            mtime = captured + 1 + random_() * 5
            hour = captured // 3600
            offset = offsets.get(hour)
            if offset is None:
                moment = datetime.fromtimestamp(hour * 3600, UTC)
                offset = offsets[hour] = CASABLANCA.utcoffset(moment).total_seconds()
            day = int((captured + offset) // 86400)
            folder = folder_of_day.get((edition, day))
            if folder is None:
                iso_day = date.fromordinal(_EPOCH_ORDINAL + day).isoformat()
                folder = folder_of_day[(edition, day)] = f"{edition}/{iso_day}"
            if folders.get(edition) != folder:
                previous = folders.get(edition)
                if previous and manifests.get(previous):
                    yield _manifest(previous, manifests.pop(previous))
                folders[edition] = folder

            size = sizes[edition] + int(random_() * 5) - 2
            ticker = self._ticker(edition, captured, cursor[edition], size)
            kind = self.bad_at.get(position, "dump")
            if kind == "duplicate" and not earlier:
                kind = "dump"
            article = None if random_() < 0.10 else self._pick_article(edition, captured, rng)
            if kind == "dump" and article is None:
                kind = "ticker_only"
            if kind == "duplicate":
                # Same bytes, same capture, another name: re-ingesting it must change nothing.
                original = rng.choice(earlier[-50:])
                stem = original.relpath.removesuffix(".txt")
                yield SampleFile(f"{stem} (1).txt", original.data, original.mtime, kind)
                continue
            naming = random_()
            if naming < 0.89:
                stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(captured))
                name = f"maghress-{edition}_{stamp}.txt"
            else:
                page_counter[edition] += 1
                name = f"page-{page_counter[edition]}.txt"
                if naming < 0.99:  # the rest have neither name stamp nor manifest row: only mtime
                    local = datetime.fromtimestamp(captured, CASABLANCA)
                    iso = local.isoformat(timespec="seconds")
                    manifests.setdefault(folder, []).append((name, iso, mtime))
            encoded = self.streams[edition].encoded
            if kind == "dump":
                data = b"".join([encoded[j] for j in ticker]) + heads[edition] + article.blob
            elif kind == "ticker_only":
                data = b"".join([encoded[j] for j in ticker]) + heads[edition] + footers[edition]
            else:
                article = article or self._pick_article(edition, captured, rng)
                items = [self.streams[edition].items[j] for j in ticker]
                full = b"".join([encoded[j] for j in ticker]) + heads[edition] + article.blob
                data = self._bad_data(kind, edition, rng, full, heads, footers, items, article)
            sample = SampleFile(f"{folder}/{name}", data, mtime, kind)
            if kind == "dump":
                earlier.append(sample)
                if len(earlier) > 100:
                    del earlier[:50]
            yield sample
        for folder, rows in manifests.items():
            if rows:
                yield _manifest(folder, rows)

    def _ticker(self, edition: str, t: float, cursor: list[int], size: int) -> list[int]:
        """Stream indices of the `size` newest headlines live at t, newest first."""
        stream = self.streams[edition]
        published, expires = stream.published, stream.expires
        end, floor = cursor
        n = len(published)
        while end < n and published[end] <= t:
            end += 1
        # Nothing published more than the longest lifetime ago can still be live.
        while floor < end and published[floor] <= t - _MAX_LIFETIME:
            floor += 1
        cursor[0], cursor[1] = end, floor
        # Most recent headlines are still live: a window of 1.5 tickers usually suffices.
        low = max(floor, end - size - size // 2)
        picked = [j for j in range(end - 1, low - 1, -1) if expires[j] > t]
        if len(picked) < size and low > floor:
            picked += [j for j in range(low - 1, floor - 1, -1) if expires[j] > t]
        return picked[:size]

    def _bad_data(
        self,
        kind: str,
        edition: str,
        rng: random.Random,
        full: bytes,
        heads: dict[str, bytes],
        footers: dict[str, bytes],
        ticker: list[_Headline],
        article: _Article,
    ) -> bytes:
        if kind == "empty":
            return b""
        if kind == "whitespace":
            return "".join(rng.choice((" ", "\n", "\u00a0", "\t")) for _ in range(300)).encode()
        if kind == "random_bytes":
            return rng.randbytes(rng.randint(200, 4000))
        if kind == "nul_bytes":
            # What a crash mid-write leaves behind: the tail of the file is zero-filled.
            cut = rng.randint(len(full) // 3, 2 * len(full) // 3)
            return full[:cut] + b"\x00" * (len(full) - cut)
        if kind == "bom":
            return b"\xef\xbb\xbf" + full
        if kind == "cp1252":
            return full.decode().encode("cp1252")
        if kind == "mojibake":
            return full.decode("latin-1").translate(_CP1252_SLOPPY).encode()
        if kind == "truncated":
            lead = [i for i in range(len(full) * 2 // 3, len(full)) if full[i] >= 0xC0]
            cut = rng.choice(lead) + 1 if lead else len(full) - 1
            return full[:cut]
        if kind == "html":
            return _html_page(edition, ticker, article).encode()
        if kind == "article_only":
            start = 0 if rng.random() < 0.5 else 8  # first line empty, or the widget line itself
            return heads[edition][start:] + article.blob
        if kind == "empty_entries":
            return _with_empty_entries(rng, ticker) + heads[edition] + article.blob
        if kind == "no_content":
            return heads[edition][8:] + b"\n\n" + footers[edition]
        raise ValueError(f"unknown bad kind {kind!r}")


# Latin-1 code points 0x80-0x9F shown as their cp1252 glyphs; undefined ones stay as they are,
# which is what a sloppy Windows decoder does.
_CP1252_SLOPPY = {
    b: bytes([b]).decode("cp1252", errors="replace").replace("\ufffd", chr(b)) for b in range(0x80, 0xA0)
}


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method: lam stays below ~10 here, so the loop is short."""
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _variant(text: str) -> str:
    """A near-duplicate as another outlet words it: title words lower-cased, or no rubric."""
    words = text.split(" ")
    lowered = [w.lower() if i and w in _TITLE_WORDS else w for i, w in enumerate(words)]
    if lowered != words:
        return " ".join(lowered)
    rubric, sep, rest = text.partition(": " if ": " in text else " : ")
    if sep and len(rubric) < 25 and len(rest) > 20:
        return rest[:1].upper() + rest[1:]
    return text.rstrip(" !.") + "..."


# Capitalized by some outlets and not by others (the seed's "Grand Mufti" / "grand mufti").
_TITLE_WORDS = frozenset(
    "Grand Mufti Roi Chef Gouvernement Forces Armées Royales Département Etat Conseil Chambre "
    "Parlement Salon Festival Tribunal Cour Ministre Santé Coupe Trône".split()
)


_WEIRD_DATES = ("31 - 02 - 2021", "00 - 00 - 0000", "14 - 07 - 2031", "05 - 03 - 1990")
_DATE_STYLES = ("spaced", "dashed", "slashed", "month", "indic", "years_old", *_WEIRD_DATES)


def _byline_date(rng: random.Random, home: date, arabic: bool, style: str | None = None) -> str:
    """Publication date as bylines spell it: mostly days before, sometimes years; 1% nonsense.

    `style` forces one spelling (one of _DATE_STYLES) so even a small corpus shows each of them.
    """
    roll = rng.random()
    if style in _WEIRD_DATES or (style is None and roll < 0.01):
        return style or rng.choice(_WEIRD_DATES)
    if style == "years_old" or roll >= 0.91:
        day = home - timedelta(days=rng.randint(365, 12 * 365))
    elif roll < 0.70:
        day = home - timedelta(days=rng.randint(0, 3))
    else:
        day = home - timedelta(days=rng.randint(4, 60))
    if style is None:
        spell = rng.random()
        style = (
            "spaced" if spell < 0.90 else "dashed" if spell < 0.93 else "slashed" if spell < 0.96 else "month"
        )
    if style == "dashed":
        text = f"{day.day:02d}-{day.month:02d}-{day.year}"
    elif style == "slashed":
        text = f"{day.day:02d}/{day.month:02d}/{day.year}"
    elif style == "month":
        months = _AR_MONTHS if arabic else _FR_MONTHS
        text = f"{day.day} {months[day.month - 1]} {day.year}"
    else:
        text = f"{day.day:02d} - {day.month:02d} - {day.year}"
    if arabic and (style == "indic" or rng.random() < 0.15):
        text = text.translate(_ARABIC_INDIC)
    return text


def _article_body(
    rng: random.Random,
    slots: _Slots,
    context: dict[str, str],
    sentences: Sequence[str],
    captions: Sequence[str],
    target: int,
    paragraphs: list[str],
) -> list[str]:
    """Paragraph lines with short caption lines between some, about target bytes in all.

    New paragraphs are rendered into the shared `paragraphs` pool until it holds a hundred or so,
    then drawn from it: large corpora stay cheap and wire copy is shared across outlets anyway.
    """
    lines: list[str] = []
    if rng.random() < 0.1:
        lines.append(slots.fill(rng.choice(captions), context))
    used: set[str] = set()
    size = 0
    while size < target:
        if len(paragraphs) < 120:
            picked = dict.fromkeys(rng.sample(sentences, rng.randint(2, 5)))
            paragraph = " ".join(slots.fill(sentence, context) for sentence in picked)
            paragraphs.append(paragraph)
        else:
            paragraph = rng.choice(paragraphs)
            if paragraph in used:
                continue
        used.add(paragraph)
        if size and rng.random() < 0.45:
            lines.append(slots.fill(rng.choice(captions), context))
        lines.append(paragraph)
        size += len(paragraph.encode()) + 1
    if rng.random() < 0.1:
        lines.append(slots.fill(rng.choice(captions), context))
    return lines


def _with_empty_entries(rng: random.Random, ticker: list[_Headline]) -> bytes:
    """Ticker bytes with one or two empty anchors, i.e. runs of 8 NBSP, as in the Arabic one."""
    parts = [h.encoded for h in ticker]
    for _ in range(rng.randint(1, 2)):
        parts.insert(rng.randint(1, max(len(parts) - 1, 1)), NBSP4.encode())
    return b"".join(parts)


def _html_page(edition: str, ticker: list[_Headline], article: _Article) -> str:
    """The dump's content as the saved HTML page a scraper sometimes writes instead of text."""
    ed = _EDITIONS[edition]
    sep = "&nbsp;" * 4
    anchors = "".join(f'<a href="/{h.slug}/{h.item_id}">{html.escape(h.text)}</a>{sep}' for h in ticker)
    paragraphs = "".join(f"<p>{html.escape(line)}</p>\n" for line in article.body)
    direction = ' dir="rtl"' if edition == "ar" else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{edition}"{direction}><head><meta charset="utf-8">'
        f"<title>Maghress</title></head><body>\n<marquee>{anchors}</marquee>\n"
        f'<div class="report">{html.escape(ed.widget[0])} {html.escape(ed.widget[1])}</div>\n'
        f"<h1>{html.escape(article.title)}</h1>\n<p>{html.escape(article.byline)}</p>\n"
        f'{paragraphs}<p><a href="#source">{html.escape(ed.footer)}</a></p>\n</body></html>\n'
    )


def _manifest(folder: str, rows: list[tuple[str, str, float]]) -> SampleFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("file", "captured_at"))
    writer.writerows((name, captured_at) for name, captured_at, _ in rows)
    mtime = max(m for _, _, m in rows)
    return SampleFile(f"{folder}/manifest.csv", buffer.getvalue().encode(), mtime, "manifest")


if __name__ == "__main__":
    sys.exit(main())
