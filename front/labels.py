"""What readers see for our closed sets, in their language.

The models' labels are the editors' (and the API's) English; these are the public wording,
translated with the rest of the interface.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from claims.models import CitationRole, Rating
from sources.models import Health

RATINGS = {
    Rating.TRUE: pgettext_lazy("rating", "True"),
    Rating.MOSTLY_TRUE: pgettext_lazy("rating", "Mostly true"),
    Rating.MIXED: pgettext_lazy("rating", "Mixed"),
    Rating.MISLEADING: pgettext_lazy("rating", "Misleading"),
    Rating.MOSTLY_FALSE: pgettext_lazy("rating", "Mostly false"),
    Rating.FALSE: pgettext_lazy("rating", "False"),
    Rating.UNPROVEN: pgettext_lazy("rating", "Unproven"),
}

EVIDENCE_ROLES = {
    CitationRole.SUPPORTS: _("Supports the claim"),
    CitationRole.REFUTES: _("Refutes the claim"),
    CitationRole.CONTEXT: _("Context"),
}

# What the monitor's state means for a reader following the link.
SOURCE_STATES = {
    Health.UNCHECKED: _("not checked yet"),
    Health.OK: _("online as cited"),
    Health.REDIRECTED: _("moved to another address"),
    Health.CHANGED: _("changed since we cited it"),
    Health.FAILING: _("not reachable at the last check"),
    Health.BROKEN: _("no longer available"),
    Health.BLOCKED: _("not checked"),
}
