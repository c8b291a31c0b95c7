"""The web UI for people: sign-in, file browser, sharing, versions, and the host page for WOPI actions."""
