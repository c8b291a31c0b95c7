// Selecting several rows of the file list, and the toolbar that acts on them: move, delete, download as ZIP.
// Rows keep their own menus; a row's checkbox belongs to the toolbar's form (form="bulk-form").
import { clearError, el, getJson, postForm, showError, t, wireDialog } from "./common.js";

const bar = document.querySelector("[data-selection-bar]");
const table = document.querySelector("table[data-selectable]");

function boxes() {
  return table ? [...table.querySelectorAll("tbody input.select-row")] : [];
}

function visibleBoxes() {
  return boxes().filter((box) => !box.closest("tr").hidden);
}

function selected() {
  return boxes().filter((box) => box.checked && !box.closest("tr").hidden);
}

function itemName(box) {
  const row = box.closest("tr");
  return row.dataset.fileName ?? row.dataset.folderName ?? "";
}

function plural(count) {
  return count === 1 ? t("1 item") : t("{count} items", { count });
}

// The toolbar, the row highlight, the header box and the spoken count follow the checkboxes.
function update() {
  const chosen = selected();
  const all = visibleBoxes();
  for (const box of boxes()) box.closest("tr").classList.toggle("selected", box.checked);
  const header = document.querySelector("[data-select-all]");
  if (header) {
    header.checked = all.length > 0 && chosen.length === all.length;
    header.indeterminate = chosen.length > 0 && chosen.length < all.length;
  }
  bar.hidden = chosen.length === 0;
  bar.querySelector("[data-selection-count]").textContent = t("{count} selected", { count: chosen.length });
  // Files shared without the right to download are left out of a ZIP (and listed inside it).
  const blocked = chosen.filter((box) => box.hasAttribute("data-no-download")).length;
  const note = bar.querySelector("[data-selection-note]");
  note.hidden = blocked === 0;
  note.textContent = blocked ? `· ${t("{count} can’t be downloaded and will be left out of a ZIP", { count: blocked })}` : "";
  const status = document.querySelector("[data-selection-status]");
  const text = chosen.length ? t("{count} selected", { count: chosen.length }) : t("Selection cleared");
  if (status.textContent !== text) status.textContent = text;
}

function setAll(checked) {
  for (const box of visibleBoxes()) box.checked = checked;
  update();
}

// Shift-click: every row between the last clicked one and this one takes this one's state.
let anchor = null;

function onClick(event) {
  const box = event.target.closest("input.select-row");
  if (!box) return;
  const list = visibleBoxes();
  if (event.shiftKey && anchor && list.includes(anchor) && anchor !== box) {
    const [from, to] = [list.indexOf(anchor), list.indexOf(box)].sort((a, b) => a - b);
    for (const other of list.slice(from, to + 1)) other.checked = box.checked;
  }
  anchor = box;
  update();
}

function focusRow(box, extend) {
  box.focus();
  if (extend) {
    box.checked = true;
    update();
  }
  anchor = box;
}

function dialogOpen() {
  return Boolean(document.querySelector("dialog[open], details.menu[open]"));
}

// Keys inside the list: Space toggles the focused row, arrows move between rows (Shift extends the
// selection), Ctrl/Cmd+A selects every row, Escape clears the selection.
function onKeydown(event) {
  const row = event.target.closest("tbody tr");
  const box = row?.querySelector("input.select-row");
  if (event.key === "Escape" && selected().length && !dialogOpen()) {
    setAll(false);
    return;
  }
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "a" && !event.target.matches("input[type=search], input[type=text]")) {
    event.preventDefault();
    setAll(true);
    return;
  }
  // Keys inside a row's menu belong to the menu (its own arrow-key navigation).
  if (!box || event.target.closest("details.menu")) return;
  if (event.key === " " && event.target !== box && !event.target.matches("button, summary, input, select")) {
    event.preventDefault();
    box.checked = !box.checked;
    anchor = box;
    update();
    return;
  }
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    const list = visibleBoxes();
    const next = list[list.indexOf(box) + (event.key === "ArrowDown" ? 1 : -1)];
    if (!next) return;
    event.preventDefault();
    if (event.shiftKey && !box.checked) {
      box.checked = true;
    }
    focusRow(next, event.shiftKey);
  }
}

function selectionFields(form) {
  const fields = [...new FormData(form)];
  for (const box of selected()) fields.push([box.name, box.value]);
  fields.push(["next", bar.querySelector('input[name="next"]').value]);
  return fields;
}

function resetDialog(dialog) {
  clearError(dialog);
  dialog.querySelector("[data-result]").hidden = true;
  dialog.querySelector("[data-refused]").replaceChildren();
  dialog.querySelector("[data-submit]").hidden = false;
  dialog.querySelector("[data-submit]").disabled = false;
  dialog.querySelector("[data-cancel]").hidden = false;
  dialog.querySelector("[data-done]").hidden = true;
  for (const slot of dialog.querySelectorAll("[data-count]")) slot.textContent = plural(selected().length);
}

// Items the server refused stay selected and are listed with the reason; the rest are done.
function showResult(dialog, body) {
  const result = dialog.querySelector("[data-result]");
  result.querySelector("[data-result-summary]").textContent = body.message;
  result.querySelector("[data-refused]").replaceChildren(
    ...body.refused.map((item) => el("li", {}, el("strong", {}, item.name), ` ${item.reason}`)));
  result.hidden = false;
  dialog.querySelector("[data-submit]").hidden = true;
  dialog.querySelector("[data-cancel]").hidden = true;
  const close = dialog.querySelector("[data-done]");
  close.hidden = false;
  close.onclick = () => window.location.reload();
  dialog.addEventListener("close", () => window.location.reload(), { once: true });
  close.focus();
}

function wireBulkForm(dialog) {
  const form = dialog.querySelector("form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(dialog);
    const submit = form.querySelector("[data-submit]");
    submit.disabled = true;
    try {
      const result = await postForm(form.action, selectionFields(form), { "X-Follow-Redirect": "1" });
      if (!result.ok) {
        showError(dialog, result.body.error);
      } else if (result.body.refused && result.body.refused.length) {
        showResult(dialog, result.body);
      } else {
        window.location.assign(result.body.redirect || window.location.href);
        return;
      }
    } catch (_error) {
      showError(dialog, t("The server could not be reached. Check your connection and try again."));
    }
    submit.disabled = false;
  });
}

async function openMove() {
  const dialog = document.getElementById("bulk-move-dialog");
  const select = dialog.querySelector("[data-folders]");
  resetDialog(dialog);
  select.replaceChildren(el("option", { value: "" }, t("Loading…")));
  dialog.showModal();
  select.focus();
  const result = await getJson("/folder-tree");
  if (!result.ok) {
    select.replaceChildren(el("option", { value: "" }, t("The folders could not be loaded")));
    return;
  }
  const here = document.getElementById("browser")?.dataset.uploadUrl?.split("/")[2];
  select.replaceChildren(
    el("option", { value: "" }, t("Choose a folder…")),
    ...result.body.folders.map((folder) =>
      el("option", { value: folder.id, disabled: folder.id === here }, folder.path)),
  );
}

function openDelete() {
  const dialog = document.getElementById("bulk-delete-dialog");
  resetDialog(dialog);
  const names = selected().map(itemName);
  dialog.querySelector("[data-names]").replaceChildren(...names.map((name) => el("li", {}, name)));
  dialog.showModal();
  // A destructive action is never one key press away: the dialog starts on Cancel.
  dialog.querySelector("[data-cancel]").focus();
}

// The name filter hides rows as the person types; submitting it filters on the server too.
function setupNameFilter() {
  const input = document.querySelector("[data-name-filter]");
  if (!input || !table) return;
  input.addEventListener("input", () => {
    const text = input.value.trim().toLocaleLowerCase();
    for (const row of table.querySelectorAll("tbody tr")) {
      const name = (row.dataset.fileName ?? row.dataset.folderName ?? "").toLocaleLowerCase();
      row.hidden = Boolean(text) && !name.includes(text);
      const box = row.querySelector("input.select-row");
      if (row.hidden && box) box.checked = false;
    }
    update();
  });
}

// The type filter applies as soon as it is chosen; its Apply button is for browsers without scripts.
function setupTypeFilter() {
  const select = document.querySelector("select[data-autosubmit]");
  if (!select) return;
  select.form.querySelector("[data-autosubmit-button]").hidden = true;
  select.addEventListener("change", () => select.form.requestSubmit());
}

function setup() {
  setupTypeFilter();
  if (!bar || !table) return;
  setupNameFilter();
  table.addEventListener("click", onClick);
  table.addEventListener("change", (event) => {
    if (event.target.matches("[data-select-all]")) setAll(event.target.checked);
    else if (event.target.matches("input.select-row")) update();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" || table.contains(event.target)) onKeydown(event);
  });
  for (const id of ["bulk-move-dialog", "bulk-delete-dialog"]) {
    const dialog = document.getElementById(id);
    if (dialog) {
      wireDialog(dialog);
      wireBulkForm(dialog);
    }
  }
  bar.addEventListener("click", (event) => {
    const button = event.target.closest("[data-bulk]");
    if (!button) return;
    if (button.dataset.bulk === "clear") setAll(false);
    else if (button.dataset.bulk === "move") openMove();
    else if (button.dataset.bulk === "delete") openDelete();
  });
  // Checkboxes the browser restored on back/forward navigation count as selected.
  update();
}

setup();
