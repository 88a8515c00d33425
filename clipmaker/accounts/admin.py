from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from clipmaker.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "plan", "is_staff", "date_joined")
    list_filter = ("plan", "is_staff", "is_active")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Тариф", {"fields": ("plan", "time_zone")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Тариф", {"fields": ("plan",)}))
