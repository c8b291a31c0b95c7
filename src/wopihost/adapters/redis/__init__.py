"""Redis adapters: state every node shares (sign-in throttling, web sessions, the discovery cache)."""
