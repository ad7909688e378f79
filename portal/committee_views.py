"""The printable slip for a resident a committee registered (rule 10): who they are, their
reservation number, the draws it was in, whether it won, the purchase window, where the pack
goes and how they will be told. Served in the admin (`portal.admin`), which signs staff in."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from city.phones import mask_phone
from portal.selectors import committee_resident_for, committee_slip

# Whoever may view residents: officials, and committee staff for their own community.
VIEW_PERMISSION = "reservations.view_resident"


def slip(request, resident_id: int):
    """One resident's slip, as it stands now; another community's resident, or one with an
    account of their own, is "not found"."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    resident = committee_resident_for(user=request.user, resident_id=resident_id)
    if resident is None:
        raise Http404(_("No resident registered by your committee has this number."))
    content = committee_slip(resident=resident, now=timezone.now())
    context = {
        **admin.site.each_context(request),
        "title": _("Slip for %(name)s") % {"name": resident.name},
        "slip": content,
        "community": resident.community,
        "sms_phone": mask_phone(content.sms_phone) if content.sms_phone else "",
    }
    return TemplateResponse(request, "admin/portal/committee_slip.html", context)
