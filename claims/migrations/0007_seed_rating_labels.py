"""Seed the rating vocabulary with the labels real fact-checkers use.

Covers every label that occurs three times or more in the real ClaimReview data the importer
was tried on (Google Fact Check Tools, ClaimsKG, FACTCK.BR, publishers' own markup: English,
Portuguese, Spanish, French, Dutch, Indonesian, Arabic and Chinese publishers as Google
translates them, Czech/Slovak, ...) plus the Ukrainian and Russian labels of the fact-checkers
this newsroom reads. Sentences written as ratings ("Although the nature of any armed
conflict ...") are not labels: they stay unrated with their text kept. Editors add more in the
admin. The list is frozen here (not imported from code) so this migration never changes.
"""

import re
import unicodedata

from django.db import migrations

T, MT, MX, MS, MF, F, U, N = (
    "true",
    "mostly_true",
    "mixed",
    "misleading",
    "mostly_false",
    "false",
    "unproven",
    "unrated",
)

LABELS = [
    # True
    (T, "en", ["True", "Correct", "Accurate", "Verified", "Correct Attribution"]),
    (T, "pt", ["Verdadeiro", "Verdade"]),
    (T, "es", ["Verdadero", "Cierto"]),
    (T, "fr", ["Vrai"]),
    (T, "uk", ["Правда", "Це правда"]),
    (T, "ru", ["Это правда", "Верно"]),
    # Mostly true
    (MT, "en", ["Mostly True", "Mostly Correct", "Mostly Accurate", "Largely True", "Largely Accurate"]),
    (MT, "pt", ["Verdadeiro, mas"]),
    (MT, "uk", ["Переважно правда"]),
    (MT, "ru", ["В основном правда", "Скорее правда"]),
    # Mixed
    (MX, "en", ["Mixture", "Mixed", "Half True", "Half-True", "Partly True", "Partially True"]),
    (MX, "pt", ["Discutível", "Meia verdade"]),
    (MX, "uk", ["Напівправда", "Частково правда"]),
    (MX, "ru", ["Полуправда", "Частично правда"]),
    # Misleading
    (
        MS,
        "en",
        [
            "Misleading",
            "Mislead",
            "Misleading Material",
            "Misleading: Old video",
            "Missing Context",
            "Lacks Context",
            "Needs Context",
            "Out of Context",
            "False Context",
            "Decontextualized",
            "Miscaptioned",
            "Cherry-picked",
            "Exaggerated",
            "Exaggeration",
            "Spin",
            "Distorted",
            "Deceitful",
        ],
    ),
    (MS, "pt", ["Enganoso", "Sem contexto", "Distorcido", "Exagerado", "Subestimado", "Fora de contexto"]),
    (MS, "es", ["Engañoso", "Sin contexto", "Exagerado"]),
    (MS, "fr", ["Trompeur", "Manque de contexte"]),
    (MS, "uk", ["Маніпуляція", "Вводить в оману", "Перебільшення"]),
    (MS, "ru", ["Манипуляция", "Вводит в заблуждение", "Преувеличение"]),
    # Mostly false
    (MF, "en", ["Mostly False", "Partly False", "Partially False", "Largely False", "Largely Inaccurate"]),
    (MF, "pt", ["Parcialmente falso"]),
    (MF, "uk", ["Переважно неправда", "Частково неправда"]),
    (MF, "ru", ["В основном неправда", "Скорее неправда", "Частично неправда"]),
    # False
    (
        F,
        "en",
        [
            "False",
            "Pants on Fire",
            "Fake",
            "Fake news",
            "Incorrect",
            "Inaccurate",
            "Wrong",
            "Untrue",
            "Mistake",
            "To lie",
            "Misinformation",
            "Injustice",
            "Altered",
            "Altered image",
            "Altered photo",
            "Altered media",
            "Manipulated",
            "Fabricated",
            "Four Pinocchios",
            "Hoax",
        ],
    ),
    (F, "pt", ["Falso", "Montagem"]),
    (F, "fr", ["Faux"]),
    (F, "nl", ["Onwaar", "Niet waar"]),
    (F, "id", ["Salah", "Hoaks"]),
    (F, "zh", ["錯誤", "错误", "不實", "假"]),
    (F, "de", ["Falsch"]),
    (F, "cs", ["Nepravda"]),
    (F, "uk", ["Неправда", "Це неправда", "Фейк", "Брехня"]),
    (F, "ru", ["Ложь", "Неверно", "Это неправда"]),
    # Unproven
    (
        U,
        "en",
        [
            "Unproven",
            "Unverified",
            "Unsupported",
            "Unsubstantiated",
            "No evidence",
            "Not proven",
            "Research in progress",
        ],
    ),
    (U, "pt", ["Impossível provar", "Ainda é cedo para dizer", "Insustentável"]),
    (U, "uk", ["Не доведено", "Недостатньо доказів"]),
    (U, "ru", ["Не доказано"]),
    # Labels that are not a verdict on truth: kept as their words, never placed on our scale.
    (N, "en", ["Other", "Flip-flop", "Satire", "Labeled Satire", "Opinion"]),
    (N, "pt", ["De olho"]),
]

SURROUNDING = " .!?:;,\"'“”„«»‘’()[]"


def key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_]+", " ", text).strip(SURROUNDING)[:200]


def seed(apps, schema_editor):
    RatingLabel = apps.get_model("claims", "RatingLabel")
    seen = set()
    rows = []
    for rating, language, labels in LABELS:
        for label in labels:
            if key(label) not in seen:
                seen.add(key(label))
                rows.append(RatingLabel(label=label, key=key(label), rating=rating, language=language))
    RatingLabel.objects.bulk_create(rows, ignore_conflicts=True)


def unseed(apps, schema_editor):
    RatingLabel = apps.get_model("claims", "RatingLabel")
    keys = [key(label) for _, _, labels in LABELS for label in labels]
    RatingLabel.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0006_external_reviews")]

    operations = [migrations.RunPython(seed, unseed)]
