"""The messages the UI's scripts show, translated on the server and handed to them as JSON.

Scripts look a message up by its English text with `t()` (static/js/common.js); `{name}` placeholders are
filled in by the script. A message added to a script must be added here too, or it stays English.
"""

from __future__ import annotations

from wopihost.domain.locales import N_

JS_MESSAGES: tuple[str, ...] = (
    # common.js
    N_("The page has expired: reload it and try again."),
    N_("Something went wrong. Try again."),
    N_("The server could not be reached. Check your connection and try again."),
    # browser.js
    N_("Loading…"),
    N_("The folders could not be loaded"),
    N_("Counting what is inside…"),
    N_("What is inside the folder could not be counted. Try again."),
    N_("Too large: the limit is {limit}"),
    N_("Waiting"),
    N_("Upload progress of {name}"),
    N_("Uploading…"),
    N_("The upload failed: check your connection"),
    N_("Saved as {name}"),
    N_("Done"),
    N_("A file with this name exists"),
    N_("The upload failed ({status})"),
    N_("Replace"),
    N_("Keep both"),
    N_("Upload as a new version of the existing file"),
    # locks.js
    N_("Being edited by {editor}"),
    N_("End editing session"),
    N_("someone"),
    # share.js
    N_("Stop sharing with {name}"),
    N_("Remove"),
    N_("The sharing settings could not be loaded."),
    N_("Owner"),
    N_("Only the owner, {owner}, can share this file."),
    N_("Not shared with anyone yet."),
    # host.js
    N_("{name} (document editor)"),
    N_("The versions could not be loaded."),
    N_("Version {number}"),
    N_("(current)"),
    N_("Download version {number}"),
    N_("Download"),
    N_("Enter a file name without slashes."),
    N_("The name needs an extension, such as .docx or .pdf."),
    N_("No changes to save."),
    N_("The document could not be saved."),
    N_("Saved as {name}."),
    N_("The image could not be inserted."),
    N_("The images could not be listed."),
    N_("No images here: upload one next to this document first."),
    N_("Insert {name}"),
    N_("Insert"),
    N_("You cannot share this file."),
    N_("Editing — changes are saved to {brand} as you go."),
    N_("The version history is available to people the file is shared with."),
    N_("Saving a copy needs an account."),
    # share.js: people, roles and share links
    N_("Stop sharing"),
    N_(" with {name}"),
    N_("Nobody matches"),
    N_("1 person matches"),
    N_("{count} people match"),
    N_("Copied"),
    N_("Copy link"),
    N_("Access for {name}"),
    N_("Link ({role})"),
    N_("Remove the link ({role}, created {created})"),
    N_("password"),
    N_("expired"),
    # search.js
    N_("Show all results"),
    N_("Search in documents too"),
    N_("Search in documents"),
    N_("{count}+ results"),
    N_("1 result"),
    N_("{count} results"),
    N_("No names contain “{query}”."),
    N_("Search is not available right now."),
    # previews.js and pdfviewer.js
    N_("Page {page} of {pages} of {name}"),
    N_("Page {page} of {pages}"),
    N_("The preview could not be loaded."),
    N_("Preview of {name}"),
    N_("Preview {name}"),
    N_("Preview of the file"),
    N_("The preview is being prepared…"),
    N_("No preview is available for this file."),
    N_("Loading the preview…"),
    N_("This PDF is protected by a password and cannot be shown here."),
    N_("The PDF could not be opened."),
    # selection.js
    N_("1 item"),
    N_("{count} items"),
    N_("{count} selected"),
    N_("{count} can’t be downloaded and will be left out of a ZIP"),  # noqa: RUF001 (the script's text)
    N_("Selection cleared"),
    N_("Choose a folder…"),
)
