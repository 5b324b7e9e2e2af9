"""Every string the End User Portal marks is translated in Spanish, French and German.

The strings are extracted the way ``make translations`` does (babel.cfg, babel's extraction API),
so a string added to a template, a view, a form or a service (``N_``) and not yet translated
fails here, naming it.
"""

from __future__ import annotations

import pytest

from tests.i18n_check import PLACEHOLDER, TRANSLATED, catalogue, extracted


def _placeholders(text: str | tuple[str, ...]) -> set[str]:
    texts = text if isinstance(text, tuple) else (text,)
    return {name for t in texts for name in PLACEHOLDER.findall(t)}


def test_the_extraction_finds_the_portal_and_not_the_vendor_side():
    found = extracted()
    assert len(found) > 400
    assert "Reset %(device)s? It is deactivated and the license counts down by one." in found  # a template
    assert "No free seat: all %(seats)s seats of this license are assigned." in found  # a service's N_
    assert ("Issued %(num)s license of %(product)s.", "Issued %(num)s licenses of %(product)s.") in found
    assert all("templates/vendor/" not in f for files in found.values() for f in files)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_portal_string_has_a_translation(locale):
    catalog = catalogue(locale)
    missing, fuzzy = [], []
    for msgid, files in extracted().items():
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = catalog.get(key)
        strings = message.string if message and isinstance(message.string, tuple) else (message and message.string,)
        if message is None or not all(strings):
            missing.append(f"{key!r} ({files[0]})")
        elif message.fuzzy:
            fuzzy.append(f"{key!r} ({files[0]})")
    assert not missing, f"not translated in {locale}; run `make translations` and fill them in:\n" + "\n".join(missing)
    assert not fuzzy, f"fuzzy in {locale}; check them and drop the flag:\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_their_placeholders(locale):
    wrong = []
    for message in catalogue(locale):
        if not message.id or not message.string:
            continue
        wanted = _placeholders(message.id)
        for string in message.string if isinstance(message.string, tuple) else (message.string,):
            # A plural's translation may leave out %(num)s ("une licence"), never use another name.
            if _placeholders(string) - wanted or wanted - _placeholders(string) - {"num"}:
                wrong.append(f"{message.id!r} -> {string!r}")
    assert not wrong, "\n".join(wrong)


def test_each_catalogue_says_its_language_and_plural_rule():
    for locale in TRANSLATED:
        catalog = catalogue(locale)
        assert str(catalog.locale) == locale
        assert catalog.plural_expr and catalog.num_plurals >= 2
        assert not catalog.fuzzy
