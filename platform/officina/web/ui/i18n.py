"""Languages of the UI: English and Simplified Chinese, chosen per user.

The UI's own texts are translated with Flask-Babel from the `.po` catalogs
beside this module (compiled in memory when first used, so there is no
build step); the texts of the definitions (labels, help, options) carry
their own translations and are shown with the `tr` filter.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, g, request, session
from flask_babel import Babel, Domain, get_locale

from officina.app import runtime

CATALOGS = Path(__file__).parent / "translations"
NAMES = {"en": "English", "zh": "简体中文"}


class CatalogDomain(Domain):
    """Flask-Babel's message domain, reading `.po` catalogs directly."""

    def __init__(self):
        super().__init__(domain="messages")
        self._compiled: dict[str, Translations | NullTranslations] = {}

    def get_translations(self):
        locale = str(get_locale() or "en")
        if locale not in self._compiled:
            self._compiled[locale] = _compile(locale)
        return self._compiled[locale]


def _compile(locale: str):
    path = CATALOGS / locale.split("_")[0] / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def language() -> str:
    """The language of the current page: the user's, else the one chosen on
    the sign-in page, else the browser's best match among the site's."""
    available = runtime().site.languages
    user = g.get("user")
    if user is not None and user.language in available:
        return user.language
    chosen = session.get("lang")
    if chosen in available:
        return chosen
    return request.accept_languages.best_match(available) or available[0]


def install(app: Flask) -> None:
    babel = Babel(app, locale_selector=language)
    babel.domain_instance = CatalogDomain()

    @app.template_filter("tr")
    def translate_label(label) -> str:
        """A definitions label in the page's language."""
        return label.get(language()) if label is not None else ""

    @app.context_processor
    def languages():
        return {
            "site_languages": [
                (code, NAMES.get(code) or Locale.parse(code).display_name)
                for code in runtime().site.languages
            ],
            "page_language": language,
        }
