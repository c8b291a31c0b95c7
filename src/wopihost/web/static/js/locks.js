// Live "Being edited by" badges: the file list asks for lock states every few seconds while it is visible,
// so that a badge goes within seconds of the editor closing, and offers the owner to end the session.
import { clearError, getJson, t, wireDialog } from "./common.js";

const DEFAULT_INTERVAL_MS = 4000;
const SVG = "http://www.w3.org/2000/svg";

function lockIcon() {
  const sprite = document.querySelector("svg use")?.getAttribute("href")?.split("#")[0] || "";
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS(SVG, "use");
  use.setAttribute("href", `${sprite}#i-lock`);
  svg.append(use);
  return svg;
}

function renderSlot(slot, fileId, editor, canEnd) {
  const wanted = { editor: editor || "", canEnd: canEnd ? "1" : "" };
  if (slot.dataset.editor === wanted.editor && slot.dataset.canEnd === wanted.canEnd) return;
  slot.dataset.editor = wanted.editor;
  slot.dataset.canEnd = wanted.canEnd;
  if (!editor) {
    slot.replaceChildren();
    return;
  }
  const badge = document.createElement("span");
  badge.className = "badge badge-lock";
  badge.append(lockIcon(), t("Being edited by {editor}", { editor }));
  const parts = [badge];
  if (canEnd) {
    const link = document.createElement("a");
    link.className = "lock-end";
    link.href = `/files/${encodeURIComponent(fileId)}/session/end`;
    link.dataset.endSession = "";
    link.textContent = t("End editing session");
    parts.push(link);
  }
  slot.replaceChildren(...parts);
}

function apply(states) {
  for (const state of states) {
    const row = document.querySelector(`tr[data-file-id="${CSS.escape(state.id)}"]`);
    const slot = row?.querySelector("[data-lock-slot]");
    if (slot) renderSlot(slot, state.id, state.editor, state.can_end);
  }
}

function setupPolling() {
  const ids = () => [...document.querySelectorAll("tr[data-file-id]")].map((row) => row.dataset.fileId);
  if (!ids().length) return;
  let interval = DEFAULT_INTERVAL_MS;
  let timer = null;
  let busy = false;
  const schedule = () => {
    if (timer === null && document.visibilityState === "visible") timer = window.setTimeout(poll, interval);
  };
  async function poll() {
    timer = null;
    if (busy || document.visibilityState !== "visible") return;
    busy = true;
    try {
      const result = await getJson(`/locks?ids=${encodeURIComponent(ids().join(","))}`);
      if (result.ok) {
        interval = result.body.interval_ms || interval;
        apply(result.body.files);
      }
    } catch (_error) {
      // Offline for a moment: the next poll tries again.
    } finally {
      busy = false;
      schedule();
    }
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
    poll();
  });
  schedule();
}

// The confirmation dialog focuses Cancel: ending someone's session is not the default.
function setupEndSession() {
  const dialog = document.getElementById("end-session-dialog");
  if (!dialog) return;
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-end-session]");
    const row = link?.closest("[data-file-id]");
    if (!link || !row) return;
    event.preventDefault();
    const form = dialog.querySelector("form");
    form.action = link.href;
    for (const slot of dialog.querySelectorAll("[data-name]")) slot.textContent = row.dataset.fileName;
    const editor = row.querySelector("[data-lock-slot]")?.dataset.editor || t("someone");
    for (const slot of dialog.querySelectorAll("[data-editor]")) slot.textContent = editor;
    wireDialog(dialog);
    clearError(dialog);
    dialog.showModal();
    dialog.querySelector("[data-cancel]")?.focus();
  });
}

setupPolling();
setupEndSession();
