// The inspection form, enhanced: each item is saved as a draft as soon as it changes,
// photos are resized (photos.js) and uploaded at once, and the progress counter
// follows. Without JavaScript the form still works: 保存草稿 and 提交 post everything.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  const form = document.getElementById("inspection-form");
  if (!form || !window.EduPhotos) return;
  const Photos = window.EduPhotos;
  const HEADER_FIELDS = ["inspected_on", "leader", "participants", "summary"];
  const timers = new Map();
  let queue = Promise.resolve(); // saves run one after another, never in parallel
  let pending = 0; // saves queued or in flight
  let closed = false; // the whole form is being posted: no autosave may follow it

  function enqueue(task) {
    pending += 1;
    const guarded = () => (closed ? null : task());
    const run = queue.then(guarded, guarded);
    queue = run.catch(() => {}).then(() => { pending -= 1; });
    return run;
  }

  function setState(el, text, isError) {
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("err", Boolean(isError));
  }

  function fieldsOf(container) {
    const data = new FormData();
    container.querySelectorAll("input, textarea, select").forEach((el) => {
      if (!el.name || el.type === "file") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      data.append(el.name, el.value);
    });
    return data;
  }

  function headerData() {
    const data = new FormData();
    HEADER_FIELDS.forEach((name) => {
      const el = form.elements[name];
      if (el) data.append(name, el.value);
    });
    return data;
  }

  async function post(data) {
    data.append("csrfmiddlewaretoken", Photos.csrfToken());
    data.append("client_id", form.elements.client_id.value);
    data.append("_autosave", "1");
    const response = await fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    });
    let json = {};
    try { json = await response.json(); } catch (e) { /* an error page */ }
    if (!response.ok || !json.ok) throw new Error(json.error || "自动保存失败，请点“保存草稿”");
    // The first save of a new form creates the draft: later saves go to its own URL.
    if (json.action) form.setAttribute("action", json.action);
    if (json.photo_url) form.dataset.photoUrl = json.photo_url;
    return json;
  }

  function save(key, stateEl, build, delay) {
    clearTimeout(timers.get(key));
    setState(stateEl, "待保存…");
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      enqueue(() => post(build()))
        .then((json) => { if (json) setState(stateEl, "已保存 " + json.saved_at); })
        .catch((err) => setState(stateEl, err.message, true));
    }, delay));
  }

  function ensureDraft() {
    if (form.dataset.photoUrl) return Promise.resolve();
    return enqueue(() => (form.dataset.photoUrl ? null : post(headerData())));
  }

  function refreshCounts() {
    const items = form.querySelectorAll("fieldset[data-item]");
    let answered = 0;
    items.forEach((fs) => { if (fs.querySelector("input[type=radio]:checked")) answered += 1; });
    const total = items.length;
    const a = form.querySelector("[data-answered]");
    const bar = form.querySelector("[data-bar]");
    if (a) a.textContent = answered;
    if (bar) bar.style.width = (total ? Math.round((100 * answered) / total) : 0) + "%";
    form.querySelectorAll("details[data-category]").forEach((cat) => {
      const n = cat.querySelectorAll("fieldset[data-item] input[type=radio]:checked").length;
      const out = cat.querySelector("[data-cat-answered]");
      if (out) out.textContent = n;
    });
  }

  function addThumb(list, json) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = json.url; a.target = "_blank"; a.rel = "noopener";
    const img = document.createElement("img");
    img.src = json.url; img.alt = "检查照片";
    a.appendChild(img);
    const del = document.createElement("button");
    del.type = "button"; del.textContent = "×"; del.setAttribute("aria-label", "删除照片");
    del.dataset.deletePhoto = json.delete_url;
    li.append(a, del);
    list.appendChild(li);
    // The new thumbnail may land under the sticky 保存/提交 bar; the page's
    // scroll-padding (app.css) keeps "nearest" clear of it.
    img.addEventListener("load", () => li.scrollIntoView({ block: "nearest" }), { once: true });
  }

  async function uploadPhotos(input) {
    const box = input.closest("fieldset[data-item]") || input.closest(".card");
    const stateEl = box.querySelector("[data-save-state]");
    const list = box.querySelector("[data-thumbs]");
    const files = Array.from(input.files || []);
    input.disabled = true;
    try {
      for (const file of files) {
        setState(stateEl, "正在压缩并上传照片…");
        const blob = await Photos.resize(file);
        await ensureDraft();
        const json = await Photos.upload(form.dataset.photoUrl, blob, { item: input.dataset.itemId || "" });
        addThumb(list, json);
        setState(stateEl, "照片已上传");
      }
    } catch (err) {
      setState(stateEl, err.message, true);
    } finally {
      input.value = ""; // uploaded already: the final submit must not send it again
      input.disabled = false;
    }
  }

  function showAnswer(item, radio) {
    item.classList.toggle("is-hazard", radio.value === "hazard");
    item.classList.remove("missing");
  }

  form.addEventListener("change", (event) => {
    const el = event.target;
    if (el.matches("input[type=file][data-photo-input]")) { uploadPhotos(el); return; }
    const item = el.closest("fieldset[data-item]");
    if (item) {
      if (el.type === "radio") {
        showAnswer(item, el);
        refreshCounts();
      }
      save("item-" + item.dataset.item, item.querySelector("[data-save-state]"), () => fieldsOf(item), el.type === "radio" ? 150 : 600);
    } else if (HEADER_FIELDS.includes(el.name)) {
      save("header", form.querySelector("[data-form-state]"), headerData, 600);
    }
  });

  form.addEventListener("input", (event) => {
    const el = event.target;
    const item = el.closest("fieldset[data-item]");
    if (item && (el.tagName === "TEXTAREA" || el.type === "text")) {
      save("item-" + item.dataset.item, item.querySelector("[data-save-state]"), () => fieldsOf(item), 1000);
    }
  });

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-delete-photo]");
    if (!button) return;
    event.preventDefault();
    if (!window.confirm("删除这张照片？")) return;
    fetch(button.dataset.deletePhoto, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": Photos.csrfToken(), "X-Requested-With": "fetch" },
    }).then((r) => r.json().then((json) => {
      if (!r.ok || !json.ok) throw new Error(json.error || "删除失败");
      button.closest("li").remove();
    })).catch((err) => window.alert(err.message));
  });

  // 保存草稿 / 提交 post every field, so autosaves still waiting are dropped (after a
  // submit they would be refused); one already sent is waited for, so that it cannot
  // arrive after the submit. Empty file inputs are left out: the photos are uploaded
  // already, and 88 empty parts made the submit's body slow to parse.
  form.addEventListener("submit", (event) => {
    if (form.dataset.submitting) { event.preventDefault(); return; }
    timers.forEach((t) => clearTimeout(t));
    timers.clear();
    closed = true;
    let photos = 0;
    form.querySelectorAll("input[type=file]").forEach((input) => {
      if (!input.files || !input.files.length) input.disabled = true;
      else photos += 1;
    });
    // Without a photo the form goes urlencoded: a multipart body of ~440 parts costs
    // the server more to parse than the rest of the submit's Python (bench/README.md).
    form.enctype = photos ? "multipart/form-data" : "application/x-www-form-urlencoded";
    if (pending > 0) {
      event.preventDefault();
      const submitter = event.submitter;
      queue.then(() => form.requestSubmit(submitter));
      return;
    }
    form.dataset.submitting = "1";
    setTimeout(() => {
      delete form.dataset.submitting;
      closed = false;
      form.querySelectorAll("input[type=file]").forEach((input) => { input.disabled = false; });
      form.enctype = "multipart/form-data";
    }, 15000);
  });

  // On a slow phone an answer can be tapped before this deferred script has run: no
  // change event reached the listeners above. Whatever differs from what the server
  // rendered is saved now, as if it had just been changed.
  function changedSinceRendered(el) {
    if (el.type === "radio" || el.type === "checkbox") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") return Array.from(el.options).some((o) => o.selected !== o.defaultSelected);
    return el.type !== "file" && el.value !== el.defaultValue;
  }
  form.querySelectorAll("fieldset[data-item]").forEach((item) => {
    const fields = item.querySelectorAll("input, textarea, select");
    if (!Array.from(fields).some(changedSinceRendered)) return;
    const picked = item.querySelector("input[type=radio]:checked");
    if (picked) showAnswer(item, picked);
    save("item-" + item.dataset.item, item.querySelector("[data-save-state]"), () => fieldsOf(item), 150);
  });
  if (HEADER_FIELDS.some((name) => form.elements[name] && changedSinceRendered(form.elements[name]))) {
    save("header", form.querySelector("[data-form-state]"), headerData, 150);
  }
  refreshCounts();
  form.dataset.ready = "1";

  const firstMissing = form.querySelector("fieldset.missing");
  if (firstMissing) firstMissing.scrollIntoView({ block: "center" });
})();
