// The supporters' page of `affiche serve`: the form is built from GET /fields, the preview is
// the poster itself (first preset, JPEG) rendered again after each change, and each preset
// downloads as its own file. Values are set as text (textContent, value), never as markup.
"use strict";

const LABELS = { name: "Nom", constituency: "Circonscription", photo: "Photo", slogan: "Slogan" };
const form = document.getElementById("form");
const fieldsBox = document.getElementById("fields");
const message = document.getElementById("message");
const preview = document.getElementById("preview");
const status = document.getElementById("status");
const downloads = document.getElementById("downloads");
let spec = null;
let previewUrl = null;
let timer = null;
let asked = 0;

function label(name) {
  return LABELS[name] || name.charAt(0).toUpperCase() + name.slice(1).replace(/[_-]/g, " ");
}

function build() {
  // Placeholders (a colour, a slogan) keep the campaign's value: not the supporter's to set.
  spec.fields = spec.fields.filter((f) => f.kind !== "placeholder");
  for (const f of spec.fields) {
    const wrap = document.createElement("label");
    const title = document.createElement("span");
    title.textContent = label(f.name) + (f.required ? " *" : "");
    let input;
    if (f.kind === "photo") {
      input = document.createElement("input");
      input.type = "file";
      input.accept = "image/jpeg,image/png,image/webp";
    } else if (f.choices) {
      input = document.createElement("select");
      const none = document.createElement("option");
      none.value = "";
      none.textContent = "— choisir —";
      input.append(none);
      for (const c of f.choices) {
        const o = document.createElement("option");
        o.value = c;
        o.textContent = c;
        input.append(o);
      }
    } else {
      input = document.createElement("input");
      input.type = "text";
      input.maxLength = 200;
      input.autocomplete = "off";
      if (f.default) input.placeholder = f.default;
    }
    input.name = f.name;
    input.id = "field-" + f.name;
    input.required = f.required;
    input.addEventListener(f.kind === "text" && !f.choices ? "input" : "change", schedule);
    wrap.append(title, input);
    fieldsBox.append(wrap);
  }
  for (const p of spec.presets) {
    const b = document.createElement("button");
    b.type = "button";
    b.disabled = true;
    b.dataset.preset = p.name;
    b.textContent = `${p.name} (${p.width}×${p.height})`;
    b.addEventListener("click", () => download(p.name, b));
    downloads.append(b);
  }
}

function ready() {
  return spec.fields.every((f) => {
    if (!f.required) return true;
    const input = form.elements[f.name];
    return f.kind === "photo" ? input.files.length > 0 : input.value.trim() !== "";
  });
}

function body() {
  const data = new FormData();
  for (const f of spec.fields) {
    const input = form.elements[f.name];
    if (f.kind === "photo") {
      if (input.files.length > 0) data.append(f.name, input.files[0]);
    } else if (input.value.trim() !== "") {
      data.append(f.name, input.value.trim());
    }
  }
  return data;
}

function problem(text, field) {
  message.textContent = text;
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  if (field && form.elements[field]) form.elements[field].setAttribute("aria-invalid", "true");
}

async function render(preset, format) {
  const url = `render?preset=${encodeURIComponent(preset)}&format=${encodeURIComponent(format)}`;
  const response = await fetch(url, { method: "POST", body: body() });
  if (!response.ok) {
    let said = { error: `erreur ${response.status}` };
    try { said = await response.json(); } catch (_) { /* not JSON: keep the status */ }
    const wait = response.headers.get("Retry-After");
    const more = wait ? ` Réessayez dans ${wait} s.` : "";
    const where = said.field ? `${label(said.field)} : ` : "";
    throw Object.assign(new Error(where + said.error + more), { field: said.field });
  }
  return response.blob();
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 350);
}

async function refresh() {
  const ok = ready();
  for (const b of downloads.querySelectorAll("button")) b.disabled = !ok;
  if (!ok) {
    status.textContent = "Choisissez une photo et remplissez les champs pour voir l'aperçu.";
    return;
  }
  const mine = ++asked;
  status.textContent = "Aperçu en cours…";
  try {
    const blob = await render(spec.presets[0].name, "jpg");
    if (mine !== asked) return; // a later change asked again
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(blob);
    preview.src = previewUrl;
    preview.hidden = false;
    problem("", null);
    status.textContent = "Aperçu : " + spec.presets[0].name;
  } catch (e) {
    if (mine !== asked) return;
    problem(e.message, e.field);
    status.textContent = "";
  }
}

async function download(preset, button) {
  button.disabled = true;
  try {
    const blob = await render(preset, spec.format === "pdf" ? "pdf" : spec.format);
    const a = document.createElement("a");
    const name = (form.elements.name && form.elements.name.value) || "affiche";
    const slug = name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    a.href = URL.createObjectURL(blob);
    a.download = `${slug || "affiche"}-${preset}.${blob.type === "image/jpeg" ? "jpg" : blob.type.split("/")[1]}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    problem("", null);
  } catch (e) {
    problem(e.message, e.field);
  } finally {
    button.disabled = !ready();
  }
}

form.addEventListener("submit", (e) => e.preventDefault());
fetch("fields")
  .then((r) => r.json())
  .then((s) => { spec = s; build(); document.body.dataset.ready = "1"; })
  .catch(() => problem("Le service ne répond pas : rechargez la page.", null));
