from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def local_name(name, name_bn):
    """The name a reader of the active language reads: the Bengali name while Bengali is
    active and there is one, else the English name.

    The one home of this rule: the models' `local_name` (LocalNameMixin), the
    `local_name` template filter (`{% load names %}`) and rows of names read with
    .values() (the reports) all call it."""
    if reads_bengali() and name_bn:
        return name_bn
    return name


def reads_bengali():
    """Whether the reader reads Bengali names (Bengali is the active language): the one
    test behind local_name() and the name order of lists (locations.selectors)."""
    return translation.get_language() == "bn"


class LocalNameMixin:
    """`local_name` for a model with a `name` and a `name_bn`."""

    @property
    def local_name(self):
        """The name in the active language (see local_name())."""
        return local_name(self.name, self.name_bn)


class BilingualName(LocalNameMixin, models.Model):
    name = models.CharField(_("name"), max_length=100)
    name_bn = models.CharField(_("name in Bengali"), max_length=100)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.local_name


class Division(BilingualName):
    class Meta(BilingualName.Meta):
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        constraints = [models.UniqueConstraint(fields=["name"], name="division_unique_name")]


class District(BilingualName):
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="districts", verbose_name=_("division")
    )

    class Meta(BilingualName.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="district_unique_name")
        ]


class Thana(BilingualName):
    class Kind(models.TextChoices):
        UPAZILA = "upazila", _("Upazila")
        METROPOLITAN = "metro", _("Metropolitan thana")

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="thanas", verbose_name=_("district")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.UPAZILA)

    class Meta(BilingualName.Meta):
        verbose_name = _("thana")
        verbose_name_plural = _("thanas")
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="thana_unique_name")
        ]
