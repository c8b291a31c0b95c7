// Menu buttons, after the WAI-ARIA Authoring Practices' menu button pattern, for every menu of the UI:
//   <details class="menu"><summary>button</summary><div class="menu-list">.menu-item links and buttons</div></details>
// Without scripts <details> still opens and closes. With them the button says it opens a menu and whether it
// is open; opening moves focus to the first item; ArrowDown/ArrowUp move (wrapping), Home/End jump, a letter
// moves to the next item starting with it; Escape closes and returns focus to the button; Tab closes; a click
// elsewhere closes. Listeners are delegated from the document, so menus added later work without a call.

const MENU = "details.menu";

function summaryOf(menu) {
  return menu.querySelector(":scope > summary");
}

function listOf(menu) {
  return menu.querySelector(":scope > .menu-list");
}

function itemsOf(menu) {
  const list = listOf(menu);
  if (!list) return [];
  return [...list.querySelectorAll(".menu-item")].filter(
    (item) => !item.disabled && !item.hidden && item.getClientRects().length > 0,
  );
}

let counter = 0;

// Roles and states; safe to call again (on a menu that changed, the new items get their role).
export function prepareMenu(menu) {
  const summary = summaryOf(menu);
  const list = listOf(menu);
  if (!summary || !list) return;
  if (!list.id) {
    counter += 1;
    list.id = `menu-${counter}`;
  }
  summary.setAttribute("aria-haspopup", "menu");
  summary.setAttribute("aria-expanded", menu.open ? "true" : "false");
  summary.setAttribute("aria-controls", list.id);
  list.setAttribute("role", "menu");
  // Forms around items (a POST per item) are only wrappers: the menu's children are its items.
  for (const form of list.querySelectorAll("form")) form.setAttribute("role", "none");
  for (const item of list.querySelectorAll(".menu-item")) {
    item.setAttribute("role", "menuitem");
    item.tabIndex = -1;
  }
}

function focusItem(menu, which) {
  const items = itemsOf(menu);
  if (!items.length) return;
  const current = items.indexOf(document.activeElement);
  let index = 0;
  if (which === "last") index = items.length - 1;
  else if (which === "next") index = current < 0 ? 0 : (current + 1) % items.length;
  else if (which === "previous") index = current <= 0 ? items.length - 1 : current - 1;
  items[index].focus();
}

function focusByLetter(menu, letter) {
  const items = itemsOf(menu);
  const start = items.indexOf(document.activeElement);
  for (let step = 1; step <= items.length; step += 1) {
    const item = items[(start + step) % items.length];
    if (item.textContent.trim().toLowerCase().startsWith(letter)) {
      item.focus();
      return;
    }
  }
}

export function openMenu(menu, which = "first") {
  for (const other of document.querySelectorAll(`${MENU}[open]`)) if (other !== menu) closeMenu(other);
  prepareMenu(menu);
  menu.open = true;
  summaryOf(menu).setAttribute("aria-expanded", "true");
  focusItem(menu, which);
}

// Focus goes back to the button when it was inside the menu (an item that hides with it would lose it).
export function closeMenu(menu, returnFocus = false) {
  const hadFocus = listOf(menu)?.contains(document.activeElement);
  menu.open = false;
  const summary = summaryOf(menu);
  if (!summary) return;
  summary.setAttribute("aria-expanded", "false");
  if (returnFocus || hadFocus) summary.focus();
}

function onSummaryKey(event, menu) {
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    openMenu(menu, event.key === "ArrowDown" ? "first" : "last");
  } else if (event.key === "Escape" && menu.open) {
    event.preventDefault();
    closeMenu(menu, true);
  }
}

const MOVES = { ArrowDown: "next", ArrowUp: "previous", Home: "first", End: "last" };

function onItemKey(event, menu) {
  if (MOVES[event.key]) {
    event.preventDefault();
    focusItem(menu, MOVES[event.key]);
  } else if (event.key === "Escape") {
    event.preventDefault();
    closeMenu(menu, true);
  } else if (event.key === "Tab") {
    // The browser then moves focus on from the button, past the closed menu.
    closeMenu(menu, true);
  } else if (event.key.length === 1 && /\S/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
    focusByLetter(menu, event.key.toLowerCase());
  }
}

function onKeydown(event) {
  const menu = event.target.closest?.(MENU);
  if (!menu) return;
  if (event.target === summaryOf(menu)) onSummaryKey(event, menu);
  else if (menu.open && listOf(menu)?.contains(event.target)) onItemKey(event, menu);
}

function onClick(event) {
  const summary = event.target.closest?.("summary");
  const menu = summary?.parentElement?.matches(MENU) ? summary.parentElement : null;
  if (menu) {
    // Enter and Space on the button arrive here as clicks too.
    event.preventDefault();
    if (menu.open) closeMenu(menu);
    else openMenu(menu);
    return;
  }
  for (const open of document.querySelectorAll(`${MENU}[open]`)) {
    const item = event.target.closest?.(".menu-item");
    // Choosing an item closes its menu; a click anywhere else closes every menu.
    if (!open.contains(event.target) || (item && open.contains(item))) closeMenu(open);
  }
}

// The open state also changes without us (a script setting `open`, the browser's own summary handling).
function onToggle(event) {
  const menu = event.target;
  if (!(menu instanceof HTMLDetailsElement) || !menu.matches(MENU)) return;
  summaryOf(menu)?.setAttribute("aria-expanded", menu.open ? "true" : "false");
}

function onFocusIn(event) {
  const menu = event.target.closest?.(MENU);
  if (menu && !summaryOf(menu)?.hasAttribute("aria-haspopup")) prepareMenu(menu);
}

// Another copy of this module (loaded under a different URL) must not add the listeners twice.
if (!document.documentElement.dataset.menus) {
  document.documentElement.dataset.menus = "1";
  document.addEventListener("keydown", onKeydown);
  document.addEventListener("click", onClick);
  document.addEventListener("toggle", onToggle, true);
  document.addEventListener("focusin", onFocusIn);
  const prepareAll = () => {
    for (const menu of document.querySelectorAll(MENU)) prepareMenu(menu);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", prepareAll);
  else prepareAll();
}
