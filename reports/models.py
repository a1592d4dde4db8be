"""Daily roll-ups behind the staff overview, so that it reads a few thousand summary rows
instead of every appointment of the range.

A day's figures are recomputed from the appointments (reports.summary) whenever the day
is marked dirty: any change to an appointment or its history on that day marks it, after
the change commits. A day without a ReportDay row has never been summarised."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportDay(models.Model):
    day = models.DateField(_("day"), primary_key=True)
    dirty = models.BooleanField(_("needs recomputing"), default=True)

    class Meta:
        verbose_name = _("report day")
        verbose_name_plural = _("report days")

    def __str__(self):
        return str(self.day)


class ReportMonth(models.Model):
    """Whether a month's DOCTOR_MONTH rows still match its days' figures."""

    month = models.DateField(_("month"), primary_key=True)  # its first day
    dirty = models.BooleanField(_("needs recomputing"), default=True)

    class Meta:
        verbose_name = _("report month")
        verbose_name_plural = _("report months")

    def __str__(self):
        return f"{self.month:%Y-%m}"


class DailyFigure(models.Model):
    """One count of one day (in Asia/Dhaka) by one key of one kind."""

    class Kind(models.TextChoices):
        STATUS = "status", _("status")  # key: the status; amount: the fees
        CANCELLED_BY = "cancelled_by", _("cancelled by")  # key: patient, doctor, staff, system
        SPECIALIZATION = "specialization", _("specialization")  # key: its id ("" for none)
        DISTRICT = "district", _("district")  # key: the chamber's district id ("" for none)
        HOUR = "hour", _("hour")  # key: the hour the visit starts, 0–23
        DOCTOR = "doctor", _("doctor")  # key: the doctor's id; completed visits and their fees
        # The same summed over a calendar month (day: the 1st), so that a year's top
        # doctors read 12 rows a doctor instead of 365.
        DOCTOR_MONTH = "doctor_month", _("doctor, by month")

    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=20, blank=True)
    count = models.PositiveIntegerField(_("count"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        constraints = [
            # Also the index every report query uses: one kind over a range of days.
            models.UniqueConstraint(fields=["kind", "day", "key"], name="daily_figure_unique")
        ]

    def __str__(self):
        return f"{self.day} {self.kind} {self.key}: {self.count}"
