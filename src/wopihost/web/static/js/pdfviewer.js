// The PDF viewer: pdf.js (vendored, static/vendor/pdfjs) draws one page at a time on a canvas.
// pdf.js runs its parser in a same-origin module worker, and with eval off, so that the page's CSP holds.
import { t } from "./common.js";

const viewer = document.getElementById("pdf-viewer");
const ZOOM_STEP = 1.25;
const MIN_ZOOM = 0.25;
const MAX_ZOOM = 5;

function controls() {
  const pick = (name) => viewer.querySelector(`[data-pdf-${name}]`);
  return {
    prev: pick("prev"),
    next: pick("next"),
    page: pick("page"),
    pages: pick("pages"),
    zoomIn: pick("zoom-in"),
    zoomOut: pick("zoom-out"),
    zoom: pick("zoom"),
    fit: pick("fit"),
    status: pick("status"),
    stage: pick("stage"),
    canvas: pick("canvas"),
  };
}

async function start() {
  const ui = controls();
  const pdfjs = await import(viewer.dataset.pdfjs);
  pdfjs.GlobalWorkerOptions.workerSrc = viewer.dataset.worker;
  let pdf;
  try {
    pdf = await pdfjs.getDocument({ url: viewer.dataset.pdfUrl, isEvalSupported: false, disableRange: true })
      .promise;
  } catch (error) {
    ui.status.textContent = error && error.name === "PasswordException"
      ? t("This PDF is protected by a password and cannot be shown here.")
      : t("The PDF could not be opened.");
    return;
  }
  let number = 1;
  let scale = null; // null: fit the width of the viewer
  let task = null;

  async function fitScale(page) {
    const width = page.getViewport({ scale: 1 }).width;
    return Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, (ui.stage.clientWidth - 32) / width));
  }

  async function render() {
    const page = await pdf.getPage(number);
    const shown = scale ?? (await fitScale(page));
    const viewport = page.getViewport({ scale: shown });
    const ratio = window.devicePixelRatio || 1;
    ui.canvas.width = Math.floor(viewport.width * ratio);
    ui.canvas.height = Math.floor(viewport.height * ratio);
    ui.canvas.style.width = `${Math.floor(viewport.width)}px`;
    ui.canvas.style.height = `${Math.floor(viewport.height)}px`;
    if (task) task.cancel();
    task = page.render({
      canvasContext: ui.canvas.getContext("2d"),
      viewport,
      transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
    });
    try {
      await task.promise;
    } catch (error) {
      if (error && error.name === "RenderingCancelledException") return;
      throw error;
    }
    ui.canvas.setAttribute("aria-label", t("Page {page} of {pages} of {name}", { page: number, pages: pdf.numPages, name: viewer.dataset.name }));
    ui.canvas.dataset.renderedPage = String(number);
    ui.page.value = String(number);
    ui.zoom.textContent = `${Math.round(shown * 100)}%`;
    ui.prev.disabled = number <= 1;
    ui.next.disabled = number >= pdf.numPages;
    ui.status.textContent = "";
  }

  function go(target) {
    const clamped = Math.min(Math.max(target, 1), pdf.numPages);
    if (clamped !== number) {
      number = clamped;
      render();
    } else {
      ui.page.value = String(number);
    }
  }

  async function zoom(factor) {
    const current = scale ?? (await fitScale(await pdf.getPage(number)));
    scale = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, current * factor));
    render();
  }

  ui.pages.textContent = String(pdf.numPages);
  ui.page.max = String(pdf.numPages);
  ui.prev.addEventListener("click", () => go(number - 1));
  ui.next.addEventListener("click", () => go(number + 1));
  ui.page.addEventListener("change", () => go(Number.parseInt(ui.page.value, 10) || number));
  ui.zoomIn.addEventListener("click", () => zoom(ZOOM_STEP));
  ui.zoomOut.addEventListener("click", () => zoom(1 / ZOOM_STEP));
  ui.fit.addEventListener("click", () => {
    scale = null;
    render();
  });
  ui.stage.addEventListener("keydown", (event) => {
    const steps = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1 };
    if (event.key in steps) {
      event.preventDefault();
      go(number + steps[event.key]);
    }
  });
  window.addEventListener("resize", () => {
    if (scale === null) render();
  });
  await render();
}

if (viewer) {
  start().catch(() => {
    viewer.querySelector("[data-pdf-status]").textContent = "The PDF viewer could not start.";
  });
}
