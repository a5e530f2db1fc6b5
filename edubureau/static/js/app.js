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

// <input type="checkbox" data-check-all>: ticks every "schools" box of its form.
document.addEventListener("change", (event) => {
  if (!event.target.matches("[data-check-all]")) return;
  const form = event.target.closest("form");
  form.querySelectorAll('input[name="schools"]').forEach((box) => { box.checked = event.target.checked; });
});
