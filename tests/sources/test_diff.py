"""The snapshot diff: near-linear alignment, a cap with a note, and editors' marks on places."""

import time

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from sources.align import opcodes
from sources.diff import MAX_ROWS, side_by_side
from sources.models import BlockKind, LearnedBlock, Snapshot, Source
from tests.factories import UserFactory


def test_repetitive_text_diffs_quickly_and_exactly():
    rows = ["Read more: the latest news from the region.", "Advertisement"] * 15_000
    old = "\n".join(rows)
    new_rows = list(rows)
    new_rows[10_001] = "Advertisement, sponsored"
    new_rows[20_000] = "Read more: the latest news from the capital."
    started = time.monotonic()
    diff = side_by_side(old, "\n".join(new_rows))
    assert time.monotonic() - started < 2
    changed = [r for r in diff if r.kind not in ("equal", "fold")]
    assert [(r.kind, r.left_number, r.right_number) for r in changed] == [
        ("replace", 10_002, 10_002),
        ("replace", 20_001, 20_001),
    ]


def test_opcodes_turn_one_sequence_into_the_other():
    a = [f"line {i % 7}" for i in range(500)]
    b = [*a[:100], "new", *a[120:300], *a[350:], "tail"]
    out = []
    for tag, i1, i2, j1, j2 in opcodes(a, b):
        out += a[i1:i2] if tag == "equal" else b[j1:j2]
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
    assert out == b


def test_a_huge_diff_is_cut_with_a_note():
    old = "\n".join(f"Paragraph {i} as it was." for i in range(MAX_ROWS * 2))
    new = "\n".join(f"Paragraph {i} as it is now." for i in range(MAX_ROWS * 2))
    rows = side_by_side(old, new)
    assert len(rows) == MAX_ROWS + 1
    assert (rows[-1].kind, rows[-1].folded) == ("cut", MAX_ROWS)


@pytest.fixture
def two_snapshots(db):
    source = Source.objects.create(url="https://news.example.org/a")
    Snapshot.objects.create(source=source, content_hash="a", text="Intro.\nUpdated 3 hours ago\nBody text.")
    Snapshot.objects.create(source=source, content_hash="b", text="Intro.\nUpdated 5 hours ago\nBody text.")
    return source


def test_editors_mark_a_place_from_the_diff_view(admin_client, two_snapshots):
    url = reverse("admin:sources_source_diff", args=[two_snapshots.pk])
    page = admin_client.get(url).content.decode()
    assert 'id="places"' in page and "Updated 5 hours ago" in page
    key = page.split('name="key" value="')[1].split('"')[0]
    mark = reverse("admin:sources_source_mark_block", args=[two_snapshots.pk])
    response = admin_client.post(
        mark, {"key": key, "kind": "noise", "text": "Updated 5 hours ago", "next": url}
    )
    assert (response.status_code, response["Location"]) == (302, url)
    assert LearnedBlock.objects.get(source=two_snapshots, key=key).kind == BlockKind.NOISE
    assert two_snapshots.snapshots.filter(seen_at__isnull=False).count() == 2  # retention keeps them

    assert admin_client.post(mark, {"key": key, "kind": "delete-all"}).status_code == 400
    assert admin_client.get(mark).status_code == 405
    away = admin_client.post(mark, {"key": key, "kind": "important", "next": "https://evil.example/"})
    assert away["Location"].startswith(reverse("admin:sources_source_diff", args=[two_snapshots.pk]))


def test_viewers_cannot_mark_places(client, two_snapshots):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_source"))
    client.force_login(viewer)
    page = client.get(reverse("admin:sources_source_diff", args=[two_snapshots.pk])).content.decode()
    assert 'name="kind"' not in page
    mark = reverse("admin:sources_source_mark_block", args=[two_snapshots.pk])
    assert client.post(mark, {"key": "^.0+0", "kind": "noise"}).status_code == 403
    assert not LearnedBlock.objects.exists()
