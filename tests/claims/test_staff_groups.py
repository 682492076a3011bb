"""Putting a user in Editors or Fact-checkers is what lets them into the admin: no separate
"staff" tick to forget. Leaving every editorial group takes it away (superusers keep it)."""

import pytest
from django.contrib.auth.models import Group

from claims.groups import EDITORS, FACT_CHECKERS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("group", [EDITORS, FACT_CHECKERS])
def test_joining_an_editorial_group_makes_a_user_staff_and_lets_them_log_in(client, group):
    user = UserFactory(username="newcomer", is_staff=False)
    client.force_login(user)
    assert client.get("/admin/").status_code == 302  # not staff: back to the login page

    user.groups.add(Group.objects.get(name=group))

    user.refresh_from_db()
    assert user.is_staff
    assert client.get("/admin/").status_code == 200


def test_leaving_every_editorial_group_removes_staff_and_the_reverse_side_works_too():
    editors = Group.objects.get(name=EDITORS)
    user = UserFactory(is_staff=False)
    editors.user_set.add(user)  # from the group's side, as a bulk edit would
    user.refresh_from_db()
    assert user.is_staff

    editors.user_set.remove(user)
    user.refresh_from_db()
    assert not user.is_staff


def test_a_superuser_keeps_staff_whatever_their_groups():
    admin = UserFactory(is_staff=True, is_superuser=True)
    admin.groups.add(Group.objects.get(name=FACT_CHECKERS))
    admin.groups.clear()
    admin.refresh_from_db()
    assert admin.is_staff
