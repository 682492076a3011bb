"""Importing other publishers' ClaimReviews: every record kept as theirs, nothing published.

Fixtures are small and written for these tests, modelled on the real files the importer was
tried on (Google Fact Check Tools feed, ClaimsKG CSV, publishers' own JSON-LD).
"""

import copy
import datetime
import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from claims import importer
from claims.models import UNRATED, Claim, ExternalReview, LinkedBy, Rating, RatingLabel, Status, Verdict
from sources.models import Source
from tests.api.test_claimreview import GOOGLE_EXAMPLE
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(data, **kwargs) -> importer.ImportReport:
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return importer.import_reviews(io.BytesIO(raw), **kwargs)


def review(n: int = 1, **changes) -> dict:
    record = copy.deepcopy(GOOGLE_EXAMPLE)
    record["url"] = f"https://checker.example.org/checks/{n}"
    record["claimReviewed"] = f"Claim number {n}"
    record.update(changes)
    return record


def feed(*records) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [{"@type": "DataFeedItem", "item": [r]} for r in records],
    }


# --- Every record kept, as theirs ---------------------------------------------------------------


def test_one_article_checking_three_claims_is_three_records():
    url = "https://factcheck.example.org/three-claims-in-one-article/"
    report = run(feed(*(review(claimReviewed=f"Claim {c}", url=url) for c in "ABC")))
    assert report.created == 3
    assert sorted(ExternalReview.objects.values_list("claim_text", flat=True)) == [
        "Claim A",
        "Claim B",
        "Claim C",
    ]


def test_import_publishes_nothing_and_creates_no_verdict(client):
    published = ClaimFactory(statement="The world is flat", status=Status.DRAFT)
    run(feed(review(1), review(2, claimReviewed="The world is flat")))
    assert Claim.objects.count() == 1 and Verdict.objects.count() == 0
    assert Claim.objects.get().status == Status.DRAFT
    linked = ExternalReview.objects.get(claim_text="The world is flat")
    assert (linked.claim_id, linked.linked_by) == (published.id, LinkedBy.IMPORT)
    assert client.get("/api/v1/claims/").json()["results"] == []
    assert client.get("/api/v1/reviews/").json()["results"] == []  # our claim is not public


def test_the_record_is_kept_as_the_publisher_wrote_it():
    record = review(
        7,
        datePublished="2021-7-16",
        inLanguage="pt-BR",
        headline="Não, a Terra não é plana",
        author={
            "@type": "Organization",
            "name": "Checadores",
            "url": "https://checadores.example.br",
            "sameAs": ["https://twitter.com/checadores", "Facebook"],
        },
    )
    record["itemReviewed"]["appearance"] = [
        {"url": "https://video.example.org/1"},
        "https://social.example.org/post/2",
        "not a url",
    ]
    record["itemReviewed"]["firstAppearance"] = {"url": "https://blog.example.org/first"}
    report = run(record)
    stored = ExternalReview.objects.get()
    assert stored.date_published == datetime.date(2021, 7, 16)
    assert stored.date_published_text == "2021-7-16"
    assert stored.language == "pt-BR"
    assert (stored.author_name, stored.author_url) == ("Checadores", "https://checadores.example.br")
    assert stored.author_same_as == ["https://twitter.com/checadores"]
    assert stored.appearances == [
        "https://blog.example.org/first",
        "https://video.example.org/1",
        "https://social.example.org/post/2",
    ]
    assert stored.headline == "Não, a Terra não é plana"
    assert stored.body == ""  # no reviewBody was given: none is invented
    assert (stored.rating_text, stored.rating_value, stored.best_rating, stored.worst_rating) == (
        "False",
        "1",
        "5",
        "1",
    )
    assert stored.claimant_name == "Square World Society" and stored.claim_date == datetime.date(2016, 6, 20)
    assert report.warnings["author.sameAs ignored"] == 1
    assert report.warnings["itemReviewed.appearance ignored"] == 1
    assert not Source.objects.exists()  # no watched source from free text, or at all


@pytest.mark.parametrize(
    ("given", "kept"),
    [("zh-Hant-TW", "zh-Hant-TW"), ("fil", "fil"), (None, ""), ("English please", "")],
)
def test_any_bcp47_language_is_kept_and_none_is_invented(given, kept):
    run(review(inLanguage=given) if given else review())
    assert ExternalReview.objects.get().language == kept


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Mon, 09 Nov 2020 18:42:22 UTC +00:00", datetime.date(2020, 11, 9)),
        ("Sat, 07 Nov 2020", datetime.date(2020, 11, 7)),
        ("2021-01-05 05:00", datetime.date(2021, 1, 5)),
        ("2022-12-09T09:29:19.82+01:00", datetime.date(2022, 12, 9)),
        ("2021-7-6", datetime.date(2021, 7, 6)),
        ("2021-02-30", None),
        ("soon", None),
    ],
)
def test_dates_as_real_publishers_write_them(text, date):
    run(review(datePublished=text))
    stored = ExternalReview.objects.get()
    assert (stored.date_published, stored.date_published_text) == (date, text)


# --- Ratings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Faux", Rating.FALSE),
        ("Onwaar", Rating.FALSE),
        ("Salah", Rating.FALSE),
        ("錯誤", Rating.FALSE),
        ("Untrue", Rating.FALSE),
        ("Fake news", Rating.FALSE),
        ("Manipulated", Rating.FALSE),
        ("Miscaptioned", Rating.MISLEADING),
        ("Частково неправда", Rating.MOSTLY_FALSE),
        ("Перебільшення", Rating.MISLEADING),
        ("Це неправда", Rating.FALSE),
        ("  pants ON fire! ", Rating.FALSE),
        ("Verdadeiro, mas", Rating.MOSTLY_TRUE),
        ("Flip-flop", UNRATED),
        ("Although the nature of any armed conflict makes statistics hard, we doubt it.", UNRATED),
    ],
)
def test_real_rating_labels_in_their_languages(label, expected):
    run(review(reviewRating={"@type": "Rating", "alternateName": label}))
    stored = ExternalReview.objects.get()
    assert (stored.rating, stored.rating_text) == (expected, label.strip())


@pytest.mark.parametrize(
    ("rating", "expected"),
    [
        # AFP's real markup: the words say altered, the number says 5 of 5. Words win.
        (
            {"alternateName": "Altered image", "ratingValue": "5", "bestRating": "5", "worstRating": "1"},
            Rating.FALSE,
        ),
        # Unknown words: never trust the number instead.
        ({"alternateName": "Spicy", "ratingValue": "5", "bestRating": "5", "worstRating": "1"}, UNRATED),
        # No words, an explicit scale: the number is used, inverted scales too.
        ({"ratingValue": "1", "bestRating": "5", "worstRating": "1"}, Rating.FALSE),
        ({"ratingValue": 4, "bestRating": 0, "worstRating": 5}, Rating.MOSTLY_FALSE),
        ({"ratingValue": "3", "bestRating": "5", "worstRating": "1"}, Rating.MIXED),
        # No words and half a scale, or nonsense: unrated.
        ({"ratingValue": "4", "bestRating": "9"}, UNRATED),
        ({"ratingValue": "inf", "bestRating": "5", "worstRating": "1"}, UNRATED),
        ({"ratingValue": "7", "bestRating": "5", "worstRating": "1"}, UNRATED),
    ],
)
def test_numbers_only_on_an_explicit_scale_and_never_against_the_words(rating, expected):
    run(review(claimReviewed="x", reviewRating={"@type": "Rating", **rating}))
    assert ExternalReview.objects.get().rating == expected


def test_editors_extend_the_vocabulary_and_a_reimport_applies_it(admin_client):
    run(review(reviewRating={"alternateName": "Pinocchio absoluto"}))
    assert ExternalReview.objects.get().rating == UNRATED
    response = admin_client.post(
        "/admin/claims/ratinglabel/add/",
        {"label": "Pinocchio Absoluto!", "rating": "false", "language": "es"},
    )
    assert response.status_code == 302
    assert RatingLabel.objects.get(label="Pinocchio Absoluto!").key == "pinocchio absoluto"
    again = admin_client.post(
        "/admin/claims/ratinglabel/add/", {"label": "PINOCCHIO absoluto", "rating": "true"}
    )
    assert "already has this label" in again.content.decode()
    report = run(review(reviewRating={"alternateName": "Pinocchio absoluto"}))
    assert report.updated == 1 and ExternalReview.objects.get().rating == Rating.FALSE


def test_the_seeded_vocabulary_covers_the_frequent_real_labels():
    keys = set(RatingLabel.objects.values_list("key", flat=True))
    for label in ["Falso", "Exagerado", "Sem contexto", "Impossível provar", "Mixture", "mistake", "to lie"]:
        assert importer.rating_key(label) in keys, label


# --- Idempotency by identity -------------------------------------------------------------------------


def test_reimport_changes_nothing_and_duplicates_do_not_flip():
    twin = review(1, headline="Another headline for the same review")
    data = feed(review(1), review(2), twin)
    first = run(data)
    assert (first.created, first.duplicates) == (2, 1)
    stamps = dict(ExternalReview.objects.values_list("id", "updated_at"))
    second = run(data)
    assert (second.created, second.updated, second.unchanged, second.duplicates) == (0, 0, 2, 1)
    assert dict(ExternalReview.objects.values_list("id", "updated_at")) == stamps
    assert ExternalReview.objects.get(url=review(1)["url"]).headline == ""


def test_a_changed_record_updates_that_record_only():
    run(feed(review(1), review(2)))
    other = ExternalReview.objects.get(claim_text="Claim number 2")
    changed = review(1, reviewRating={"alternateName": "Mostly False"})
    report = run(feed(changed, review(2)))
    assert (report.updated, report.unchanged) == (1, 1)
    assert ExternalReview.objects.get(claim_text="Claim number 1").rating == Rating.MOSTLY_FALSE
    assert ExternalReview.objects.get(pk=other.pk).updated_at == other.updated_at


def test_an_at_id_is_the_identity_when_given():
    run(review(1, **{"@id": "https://checker.example.org/checks/1#review"}))
    report = run(
        review(1, **{"@id": "https://checker.example.org/checks/1#review", "claimReviewed": "Reworded"})
    )
    assert report.updated == 1
    assert ExternalReview.objects.get().claim_text == "Reworded"


def test_reimport_never_overrides_an_editors_link(admin_client):
    ours = ClaimFactory(statement="Claim number 1")
    other = ClaimFactory(statement="Something else entirely")
    run(review(1))
    stored = ExternalReview.objects.get()
    assert stored.claim_id == ours.id
    response = admin_client.post(f"/admin/claims/externalreview/{stored.pk}/change/", {"claim": other.pk})
    assert response.status_code == 302
    run(review(1, headline="Edited by them"))
    stored.refresh_from_db()
    assert (stored.claim_id, stored.linked_by, stored.headline) == (
        other.id,
        LinkedBy.EDITOR,
        "Edited by them",
    )


# --- Robust --------------------------------------------------------------------------------------


def _bad(raw_record: str) -> bytes:
    good = json.dumps(review(1))
    return f"[{good}, {raw_record}, {json.dumps(review(3))}]".encode()


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (
            '{"@type": "ClaimReview", "url": "https://x.example.org/a", "claimReviewed": "'
            + "y" * 2_000_000
            + '"}',
            "too large",
        ),
        ('{"@type": "ClaimReview", "reviewRating": {"ratingValue": ' + "9" * 400 + "}}", "too large"),
        ("[" * 100_000 + "]" * 100_000, "too deep"),
        ('{"@type": "ClaimReview", "claimReviewed": "no url"}', "no review url"),
        (
            '{"@type": "ClaimReview", "url": "https//typo.example.org", "claimReviewed": "x"}',
            "review url is not a URL",
        ),
        (
            '{"@type": "ClaimReview", "url": "http://localhost:8000/api/v1/claims/1/", "claimReviewed": "x"}',
            "one of our own reviews",
        ),
    ],
)
def test_one_bad_record_is_reported_and_the_rest_land(raw, kind):
    report = run(_bad(raw))
    assert report.created == 2
    assert report.skipped == {kind: 1}
    assert report.examples[kind][0].startswith("$[1]")


def test_hostile_text_is_stored_not_crashed_on():
    raw = json.dumps(review(1)).replace(
        "Claim number 1", "Claim \\ud800 with a lone surrogate and \\u0000 NUL"
    )
    report = run(raw.encode())
    assert report.created == 1
    # yajl decodes a lone surrogate as "?"; PostgreSQL cannot store NUL, so it is dropped.
    assert ExternalReview.objects.get().claim_text == "Claim ? with a lone surrogate and  NUL"
    assert report.warnings["claimReviewed"] == 1


def test_broken_json_stops_with_a_clear_error_after_keeping_complete_records():
    raw = json.dumps(feed(review(1)))[:-2].encode() + b", {broken"
    with pytest.raises(importer.InputError, match="invalid JSON"):
        run(raw)
    assert ExternalReview.objects.count() == 1


def test_graph_references_resolve_without_blowing_up():
    nodes = [
        {
            "@type": "Organization",
            "@id": f"#org{i}",
            "name": f"Org {i}",
            "member": [{"@id": f"#org{j}"} for j in range(200)],
        }
        for i in range(200)
    ]
    reviews = [review(i, author={"@id": f"#org{i % 200}"}) for i in range(300)]
    graph = {"@context": "https://schema.org", "@graph": [*reviews[:150], *nodes, *reviews[150:]]}
    started = time.monotonic()
    report = run(graph)
    assert time.monotonic() - started < 10
    assert report.created == 300 and report.ignored["not a ClaimReview"] == 200
    assert ExternalReview.objects.get(claim_text="Claim number 7").author_name == "Org 7"


# --- Shapes of the real world -----------------------------------------------------------------------------


def test_google_fact_check_tools_response():
    response = {
        "claims": [
            {
                "text": "Ukraine is selling weapons it received",
                "claimant": "social media users",
                "claimDate": "2022-08-01T00:00:00Z",
                "claimReview": [
                    {
                        "publisher": {"name": "AFP Fact Check", "site": "factcheck.afp.com"},
                        "url": "https://factcheck.afp.com/doc.afp.com.32FF4QL",
                        "title": "No evidence Ukraine is selling weapons",
                        "reviewDate": "2022-08-04T10:00:00Z",
                        "textualRating": "False",
                        "languageCode": "en",
                    },
                    {
                        "publisher": {"name": "Correctiv", "site": "correctiv.org"},
                        "url": "https://correctiv.org/faktencheck/2022/08/05/waffen/",
                        "textualRating": "Unbelegt",
                        "languageCode": "de",
                    },
                ],
            }
        ],
        "nextPageToken": "CAo",
    }
    report = run(response)
    assert report.created == 2
    afp = ExternalReview.objects.get(author_name="AFP Fact Check")
    assert (afp.author_url, afp.claimant_name, afp.claim_date) == (
        "https://factcheck.afp.com",
        "social media users",
        datetime.date(2022, 8, 1),
    )
    correctiv = ExternalReview.objects.get(author_name="Correctiv")
    assert (correctiv.language, correctiv.rating, correctiv.rating_text) == ("de", UNRATED, "Unbelegt")


CLAIMSKG_CSV = (
    ",rating_ratingValue,rating_worstRating,rating_bestRating,rating_alternateName,creativeWork_author_name,"
    "creativeWork_datePublished,creativeWork_author_sameAs,claimReview_author_name,claimReview_author_url,"
    "claimReview_url,claimReview_claimReviewed,claimReview_datePublished,claimReview_source,claimReview_author,"
    "extra_body,extra_refered_links,extra_title,extra_tags\n"
    "0,5,1,5,Altered image,Multiple,2021-7-27,,AFP Fact Check,,https://factcheck.afp.com/altered,"
    '"Photo shows a ""giant"" crowd",2021-7-28,afpfactcheck,,"Long article, with commas",,An altered photo,\n'
    "1,,,,False,,2021-07-21,,,,https://www.aap.com.au/transhuman/,,,factcheck_aap,,body,,Transhuman claims,\n"
)


def test_claimskg_csv():
    report = run(CLAIMSKG_CSV.encode())
    assert report.created == 2
    afp = ExternalReview.objects.get(author_name="AFP Fact Check")
    assert (afp.rating, afp.claim_text, afp.claim_date) == (
        Rating.FALSE,
        'Photo shows a "giant" crowd',
        datetime.date(2021, 7, 27),
    )
    assert ExternalReview.objects.get(author_name="factcheck_aap").headline == "Transhuman claims"


def test_mediareview_graph_and_type_spellings():
    data = [
        {
            "@type": "MediaReview",
            "associatedClaimReview": review(1, datePublished="Mon, 09 Nov 2020 18:42:22 UTC +00:00"),
        },
        {"@context": "https://schema.org", "@graph": [review(2, **{"@type": "schema:ClaimReview"})]},
        {"@type": "WebPage", "name": "not a review"},
    ]
    report = run(data)
    assert report.created == 2 and report.ignored["not a ClaimReview"] == 1


# --- Command: stdin, progress, summary, concurrency ---------------------------------------------


def _manage(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    return subprocess.run(
        [sys.executable, "manage.py", "import_claimreview", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def _test_database_url() -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_stdin_and_a_summary_grouped_by_reason():
    data = json.dumps(feed(review(1), review(2), {"@type": "ClaimReview", "claimReviewed": "x"})).encode()
    result = _manage("-", "--no-progress", stdin=data)
    assert result.returncode == 0, result.stderr.decode()
    assert "2 created, 0 updated, 0 unchanged" in result.stdout.decode()
    assert "skipped: 1 × no review url" in result.stderr.decode()
    again = _manage("-", stdin=data)
    assert "0 created, 0 updated, 2 unchanged" in again.stdout.decode()
    assert "record" in again.stderr.decode()  # the progress bar


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_the_same_feed_store_each_record_once():
    data = json.dumps(feed(*(review(i) for i in range(400)))).encode()
    reports, errors = [], []

    def work():
        try:
            reports.append(importer.import_reviews(io.BytesIO(data)))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ExternalReview.objects.count() == 400
    assert sum(r.created for r in reports) == 400
    assert sum(r.created + r.unchanged for r in reports) == 1200


def test_command_errors_for_unreadable_input(tmp_path, capsys):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_claimreview", str(tmp_path / "missing.json"), "--no-progress")
    scalar = tmp_path / "scalar.json"
    scalar.write_text("42")
    with pytest.raises(CommandError, match="expected a JSON object or array"):
        call_command("import_claimreview", str(scalar), "--no-progress")
    csv_file = tmp_path / "other.csv"
    csv_file.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="ClaimsKG's columns"):
        call_command("import_claimreview", str(csv_file), "--no-progress")


# --- Shown to editors and to the public, as theirs -----------------------------------------------


def test_editors_see_other_publishers_reviews_on_the_claim_page(admin_client):
    claim = ClaimFactory(statement="Claim number 1")
    run(review(1, author={"name": "AFP Fact Check"}, datePublished="2022-03-04"))
    page = admin_client.get(f"/admin/claims/claim/{claim.pk}/change/").content.decode()
    assert "Also checked by other publishers" in page
    assert "AFP Fact Check</a>, 2022-03-04: “False” (False)" in page
    assert 'href="https://checker.example.org/checks/1"' in page


def test_public_api_offers_reviews_of_public_claims_only_and_never_as_ours(client):
    from tests.factories import published_claim

    public = published_claim(statement="Claim number 1")
    ClaimFactory(statement="Claim number 2")  # a draft of ours
    run(feed(review(1, author={"name": "AFP Fact Check"}), review(2), review(3)))
    body = client.get("/api/v1/reviews/").json()
    (only,) = body["results"]
    assert (only["claim_id"], only["author_name"], only["url"]) == (
        public.id,
        "AFP Fact Check",
        "https://checker.example.org/checks/1",
    )
    assert (only["rating_text"], only["rating"], only["body"]) == ("False", "false", "")
    assert client.get(f"/api/v1/reviews/?claim={public.id}").json()["results"] == [only]
    assert client.get(only["api_url"].replace("http://testserver", "")).json() == only
    hidden = ExternalReview.objects.get(claim_text="Claim number 2")
    assert client.get(f"/api/v1/reviews/{hidden.pk}/").status_code == 404
    claims = client.get("/api/v1/claims/").json()["results"]
    assert [c["id"] for c in claims] == [public.id]
    assert claims[0]["verdict"]["headline"] == "False"  # ours, untouched by the import


def test_export_streams_ours_only_never_theirs(tmp_path):
    from tests.factories import published_claim

    ours = published_claim(statement="Claim number 1")
    run(feed(review(1, author={"name": "AFP Fact Check"}), review(2)))
    out = tmp_path / "feed.json"
    call_command("export_claimreview", "--output", str(out))
    exported = json.loads(out.read_text())
    assert exported["@type"] == "DataFeed"
    (element,) = exported["dataFeedElement"]
    (item,) = element["item"]
    assert item["claimReviewed"] == ours.statement
    assert item["author"]["name"] == "factcheck"
    assert "checker.example.org" not in out.read_text() and "AFP" not in out.read_text()
