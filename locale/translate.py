"""Fill locale/bn/LC_MESSAGES/django.po from a {msgid: msgstr} dictionary module.

A helper for translators, not part of the app: `python locale/translate.py table.py ...`
where each table module defines T = {msgid: translation or [singular, plural]}. Needs
polib (`pip install polib`). Untranslated entries are listed at the end."""

import importlib.util
import sys
from pathlib import Path

import polib

PO = Path(__file__).parent / "bn" / "LC_MESSAGES" / "django.po"


def load(path):
    spec = importlib.util.spec_from_file_location("table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.T


def main(tables):
    table = {}
    for path in tables:
        table.update(load(path))
    po = polib.pofile(str(PO))
    missing = []
    for entry in po:
        value = table.get(entry.msgid)
        if value is None:
            if not (entry.msgstr or any(entry.msgstr_plural.values())):
                missing.append(entry.msgid)
            continue
        if entry.msgid_plural:
            singular, plural = value if isinstance(value, list) else (value, value)
            entry.msgstr_plural = {0: singular, 1: plural}
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()
    print(f"{len(po) - len(missing)} translated, {len(missing)} missing")
    for msgid in missing:
        print("  missing:", msgid)


if __name__ == "__main__":
    main(sys.argv[1:])
