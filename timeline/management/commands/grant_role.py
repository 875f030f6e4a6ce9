"""Give a user a curation role (viewer, analyst or editor): staff status and the role's group."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from timeline.roles import ROLES, sync_role_permissions


class Command(BaseCommand):
    help = "Make USER a member of ROLE (viewer, analyst or editor) and let them log into the admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=ROLES)
        parser.add_argument("--remove", action="store_true", help="take the role away instead")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        try:
            user = users.objects.get(**{users.USERNAME_FIELD: options["username"]})
        except users.DoesNotExist as error:
            raise CommandError(
                f"no user '{options['username']}' (create it first: python3 dev.py manage createsuperuser "
                "or the admin's Users page)"
            ) from error
        if not Group.objects.filter(name=options["role"]).exists():
            sync_role_permissions()
        group = Group.objects.get(name=options["role"])
        if options["remove"]:
            user.groups.remove(group)
            self.stdout.write(f"{user.get_username()} is no longer {options['role']}")
            return
        user.groups.add(group)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        self.stdout.write(f"{user.get_username()} is now {options['role']} (staff: can log into /admin/)")
