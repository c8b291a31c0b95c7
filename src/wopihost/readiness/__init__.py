"""The go-live dossier: a deployment checked against Microsoft's shipping requirements."""
