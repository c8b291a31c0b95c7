"""The web UI's routes, one module per concern."""
