// The development client's page script: renders the document, sends edits, polls for co-authors' changes
// and speaks the PostMessage protocol of Office for the web with the host page, or Collabora Online's
// dialect of it when the client presents Collabora's discovery shape (boot.client).
// PostMessage: https://learn.microsoft.com/microsoft-365/cloud-storage-partner-program/online/scenarios/postmessage
(function () {
  "use strict";

  const boot = JSON.parse(document.getElementById("devclient-boot").textContent);
  const flags = boot.postMessage;
  const origin = flags.origin;
  const urls = boot.urls;
  const api = "/api/p/" + encodeURIComponent(boot.pid);
  const editable = boot.mode === "edit";
  // Collabora announces its frame (Frame_Ready) before the host is ready, shares with UI_Share and asks
  // the host for Save As with UI_SaveAs; Office's Values carry wdUserSession and ui-language.
  const collabora = boot.client === "collabora";
  const $ = (id) => document.getElementById(id);

  // ---- PostMessage -------------------------------------------------------------------------------------

  const messaging = {
    hostReady: false,
    loaded: false,
    loadedAt: 0,
    statusSent: false,
    focusGrab: true,
    sent: [],
    received: [],
  };
  window.devclient = { boot: boot, messaging: messaging };

  // Messages go to PostMessageOrigin only; without one, nothing is sent.
  function send(messageId, values) {
    if (!origin || window.parent === window) {
      return false;
    }
    const message = {
      MessageId: messageId,
      SendTime: Date.now(),
      Values: collabora
        ? Object.assign({}, values || {})
        : Object.assign({}, values || {}, { wdUserSession: boot.userSession, "ui-language": boot.uiLanguage }),
    };
    window.parent.postMessage(JSON.stringify(message), origin);
    messaging.sent.push(message);
    return true;
  }

  function onMessage(event) {
    if (!origin || event.origin !== origin) {
      return;
    }
    let message;
    try {
      message = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
    } catch (error) {
      return;
    }
    if (!message || typeof message.MessageId !== "string") {
      return;
    }
    messaging.received.push(message.MessageId);
    if (message.MessageId === "Host_PostmessageReady") {
      messaging.hostReady = true;
      enablePostMessageButtons();
      sendLoadingStatus();
      return;
    }
    // Until App_LoadingStatus is sent the frame reacts to Host_PostmessageReady only.
    if (!messaging.statusSent) {
      return;
    }
    if (message.MessageId === "Blur_Focus") {
      messaging.focusGrab = false;
      document.body.classList.add("focus-blurred");
      if (document.activeElement && document.activeElement.blur) {
        document.activeElement.blur();
      }
    } else if (collabora && message.MessageId === "Action_InsertGraphic") {
      insertGraphic(message.Values || {});
    } else if (collabora && message.MessageId === "Action_SaveAs") {
      saveCopyAs(message.Values || {});
    } else if (message.MessageId === "Grab_Focus") {
      messaging.focusGrab = true;
      document.body.classList.remove("focus-blurred");
      grabFocus();
    }
  }

  function sendLoadingStatus() {
    if (messaging.hostReady && messaging.loaded && !messaging.statusSent) {
      messaging.statusSent = true;
      if (collabora) {
        send("App_LoadingStatus", { Status: "Document_Loaded", DocumentLoadedTime: messaging.loadedAt });
      } else {
        send("App_LoadingStatus", { DocumentLoadedTime: messaging.loadedAt });
      }
    }
  }

  // Collabora creates the copy the host named (PutRelativeFile), reports the outcome when asked to
  // (Action_Save_Resp with the new file's name), and opens the new file in the same frame: it leaves the
  // old document and loads the one at PutRelativeFile's Url, whose token it carries.
  async function saveCopyAs(values) {
    const name = typeof values.Filename === "string" ? values.Filename : "";
    const result = name ? await postJson("/saveas", { name: name }) : { error: "no file name" };
    if (!result) {
      return;
    }
    if (result.error) {
      showBanner("Couldn't save a copy: " + result.error);
    } else {
      showBanner("Saved a copy as " + result.name + ".");
    }
    if (values.Notify) {
      send("Action_Save_Resp", result.error ? { success: false, result: result.error } : { success: true, fileName: result.name });
    }
    if (!result.error && typeof result.url === "string" && result.url) {
      await openSavedCopy(result.url);
    }
  }

  async function openSavedCopy(url) {
    let wopi;
    try {
      wopi = new URL(url);
    } catch (error) {
      return;
    }
    const token = wopi.searchParams.get("access_token");
    if (!token) {
      return;
    }
    await leave();
    wopi.search = "";
    const launch = new URL(window.location.href);
    launch.searchParams.set("WOPISrc", wopi.toString());
    const form = document.createElement("form");
    form.method = "post";
    form.action = launch.toString();
    form.target = "_self";
    for (const [name, value] of [["access_token", token], ["access_token_ttl", wopi.searchParams.get("access_token_ttl") || "0"]]) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
  }

  // Insert image from storage: the host page picked an image after UI_InsertGraphic; Collabora's server
  // downloads it from the URL given.
  async function insertGraphic(values) {
    const result = await postJson("/insertgraphic", { url: values.url, filename: values.filename || "" });
    if (result) {
      showBanner(result.error ? "Couldn't insert the image: " + result.error : "Inserted " + result.filename + ".");
    }
  }

  // Collabora tells the host whether the document has unsaved changes whenever that changes.
  let modifiedSent = null;
  function modifiedStatus(modified) {
    if (collabora && messaging.statusSent && modified !== modifiedSent) {
      modifiedSent = modified;
      send("Doc_ModifiedStatus", { Modified: modified });
    }
  }

  // Collabora's restrictions for a user who may not take the document away: a watermark over the pages,
  // and copying blocked (DisableCopy).
  function applyProtection() {
    if (boot.watermark) {
      const mark = document.createElement("div");
      mark.className = "watermark";
      mark.id = "watermark";
      mark.textContent = boot.watermark;
      mark.setAttribute("aria-hidden", "true");
      document.body.appendChild(mark);
    }
    if (boot.disableCopy) {
      document.body.classList.add("no-copy");
      ["copy", "cut", "dragstart"].forEach((type) => document.addEventListener(type, (event) => event.preventDefault()));
    }
  }

  function frameReady() {
    if (collabora) {
      send("App_LoadingStatus", { Status: "Frame_Ready" });
    }
  }

  function documentLoaded() {
    messaging.loaded = true;
    messaging.loadedAt = Date.now();
    sendLoadingStatus();
  }

  // The inline script in <head> queued what arrived before this script ran.
  const early = window.devclientEarlyMessages || [];
  window.devclientEarlyMessages = { push: onMessage };
  early.forEach(onMessage);

  // ---- Header: breadcrumbs, buttons, presence, save status ---------------------------------------------

  const postMessageButtons = [];

  function addButton(label, id, handler, needsHost) {
    const button = document.createElement("button");
    button.type = "button";
    button.id = id;
    button.textContent = label;
    button.addEventListener("click", handler);
    if (needsHost && !messaging.hostReady) {
      button.disabled = true;
      postMessageButtons.push(button);
    }
    $("buttons").appendChild(button);
  }

  function enablePostMessageButtons() {
    postMessageButtons.forEach((button) => { button.disabled = false; });
  }

  function navigateTop(url) {
    try {
      window.top.location.href = url;
    } catch (error) {
      window.open(url, "_top");
    }
  }

  function buildHeader() {
    const crumbs = document.querySelector(".breadcrumbs");
    [["brand", "BreadcrumbBrandUrl"], ["folder", "BreadcrumbFolderUrl"]].forEach(([name, urlName]) => {
      const text = boot.breadcrumbs[name];
      if (!text) {
        return;
      }
      const link = document.createElement(urls[urlName] ? "a" : "span");
      link.textContent = text;
      if (urls[urlName]) {
        link.href = urls[urlName];
        link.target = "_top";
      }
      crumbs.appendChild(link);
      const sep = document.createElement("span");
      sep.className = "sep";
      sep.textContent = "›";
      crumbs.appendChild(sep);
    });
    const b = boot.buttons;
    if (b.edit) {
      addButton("Edit in Browser", "btn-edit", onEdit, flags.EditModePostMessage);
    }
    if (b.share) {
      addButton("Share", "btn-share", onShare, flags.FileSharingPostMessage || (collabora && flags.EnableShare));
    }
    if (b.saveAs) {
      addButton("Save As", "btn-saveas", onSaveAs, true);
    }
    if (b.insertImage) {
      addButton("Insert Image", "btn-insertimage", () => send("UI_InsertGraphic"), true);
    }
    if (b.versions) {
      addButton("Previous Versions", "btn-versions", onVersions, flags.FileVersionPostMessage);
    }
    if (b.download) {
      addButton("Download", "btn-download", onDownload, false);
    }
    if (b.print) {
      addButton("Print", "btn-print", () => window.print(), false);
    }
    if (b.signOut) {
      addButton("Sign out", "btn-signout", () => navigateTop(urls.SignoutUrl), false);
    }
    if (b.close) {
      addButton("Close", "btn-close", onClose, flags.ClosePostMessage);
    }
    if (b.rename) {
      setUpRename();
    }
    $("status-mode").textContent = { edit: "Editing", view: "Viewing", embedview: "Viewing" }[boot.mode] || "";
  }

  function onEdit() {
    if (flags.EditModePostMessage && send("UI_Edit")) {
      return;
    }
    navigateTop(urls.HostEditUrl);
  }

  function onShare() {
    if (collabora && flags.EnableShare && send("UI_Share")) {
      return;
    }
    if (!(flags.FileSharingPostMessage && send("UI_Sharing"))) {
      window.open(urls.FileSharingUrl, "_blank");
    }
  }

  async function onSaveAs() {
    await flushEdits();
    await fetch(api + "/save", { method: "POST" });
    send("UI_SaveAs", { format: (boot.fileName.split(".").pop() || "").toLowerCase() });
  }

  function onVersions() {
    if (!(flags.FileVersionPostMessage && send("UI_FileVersions"))) {
      window.open(urls.FileVersionUrl, "_blank");
    }
  }

  async function onDownload() {
    if (editable) {
      await flushEdits();
      await fetch(api + "/save", { method: "POST" });
    }
    window.open(urls.DownloadUrl, "_blank");
  }

  async function onClose() {
    await leave();
    if (flags.ClosePostMessage && send("UI_Close")) {
      return;
    }
    if (flags.CloseButtonClosesWindow) {
      window.top.close();
      return;
    }
    if (urls.CloseUrl) {
      navigateTop(urls.CloseUrl);
    }
  }

  function initials(name) {
    const parts = name.trim().split(/\s+/).filter(Boolean);
    return ((parts[0] || "?")[0] + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
  }

  function colorFor(name) {
    let hash = 0;
    for (const char of name) {
      hash = (hash * 31 + char.charCodeAt(0)) % 360;
    }
    // Dark enough for white initials at 4.5:1 (WCAG AA) on every hue.
    return "hsl(" + hash + ", 55%, 30%)";
  }

  function showPresence(participants) {
    const box = $("presence");
    box.textContent = "";
    participants.forEach((p) => {
      const avatar = document.createElement("span");
      avatar.className = "avatar";
      avatar.textContent = initials(p.name);
      avatar.title = p.name + (p.me ? " (you)" : "");
      avatar.style.background = colorFor(p.name);
      box.appendChild(avatar);
    });
  }

  function showSave(save) {
    const time = save.savedAt ? new Date(save.savedAt).toLocaleTimeString() : "";
    const text = {
      saved: save.savedAt ? "Saved" + (save.savedBy ? " by " + save.savedBy : "") + " at " + time : "Saved",
      pending: "Unsaved changes",
      saving: "Saving…",
      failed: "Couldn't save: " + save.message,
    }[save.state];
    $("save-status").textContent = text || "";
    $("save-status").dataset.state = save.state;
    modifiedStatus(save.state !== "saved");
  }

  function setFileName(name) {
    boot.fileName = name;
    $("file-name").textContent = name;
    document.title = name + " - " + boot.app.name;
  }

  // ---- Rename --------------------------------------------------------------------------------------------

  function setUpRename() {
    const button = $("file-name");
    const input = $("file-name-input");
    button.disabled = false;
    button.classList.add("renamable");
    button.title = "Rename";
    button.addEventListener("click", () => {
      const name = boot.fileName;
      const dot = name.lastIndexOf(".");
      input.value = dot > 0 ? name.slice(0, dot) : name;
      input.maxLength = boot.fileNameMaxLength;
      button.hidden = true;
      input.hidden = false;
      input.focus();
      input.select();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        submitRename(input.value.trim());
      } else if (event.key === "Escape") {
        endRename();
      }
    });
    input.addEventListener("blur", () => endRename());
  }

  function endRename() {
    $("file-name-input").hidden = true;
    $("file-name").hidden = false;
  }

  async function submitRename(stem) {
    endRename();
    if (!stem) {
      return;
    }
    const response = await postJson("/rename", { name: stem });
    if (!response) {
      return;
    }
    if (response.error) {
      showBanner(response.error);
      return;
    }
    setFileName(response.fileName);
    send("File_Rename", { NewName: response.name });
  }

  // ---- Dialogs and banners -----------------------------------------------------------------------------

  function showBanner(text) {
    $("banner").textContent = text;
    $("banner").hidden = !text;
  }

  function reloadHostPage() {
    const url = boot.mode === "view" ? urls.HostViewUrl : urls.HostEditUrl || urls.HostViewUrl;
    if (url) {
      navigateTop(url);
    } else {
      window.location.reload();
    }
  }

  function showDialog(notice, extra) {
    $("dialog-title").textContent = notice.title;
    $("dialog-message").textContent = notice.message;
    const buttons = $("dialog-buttons");
    buttons.textContent = "";
    const add = (label, handler, primary) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.className = primary ? "primary" : "";
      button.addEventListener("click", handler);
      buttons.appendChild(button);
      return button;
    };
    (extra || []).forEach(([label, handler]) => add(label, handler, true));
    if (notice.canView) {
      add("View read-only", () => { window.location.href = "/page/" + encodeURIComponent(boot.pid) + "/view"; }, true);
    }
    if (notice.canReload) {
      add("Reload", reloadHostPage, !notice.canView);
    }
    // Dismissing a boot error counts as activating Close, as in Office for the web.
    if (boot.buttons.close) {
      add("Close", () => { $("dialog").hidden = true; onClose(); }, false);
    } else {
      add("OK", () => { $("dialog").hidden = true; }, false);
    }
    $("dialog").hidden = false;
    buttons.firstChild.focus();
  }

  // ---- Rendering -----------------------------------------------------------------------------------------

  let model = null;
  let revision = -1;
  let elements = new Map();
  let activeSheet = null;
  const pending = new Map();
  // A co-author's text does not replace a block this user has unsent changes in or typed in just now;
  // merely having the cursor in a block (the first one gets it on load) does not hold co-authors' text back.
  const typedAt = new Map();
  const TYPING_MS = 2000;

  function typing(key) {
    return pending.has(key) || Date.now() - (typedAt.get(key) || 0) < TYPING_MS;
  }

  function styleClass(style) {
    return style ? "style-" + style.toLowerCase().replace(/[^a-z0-9]+/g, "-") : "";
  }

  // An editable block's name for screen readers: its style and its place ("Heading 1, paragraph 3").
  function blockLabel(key, style) {
    const match = /p(\d+)$/.exec(key);
    const where = match ? "paragraph " + (Number(match[1]) + 1) : key;
    return style ? style + ", " + where : where.charAt(0).toUpperCase() + where.slice(1);
  }

  function makeBlock(key, text, style, tag) {
    let element;
    if (editable) {
      element = document.createElement("textarea");
      element.rows = 1;
      element.value = text;
      element.spellcheck = true;
      element.setAttribute("aria-label", blockLabel(key, style));
      element.addEventListener("input", () => { autosize(element); blockChanged(key, element.value); });
      element.addEventListener("keydown", (event) => onBlockKey(event, key));
    } else {
      element = document.createElement(tag || "p");
      element.textContent = text;
    }
    element.className = ("block " + styleClass(style)).trim();
    element.dataset.key = key;
    elements.set(key, element);
    return element;
  }

  function autosize(element) {
    element.style.height = "auto";
    // scrollHeight leaves out the borders, which border-box sizing counts.
    element.style.height = element.scrollHeight + element.offsetHeight - element.clientHeight + "px";
  }

  function renderFlow(container, blocks) {
    let table = null;
    let tableNumber = null;
    let rows = new Map();
    blocks.forEach((block) => {
      if (block.table == null) {
        table = null;
        container.appendChild(makeBlock(block.key, block.text, block.style));
        return;
      }
      if (block.table !== tableNumber || !table) {
        table = document.createElement("table");
        table.className = "doc-table";
        tableNumber = block.table;
        rows = new Map();
        container.appendChild(table);
      }
      if (!rows.has(block.row)) {
        rows.set(block.row, { tr: table.insertRow(), cells: new Map() });
      }
      const row = rows.get(block.row);
      if (!row.cells.has(block.column)) {
        row.cells.set(block.column, row.tr.insertCell());
      }
      row.cells.get(block.column).appendChild(makeBlock(block.key, block.text, block.style, "div"));
    });
  }

  function renderWord(canvas, m) {
    const page = document.createElement("div");
    page.className = "page" + (m.kind === "text" ? " text" : "");
    if (!m.blocks.length && !editable) {
      const note = document.createElement("p");
      note.className = "empty-note";
      note.textContent = "This document is empty.";
      page.appendChild(note);
    }
    renderFlow(page, m.blocks);
    canvas.appendChild(page);
    $("status-count").textContent = m.kind === "text"
      ? plural(m.blocks.length, "line", "lines") : plural(m.blocks.length, "paragraph", "paragraphs");
  }

  function columnName(n) {
    let name = "";
    for (; n > 0; n = Math.floor((n - 1) / 26)) {
      name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
    }
    return name;
  }

  function renderExcel(canvas, m) {
    const sheets = m.sheets.length ? m.sheets : ["Sheet1"];
    if (!activeSheet || sheets.indexOf(activeSheet) < 0) {
      activeSheet = sheets[0];
    }
    const tabs = document.createElement("div");
    tabs.className = "tabs";
    sheets.forEach((name) => {
      const cells = new Map(m.blocks.filter((b) => b.sheet === name).map((b) => [b.key, b]));
      let rowsUsed = 0;
      let columnsUsed = 0;
      cells.forEach((b) => { rowsUsed = Math.max(rowsUsed, b.row); columnsUsed = Math.max(columnsUsed, b.column); });
      const rows = editable ? Math.max(rowsUsed + 5, 20) : Math.max(rowsUsed, 1);
      const columns = editable ? Math.max(columnsUsed + 2, 8) : Math.max(columnsUsed, 1);
      const sheet = document.createElement("div");
      sheet.className = "sheet" + (name === activeSheet ? " active" : "");
      sheet.dataset.sheet = name;
      const grid = document.createElement("table");
      grid.className = "grid";
      const head = grid.insertRow();
      head.appendChild(document.createElement("th"));
      for (let c = 1; c <= columns; c++) {
        const th = document.createElement("th");
        th.textContent = columnName(c);
        head.appendChild(th);
      }
      for (let r = 1; r <= rows; r++) {
        const tr = grid.insertRow();
        const th = document.createElement("th");
        th.textContent = r;
        tr.appendChild(th);
        for (let c = 1; c <= columns; c++) {
          const key = name + "!" + columnName(c) + r;
          const block = cells.get(key);
          tr.insertCell().appendChild(makeCell(key, block ? block.text : ""));
        }
      }
      sheet.appendChild(grid);
      canvas.appendChild(sheet);
      const tab = document.createElement("button");
      tab.type = "button";
      tab.textContent = name;
      tab.className = name === activeSheet ? "active" : "";
      tab.addEventListener("click", () => { activeSheet = name; render(model); });
      tabs.appendChild(tab);
    });
    canvas.appendChild(tabs);
    $("status-count").textContent = plural(sheets.length, "sheet", "sheets");
  }

  function makeCell(key, text) {
    let element;
    if (editable) {
      element = document.createElement("input");
      element.value = text;
      element.setAttribute("aria-label", "Cell " + key);
      element.addEventListener("input", () => blockChanged(key, element.value));
    } else {
      element = document.createElement("span");
      element.textContent = text;
    }
    element.dataset.key = key;
    elements.set(key, element);
    return element;
  }

  function renderPowerPoint(canvas, m) {
    for (let number = 1; number <= Math.max(m.slides, 1); number++) {
      const slide = document.createElement("section");
      slide.className = "slide";
      renderFlow(slide, m.blocks.filter((b) => b.slide === number));
      const label = document.createElement("span");
      label.className = "slide-number";
      label.textContent = number;
      slide.appendChild(label);
      canvas.appendChild(slide);
    }
    $("status-count").textContent = plural(m.slides, "slide", "slides");
  }

  function render(m) {
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.key : null;
    const canvas = $("canvas");
    canvas.textContent = "";
    elements = new Map();
    ({ word: renderWord, text: renderWord, excel: renderExcel, powerpoint: renderPowerPoint })[m.kind](canvas, m);
    elements.forEach((element) => { if (element.tagName === "TEXTAREA") { autosize(element); } });
    if (focused && elements.has(focused)) {
      elements.get(focused).focus();
    }
  }

  // Applies a co-author's model: in place when the blocks are the same, leaving what this user is typing.
  function applyModel(m) {
    const keys = m.blocks.map((b) => b.key);
    const sameShape = model && model.kind === m.kind && m.kind !== "excel"
      ? keys.length === model.blocks.length && keys.every((k, i) => model.blocks[i].key === k)
      : model && m.kind === "excel" && keys.every((k) => elements.has(k)) && sameSheets(model, m);
    if (!sameShape) {
      model = m;
      render(m);
      return;
    }
    const texts = new Map(m.blocks.map((b) => [b.key, b.text]));
    elements.forEach((element, key) => {
      const text = texts.has(key) ? texts.get(key) : "";
      if (typing(key)) {
        return;
      }
      if (editable ? element.value !== text : element.textContent !== text) {
        if (editable) {
          const caret = element === document.activeElement ? [element.selectionStart, element.selectionEnd] : null;
          element.value = text;
          if (caret) {
            element.setSelectionRange(caret[0], caret[1]);
          }
          element.classList.add("remote");
          setTimeout(() => element.classList.remove("remote"), 1500);
          if (element.tagName === "TEXTAREA") {
            autosize(element);
          }
        } else {
          element.textContent = text;
        }
      }
    });
    model = m;
  }

  function sameSheets(a, b) {
    return a.sheets.length === b.sheets.length && a.sheets.every((s, i) => b.sheets[i] === s);
  }

  function grabFocus() {
    if (!editable || !messaging.focusGrab) {
      return;
    }
    const first = elements.values().next().value;
    if (first) {
      first.focus();
    }
  }

  // ---- Editing -------------------------------------------------------------------------------------------

  let flushTimer = null;
  let flushing = Promise.resolve();
  let appendQueue = [];
  const notification = { timer: null, editedSince: false };

  function blockChanged(key, text) {
    pending.set(key, text);
    typedAt.set(key, Date.now());
    editNotification();
    clearTimeout(flushTimer);
    flushTimer = setTimeout(flushEdits, 300);
  }

  function editNotification() {
    if (!flags.EditNotificationPostMessage || !origin) {
      return;
    }
    if (notification.timer === null) {
      send("Edit_Notification");
      notification.timer = setInterval(() => {
        if (notification.editedSince) {
          notification.editedSince = false;
          send("Edit_Notification");
        }
      }, boot.editNotificationMs);
    } else {
      notification.editedSince = true;
    }
  }

  function onBlockKey(event, key) {
    if (event.key !== "Enter" || event.shiftKey || model.kind === "excel") {
      return;
    }
    event.preventDefault();
    const keys = Array.from(elements.keys());
    const index = keys.indexOf(key);
    if (index === keys.length - 1) {
      appendBlock();
    } else {
      elements.get(keys[index + 1]).focus();
    }
  }

  function appendBlock() {
    appendQueue.push("");
    editNotification();
    flushEdits().then(() => refresh()).then(() => {
      const last = Array.from(elements.values()).pop();
      if (last) {
        last.focus();
      }
    });
  }

  function flushEdits() {
    clearTimeout(flushTimer);
    flushing = flushing.then(async () => {
      if (!pending.size && !appendQueue.length) {
        return;
      }
      const edits = Object.fromEntries(pending);
      const appended = appendQueue;
      pending.clear();
      appendQueue = [];
      const result = await postJson("/edits", { edits: edits, appended: appended });
      if (result && result.error) {
        showBanner("That change couldn't be made: " + result.error);
      }
    });
    return flushing;
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (error) {
      showBanner("The client sent an unexpected answer (" + response.status + "). Retrying…");
      return null;
    }
  }

  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : many);
  }

  async function postJson(path, body) {
    let response;
    try {
      response = await fetch(api + path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (error) {
      showBanner("The connection to the client was lost. Retrying…");
      return null;
    }
    const data = await readJson(response);
    if (response.status === 410 && data) {
      ended(data.ended);
      return null;
    }
    return data;
  }

  // ---- The session: polling, leaving, expiry -----------------------------------------------------------

  let polling = false;
  let pollTimer = null;
  let finished = false;

  async function refresh() {
    let response;
    try {
      response = await fetch(api + "/state?since=" + revision, { cache: "no-store" });
    } catch (error) {
      showBanner("The connection to the client was lost. Retrying…");
      return;
    }
    const data = await readJson(response);
    if (!data) {
      return;
    }
    if (response.status === 410) {
      ended(data.ended);
      return;
    }
    if (!response.ok) {
      showBanner("The client could not load the latest changes (" + response.status + "). Retrying…");
      return;
    }
    showBanner("");
    // Without a new model the last one is applied again: blocks held back while typed in catch up.
    if (data.model || model) {
      applyModel(data.model || model);
    }
    revision = data.revision;
    if (data.fileName !== boot.fileName) {
      setFileName(data.fileName);
    }
    showPresence(data.participants);
    showSave(data.save);
    showLog(data.log);
  }

  async function pollLoop() {
    if (!polling) {
      return;
    }
    await flushing;
    await refresh();
    if (polling) {
      pollTimer = setTimeout(pollLoop, boot.pollMs);
    }
  }

  function stopPolling() {
    polling = false;
    clearTimeout(pollTimer);
  }

  function ended(info) {
    if (finished) {
      return;
    }
    finished = true;
    stopPolling();
    elements.forEach((element) => { element.disabled = true; });
    showDialog(info);
  }

  async function leave() {
    if (!editable || finished) {
      return;
    }
    await flushEdits();
    finished = true;
    stopPolling();
    await fetch(api + "/leave", { method: "POST", keepalive: true });
  }

  function showLog(events) {
    const rows = $("wopi-log-rows");
    rows.textContent = "";
    events.slice().reverse().forEach((event) => {
      const tr = rows.insertRow();
      tr.className = event.ok ? "" : "error";
      [new Date(event.time).toLocaleTimeString(), event.operation, event.user, event.status || "", event.detail]
        .forEach((text) => { tr.insertCell().textContent = text; });
    });
  }

  function watchExpiry() {
    if (!boot.tokenExpiresMs) {
      return;
    }
    const wait = Math.min(Math.max(boot.tokenExpiresMs - Date.now(), 0), 2147483647);
    setTimeout(() => ended(boot.expiredNotice), wait);
  }

  // ---- Start -----------------------------------------------------------------------------------------

  async function startEditing() {
    await refresh();
    if (finished) {
      return;
    }
    const ribbon = $("ribbon");
    if (model.kind !== "excel") {
      const label = { word: "New paragraph", text: "New line", powerpoint: "New paragraph on last slide" }[model.kind];
      const button = document.createElement("button");
      button.type = "button";
      button.id = "btn-append";
      button.textContent = label;
      button.addEventListener("click", appendBlock);
      ribbon.appendChild(button);
    }
    documentLoaded();
    grabFocus();
    polling = true;
    pollTimer = setTimeout(pollLoop, boot.pollMs);
    window.addEventListener("pagehide", () => {
      if (!finished) {
        navigator.sendBeacon(api + "/leave");
      }
    });
  }

  function startConverted() {
    if (boot.navigateTop) {
      showDialog(
        { title: "Converted", message: "This document was converted to " + boot.fileName + ".", canReload: false },
        [["Open " + boot.fileName, () => navigateTop(boot.navigateTop)]],
      );
      navigateTop(boot.navigateTop);
    } else {
      const message = "This document was converted to " + boot.fileName + ". The host returned no HostEditUrl"
        + " to continue on, but you can edit the converted file here.";
      showDialog(
        { title: "Converted", message: message, canReload: false },
        [["Edit " + boot.fileName, () => { window.location.href = boot.continueUrl; }]],
      );
    }
    documentLoaded();
  }

  // Ctrl+S (Cmd+S on a Mac) saves now, as in Office for the web, instead of the browser's "Save page as".
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.key.toLowerCase() !== "s") {
      return;
    }
    event.preventDefault();
    if (editable) {
      saveNow();
    }
  });

  async function saveNow() {
    await flushEdits();
    await fetch(api + "/save", { method: "POST" });
    await refresh();
  }

  buildHeader();
  applyProtection();
  frameReady();
  setFileName(boot.fileName || boot.app.name);
  $("log-toggle").addEventListener("click", () => { $("wopi-log").hidden = !$("wopi-log").hidden; });
  watchExpiry();
  if (boot.mode === "error") {
    showDialog(boot.notice);
    documentLoaded();
  } else if (boot.mode === "converted") {
    startConverted();
  } else if (boot.mode === "edit") {
    startEditing();
  } else {
    model = boot.model;
    render(model);
    if (boot.notice) {
      showBanner(boot.notice.message);
    }
    documentLoaded();
  }
})();
