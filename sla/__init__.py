"""SLA plans and deadline arithmetic (the SLA engine's jobs come with the SLA issue)."""
