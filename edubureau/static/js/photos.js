// Photos from the phone camera: resized in the browser before upload (at most 1600 px
// on the long side, re-encoded as JPEG at quality 0.85), so a 12-megapixel photo
// travels as ~300 KB and the server re-encodes a small image. The server still checks
// every upload by content and strips EXIF (location); this file only saves bandwidth.
(function () {
  "use strict";
  const MAX_SIDE = 1600;
  const QUALITY = 0.85;

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function loadWithImg(file) {
    return new Promise((resolve, reject) => {
      const url = URL.createObjectURL(file);
      const img = new Image();
      img.onload = () => { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = () => { URL.revokeObjectURL(url); reject(new Error("无法读取该图片")); };
      img.src = url;
    });
  }

  function load(file) {
    // createImageBitmap applies the camera's EXIF rotation; older browsers fall back to <img>.
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" }).catch(() => loadWithImg(file));
    }
    return loadWithImg(file);
  }

  // Resolves to a JPEG Blob no larger than maxSide; a file the browser cannot decode is
  // passed through unchanged, so the server's check answers with its clear message.
  async function resize(file, maxSide = MAX_SIDE, quality = QUALITY) {
    let image;
    try {
      image = await load(file);
    } catch (e) {
      return file;
    }
    const width = image.width;
    const height = image.height;
    const scale = Math.min(1, maxSide / Math.max(width, height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff"; // transparent PNG areas become white, not black
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    if (image.close) image.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
    return blob || file;
  }

  // Posts one photo; resolves to the server's JSON, rejects with its Chinese message.
  async function upload(url, blob, fields) {
    const data = new FormData();
    Object.entries(fields || {}).forEach(([key, value]) => data.append(key, value));
    data.append("photo", blob, "photo.jpg");
    const response = await fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
    });
    let json = {};
    try { json = await response.json(); } catch (e) { /* not JSON: a server error page */ }
    if (!response.ok || !json.ok) throw new Error(json.error || "照片上传失败，请重试");
    return json;
  }

  // Plain forms (hazard report, rectification evidence): a file input marked
  // data-photos has its chosen photos resized in place before the form is sent.
  // Submit buttons wait while resizing; without DataTransfer the originals go as is.
  document.addEventListener("change", async (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches("input[type=file][data-photos]")) return;
    if (!window.DataTransfer || !input.files.length) return;
    const buttons = input.form ? Array.from(input.form.querySelectorAll("button[type=submit]")) : [];
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const resized = new DataTransfer();
      for (const file of Array.from(input.files)) {
        const blob = await resize(file);
        const name = blob === file ? file.name : file.name.replace(/\.[^.]*$/, "") + ".jpg";
        resized.items.add(blob === file ? file : new File([blob], name, { type: "image/jpeg" }));
      }
      input.files = resized.files; // assigning does not fire "change" again
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });

  window.EduPhotos = { resize, upload, csrfToken, MAX_SIDE, QUALITY };
})();
