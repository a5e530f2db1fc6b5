// The return form: beside each level's total, the sum of its grades as typed, so a
// mismatch shows before the server says so. Progressive: the form works without it.
(function () {
  "use strict";
  function whole(input) {
    var text = (input.value || "").replace(/[,，\s]/g, "");
    return /^\d+$/.test(text) ? parseInt(text, 10) : null;
  }
  function update(level) {
    var grades = document.querySelectorAll("input[name^='" + level + ".grade']");
    var total = document.querySelector("input[name='" + level + ".enrolled']");
    var out = document.querySelector("[data-grade-sum='" + level + "']");
    if (!total || !out || !grades.length) return;
    var sum = 0;
    for (var i = 0; i < grades.length; i++) {
      var v = whole(grades[i]);
      if (v === null) { out.textContent = ""; return; }
      sum += v;
    }
    var t = whole(total);
    out.textContent = "各年级合计：" + sum + (t !== null && t !== sum ? "（与合计不一致）" : "");
    out.classList.toggle("err", t !== null && t !== sum);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var blocks = document.querySelectorAll("[data-level]");
    blocks.forEach(function (block) {
      var level = block.getAttribute("data-level");
      block.addEventListener("input", function () { update(level); });
      update(level);
    });
  });
})();
