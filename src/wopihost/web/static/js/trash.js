// The trash page ("Delete permanently", "Empty trash") and the administrators' "End session" ask first, in a dialog that starts on Cancel.
import { clearError } from "./common.js";

function setupConfirmations() {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-confirm]");
    if (!link) return;
    const dialog = document.getElementById(link.dataset.confirm);
    if (!dialog) return;
    event.preventDefault();
    const row = link.closest("[data-trash-name]");
    for (const slot of dialog.querySelectorAll("[data-name]")) slot.textContent = row ? row.dataset.trashName : "";
    // The confirmation page's URL is also where the form posts.
    dialog.querySelector("form").action = link.href;
    clearError(dialog);
    // Focus moves to the dialog after showModal records the opener, so that closing returns focus to it.
    dialog.showModal();
    dialog.querySelector(".dialog-foot [data-close]").focus();
  });
}

setupConfirmations();
