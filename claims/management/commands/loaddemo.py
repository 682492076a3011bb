import secrets
from pathlib import Path

from django.conf import settings
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
            help=(
                "Also create the 'admin' superuser and print the login. The password is kept in "
                "VAR_DIR/admin-password and stays the same across runs."
            ),
        )

    def handle(self, *args, admin: bool, **options):
        created = load_demo()
        summary = ", ".join(f"{count} {name}" for name, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded; created {summary}."))
        if admin:
            self._admin_login()

    def _admin_login(self) -> None:
        password_file = Path(settings.VAR_DIR) / "admin-password"
        password = kept_password(password_file)
        user, _ = get_user_model().objects.get_or_create(
            username="admin",
            defaults={"email": "admin@localhost", "first_name": "Demo", "last_name": "Editor"},
        )
        user.is_staff = user.is_superuser = True
        if not user.check_password(password):
            user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=EDITORS))
        self.stdout.write(
            self.style.WARNING(f"Admin login: admin / {password}  (at /admin/; kept in {password_file})")
        )


def kept_password(path: Path) -> str:
    """The password stored at `path`, or a new random one stored there (readable by the owner
    only): restarting `make run` must not change the login it printed the first time."""
    if path.exists():
        kept = path.read_text().strip()
        if kept:
            return kept
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    path.touch(mode=0o600)
    path.write_text(password + "\n")
    return password
