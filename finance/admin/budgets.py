"""Budget lines in the admin, with planned against actual figures and a budget report per event."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from finance.models import BudgetLine, Direction
from finance.services.budgets import Figures, budget_vs_actual, line_figures
from geventator.currencies import format_money
from organizers.admin_mixins import EventScopedAdmin, event_or_404, scoped_list_filter
from organizers.models import Event


class BudgetLineChangeList(ChangeList):
    """Actual and committed amounts of the whole page from one grouped query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        self.result_list = list(self.result_list)
        figures = line_figures(self.result_list)
        for line in self.result_list:
            line.figures = figures[line.pk]


@admin.register(BudgetLine)
class BudgetLineAdmin(EventScopedAdmin):
    change_list_template = "admin/finance/budgetline/change_list.html"
    list_display = ["category", "direction", "planned_money", "actual", "committed", "variance", "owner", "event"]
    list_filter = ["direction", scoped_list_filter("event")]
    list_select_related = ["event", "category", "owner"]
    search_fields = ["category__name", "notes"]
    autocomplete_fields = ["event", "category"]
    readonly_fields = ["figures_overview"]
    fields = ["event", "category", "direction", "planned", "owner", "notes", "figures_overview"]

    def get_changelist(self, request: HttpRequest, **kwargs):
        return BudgetLineChangeList

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "owner" and field is not None and not request.user.is_superuser:
            # Members of the user's events (the model checks the line's own event); nobody else.
            from organizers import rules as perms

            field.queryset = field.queryset.filter(pk__in=list(perms.fellow_member_ids(request.user)))
        return field

    @staticmethod
    def _figures(line: BudgetLine) -> Figures:
        if not hasattr(line, "figures"):  # the change page: one line, one query
            line.figures = line_figures([line])[line.pk]
        return line.figures

    # "planned" is also an activity state; in Spanish the amount and the state differ in gender.
    @admin.display(description=pgettext_lazy("amount", "planned"), ordering="planned")
    def planned_money(self, line: BudgetLine) -> str:
        return format_money(line.planned, line.event.currency)

    @admin.display(description=_("actual (paid)"))
    def actual(self, line: BudgetLine) -> str:
        return format_money(self._figures(line).actual, line.event.currency)

    @admin.display(description=_("committed (approved)"))
    def committed(self, line: BudgetLine) -> str:
        return format_money(self._figures(line).committed, line.event.currency)

    @admin.display(description=_("variance (left)"))
    def variance(self, line: BudgetLine) -> str:
        figures = self._figures(line)
        return format_money(line.planned - figures.actual - figures.committed, line.event.currency)

    @admin.display(description=_("actual, committed and variance"))
    def figures_overview(self, line: BudgetLine) -> str:
        if line._state.adding:
            return "—"
        return gettext("Actual (paid) %(actual)s, committed (approved, not paid) %(committed)s, left %(left)s.") % {
            "actual": self.actual(line),
            "committed": self.committed(line),
            "left": self.variance(line),
        }

    # --- The budget report of an event ---------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(self.report_view)
        own = [path("report/<str:event_id>/", view, name="finance_budgetline_report")]
        return own + super().get_urls()

    def report_view(self, request: HttpRequest, event_id: str) -> HttpResponse:
        event = event_or_404(request, event_id, BudgetLine.get_perm("view"))
        report = budget_vs_actual(event)
        money = lambda amount: format_money(amount, report.currency)  # noqa: E731
        sections = []
        for direction in Direction:
            lines = [
                {
                    "line": line,
                    "planned": money(line.planned),
                    "actual": money(line.actual),
                    "committed": money(line.committed),
                    "variance": money(line.variance),
                    # An alarm for spending above plan only: income above plan is good news.
                    "over": direction == Direction.EXPENSE and line.variance < 0,
                }
                for line in report.lines
                if line.direction == direction
            ]
            totals = report.totals[direction]
            sections.append(
                {
                    "title": direction.label,
                    "lines": lines,
                    "planned": money(totals.planned),
                    "actual": money(totals.actual),
                    "committed": money(totals.committed),
                    "variance": money(totals.variance),
                    "unbudgeted": money(totals.unbudgeted),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Budget of %(event)s") % {"event": event.name},
            "event": event,
            "sections": sections,
        }
        return TemplateResponse(request, "admin/finance/budgetline/report.html", context)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        events = Event.objects.for_user(request.user).order_by("-start_date", "name")
        links = [(event.name, reverse("admin:finance_budgetline_report", args=[event.pk])) for event in events]
        return super().changelist_view(request, {**(extra_context or {}), "report_links": links})
