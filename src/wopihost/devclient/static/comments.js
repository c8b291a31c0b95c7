// The comments pane: comments kept by the client and reported to the host with AddActivities, the way
// Office for the web reports them. "@name" in a comment mentions the user of that name. A page opened with
// wdNavigationId (a notification's link) scrolls to that comment and highlights it.
(function () {
  "use strict";

  const boot = JSON.parse(document.getElementById("devclient-boot").textContent);
  const pane = document.getElementById("comments-pane");
  if (!pane || boot.mode === "error") {
    return;
  }
  const api = "/api/p/" + encodeURIComponent(boot.pid) + "/comments";
  const list = document.getElementById("comments-list");
  const form = document.getElementById("comment-form");
  const text = document.getElementById("comment-text");
  const submit = document.getElementById("comment-submit");
  const cancel = document.getElementById("comment-cancel");
  const status = document.getElementById("comments-status");
  const state = { editing: null, opened: false, comments: [] };
  window.devclientComments = state;

  function withMentions(element, value) {
    // Text nodes only: a comment is never markup.
    const pattern = /(^|[^\w@])@([A-Za-z0-9][\w.-]{0,63})/g;
    let last = 0;
    let match;
    while ((match = pattern.exec(value)) !== null) {
      const start = match.index + match[1].length;
      element.appendChild(document.createTextNode(value.slice(last, start)));
      const mention = document.createElement("span");
      mention.className = "mention";
      mention.textContent = "@" + match[2];
      element.appendChild(mention);
      last = start + 1 + match[2].length;
    }
    element.appendChild(document.createTextNode(value.slice(last)));
  }

  function render(comments) {
    state.comments = comments;
    list.replaceChildren();
    for (const comment of comments) {
      const item = document.createElement("li");
      item.className = "comment";
      item.id = "comment-" + comment.id;
      item.dataset.navigationId = comment.navigationId;
      item.tabIndex = -1;
      const who = document.createElement("p");
      who.className = "comment-author";
      who.textContent = comment.author;
      const body = document.createElement("p");
      body.className = "comment-text";
      withMentions(body, comment.text);
      item.append(who, body);
      if (comment.mine) {
        const actions = document.createElement("p");
        actions.className = "comment-actions";
        actions.append(button("Edit", () => startEdit(comment)), button("Delete", () => remove(comment)));
        item.appendChild(actions);
      }
      list.appendChild(item);
    }
    document.getElementById("comments-empty").hidden = comments.length > 0;
    openAtNavigation();
  }

  function button(label, handler) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "link";
    element.textContent = label;
    element.addEventListener("click", handler);
    return element;
  }

  function openAtNavigation() {
    if (state.opened || !boot.navigationId) {
      return;
    }
    const target = Array.from(list.children).find((item) => item.dataset.navigationId === boot.navigationId);
    if (!target) {
      return;
    }
    state.opened = true;
    target.classList.add("highlight");
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
    status.textContent = "Opened at the comment by " + target.querySelector(".comment-author").textContent;
  }

  function startEdit(comment) {
    state.editing = comment.id;
    text.value = comment.text;
    submit.textContent = "Save comment";
    cancel.hidden = false;
    text.focus();
  }

  function endEdit() {
    state.editing = null;
    text.value = "";
    submit.textContent = "Post comment";
    cancel.hidden = true;
  }

  async function call(path, body) {
    const response = await fetch(path, {
      method: body === undefined ? "GET" : "POST",
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(data.error || "the request failed (" + response.status + ")");
    }
    if (data.reported === false) {
      status.textContent = "The host did not accept the comment's activity (" + data.status + ").";
    } else if (data.reported) {
      status.textContent = "Comment sent to the host.";
    }
    return data;
  }

  async function remove(comment) {
    try {
      render((await call(api + "/" + encodeURIComponent(comment.id) + "/delete", {})).comments);
      if (state.editing === comment.id) {
        endEdit();
      }
    } catch (error) {
      status.textContent = error.message;
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) {
      return;
    }
    const path = state.editing ? api + "/" + encodeURIComponent(state.editing) : api;
    const sent = text.value;
    // One comment in flight at a time. Once the host has it, the box is emptied unless the user has
    // already typed the next one.
    submit.disabled = true;
    status.textContent = "Sending the comment…";
    try {
      render((await call(path, { text: sent })).comments);
      const next = text.value === sent ? "" : text.value;
      endEdit();
      text.value = next;
    } catch (error) {
      status.textContent = error.message;
    } finally {
      submit.disabled = false;
    }
  });
  cancel.addEventListener("click", endEdit);

  async function refresh() {
    try {
      render((await call(api)).comments);
    } catch (error) {
      status.textContent = error.message;
    }
  }

  refresh();
  // Others' comments appear within seconds; the pane is not rebuilt while one is being written.
  setInterval(() => {
    if (!state.editing && document.activeElement !== text) {
      refresh();
    }
  }, 3000);
})();
