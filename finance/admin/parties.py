"""Sponsors, donors, suppliers, customers and the pledges of sponsors and donors."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from finance.models import Party, Pledge
from finance.services.pledges import PledgeFigures, figures_for, overdue_ids
from geventator.currencies import format_money
from organizers.admin_mixins import EventScopedAdmin, scoped_list_filter


def _pledge_list_url(party: Party) -> str:
    return f"{reverse('admin:finance_pledge_changelist')}?{urlencode({'party__id__exact': str(party.pk)})}"


@admin.register(Party)
class PartyAdmin(EventScopedAdmin):
    list_display = ["name", "kind", "contact_name", "email", "phone", "pledges", "event"]
    list_filter = ["kind", scoped_list_filter("event")]
    search_fields = ["name", "contact_name", "email", "phone", "tax_id"]
    autocomplete_fields = ["event"]
    readonly_fields = ["pledges_overview"]
    fields = [
        "event",
        "kind",
        "name",
        "contact_name",
        "email",
        "phone",
        "address",
        "tax_id",
        "notes",
        "pledges_overview",
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(pledge_count=Count("pledges"))

    @admin.display(description=_("pledges"), ordering="pledge_count")
    def pledges(self, party: Party) -> str:
        if not party.pledge_count:
            return "—"
        label = ngettext("%(count)d pledge", "%(count)d pledges", party.pledge_count) % {"count": party.pledge_count}
        return format_html('<a href="{}">{}</a>', _pledge_list_url(party), label)

    @admin.display(description=_("pledges"))
    def pledges_overview(self, party: Party) -> str:
        """The party's pledges with what came in (one aggregate), and a link to add one."""
        if party._state.adding:
            return gettext("Save the party first, then add its pledges.")
        pledges = list(party.pledges.select_related("event").order_by("due_date", "created_at"))
        figures = figures_for(pledges)
        currency = party.event.currency
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a>: {} {}, {} {}, {} {}{}</li>',
            (
                (
                    reverse("admin:finance_pledge_change", args=[pledge.pk]),
                    " · ".join(filter(None, [pledge.get_kind_display(), pledge.tier])),
                    _("pledged"),
                    format_money(pledge.amount, currency),
                    _("received"),
                    format_money(figures[pledge.pk].received, currency),
                    _("outstanding"),
                    format_money(figures[pledge.pk].outstanding, currency),
                    format_html(" <strong>{}</strong>", _("overdue")) if figures[pledge.pk].overdue else "",
                )
                for pledge in pledges
            ),
        )
        query = urlencode({"event": str(party.event_id), "party": str(party.pk)})
        add = f"{reverse('admin:finance_pledge_add')}?{query}"
        return format_html(
            '<ul style="margin:0;padding-left:1.2em">{}</ul><a href="{}">{}</a>',
            rows or format_html("<li>{}</li>", _("No pledges yet.")),
            add,
            _("Add a pledge"),
        )


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue_ids(queryset))
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue_ids(queryset))
        return queryset


class PledgeChangeList(ChangeList):
    """Received, outstanding and overdue of the whole page from one aggregate query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        self.result_list = list(self.result_list)
        figures = figures_for(self.result_list)
        for pledge in self.result_list:
            pledge.figures = figures[pledge.pk]


@admin.register(Pledge)
class PledgeAdmin(EventScopedAdmin):
    list_display = ["party", "kind", "tier", "pledged", "received", "outstanding", "overdue", "due_date", "event"]
    list_filter = [
        OverdueFilter,
        "kind",
        scoped_list_filter("party"),
        scoped_list_filter("event"),
        "due_date",
    ]
    list_select_related = ["event", "party"]
    search_fields = ["party__name", "tier", "deliverables", "notes"]
    autocomplete_fields = ["event", "party"]
    readonly_fields = ["received", "outstanding", "overdue", "created_at"]
    fields = [
        "event",
        "party",
        "kind",
        "amount",
        "tier",
        "deliverables",
        "due_date",
        "notes",
        "received",
        "outstanding",
        "overdue",
        "created_at",
    ]

    def get_changelist(self, request: HttpRequest, **kwargs):
        return PledgeChangeList

    @staticmethod
    def _figures(pledge: Pledge) -> PledgeFigures | None:
        if pledge._state.adding:
            return None
        if not hasattr(pledge, "figures"):  # the change page: one pledge, one query
            pledge.figures = figures_for([pledge])[pledge.pk]
        return pledge.figures

    @admin.display(description=_("pledged"), ordering="amount")
    def pledged(self, pledge: Pledge) -> str:
        return format_money(pledge.amount, pledge.event.currency)

    @admin.display(description=_("received"))
    def received(self, pledge: Pledge) -> str:
        figures = self._figures(pledge)
        if figures is None:
            return "—"
        text = format_money(figures.received, pledge.event.currency)
        if figures.overpaid:
            extra = _("%(amount)s more than pledged") % {
                "amount": format_money(figures.overpaid, pledge.event.currency)
            }
            return f"{text} ({extra})"
        return text

    @admin.display(description=_("outstanding"))
    def outstanding(self, pledge: Pledge) -> str:
        figures = self._figures(pledge)
        return "—" if figures is None else format_money(figures.outstanding, pledge.event.currency)

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, pledge: Pledge) -> bool | None:
        figures = self._figures(pledge)
        return None if figures is None else figures.overdue
