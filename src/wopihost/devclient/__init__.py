"""The built-in development WOPI client."""
