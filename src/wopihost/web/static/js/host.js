// The host page (hostpage.rst, scenarios/postmessage.rst): creates the WOPI client's frame, posts the
// access token into it with the page's form, and talks to it with PostMessage — only with its origin.
// It speaks both Office for the web's messages and Collabora Online's (its "PostMessage API": Frame_Ready
// and Document_Loaded loading states, UI_Share, UI_SaveAs answered by Action_SaveAs, Doc_ModifiedStatus,
// Views_List, Action_Save_Resp, UI_InsertGraphic answered by Action_InsertGraphic). What it has seen is
// kept in data attributes of <body> (client-state, host-ready, last-message, modified, views, saved-as,
// file-id, inserted-image) so that browser tests can observe it.
import { el, getJson, pageLanguage, postForm, t, wireDialog } from "./common.js";
import { shareDialog } from "./share.js";

const config = JSON.parse(document.getElementById("host-config").textContent);
const clientOrigin = config.clientOrigin;
const state = document.body.dataset;
// Until the client reports its loading status the frame is covered; this long after it loads, the cover
// goes anyway.
const LOADING_FALLBACK_MS = 4000;
const NOTICE_MS = 4000;
// Collabora Online sends these with Values.Deprecated alongside their current names; they are ignored.
const DEPRECATED = new Set(["close", "rev-history"]);

let frame = null;
let frameCreatedAt = 0;
let currentName = config.fileName;
let noticeTimer = 0;

// Messages go to the client's window, addressed to its origin only; "*" is never used. Collabora Online
// reads only JSON strings, Office either form.
function post(messageId, values = {}) {
  if (!frame || !frame.contentWindow) return;
  const message = { MessageId: messageId, SendTime: Date.now(), Values: values };
  frame.contentWindow.postMessage(JSON.stringify(message), clientOrigin);
}

// Office waits for Host_PostmessageReady after the frame loads; Collabora Online ignores every message
// until it has one, and says when it can take it (Initialized, Frame_Ready). Sending it again is harmless.
function postReady() {
  post("Host_PostmessageReady");
  state.hostReady = "true";
}

function hideLoading() {
  document.getElementById("loading").classList.add("done");
}

function notify(text) {
  const notice = document.getElementById("notice");
  notice.textContent = text;
  notice.hidden = false;
  window.clearTimeout(noticeTimer);
  noticeTimer = window.setTimeout(() => { notice.hidden = true; }, NOTICE_MS);
}

function perfTiming() {
  const navigation = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  return {
    Click: Math.round(performance.timeOrigin),
    Iframe: frameCreatedAt,
    HostFrameFetchStart: navigation ? Math.round(performance.timeOrigin + navigation.fetchStart) : 0,
    RedirectCount: navigation ? navigation.redirectCount : 0,
  };
}

function showName(newName) {
  if (typeof newName !== "string" || !newName.trim()) return;
  let name = newName.trim();
  const ext = config.extension || "";
  // File_Rename carries the name without its extension, as RenameFile does.
  if (ext && !name.toLowerCase().endsWith(ext.toLowerCase())) name += ext;
  currentName = name;
  document.title = `${name} · ${config.brand}`;
  for (const slot of document.querySelectorAll("[data-doc-name]")) slot.textContent = name;
  if (frame) frame.title = t("{name} (document editor)", { name });
}

// Host UI drawn over the frame: Blur_Focus before, Grab_Focus after (postmessage.rst).
function overFrame(dialog) {
  post("Blur_Focus");
  dialog.addEventListener("close", () => post("Grab_Focus"), { once: true });
}

const sharing = shareDialog(document.getElementById("share-dialog"));

async function openVersions() {
  // A share link's visitor has no account: the history is for the owner and the people shared with.
  if (!config.versionsUrl) {
    notify(t("The version history is available to people the file is shared with."));
    return;
  }
  const dialog = document.getElementById("versions-dialog");
  const list = dialog.querySelector("[data-list]");
  const status = dialog.querySelector("[data-status]");
  if (dialog.open) return;
  list.replaceChildren();
  status.textContent = t("Loading…");
  status.hidden = false;
  overFrame(dialog);
  dialog.showModal();
  const result = await getJson(config.versionsUrl);
  if (!result.ok) {
    status.textContent = result.body.error || t("The versions could not be loaded.");
    return;
  }
  status.hidden = true;
  const format = new Intl.DateTimeFormat(pageLanguage(), { dateStyle: "medium", timeStyle: "short" });
  list.replaceChildren(...result.body.versions.map((version) => el(
    "li", {},
    el("span", { className: "grow" },
      el("strong", {}, t("Version {number}", { number: version.number })),
      version.current ? ` ${t("(current)")}` : "",
      el("br"), el("span", { className: "muted" },
        [format.format(new Date(version.created)), version.author, version.save_label || version.save, version.size]
          .filter(Boolean).join(" · "))),
    el("a", {
      className: "btn btn-small",
      href: `${config.versionsUrl}/${version.number}/download`,
      "aria-label": t("Download version {number}", { number: version.number }),
    }, t("Download")),
  )));
}

// App_LoadingStatus: Office sends it once, without a Status, when the document is ready; Collabora Online
// sends Initialized, Frame_Ready, then Document_Loaded (or Failed).
function loadingStatus(values) {
  const status = typeof values.Status === "string" ? values.Status : "";
  if (status === "Initialized" || status === "Frame_Ready") {
    postReady();
    if (status === "Frame_Ready") state.clientState = "frame-ready";
    return;
  }
  hideLoading();
  if (status === "Failed") {
    state.clientState = "failed";
    return;
  }
  state.clientState = "loaded";
  if (!status) post("Host_PerfTiming", perfTiming());
}

// Save As in Collabora Online: the client asks the host for a name (UI_SaveAs, with the wanted format for
// an export) and creates the copy with PutRelativeFile once the host answers Action_SaveAs.
const saveAs = document.getElementById("save-as-dialog");
const saveAsForm = document.getElementById("save-as-form");
const saveAsName = document.getElementById("save-as-name");
const saveAsError = document.getElementById("save-as-error");
wireDialog(saveAs);

function suggestedName(format) {
  const dot = currentName.lastIndexOf(".");
  const stem = dot > 0 ? currentName.slice(0, dot) : currentName;
  const ext = typeof format === "string" && /^[A-Za-z0-9]{1,10}$/.test(format) ? `.${format.toLowerCase()}` : "";
  return `${stem}${ext || (dot > 0 ? currentName.slice(dot) : config.extension || "")}`;
}

function openSaveAs(values) {
  if (saveAs.open) return;
  if (!config.savedAsUrl) {
    notify(t("Saving a copy needs an account."));
    return;
  }
  saveAsName.value = suggestedName(values.format || values.Format);
  saveAsError.hidden = true;
  overFrame(saveAs);
  saveAs.showModal();
  const dot = saveAsName.value.lastIndexOf(".");
  saveAsName.setSelectionRange(0, dot > 0 ? dot : saveAsName.value.length);
}

saveAsForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = saveAsName.value.trim();
  // Collabora Online takes the format from the extension and refuses a name without one.
  let problem = "";
  if (!name || /[\\/]/.test(name)) problem = t("Enter a file name without slashes.");
  else if (!/\.[A-Za-z0-9]{1,10}$/.test(name)) problem = t("The name needs an extension, such as .docx or .pdf.");
  if (problem) {
    saveAsError.textContent = problem;
    saveAsError.hidden = false;
    return;
  }
  post("Action_SaveAs", { Filename: name, Notify: true });
  state.savedAs = name;
  saveAs.close();
});

// After a Save As, Collabora Online opens the new file in the same frame and reports only its name
// (Action_Save_Resp with fileName; a plain save has none). The page then follows that file: the server says
// which file the name is, and close, versions, sharing, the title and the address bar move to it.
async function followSavedCopy(name) {
  const result = await getJson(`${config.savedAsUrl}?name=${encodeURIComponent(name)}`);
  if (!result.ok || !result.body.fileId || result.body.fileId === config.fileId) return;
  const copy = result.body;
  for (const key of ["fileId", "fileName", "extension", "pageUrl", "closeUrl", "editUrl", "versionsUrl",
    "shareUrl", "canShare", "imagesUrl", "savedAsUrl"]) {
    config[key] = copy[key] === undefined ? null : copy[key];
  }
  showName(copy.fileName);
  document.getElementById("versions-page-link").href = config.versionsUrl;
  state.fileId = copy.fileId;
  if (window.history && window.history.replaceState) {
    const address = `${copy.pageUrl}${window.location.search}${window.location.hash}`;
    window.history.replaceState(window.history.state, "", address);
  }
}

function saveResponse(values) {
  if (values.success === false) {
    notify(values.result === "unmodified" ? t("No changes to save.") : t("The document could not be saved."));
    return;
  }
  if (typeof values.fileName === "string" && values.fileName) {
    notify(t("Saved as {name}.", { name: values.fileName }));
    followSavedCopy(values.fileName);
  }
}

// Insert image from storage (Collabora Online, when CheckFileInfo says EnableInsertRemoteImage): the host
// lets the user pick an image and answers with a URL the client's server downloads it from.
const insertImage = document.getElementById("insert-image-dialog");
wireDialog(insertImage);

async function pickImage(image) {
  const status = document.getElementById("insert-image-status");
  const result = await postForm(`${config.imagesUrl}/${encodeURIComponent(image.id)}`, []);
  if (!result.ok) {
    status.textContent = result.body.error || t("The image could not be inserted.");
    status.hidden = false;
    return;
  }
  post("Action_InsertGraphic", { filename: result.body.filename, url: result.body.url });
  state.insertedImage = result.body.filename;
  insertImage.close();
}

async function openInsertImage() {
  if (insertImage.open || !config.imagesUrl) return;
  const list = document.getElementById("insert-image-list");
  const status = document.getElementById("insert-image-status");
  list.replaceChildren();
  status.textContent = t("Loading…");
  status.hidden = false;
  overFrame(insertImage);
  insertImage.showModal();
  const result = await getJson(config.imagesUrl);
  if (!result.ok) {
    status.textContent = result.body.error || t("The images could not be listed.");
    return;
  }
  const images = result.body.images || [];
  status.textContent = t("No images here: upload one next to this document first.");
  status.hidden = images.length > 0;
  list.replaceChildren(...images.map((image) => el(
    "li", {},
    el("span", { className: "grow" }, image.name),
    el("button", { type: "button", className: "btn btn-small", onclick: () => pickImage(image),
      "aria-label": t("Insert {name}", { name: image.name }) }, t("Insert")),
  )));
}

function openSharing() {
  const dialog = document.getElementById("share-dialog");
  if (dialog.open) return;
  if (!config.canShare) {
    notify(t("You cannot share this file."));
    return;
  }
  overFrame(dialog);
  sharing.open(config.shareUrl, currentName);
}

const handlers = {
  App_LoadingStatus: loadingStatus,
  UI_Close: () => window.location.assign(config.closeUrl),
  UI_Edit: () => {
    if (config.editUrl) window.location.assign(config.editUrl);
  },
  UI_Sharing: openSharing,
  UI_Share: openSharing,
  UI_FileVersions: () => openVersions(),
  UI_SaveAs: openSaveAs,
  UI_InsertGraphic: () => openInsertImage(),
  File_Rename: (values) => showName(values.NewName),
  Action_Save_Resp: saveResponse,
  Doc_ModifiedStatus: (values) => {
    state.modified = values.Modified === true ? "true" : "false";
  },
  Views_List: (values) => {
    // Collabora Online sends the list itself as Values.
    if (Array.isArray(values)) state.views = String(values.length);
  },
  Edit_Notification: () => notify(t("Editing — changes are saved to {brand} as you go.", { brand: config.brand })),
};

window.addEventListener("message", (event) => {
  if (event.origin !== clientOrigin || !frame || event.source !== frame.contentWindow) return;
  let message = event.data;
  if (typeof message === "string") {
    try {
      message = JSON.parse(message);
    } catch (_error) {
      return;
    }
  }
  if (!message || typeof message !== "object" || typeof message.MessageId !== "string") return;
  if (DEPRECATED.has(message.MessageId)) return;
  if (!Object.prototype.hasOwnProperty.call(handlers, message.MessageId)) return;
  const values = message.Values && typeof message.Values === "object" ? message.Values : {};
  state.lastMessage = message.MessageId;
  handlers[message.MessageId](values);
});

// hostpage.rst: remove wdPreviousSession and wdPreviousCorrelation from the address bar once passed on;
// every other parameter stays exactly as it was.
function removeUsedParameters() {
  if (!window.history || !window.history.replaceState || !window.location.search) return;
  const decode = (text) => {
    try {
      return decodeURIComponent(text.replace(/\+/g, " "));
    } catch (_error) {
      return text;
    }
  };
  const pieces = window.location.search.slice(1).split("&").filter(Boolean);
  const kept = pieces.filter((piece) => !config.removeFromUrl.includes(decode(piece.split("=")[0])));
  if (kept.length === pieces.length) return;
  const query = kept.length ? `?${kept.join("&")}` : "";
  window.history.replaceState(window.history.state, "", `${window.location.pathname}${query}${window.location.hash}`);
}

// hostpage.rst: the frame is created by script, then the form posts the token into it.
function openClient() {
  frame = document.createElement("iframe");
  frame.name = "office_frame";
  frame.id = "office_frame";
  frame.title = t("{name} (document editor)", { name: currentName });
  frame.setAttribute("allow", "fullscreen; clipboard-read; clipboard-write");
  frame.setAttribute(
    "sandbox",
    "allow-scripts allow-same-origin allow-forms allow-popups allow-top-navigation " +
      "allow-popups-to-escape-sandbox allow-downloads allow-modals",
  );
  document.getElementById("frameholder").appendChild(frame);
  // Listening after insertion skips the load event of the initial about:blank document.
  frame.addEventListener("load", () => {
    postReady();
    window.setTimeout(hideLoading, LOADING_FALLBACK_MS);
  });
  frameCreatedAt = Date.now();
  const form = document.getElementById("office_form");
  form.submit();
  // The form's entries were taken when it was submitted; the token need not stay in the page.
  for (const input of form.querySelectorAll("input")) input.value = "";
}

openClient();
removeUsedParameters();
