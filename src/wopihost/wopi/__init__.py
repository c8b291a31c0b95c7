"""The WOPI REST surface: /wopi/files/{file_id} and /wopi/files/{file_id}/contents."""
