"""The sign-in backend: Django's, with the user's agent record read in the same query."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AgentAwareBackend(ModelBackend):
    """Every agent page needs the signed-in user and their agent record (agents.access):
    one query instead of two. Users who are not agents come back as Django's would."""

    def get_user(self, user_id: Any) -> Any:
        users = get_user_model()._default_manager.select_related("agent")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
