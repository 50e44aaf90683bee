"""Who may call the JSON API: a key linked to an active agent, with the scope for the verb.

What the agent may see and do is then exactly the agent panel's: the views read tickets
through `Ticket.objects.visible_to(agent)` and change them through `tickets.operations`.
"""

from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

if TYPE_CHECKING:  # at run time DRF imports this module while rest_framework.views loads
    from rest_framework.views import APIView

from api.models import ApiKey


class ActsAsAgent(BasePermission):
    message = "This API key has no agent; it can only create tickets (POST /api/tickets.json)."

    def has_permission(self, request: Request, view: "APIView") -> bool:
        key = request.auth
        if not isinstance(key, ApiKey) or key.agent is None:
            self.message = ActsAsAgent.message
            return False
        if request.method in SAFE_METHODS:
            self.message = "This API key may not read tickets (it lacks the read scope)."
            return key.can_read
        self.message = "This API key may not change tickets (it lacks the write scope)."
        return key.can_write
