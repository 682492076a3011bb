import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from claims.demo import load_demo
from claims.groups import EDITORS


class Command(BaseCommand):
    help = "Load the seed data set (Istanbul talks, 2022 demands, Bucha denial). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Also create (or reset the password of) the 'admin' superuser and print the login.",
        )

    def handle(self, *args, admin: bool, **options):
        created = load_demo()
        summary = ", ".join(f"{count} {name}" for name, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded; created {summary}."))
        if admin:
            self._admin_login()

    def _admin_login(self) -> None:
        # A fresh random password each time: the printed login is the only one that works.
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username="admin",
            defaults={"email": "admin@localhost", "first_name": "Demo", "last_name": "Editor"},
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=EDITORS))
        self.stdout.write(self.style.WARNING(f"Admin login: admin / {password}  (at /admin/)"))
