// The file browser (its menus are menus.js's): the dialogs of file and folder rows, and uploads with progress.
import { clearError, csrfToken, el, enhanceForm, getJson, showError, t, wireDialog } from "./common.js";
import { shareDialog } from "./share.js";
import "./locks.js";

const MAX_PARALLEL_UPLOADS = 2;

function openDialog(dialog, focus) {
  wireDialog(dialog);
  clearError(dialog);
  dialog.showModal();
  if (focus) focus.focus();
}

async function openMove(dialog, link) {
  const form = dialog.querySelector("form");
  const select = dialog.querySelector("[data-folders]");
  form.action = link.href;
  select.replaceChildren(el("option", { value: "" }, t("Loading…")));
  openDialog(dialog, select);
  const result = await getJson(link.href);
  if (!result.ok) {
    select.replaceChildren(el("option", { value: "" }, t("The folders could not be loaded")));
    return;
  }
  select.replaceChildren(
    ...result.body.folders.map((folder) =>
      el("option", { value: folder.id, defaultSelected: folder.id === result.body.current }, folder.path)),
  );
}

// The delete dialog of a folder states what goes with it, counted by the server when the dialog opens.
async function openDeleteFolder(dialog, link) {
  const form = dialog.querySelector("form");
  const notice = dialog.querySelector("[data-notice]");
  const submit = form.querySelector('[type="submit"]');
  form.action = link.href;
  notice.textContent = t("Counting what is inside…");
  submit.disabled = true;
  openDialog(dialog, dialog.querySelector("[data-cancel]"));
  let result;
  try {
    result = await getJson(link.href);
  } catch (_error) {
    const error = t("The server could not be reached. Check your connection and try again.");
    result = { ok: false, body: { error } };
  }
  // Another folder's dialog may have been opened while this one was counting.
  if (form.action !== link.href) return;
  if (!result.ok) {
    notice.textContent = "";
    showError(dialog, result.body.error || t("What is inside the folder could not be counted. Try again."));
    return;
  }
  notice.textContent = result.body.notice;
  submit.disabled = false;
}

function extensionOf(name) {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot).toLowerCase() : "";
}

// A new extension changes which app opens the file: the dialog warns, and the rename needs the box ticked
// (the server refuses it otherwise, and refuses an extension that misdescribes the content either way).
function watchExtension(form, input, name) {
  const warning = form.querySelector("[data-extension-warning]");
  if (!warning) return;
  const box = warning.querySelector('input[name="change_extension"]');
  const update = () => {
    const typed = input.value.trim();
    const changed = extensionOf(typed) !== "" && extensionOf(typed) !== extensionOf(name);
    warning.hidden = !changed;
    box.disabled = !changed;
    box.required = changed;
    if (!changed) box.checked = false;
  };
  input.oninput = update;
  update();
}

function openRename(dialog, link, name, isFolder) {
  const form = dialog.querySelector("form");
  form.action = link.href;
  const input = form.querySelector('input[name="name"]');
  input.value = name;
  if (!isFolder) watchExtension(form, input, name);
  openDialog(dialog, input);
  // A file's name is selected up to its extension; a folder's dots start no extension.
  const dot = isFolder ? -1 : name.lastIndexOf(".");
  input.setSelectionRange(0, dot > 0 ? dot : name.length);
}

function setupRowDialogs() {
  const share = document.getElementById("share-dialog");
  const sharing = share ? shareDialog(share) : null;
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-dialog]");
    if (!link) return;
    const row = link.closest("[data-file-id], [data-folder-id]");
    const dialog = document.getElementById(`${link.dataset.dialog}-dialog`);
    if (!row || !dialog) return;
    event.preventDefault();
    // The menu closes under the item: the dialog returns focus to the menu's button.
    link.closest("details")?.querySelector("summary")?.focus();
    link.closest("details")?.removeAttribute("open");
    const name = row.dataset.fileName ?? row.dataset.folderName;
    for (const slot of dialog.querySelectorAll("[data-name]")) slot.textContent = name;
    const form = dialog.querySelector("form");
    if (link.dataset.dialog === "share") {
      sharing.open(link.href, name);
    } else if (link.dataset.dialog === "move") {
      openMove(dialog, link);
    } else if (link.dataset.dialog === "rename" || link.dataset.dialog === "rename-folder") {
      openRename(dialog, link, name, link.dataset.dialog === "rename-folder");
    } else if (link.dataset.dialog === "delete-folder") {
      openDeleteFolder(dialog, link);
    } else {
      form.action = link.href;
      // A destructive action is never one key press away: the dialog starts on Cancel.
      const submit = form.querySelector('[type="submit"]');
      openDialog(dialog, submit.classList.contains("btn-danger") ? form.querySelector(".dialog-foot [data-close]") : submit);
    }
  });
  for (const button of document.querySelectorAll("[data-open-dialog]")) {
    button.addEventListener("click", () => {
      button.closest("details")?.querySelector("summary")?.focus();
      button.closest("details")?.removeAttribute("open");
      const dialog = document.getElementById(button.dataset.openDialog);
      openDialog(dialog, dialog.querySelector("input:not([type=hidden])"));
    });
  }
  for (const form of document.querySelectorAll("dialog form[data-fetch]")) enhanceForm(form);
}

class Uploads {
  constructor(browser) {
    this.url = browser.dataset.uploadUrl;
    this.maxSize = Number(browser.dataset.maxUpload);
    // Formatted by the server in the page's language.
    this.maxSizeText = browser.dataset.maxUploadText;
    this.panel = document.getElementById("uploads");
    this.list = document.getElementById("upload-list");
    this.queue = [];
    this.running = 0;
    this.succeeded = 0;
    this.waiting = 0;
    document.getElementById("uploads-close").addEventListener("click", () => { this.panel.hidden = true; });
  }

  add(files) {
    this.panel.hidden = false;
    for (const file of files) {
      const item = this.item(file);
      if (file.size > this.maxSize) item.fail(t("Too large: the limit is {limit}", { limit: this.maxSizeText }));
      else this.queue.push(() => this.send(file, item, "fail"));
    }
    this.pump();
  }

  item(file) {
    const status = el("span", { className: "upload-status" }, t("Waiting"));
    const progress = el("progress", { max: 1, value: 0 });
    progress.setAttribute("aria-label", t("Upload progress of {name}", { name: file.name }));
    const choices = el("div", { className: "upload-choices", hidden: true });
    const node = el("li", { className: "upload-item" },
      el("div", { className: "upload-line" }, el("span", { className: "upload-name", title: file.name }, file.name), status),
      progress, choices);
    this.list.prepend(node);
    return {
      node, status, progress, choices,
      fail: (message) => {
        node.classList.add("failed");
        status.textContent = message;
        progress.value = 0;
      },
    };
  }

  pump() {
    while (this.running < MAX_PARALLEL_UPLOADS && this.queue.length) {
      this.running += 1;
      this.queue.shift()().finally(() => {
        this.running -= 1;
        this.pump();
        this.maybeReload();
      });
    }
  }

  maybeReload() {
    if (!this.running && !this.queue.length && !this.waiting && this.succeeded) {
      window.setTimeout(() => window.location.reload(), 700);
    }
  }

  send(file, item, conflict) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      const query = new URLSearchParams({ name: file.name, conflict });
      xhr.open("POST", `${this.url}?${query}`);
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      item.node.classList.remove("failed");
      item.status.textContent = t("Uploading…");
      xhr.upload.addEventListener("progress", (event) => {
        if (!event.lengthComputable) return;
        item.progress.value = event.total ? event.loaded / event.total : 1;
        item.status.textContent = `${Math.round(100 * item.progress.value)}%`;
      });
      xhr.addEventListener("load", () => {
        this.finish(file, item, xhr);
        resolve();
      });
      xhr.addEventListener("error", () => {
        item.fail(t("The upload failed: check your connection"));
        resolve();
      });
      xhr.send(file);
    });
  }

  finish(file, item, xhr) {
    let body = {};
    try {
      body = JSON.parse(xhr.responseText || "{}");
    } catch (_error) {
      body = {};
    }
    if (xhr.status === 201) {
      this.succeeded += 1;
      item.node.classList.add("done");
      item.progress.value = 1;
      item.status.textContent = body.file && body.file.name !== file.name
        ? t("Saved as {name}", { name: body.file.name }) : t("Done");
    } else if (xhr.status === 409 && body.conflict) {
      item.fail(t("A file with this name exists"));
      this.askConflict(file, item);
    } else {
      item.fail(body.error || t("The upload failed ({status})", { status: xhr.status }));
    }
  }

  askConflict(file, item) {
    this.waiting += 1;
    const choose = (mode) => {
      this.waiting -= 1;
      item.choices.hidden = true;
      item.choices.replaceChildren();
      this.queue.push(() => this.send(file, item, mode));
      this.pump();
    };
    const replace = el("button", { type: "button", className: "btn btn-small" }, t("Replace"));
    const keep = el("button", { type: "button", className: "btn btn-small" }, t("Keep both"));
    replace.title = t("Upload as a new version of the existing file");
    replace.addEventListener("click", () => choose("replace"));
    keep.addEventListener("click", () => choose("rename"));
    item.choices.replaceChildren(replace, keep);
    item.choices.hidden = false;
  }
}

function setupUploads() {
  const browser = document.getElementById("browser");
  if (!browser || !browser.dataset.uploadUrl) return;
  const uploads = new Uploads(browser);
  const button = document.getElementById("upload-button");
  const input = document.getElementById("upload-input");
  button.hidden = false;
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    uploads.add([...input.files]);
    input.value = "";
  });
  const overlay = document.getElementById("drop-overlay");
  let depth = 0;
  const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  window.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    depth += 1;
    overlay.hidden = false;
  });
  window.addEventListener("dragover", (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  window.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) overlay.hidden = true;
  });
  window.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    overlay.hidden = true;
    const items = [...(event.dataTransfer.items || [])];
    const folders = items.filter((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()?.isDirectory);
    const files = [...event.dataTransfer.files].filter((_file, index) => !folders.includes(items[index]));
    uploads.add(files);
  });
}

setupRowDialogs();
setupUploads();
