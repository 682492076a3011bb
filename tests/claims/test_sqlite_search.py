"""Search on the embedded SQLite default folds case in every script, as PostgreSQL's does.

SQLite's LIKE and lower() fold only ASCII: "Референдум" found nothing where "референдум" found
the claim. Run in a fresh interpreter on a SQLite file, as `make run` uses it.
"""

import json

from tests.ops.conftest import production_env
from tests.servers import django_eval

CODE = """
import datetime
from django.core.management import call_command
call_command("migrate", verbosity=0)
from claims import search, selectors
from claims.models import Claim
from tests.factories import ClaimantFactory, ClaimFactory, VerdictFactory
claimant = ClaimantFactory()
ClaimFactory(statement="Референдум в Криму був законним.", claimant=claimant, claimed_on=datetime.date(2014, 3, 16))
ClaimFactory(statement="ÉLECTIONS truquées à Paris", claimant=claimant, claimed_on=datetime.date(2022, 4, 24))
ClaimFactory(statement="Nothing to see", claimant=claimant, claimed_on=datetime.date(2022, 4, 25))
terms = ["Референдум", "референдум", "РЕФЕРЕНДУМ", "КРИМУ законним", "élections", "PARIS ÉLECTIONS", "nothing", "Straße"]
print(json.dumps({t: list(search.search_claims(Claim.objects.all(), t).values_list("statement", flat=True)) for t in terms}))
"""


def test_non_ascii_search_is_case_insensitive_on_sqlite(tmp_path):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL=None, DEBUG="1")

    result = django_eval(CODE, env)

    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    crimea, paris, nothing = (
        "Референдум в Криму був законним.",
        "ÉLECTIONS truquées à Paris",
        "Nothing to see",
    )
    assert found == {
        "Референдум": [crimea],
        "референдум": [crimea],
        "РЕФЕРЕНДУМ": [crimea],
        "КРИМУ законним": [crimea],
        "élections": [paris],
        "PARIS ÉLECTIONS": [paris],
        "nothing": [nothing],
        "Straße": [],
    }
