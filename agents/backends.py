"""The sign-in backend: Django's, with the user's agent record read in the same query, and
both remembered between requests like the rest of the desk's configuration."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from helpdesk.remembered import remembered_copy


class AgentAwareBackend(ModelBackend):
    """Every agent page needs the signed-in user and their agent record (agents.access).

    Users and agents are watched configuration (agents.apps): saving any of them (a password
    changed, an account deactivated, an agent moved to another department) makes every
    remembered copy stale at once, so a request never acts on a user as they were. Reading
    them from memory spares each signed-in page a query that cost a fifth of a reloaded
    queue. Users who are not agents come back as Django's would."""

    def get_user(self, user_id: Any) -> Any:
        user = remembered_copy(f"user:{user_id}", lambda: self._read_user(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def _read_user(user_id: Any) -> Any:
        # Signing in saves only `last_login`, which forgets nothing, so a remembered copy's
        # may be old: left unread, it is never written back by a save of the whole user
        # (Django saves only the fields an instance loaded).
        users = get_user_model()._default_manager.select_related("agent").defer("last_login")
        return users.filter(pk=user_id).first()
