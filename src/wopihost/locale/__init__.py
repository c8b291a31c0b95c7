"""The web UI's gettext catalogs: <ll>/LC_MESSAGES/messages.po (edited) and messages.mo (compiled)."""
