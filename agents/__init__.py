"""The agent panel: queue, ticket page and actions, calling `tickets.operations`."""
