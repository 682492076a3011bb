from django.apps import AppConfig
from django.db.models.signals import post_save


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = "Sources and monitoring"

    def ready(self) -> None:
        from sources.models import Source
        from sources.monitor import check_new_source

        # Sources are created in many places (admin, citation forms, imports, loaddemo); this one
        # receiver, inside the app, makes each of them checked once its transaction commits.
        post_save.connect(check_new_source, sender=Source, dispatch_uid="sources.check_new_source")
