"""The core: tickets, their thread and audit trail, and every operation that changes them."""
