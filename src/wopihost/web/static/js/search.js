// The search box in the top bar: suggestions as the user types, moved through with the arrow keys.
// Results reach the DOM only through textContent and attribute setters (see common.js).
import { el, t } from "./common.js";

const DEBOUNCE_MS = 200;
const SVG = "http://www.w3.org/2000/svg";

function iconNode(sprite, name) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "icon filetype");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS(SVG, "use");
  use.setAttribute("href", `${sprite}#ft-${name}`);
  svg.append(use);
  return svg;
}

function setup(form) {
  const input = form.querySelector("input[name=q]");
  const popup = form.querySelector("#search-popup");
  const list = form.querySelector("#search-suggestions");
  const status = form.querySelector("#search-status");
  const sprite = (form.querySelector(".search-icon use")?.getAttribute("href") || "").split("#")[0];
  let timer = null;
  let active = -1;
  let asked = "";
  let controller = null;

  const options = () => [...list.querySelectorAll("[role=option]")];

  function close() {
    popup.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    const items = options();
    if (!items.length) return;
    active = (index + items.length) % items.length;
    items.forEach((item, i) => item.setAttribute("aria-selected", i === active ? "true" : "false"));
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  // An option is one control: its <a> has no href (a link inside would be a control in a control, which
  // screen readers skip); a click or Enter goes to its data-href.
  function option(result, index) {
    const link = el("a", { "data-href": result.url },
      iconNode(sprite, result.icon),
      el("span", { className: "suggestion-text" },
        el("span", { className: "suggestion-name" }, result.name),
        el("span", { className: "suggestion-location muted" }, result.location)));
    return el("li", { id: `search-option-${index}`, role: "option", "aria-selected": "false" }, link);
  }

  function show(query, body) {
    const items = body.results.map(option);
    if (body.results.length) {
      const all = el("a", { "data-href": `/search?q=${encodeURIComponent(query)}` },
        body.more ? t("Show all results") : t("Search in documents too"));
      items.push(el("li", { id: `search-option-${items.length}`, role: "option", className: "search-all",
        "aria-selected": "false" }, all));
      const count = body.results.length;
      if (body.more) status.textContent = t("{count}+ results", { count });
      else status.textContent = count === 1 ? t("1 result") : t("{count} results", { count });
    } else {
      const all = el("a", { "data-href": `/search?q=${encodeURIComponent(query)}` }, t("Search in documents"));
      items.push(el("li", { id: "search-option-0", role: "option", className: "search-all",
        "aria-selected": "false" }, all));
      status.textContent = t("No names contain “{query}”.", { query });
    }
    list.replaceChildren(...items);
    popup.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  async function ask(query) {
    if (controller) controller.abort();
    controller = new AbortController();
    asked = query;
    let result;
    try {
      const response = await fetch(`/search/suggest?q=${encodeURIComponent(query)}`, {
        headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller.signal,
      });
      result = { ok: response.ok, body: await response.json() };
    } catch (error) {
      if (error.name === "AbortError") return;
      result = { ok: false };
    }
    if (query !== asked || input.value.trim() !== query) return; // A later keystroke took over.
    if (!result.ok) {
      list.replaceChildren();
      status.textContent = t("Search is not available right now.");
      popup.hidden = false;
      return;
    }
    show(query, result.body);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (!query) {
      close();
      return;
    }
    timer = setTimeout(() => ask(query), DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (popup.hidden) return;
      event.preventDefault();
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && !popup.hidden && active >= 0) {
      event.preventDefault();
      window.location.assign(options()[active].querySelector("a").dataset.href);
    } else if (event.key === "Escape" && !popup.hidden) {
      event.preventDefault();
      close();
    }
  });

  input.addEventListener("focus", () => {
    if (input.value.trim() && list.children.length) {
      popup.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
  });
  list.addEventListener("click", (event) => {
    const chosen = event.target.closest("[role=option] a");
    if (chosen) window.location.assign(chosen.dataset.href);
  });
  document.addEventListener("click", (event) => {
    if (!form.contains(event.target)) close();
  });
  // A plain Enter (nothing highlighted) submits the form to the full results page.
}

const form = document.querySelector("[data-search]");
if (form) setup(form);
