// Previews in the file list: thumbnails swapped in once rendered, and the light box of page images.
// The light box is a modal <dialog>: arrow keys and Page Up/Down turn pages, Escape closes it, and focus
// returns to whatever opened it.
import { el, getJson, t } from "./common.js";

const POLL_MS = 3000;
const MAX_POLLS = 100;
const MAX_IDS = 100;

function lightbox(dialog) {
  const title = dialog.querySelector("#preview-title");
  const image = el("img", { alt: "", hidden: true });
  dialog.querySelector("[data-preview-stage]").prepend(image);
  const message = dialog.querySelector("[data-preview-message]");
  const counter = dialog.querySelector("[data-preview-counter]");
  const prev = dialog.querySelector("[data-preview-prev]");
  const next = dialog.querySelector("[data-preview-next]");
  const closer = dialog.querySelector("[data-preview-close]");
  let pages = [];
  let index = 0;
  let name = "";
  let opener = null;
  let retry = null;
  let url = "";

  function say(text) {
    image.hidden = true;
    message.hidden = false;
    message.textContent = text;
    counter.textContent = "";
    prev.disabled = next.disabled = true;
  }

  function show() {
    message.hidden = true;
    image.hidden = false;
    image.src = pages[index];
    image.alt = t("Page {page} of {pages} of {name}", { page: index + 1, pages: pages.length, name });
    counter.textContent = t("Page {page} of {pages}", { page: index + 1, pages: pages.length });
    const focused = document.activeElement;
    prev.disabled = index === 0;
    next.disabled = index >= pages.length - 1;
    // A button disabled under the focus would drop it out of the dialog; it moves to the other one.
    if (focused === prev || focused === next) {
      if (focused.disabled) (focused === next ? prev : next).focus();
      if (document.activeElement.disabled || document.activeElement === document.body) closer.focus();
    }
  }

  function turn(step) {
    const target = Math.min(Math.max(index + step, 0), pages.length - 1);
    if (pages.length && target !== index) {
      index = target;
      show();
    }
  }

  async function load() {
    const result = await getJson(url);
    if (!dialog.open) return;
    if (!result.ok) {
      say(result.body.error || t("The preview could not be loaded."));
      return;
    }
    const body = result.body;
    name = body.name;
    title.textContent = t("Preview of {name}", { name: body.name });
    pages = body.pages;
    if (pages.length) {
      // While a new version is rendered, the pages are the previous version's; they are kept on screen.
      index = Math.min(index, pages.length - 1);
      show();
      if (body.state === "pending") retry = setTimeout(load, POLL_MS);
    } else if (body.state === "pending") {
      say(t("The preview is being prepared…"));
      retry = setTimeout(load, POLL_MS);
    } else {
      say(t("No preview is available for this file."));
    }
  }

  function open(link) {
    const menu = link.closest("details.menu");
    opener = menu ? menu.querySelector("summary") : link;
    if (menu) menu.open = false;
    url = link.getAttribute("href");
    pages = [];
    index = 0;
    const fileName = link.closest("[data-file-name]")?.dataset.fileName;
    title.textContent = fileName ? t("Preview of {name}", { name: fileName }) : t("Preview of the file");
    say(t("Loading the preview…"));
    dialog.showModal();
    closer.focus();
    load();
  }

  prev.addEventListener("click", () => turn(-1));
  next.addEventListener("click", () => turn(1));
  closer.addEventListener("click", () => dialog.close());
  // A click on the backdrop (the dialog box itself, outside its body) closes it too.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  // On the document: a page button that becomes disabled at the first or last page drops the focus.
  document.addEventListener("keydown", (event) => {
    if (!dialog.open) return;
    const steps = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1, Home: -pages.length, End: pages.length };
    if (event.key in steps) {
      event.preventDefault();
      turn(steps[event.key]);
    }
  });
  dialog.addEventListener("close", () => {
    clearTimeout(retry);
    image.removeAttribute("src");
    if (opener && opener.isConnected) opener.focus();
  });
  return { open };
}

function thumbnail(file) {
  const link = el("a", { className: "thumb", href: `/files/${file.id}/preview`, "aria-label": t("Preview {name}", { name: file.name }) });
  link.dataset.previewOpen = "";
  link.append(el("img", { src: file.thumbnail, alt: "", width: 40, height: 40 }));
  return link;
}

// Files whose preview is still being rendered ask, a few at a time, until it is ready or given up.
function pollPending() {
  let polls = 0;
  async function poll() {
    const slots = [...document.querySelectorAll('[data-thumb-slot][data-preview-state="pending"]')]
      .filter((slot) => slot.closest("[data-file-id]"))
      .slice(0, MAX_IDS);
    if (!slots.length || polls++ >= MAX_POLLS) return;
    if (!document.hidden) {
      const ids = slots.map((slot) => slot.closest("[data-file-id]").dataset.fileId).join(",");
      const result = await getJson(`/previews?ids=${encodeURIComponent(ids)}`);
      if (result.ok) {
        for (const slot of slots) {
          const file = result.body.files[slot.closest("[data-file-id]").dataset.fileId];
          if (!file) continue;
          slot.dataset.previewState = file.state;
          const shown = slot.querySelector("img");
          // A pending file may show the previous version's thumbnail until its new one is ready.
          if (file.thumbnail && (!shown || shown.getAttribute("src") !== file.thumbnail)) {
            slot.replaceChildren(thumbnail(file));
          }
        }
      }
    }
    setTimeout(poll, POLL_MS);
  }
  setTimeout(poll, POLL_MS);
}

const dialog = document.getElementById("preview-dialog");
if (dialog) {
  const box = lightbox(dialog);
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-preview-open]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    box.open(link);
  });
}
pollPending();
