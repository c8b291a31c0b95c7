// "New" > Word, Excel or PowerPoint asks for the document's name first; the server keeps the extension.
function stemLength(name) {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? dot : name.length;
}

document.addEventListener("DOMContentLoaded", () => {
  const dialog = document.getElementById("new-document-dialog");
  if (!dialog) return;
  const form = dialog.querySelector("form");
  const title = dialog.querySelector("h2");
  const kind = form.querySelector('input[name="kind"]');
  const name = form.querySelector('input[name="name"]');
  for (const button of document.querySelectorAll("[data-new-kind]")) {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      button.closest("details")?.removeAttribute("open");
      kind.value = button.dataset.newKind;
      name.value = button.dataset.defaultName;
      title.textContent = button.dataset.title;
      const error = form.querySelector("[data-error]");
      if (error) error.hidden = true;
      dialog.showModal();
      name.focus();
      // The stem is selected, so that typing replaces "Document" and keeps ".docx".
      name.setSelectionRange(0, stemLength(name.value));
    });
  }
});
