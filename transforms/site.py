"""The fixed text Maghress prints around an article, per edition: what the parser recognizes and the
sample generator writes (the French strings are the real seed dump's, byte for byte)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EditionText:
    """One edition's boilerplate: the report-image widget's two sentences, the byline, the footer."""

    widget: tuple[str, str]
    byline: str  # str.format with `outlet` and `date`
    footer: str


EDITIONS: dict[str, EditionText] = {
    "fr": EditionText(
        widget=(
            "Merci d'avoir signalé!",
            "Cette image sera automatiquement bloquée après qu'elle soit signalée par plusieurs personnes.",
        ),
        byline="Publié dans {outlet} le {date}",
        footer="Cliquez ici pour lire l'article depuis sa source.",
    ),
    "ar": EditionText(
        widget=(
            "شكرا على التبليغ!",
            "سيتم حجب هذه الصورة تلقائيا بعد أن يتم التبليغ عنها من طرف عدة أشخاص.",
        ),
        byline="نشر في {outlet} يوم {date}",
        footer="اضغط هنا لقراءة الخبر من مصدره.",
    ),
}
