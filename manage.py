#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Django keeps a settings error to itself so that `help` works, and a command such as
    # makemigrations then fails with "Models aren't loaded yet". Name the real problem instead.
    try:
        settings.INSTALLED_APPS  # noqa: B018 - loading the settings is the point
    except ImproperlyConfigured as exc:
        sys.exit(f"factcheck: {exc}")
    execute_from_command_line(sys.argv)
