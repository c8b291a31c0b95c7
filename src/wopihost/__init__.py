"""wopihost: a WOPI host that stores Office documents and lets WOPI clients view and edit them."""

__version__ = "0.1.0"
