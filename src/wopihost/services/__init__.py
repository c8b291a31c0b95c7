"""Use cases. Services talk to ports, never to adapters or HTTP."""
