from django.contrib import admin

from secondop.cases.models import Case, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("patient_name", "code", "created_at", "archived_at")
    inlines = [MembershipInline]
