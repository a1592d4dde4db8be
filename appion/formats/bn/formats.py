"""Django's Bengali formats, with numbers grouped the way Bangladesh writes them:
১২,৩৪,৫৬৭ (thousands, then lakhs and crores). Django's own bn module sets no grouping."""

from django.conf.locale.bn.formats import *  # noqa: F403

NUMBER_GROUPING = (3, 2, 0)
