// Show only the fields of the chosen way of rectification (all stay visible without JS).
(() => {
  const form = document.getElementById("plan-form");
  if (!form) return;
  const only = {
    plan_deadline: ["by_deadline"],
    plan_deferral_reason: ["deferred"],
    plan_interim_measures: ["deferred"],
    plan_escalated_to: ["deferred"],
    plan_target_date: ["deferred"],
  };
  const sync = () => {
    const checked = form.querySelector("input[name=kind]:checked");
    for (const [id, kinds] of Object.entries(only)) {
      const row = document.getElementById(id)?.closest(".form-row");
      if (row) row.hidden = Boolean(checked) && !kinds.includes(checked.value);
    }
  };
  form.addEventListener("change", sync);
  sync();
})();
