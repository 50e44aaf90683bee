"""The customer portal: forms and views only, calling `tickets.operations`."""
