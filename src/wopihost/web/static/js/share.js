// The share dialog, used by the file browser and by the host page (UI_Sharing).
import { clearError, el, getJson, postForm, showError, wireDialog } from "./common.js";

function initial(name) {
  return (name || "?").trim().charAt(0).toUpperCase();
}

export function shareDialog(dialog, hooks = {}) {
  wireDialog(dialog);
  const list = dialog.querySelector("[data-list]");
  const status = dialog.querySelector("[data-status]");
  const form = dialog.querySelector("[data-share-form]");
  const nameSlot = dialog.querySelector("[data-name]");
  const roleSelect = dialog.querySelector("[data-roles]");
  let url = "";

  function setStatus(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function entry(share, canShare) {
    // The visible words start the accessible name, which names the person too.
    const remove = el("button", { type: "button", className: "btn btn-small" }, "Stop sharing",
      el("span", { className: "visually-hidden" }, ` with ${share.display_name}`));
    remove.addEventListener("click", async () => {
      clearError(dialog);
      const result = await postForm(`${url}/revoke`, [["username", share.username]]);
      if (!result.ok) {
        showError(dialog, result.body.error);
        return;
      }
      await refresh();
      setStatus(result.body.message);
    });
    return el(
      "li",
      { className: "share-entry" },
      el("span", { className: "avatar", "aria-hidden": "true" }, initial(share.display_name)),
      el("span", { className: "grow" }, el("strong", {}, share.display_name), " ",
        el("span", { className: "muted" }, share.username)),
      el("span", { className: "muted" }, share.role_label || share.role),
      canShare ? remove : null,
    );
  }

  async function refresh() {
    const result = await getJson(url);
    if (!result.ok) {
      setStatus(result.body.error || "The sharing settings could not be loaded.");
      return;
    }
    const data = result.body;
    nameSlot.textContent = data.file.name;
    const owner = el(
      "li",
      { className: "share-entry" },
      el("span", { className: "avatar", "aria-hidden": "true" }, initial(data.owner)),
      el("span", { className: "grow" }, el("strong", {}, data.owner)),
      el("span", { className: "muted" }, "Owner"),
    );
    list.replaceChildren(owner, ...data.shares.map((share) => entry(share, data.can_share)));
    // The server names the roles, so that the dialog never offers one it would refuse.
    if (data.roles) {
      roleSelect.replaceChildren(...data.roles.map((role) => el("option", { value: role.value }, role.label)));
    }
    form.hidden = !data.can_share;
    if (!data.can_share) setStatus(`Only the owner, ${data.owner}, can share this file.`);
    else setStatus(data.shares.length ? "" : "Not shared with anyone yet.");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(dialog);
    const result = await postForm(url, new FormData(form));
    if (!result.ok) {
      showError(dialog, result.body.error);
      return;
    }
    form.reset();
    await refresh();
    setStatus(result.body.message);
  });

  dialog.addEventListener("close", () => {
    if (hooks.onClose) hooks.onClose();
  });

  return {
    async open(shareUrl, fileName) {
      url = shareUrl;
      nameSlot.textContent = fileName || "";
      list.replaceChildren();
      form.hidden = true;
      clearError(dialog);
      setStatus("Loading…");
      if (hooks.onOpen) hooks.onOpen();
      dialog.showModal();
      await refresh();
      if (!form.hidden) form.querySelector('input[name="username"]').focus();
    },
  };
}
