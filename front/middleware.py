"""The reader's language for the public pages, from the URL prefix (/en/, /uk/, /ru/)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# Paths outside the translated site: they keep the default language and no Vary: Accept-Language.
UNTRANSLATED_PREFIXES = ("/admin/", "/api/", "/healthz", "/static/", "/media/", "/sitemap", "/robots.txt")


class PublicLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware for the public pages only.

    The admin and the API keep answering in the default language whatever the browser asks for,
    as they did before the public pages existed; a bare `/` is redirected to the reader's
    language (Accept-Language) by the parent class.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith(UNTRANSLATED_PREFIXES):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return
        super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path_info.startswith(UNTRANSLATED_PREFIXES):
            return response
        return super().process_response(request, response)
