"""Values and rules of the WOPI world, with no I/O."""
