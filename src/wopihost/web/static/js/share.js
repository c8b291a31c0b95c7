// The share dialog, used by the file browser and by the host page (UI_Sharing): people with their roles
// (changed in place), a person field that suggests people as the owner types, and share links.
import { clearError, el, getJson, postForm, showError, t, wireDialog } from "./common.js";

const SEARCH_DELAY_MS = 200;

function initial(name) {
  return (name || "?").trim().charAt(0).toUpperCase();
}

// A combobox (ARIA 1.2 pattern) over the person field: suggestions come from `source(text)`.
function peopleCombobox(input, listbox, counter, source) {
  let options = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  function close() {
    listbox.hidden = true;
    listbox.replaceChildren();
    options = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    options.forEach((node, i) => node.setAttribute("aria-selected", i === index ? "true" : "false"));
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    input.value = options[index].dataset.username;
    close();
  }

  function show(people) {
    // Screen readers hear how many people match, since the list itself is not focused.
    if (!people.length) counter.textContent = t("Nobody matches");
    else if (people.length === 1) counter.textContent = t("1 person matches");
    else counter.textContent = t("{count} people match", { count: people.length });
    if (!people.length) {
      close();
      return;
    }
    options = people.map((person, i) => {
      const node = el("li", { id: `${listbox.id}-${i}`, role: "option", "aria-selected": "false",
        dataset: { username: person.username } },
      el("strong", {}, person.display_name), " ", el("span", { className: "muted" }, person.username));
      // mousedown, not click: the input would lose focus (and close the list) before a click lands.
      node.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(i);
      });
      return node;
    });
    listbox.replaceChildren(...options);
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(-1);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    // Nothing is asked for an empty field: the server never lists everyone.
    if (!text) {
      asked += 1;
      close();
      return;
    }
    timer = setTimeout(async () => {
      const ticket = ++asked;
      const people = await source(text);
      // An answer to an older query than the field's current text, or one arriving after the owner moved
      // on to another field, is dropped.
      if (ticket === asked && input.value.trim() === text && document.activeElement === input) show(people);
    }, SEARCH_DELAY_MS);
  });

  input.addEventListener("keydown", (event) => {
    if (listbox.hidden) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight((active + 1) % options.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  input.addEventListener("blur", () => close());
  return { close };
}

async function copyText(input, button) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch (_error) {
    input.select();
    document.execCommand("copy");
  }
  button.textContent = t("Copied");
  setTimeout(() => { button.textContent = t("Copy link"); }, 2000);
}

export function shareDialog(dialog, hooks = {}) {
  wireDialog(dialog);
  const list = dialog.querySelector("[data-list]");
  const status = dialog.querySelector("[data-status]");
  const form = dialog.querySelector("[data-share-form]");
  const nameSlot = dialog.querySelector("[data-name]");
  const roleSelect = dialog.querySelector("[data-roles]");
  const personInput = form.querySelector('input[name="username"]');
  const links = dialog.querySelector("[data-links]");
  const linkList = dialog.querySelector("[data-link-list]");
  const linkForm = dialog.querySelector("[data-link-form]");
  let url = "";
  let roles = [];

  const listbox = dialog.querySelector("[role=listbox]");
  const counter = dialog.querySelector("[data-people-count]");
  const combo = peopleCombobox(personInput, listbox, counter, async (text) => {
    const result = await getJson(`${url}/people?q=${encodeURIComponent(text)}`);
    return result.ok ? result.body.people : [];
  });

  function setStatus(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function linksUrl() {
    return url.replace(/\/share$/, "/links");
  }

  async function act(target, fields, after) {
    clearError(dialog);
    const result = await postForm(target, fields);
    if (!result.ok) {
      showError(dialog, result.body.error);
      return;
    }
    await after();
    setStatus(result.body.message);
  }

  function roleChooser(share) {
    const select = el("select", { "aria-label": t("Access for {name}", { name: share.display_name }) },
      ...roles.map((role) => el("option", { value: role.value, selected: role.value === share.role }, role.label)));
    select.addEventListener("change", () => act(url,
      [["username", share.username], ["role", select.value], ["change", "1"]], refresh));
    return select;
  }

  function entry(share, canShare) {
    // The visible words start the accessible name, which names the person too.
    const remove = el("button", { type: "button", className: "btn btn-small" }, t("Stop sharing"),
      el("span", { className: "visually-hidden" }, t(" with {name}", { name: share.display_name })));
    remove.addEventListener("click", () => act(`${url}/revoke`, [["username", share.username]], refresh));
    return el(
      "li",
      { className: "share-entry" },
      el("span", { className: "avatar", "aria-hidden": "true" }, initial(share.display_name)),
      el("span", { className: "grow" }, el("strong", {}, share.display_name), " ",
        el("span", { className: "muted" }, share.username)),
      canShare && roles.length ? roleChooser(share) : el("span", { className: "muted" }, share.role_label || share.role),
      canShare ? remove : null,
    );
  }

  function linkEntry(link) {
    const address = el("input", { className: "link-url", value: link.url, readOnly: true,
      "aria-label": t("Link ({role})", { role: link.role_label.toLowerCase() }) });
    const copy = el("button", { type: "button", className: "btn btn-small" }, t("Copy link"));
    copy.addEventListener("click", () => copyText(address, copy));
    const remove = el("button", { type: "button", className: "btn btn-small",
      "aria-label": t("Remove the link ({role}, created {created})",
        { role: link.role_label.toLowerCase(), created: link.created }) }, t("Remove"));
    remove.addEventListener("click", () => act(`${linksUrl()}/${encodeURIComponent(link.id)}/revoke`, [], refreshLinks));
    const notes = [link.role_label, link.has_password ? t("password") : "", link.expired ? t("expired") : link.expires];
    return el("li", { className: "share-entry", dataset: { linkId: link.id } },
      el("span", { className: "grow" }, el("span", { className: "muted" }, notes.filter(Boolean).join(" · ")), el("br"), address),
      copy, remove);
  }

  async function refreshLinks() {
    const result = await getJson(linksUrl());
    if (!result.ok) return;
    linkList.replaceChildren(...result.body.links.map(linkEntry));
  }

  async function refresh() {
    const result = await getJson(url);
    if (!result.ok) {
      setStatus(result.body.error || t("The sharing settings could not be loaded."));
      return;
    }
    const data = result.body;
    // A folder's share settings have no links: people only.
    const item = data.folder || data.file;
    const withLinks = data.can_share && !data.folder;
    nameSlot.textContent = item.name;
    // The server names the roles, so that the dialog never offers one it would refuse.
    if (data.roles) {
      roles = data.roles;
      roleSelect.replaceChildren(...roles.map((role) => el("option", { value: role.value }, role.label)));
    }
    const owner = el(
      "li",
      { className: "share-entry" },
      el("span", { className: "avatar", "aria-hidden": "true" }, initial(data.owner)),
      el("span", { className: "grow" }, el("strong", {}, data.owner)),
      el("span", { className: "muted" }, t("Owner")),
    );
    list.replaceChildren(owner, ...data.shares.map((share) => entry(share, data.can_share)));
    form.hidden = !data.can_share;
    links.hidden = !withLinks;
    if (withLinks) await refreshLinks();
    if (!data.can_share) setStatus(t("Only the owner, {owner}, can share this file.", { owner: data.owner }));
    else setStatus(data.shares.length ? "" : t("Not shared with anyone yet."));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    combo.close();
    await act(url, new FormData(form), async () => {
      form.reset();
      await refresh();
    });
  });

  linkForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    await act(linksUrl(), new FormData(linkForm), async () => {
      linkForm.reset();
      await refreshLinks();
      const newest = linkList.lastElementChild;
      if (newest) newest.querySelector("button").focus();
    });
  });

  dialog.addEventListener("close", () => {
    if (hooks.onClose) hooks.onClose();
  });

  return {
    async open(shareUrl, fileName) {
      url = shareUrl;
      nameSlot.textContent = fileName || "";
      list.replaceChildren();
      linkList.replaceChildren();
      form.hidden = true;
      links.hidden = true;
      clearError(dialog);
      setStatus(t("Loading…"));
      if (hooks.onOpen) hooks.onOpen();
      dialog.showModal();
      await refresh();
      if (!form.hidden) personInput.focus();
    },
  };
}
