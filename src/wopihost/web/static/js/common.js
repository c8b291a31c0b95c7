// Helpers shared by the pages: CSRF-protected requests, DOM building without HTML strings, dialogs.
// User data only ever reaches the DOM through textContent and attribute setters, never innerHTML.

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

const JSON_HEADERS = { Accept: "application/json" };

let messages = null;

// A message in the page's language: the server puts the translations of the scripts' messages, keyed by
// their English text, in #i18n-messages (web/i18n_js.py). {name} placeholders take `values`.
export function t(message, values = {}) {
  if (messages === null) {
    const blob = document.getElementById("i18n-messages");
    try {
      messages = blob ? JSON.parse(blob.textContent) : {};
    } catch (_error) {
      messages = {};
    }
  }
  const text = typeof messages[message] === "string" && messages[message] ? messages[message] : message;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}

// The page's language, for Intl formatting.
export function pageLanguage() {
  return document.documentElement.lang || undefined;
}

async function parse(response) {
  let body = {};
  try {
    body = await response.json();
  } catch (_error) {
    body = { error: response.status === 403 ? t("The page has expired: reload it and try again.") : "" };
  }
  return { ok: response.ok, status: response.status, body };
}

// GET a JSON resource of the UI.
export async function getJson(url) {
  const response = await fetch(url, { headers: JSON_HEADERS, credentials: "same-origin" });
  return parse(response);
}

// POST URL-encoded fields with the CSRF token in a header; the answer is JSON.
export async function postForm(url, fields, extraHeaders = {}) {
  const body = new URLSearchParams();
  for (const [name, value] of fields) {
    if (name !== "csrf_token") body.append(name, value);
  }
  const response = await fetch(url, {
    method: "POST",
    body,
    credentials: "same-origin",
    // The host page has a no-referrer policy; same-origin keeps the Origin header meaningful.
    referrerPolicy: "same-origin",
    headers: { ...JSON_HEADERS, ...extraHeaders, "X-CSRF-Token": csrfToken() },
  });
  return parse(response);
}

// Build an element: el("li", {className: "x", dataset: {id: "1"}}, "text", otherNode).
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// `action`, when the server offers one ({url, label}), follows the message as a link.
export function showError(container, message, action = null) {
  const target = container.querySelector("[data-error]");
  if (!target) return;
  target.textContent = message || t("Something went wrong. Try again.");
  if (action && action.url && action.url.startsWith("/")) {
    target.append(" ", el("a", { href: action.url, className: "error-action" }, action.label));
  }
  target.hidden = false;
}

export function clearError(container) {
  const target = container.querySelector("[data-error]");
  if (target) {
    target.textContent = "";
    target.hidden = true;
  }
}

// A control hidden since it was used (a menu item in a closed menu) hands focus back to its menu button.
function focusable(control) {
  if (!control || !control.isConnected || control === document.body) return null;
  if (control.getClientRects().length) return control;
  return control.closest("details")?.querySelector("summary") ?? null;
}

// Close buttons, and a click on the backdrop, close a dialog; focus then returns to the control that
// opened it, which is whatever had focus when showModal was called.
export function wireDialog(dialog) {
  if (dialog.dataset.wired) return;
  dialog.dataset.wired = "1";
  const showModal = dialog.showModal.bind(dialog);
  let opener = null;
  dialog.showModal = () => {
    if (!dialog.open) opener = document.activeElement;
    showModal();
  };
  dialog.addEventListener("close", () => {
    const target = focusable(opener);
    opener = null;
    if (target) target.focus();
  });
  for (const button of dialog.querySelectorAll("[data-close]")) {
    button.addEventListener("click", () => dialog.close());
  }
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
}

// Forms marked data-fetch submit in the background; errors show inside the form, success follows the
// redirect the server names (or reloads).
export function enhanceForm(form) {
  if (form.dataset.enhanced) return;
  form.dataset.enhanced = "1";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(form);
    const submit = form.querySelector('[type="submit"]');
    if (submit) submit.disabled = true;
    try {
      // The page that follows shows the server's message.
      const result = await postForm(form.action, new FormData(form), { "X-Follow-Redirect": "1" });
      if (result.ok) {
        window.location.assign(result.body.redirect || window.location.href);
        return;
      }
      showError(form, result.body.error, result.body.action);
    } catch (_error) {
      showError(form, t("The server could not be reached. Check your connection and try again."));
    } finally {
      if (submit) submit.disabled = false;
    }
  });
}

// Show times in the reader's own time zone.
export function localizeTimes(root = document) {
  const format = new Intl.DateTimeFormat(pageLanguage(), { dateStyle: "medium", timeStyle: "short" });
  for (const node of root.querySelectorAll("time[datetime]")) {
    const moment = new Date(node.getAttribute("datetime"));
    if (!Number.isNaN(moment.getTime())) node.textContent = format.format(moment);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  localizeTimes();
  for (const form of document.querySelectorAll("form[data-fetch]")) enhanceForm(form);
  for (const dialog of document.querySelectorAll("dialog")) wireDialog(dialog);
});
