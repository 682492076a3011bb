import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from claims.models import Citation, Claim, Claimant, Rating, Status, Topic, Verdict
from sources.models import Source

pytestmark = pytest.mark.django_db

MODELS = (Claim, Claimant, Verdict, Citation, Topic, Source)


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_loaddemo_loads_the_seed_claims_and_is_idempotent():
    call_command("loaddemo", verbosity=0)
    first = _counts()
    call_command("loaddemo", verbosity=0)
    assert _counts() == first
    assert first["Claim"] >= 8

    bucha = Claim.objects.get(claimant__name="Vladimir Medinsky", statement__icontains="Bucha")
    assert bucha.claimed_on.isoformat() == "2022-04-06"
    assert bucha.status == Status.PUBLISHED
    assert bucha.verdicts.get(is_current=True).rating == Rating.FALSE
    assert Claim.objects.exclude(status=Status.PUBLISHED).exists()
    statements = " ".join(Claim.objects.values_list("statement", flat=True))
    for demand in ("Medvedchuk", "Donbas", "50,000", "neutral status", "Fomin", "Rubio", "sanctions"):
        assert demand in statements


def test_loaddemo_admin_prints_a_working_login(capsys, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # never the developer's own var/admin-password
    call_command("loaddemo", "--admin")
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Admin login"))
    password = line.split(" / ")[1].split()[0]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)


def test_the_admin_password_stays_the_same_across_runs_and_is_kept_privately(capsys, settings, tmp_path):
    settings.VAR_DIR = tmp_path

    def printed() -> str:
        call_command("loaddemo", "--admin")
        line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Admin login"))
        assert str(tmp_path / "admin-password") in line
        return line.split(" / ")[1].split()[0]

    first = printed()
    assert printed() == first
    assert get_user_model().objects.get(username="admin").check_password(first)
    assert (tmp_path / "admin-password").stat().st_mode & 0o077 == 0
