"""Implementations of the ports: SQL stores, blob stores, HTTP sources."""
