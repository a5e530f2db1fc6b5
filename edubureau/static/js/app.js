// Small progressive enhancements; every page works without them.
// No inline scripts or on* attributes anywhere: the Content-Security-Policy
// (edubureau/core/security_headers.py) allows scripts from our own files only.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-toggle-nav]");
  if (toggle) toggle.parentElement.classList.toggle("open");
  // <button data-confirm="…">: ask before submitting.
  const confirming = event.target.closest("[data-confirm]");
  if (confirming && !window.confirm(confirming.dataset.confirm)) event.preventDefault();
});

// <input type="checkbox" data-check-all>: ticks every "schools" box of its form
// (data-check-all="hazard": every "hazard" box, the 待复查 list's bulk verification).
document.addEventListener("change", (event) => {
  if (!event.target.matches("[data-check-all]")) return;
  const form = event.target.closest("form");
  const name = event.target.dataset.checkAll || "schools";
  form.querySelectorAll(`input[name="${name}"]`).forEach((box) => { box.checked = event.target.checked; });
});

// Styled photo buttons (.photo-btn) hide their file input once scripts run; the
// count of chosen photos then shows beside the button.
document.documentElement.classList.add("js");
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.matches(".photo-btn input[type=file]")) return;
  const count = input.closest(".photo-btn").parentElement.querySelector("[data-photo-count]");
  if (count) count.textContent = input.files.length ? `已选择${input.files.length}张照片` : "";
});

// <button data-print>: print the page (the hazard's rectification sheet).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// The list component's filter panel (details.filter-panel), and any long secondary
// table marked details.fold-on-phone, start folded on a phone, so the list or the
// headline figures, not the detail, fill the screen; on a wider screen they stay
// open. Without scripts they are open everywhere.
if (window.matchMedia("(max-width: 640px)").matches) {
  document.querySelectorAll("details.filter-panel[open], details.fold-on-phone[open]").forEach((panel) => { panel.open = false; });
}

// Printing a record (an inspection with every item): folded sections print open,
// and fold again afterwards.
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("main details:not([open])").forEach((d) => {
    d.dataset.printOpened = "1";
    d.open = true;
  });
});
window.addEventListener("afterprint", () => {
  document.querySelectorAll("details[data-print-opened]").forEach((d) => {
    d.open = false;
    delete d.dataset.printOpened;
  });
});

// <select data-autosubmit> (the lists' place chooser): choosing a place reloads the
// list narrowed to it, with the next step's options. Without scripts, 查询 does it.
document.addEventListener("change", (event) => {
  const select = event.target;
  if (!(select instanceof HTMLSelectElement) || !select.matches("[data-autosubmit]")) return;
  const form = select.closest("form");
  if (form) form.requestSubmit();
});
