"""The file types each shaped discovery lists, as the real clients' discovery documents list them.

Collabora Online names its Office-compatible apps (writer, calc, ...) with each extension's action, and
repeats each type as a MIME-type app with ext=""; ONLYOFFICE Docs lists view-only and editable extensions
per editor, and its MIME-type apps carry edit actions for editable types and view and convert actions
for the others.
"""

from __future__ import annotations

# Collabora: app name, then "extension:action" in the order its discovery lists them.
COLLABORA_APPS: tuple[tuple[str, str], ...] = (
    (
        "writer",
        "sxw:view odt:edit fodt:edit stw:view ott:view doc:edit dot:view docx:edit docm:edit "
        "dotx:view dotm:view wpd:view pdb:view hwp:view wps:view wri:view lrf:view mw:view rtf:edit "
        "txt:edit fb2:view cwk:view pages:view abw:view 602:view",
    ),
    ("writer-global", "sxg:view odm:edit otm:view"),
    ("writer-web", "oth:edit"),
    (
        "calc",
        "sxc:view ods:edit fods:edit stc:view ots:view xls:edit xla:edit xltx:view xltm:view "
        "xlsx:edit xlsb:edit xlsm:edit dif:edit slk:edit csv:edit dbf:edit wk1:view gnumeric:view "
        "numbers:view",
    ),
    (
        "impress",
        "sxi:view odp:edit fodp:edit sti:view otp:view ppt:edit pot:view pptx:edit pptm:edit "
        "potx:view potm:view ppsx:edit cgm:view key:view",
    ),
    (
        "draw",
        "sxd:view odg:edit fodg:edit std:view otg:view svg:view dxf:view emf:view wmf:view cdr:view "
        "vsd:view vsdx:view vss:view pub:view p65:view wpg:view fh:view bmp:view png:view gif:view "
        "tiff:view jpg:view jpeg:view pdf:view_comment",
    ),
)
# Collabora's MIME-type apps and the one action each offers (ext="").
COLLABORA_MIME_APPS: tuple[tuple[str, str], ...] = (
    ("image/svg+xml", "view"),
    ("application/vnd.ms-powerpoint", "edit"),
    ("application/vnd.ms-excel", "edit"),
    ("application/vnd.sun.xml.writer", "view"),
    ("application/vnd.oasis.opendocument.text", "edit"),
    ("application/vnd.oasis.opendocument.text-flat-xml", "edit"),
    ("application/vnd.sun.xml.calc", "view"),
    ("application/vnd.oasis.opendocument.spreadsheet", "edit"),
    ("application/vnd.oasis.opendocument.spreadsheet-flat-xml", "edit"),
    ("application/vnd.sun.xml.impress", "view"),
    ("application/vnd.oasis.opendocument.presentation", "edit"),
    ("application/vnd.oasis.opendocument.presentation-flat-xml", "edit"),
    ("application/vnd.sun.xml.draw", "edit"),
    ("application/vnd.oasis.opendocument.graphics", "edit"),
    ("application/vnd.oasis.opendocument.graphics-flat-xml", "edit"),
    ("application/vnd.oasis.opendocument.chart", "edit"),
    ("application/vnd.sun.xml.writer.global", "view"),
    ("application/vnd.oasis.opendocument.text-master", "edit"),
    ("application/vnd.sun.xml.writer.template", "view"),
    ("application/vnd.oasis.opendocument.text-template", "view"),
    ("application/vnd.oasis.opendocument.text-master-template", "view"),
    ("application/vnd.sun.xml.calc.template", "view"),
    ("application/vnd.oasis.opendocument.spreadsheet-template", "view"),
    ("application/vnd.sun.xml.impress.template", "view"),
    ("application/vnd.oasis.opendocument.presentation-template", "view"),
    ("application/vnd.sun.xml.draw.template", "view"),
    ("application/vnd.oasis.opendocument.graphics-template", "view"),
    ("application/msword", "edit"),
    ("application/msword", "edit"),
    ("application/vnd.ms-excel", "edit"),
    ("application/vnd.ms-powerpoint", "edit"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "edit"),
    ("application/vnd.ms-word.document.macroEnabled.12", "edit"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.template", "view"),
    ("application/vnd.ms-word.template.macroEnabled.12", "view"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.template", "view"),
    ("application/vnd.ms-excel.template.macroEnabled.12", "view"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "edit"),
    ("application/vnd.ms-excel.sheet.binary.macroEnabled.12", "edit"),
    ("application/vnd.ms-excel.sheet.macroEnabled.12", "edit"),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "edit"),
    ("application/vnd.ms-powerpoint.presentation.macroEnabled.12", "edit"),
    ("application/vnd.openxmlformats-officedocument.presentationml.template", "view"),
    ("application/vnd.ms-powerpoint.template.macroEnabled.12", "view"),
    ("application/vnd.wordperfect", "view"),
    ("application/x-hwp", "view"),
    ("application/vnd.ms-works", "view"),
    ("text/csv", "edit"),
    ("application/vnd.visio", "view"),
    ("application/vnd.ms-visio.drawing", "view"),
    ("text/rtf", "edit"),
    ("text/plain", "edit"),
    ("application/vnd.openxmlformats-officedocument.presentationml.slideshow", "edit"),
    ("image/bmp", "view"),
    ("image/png", "view"),
    ("image/gif", "view"),
    ("image/tiff", "view"),
    ("image/jpg", "view"),
    ("image/jpeg", "view"),
    ("application/pdf", "view_comment"),
)

# ONLYOFFICE: app, document type of its pages, conversion target, view-only and editable extensions.
ONLYOFFICE_EDITORS: tuple[tuple[str, str, str | None, str, str], ...] = (
    (
        "Word",
        "word",
        "docx",
        "djvu doc dot fodt htm mht mhtml oxps stw sxw wps wpt xml xps",
        "docm docx dotm dotx epub fb2 html odt ott rtf txt",
    ),
    ("Excel", "cell", "xlsx", "et ett fods sxc xls xlsb xlt", "csv ods ots xlsm xlsx xltm xltx"),
    ("PowerPoint", "slide", "pptx", "dps dpt fodp pot pps ppt sxi", "odp otp potm potx ppsm ppsx pptm pptx"),
    ("Pdf", "pdf", None, "", "pdf"),
)
ONLYOFFICE_FORMS = frozenset({"pdf"})
ONLYOFFICE_NEW = frozenset({"docx", "pptx", "xlsx"})
# ONLYOFFICE's MIME-type apps: type, document type, editable, and the extension the app stands for where
# it matters: a conversion's source, or a type with a blank document (editnew) or forms (formsubmit).
ONLYOFFICE_MIME_APPS: tuple[tuple[str, str, bool, str | None], ...] = (
    ("application/msword", "word", False, "doc"),
    ("application/vnd.oasis.opendocument.text-flat-xml", "word", False, "fodt"),
    ("application/vnd.ms-word.document.macroenabled.12", "word", True, None),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word", True, "docx"),
    ("application/vnd.ms-word.template.macroenabled.12", "word", True, None),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.template", "word", True, None),
    ("application/epub+zip", "word", True, None),
    ("text/html", "word", True, None),
    ("application/vnd.oasis.opendocument.text", "word", True, None),
    ("application/vnd.oasis.opendocument.text-template", "word", True, None),
    ("application/rtf", "word", True, None),
    ("text/rtf", "word", True, None),
    ("text/plain", "word", True, None),
    ("application/vnd.oasis.opendocument.spreadsheet-flat-xml", "cell", False, "fods"),
    ("application/vnd.ms-excel", "cell", False, "xls"),
    ("application/vnd.ms-excel.sheet.binary.macroenabled.12", "cell", False, "xlsb"),
    ("text/csv", "cell", True, None),
    ("application/vnd.oasis.opendocument.spreadsheet", "cell", True, None),
    ("application/vnd.oasis.opendocument.spreadsheet-template", "cell", True, None),
    ("application/vnd.ms-excel.sheet.macroenabled.12", "cell", True, None),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "cell", True, "xlsx"),
    ("application/vnd.ms-excel.template.macroenabled.12", "cell", True, None),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.template", "cell", True, None),
    ("application/vnd.oasis.opendocument.presentation-flat-xml", "slide", False, "fodp"),
    ("application/vnd.ms-powerpoint", "slide", False, "pot"),
    ("application/vnd.oasis.opendocument.presentation", "slide", True, None),
    ("application/vnd.oasis.opendocument.presentation-template", "slide", True, None),
    ("application/vnd.ms-powerpoint.template.macroenabled.12", "slide", True, None),
    ("application/vnd.openxmlformats-officedocument.presentationml.template", "slide", True, None),
    ("application/vnd.ms-powerpoint.slideshow.macroenabled.12", "slide", True, None),
    ("application/vnd.openxmlformats-officedocument.presentationml.slideshow", "slide", True, None),
    ("application/vnd.ms-powerpoint.presentation.macroenabled.12", "slide", True, None),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "slide", True, "pptx"),
    ("application/pdf", "pdf", True, "pdf"),
)

# Office Online Server: app, action, extensions ("source>target" for conversions), requires. OneNote and
# WopiTest are left out: the development client has no pages for them.
OOS_ACTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("Word", "view", "doc docm docx dot dotm dotx odt rtf", ""),
    ("Word", "embedview", "doc docm docx dot dotm dotx odt rtf", ""),
    ("Word", "edit", "docm docx odt", "locks,update"),
    ("Word", "editnew", "docx dotx odt", "locks,update"),
    ("Word", "convert", "doc>docx", ""),
    ("WordPdf", "view", "pdf", ""),
    ("WordPdf", "embedview", "pdf", ""),
    ("Excel", "view", "csv ods xls xlsb xlsm xlsx", ""),
    ("Excel", "embedview", "xlsb xlsm xlsx", ""),
    ("Excel", "edit", "ods xlsb xlsm xlsx", "update"),
    ("Excel", "editnew", "xlsx", "update"),
    ("Excel", "convert", "csv>xlsx xls>xlsx", "update"),
    ("PowerPoint", "view", "odp pot potm potx pps ppsm ppsx ppt pptm pptx", ""),
    ("PowerPoint", "embedview", "odp pot potm potx pps ppsm ppsx ppt pptm pptx", ""),
    ("PowerPoint", "edit", "odp ppsx pptx", "update"),
    ("PowerPoint", "editnew", "odp pptx", "update"),
    ("PowerPoint", "convert", "pps>pptx ppt>pptx", ""),
)
