// archplan serve's page: sends the editor's text to the server, draws what comes back.
// Everything from the server or the editor is shown as text (textContent), never run or parsed
// as markup; the diagram is an SVG shown in an <img>, where no script of it can run.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  path: null,        // the file the editor holds, relative to the served folder (null: none)
  mtime: null,       // its modification time when loaded or saved (ns)
  savedText: null,   // the text on disk when loaded or saved, to tell unsaved edits
  seq: 0,            // the latest edit's number: only its answer is drawn
  traceAbort: null,
  diagram: { busy: false, again: false },
  diagramTimer: null,
  fix: { busy: false, again: false },
  undoText: null,
  files: [],
  catalogue: {},     // layer type -> its arguments and a starter layer (the form's)
};
// Keystroke-to-redrawn-table times in ms, newest last (benchmarks/serve_speed.py reads them).
window.archplanTimings = [];

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function count(value) {
  return value === null || value === undefined ? "?" : Number(value).toLocaleString("en-US");
}

function show(id, text) {
  const node = $(id);
  node.textContent = text || "";
  node.hidden = !text;
}

async function api(url, body, signal) {
  const options = body === undefined ? { signal } : {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body), signal,
  };
  let response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    return { ok: false, error: "archplan serve does not answer: is it still running?" };
  }
  const kind = response.headers.get("content-type") || "";
  if (kind.startsWith("image/svg+xml")) return { ok: true, svg: await response.blob() };
  try {
    const data = await response.json();
    data.status = response.status;
    return data;
  } catch (error) {
    return { ok: false, error: `the server answered ${response.status} without a message` };
  }
}

function banner(text, actions) {
  $("banner-text").textContent = text || "";
  const box = $("banner-actions");
  box.replaceChildren();
  for (const [label, action] of actions || []) {
    const button = el("button", label);
    button.type = "button";
    button.addEventListener("click", () => { banner(""); action(); });
    box.append(button);
  }
  const close = el("button", "✕", "small");
  close.type = "button"; close.title = "dismiss"; close.id = "banner-close";
  close.addEventListener("click", () => banner(""));
  box.append(close);
  $("banner").hidden = !text;
}

// ---- the trace ------------------------------------------------------------------------------

const COLUMNS = [
  ["#", (r) => r.index], ["Layer", (r) => `${r.name} (${r.type})`], ["Arguments", (r) => r.arguments],
  ["Input", (r) => r.input_shapes_text], ["Output", (r) => r.output_shape_text],
  ["Arithmetic", (r) => r.arithmetic.join("\n")], ["Params", (r) => count(r.params)],
  ["MACs", (r) => count(r.macs)],
  ["RF", (r) => (r.receptive_field === null ? "–" : [].concat(r.receptive_field).join("×"))],
];

function drawTrace(trace) {
  $("title").textContent = trace.name;
  const table = $("trace");
  const head = el("tr");
  for (const [label] of COLUMNS) head.append(el("th", label));
  const rows = [el("thead")];
  rows[0].append(head);
  const body = el("tbody");
  for (const row of trace.layers) {
    const line = el("tr", null, row.reaches_output ? "" : "unused");
    line.dataset.index = row.index;
    for (const [, cell] of COLUMNS) line.append(el("td", cell(row)));
    body.append(line);
  }
  rows.push(body);
  table.replaceChildren(...rows);
  drawTotals(trace);
}

function drawTotals(trace) {
  const r = trace.readable, m = trace.memory, t = m.training;
  const lines = [
    ["Total params", `${count(trace.total_params)} (${r.total_params})`],
    ["Trainable params", `${count(trace.trainable_params)} (${r.trainable_params})`],
    ["Non-trainable params", `${count(trace.non_trainable_params)} (${r.non_trainable_params})`],
    ["MACs", `${count(trace.total_macs)}; FLOPs ${count(trace.total_flops)}`],
    ["Activations", `${r.activations_per_sample} per sample, ${r.activations_per_batch} per batch of ${m.batch_size}`],
    ["Training memory", `${r.total_bytes} (${trace.dtype}, batch of ${m.batch_size}) = params ${r.params_bytes} + gradients ${r.gradients_bytes} + ${t.optimizer} (${t.optimizer_slots} slot${t.optimizer_slots === 1 ? "" : "s"}) ${r.optimizer_bytes} + input ${r.input_bytes} + activations ${r.activation_bytes}`],
  ];
  for (const warning of trace.warnings) lines.push(["Warning", warning]);
  const rows = lines.map(([label, value]) => {
    const row = el("tr");
    row.append(el("th", label), el("td", value));
    return row;
  });
  $("totals").replaceChildren(...rows);
}

function markLayer(index) {
  for (const row of $("trace").querySelectorAll("tr.refused")) row.classList.remove("refused");
  if (index === null || index === undefined) return;
  const row = $("trace").querySelector(`tr[data-index="${Number(index)}"]`);
  if (row) row.classList.add("refused");
}

function request() {
  return {
    text: $("editor").value, path: state.path, dtype: $("dtype").value,
    batch_size: $("batch").value === "" ? null : Number($("batch").value),
  };
}

async function redraw(started) {
  const seq = ++state.seq;
  if (state.traceAbort) state.traceAbort.abort();
  state.traceAbort = new AbortController();
  let answer;
  try {
    answer = await api("/api/trace", request(), state.traceAbort.signal);
  } catch (error) {
    return; // a newer edit replaced this one
  }
  if (seq !== state.seq) return;
  updateStatus();
  if (answer.ok) {
    show("error", "");
    drawTrace(answer.trace);
    $("fixes").hidden = true;
    scheduleDiagram();
  } else {
    show("error", answer.error);
    markLayer(answer.layer);
    if (answer.fixable) scheduleFix(); else $("fixes").hidden = true;
  }
  const took = performance.now() - started;
  window.archplanTimings.push(took);
  $("status").dataset.seq = String(seq);
}

// One request of a slow kind at a time; an edit meanwhile asks for one more when it is done.
async function latestOnly(job, work) {
  if (job.busy) { job.again = true; return; }
  job.busy = true;
  try {
    do { job.again = false; await work(); } while (job.again);
  } finally { job.busy = false; }
}

// The diagram waits for a pause in typing: Graphviz' layout of a large network takes longer than
// a keystroke, and would hold up the table's answers while it runs.
const DIAGRAM_PAUSE_MS = 300;

function scheduleDiagram() {
  clearTimeout(state.diagramTimer);
  state.diagramTimer = setTimeout(drawDiagram, DIAGRAM_PAUSE_MS);
}

function drawDiagram() {
  latestOnly(state.diagram, async () => {
    const answer = await api("/api/diagram", request());
    const box = $("diagram");
    if (answer.ok && answer.svg) {
      const image = el("img");
      image.alt = "the network's diagram";
      image.src = URL.createObjectURL(answer.svg);
      const old = box.querySelector("img");
      if (old) URL.revokeObjectURL(old.src);
      box.replaceChildren(image);
    } else if (!answer.ok && answer.fixable === false) {
      box.replaceChildren(el("p", answer.error, "muted"));
    }
  });
}

function scheduleFix() {
  const box = $("fixes");
  box.hidden = false;
  box.replaceChildren(el("p", "Looking for fixes…", "muted"));
  latestOnly(state.fix, async () => {
    const text = $("editor").value;
    const answer = await api("/api/fix", request());
    if (text !== $("editor").value) return; // edited meanwhile: the next round answers
    if (!answer.ok) { box.replaceChildren(el("p", answer.error, "muted")); return; }
    if (answer.refusal === null) { box.hidden = true; return; }
    if (!answer.fixes.length) {
      box.replaceChildren(el("p", `None of the ${answer.tried} changes archplan tries makes it valid.`, "muted"));
      return;
    }
    const items = [el("p", `Fixes (${answer.found} found, the smallest first; each traced in full):`)];
    for (const fix of answer.fixes) {
      const button = el("button", `${fix.rank}. ${fix.changes.join("; ")}`, "fix");
      button.type = "button";
      button.title = `${count(fix.params)} params, ${count(fix.macs)} MACs, output ${fix.output_shape}`;
      button.addEventListener("click", () => applyText(fix.spec, true));
      const line = el("div", null, "fix-line");
      line.append(button, el("span", ` ${count(fix.params)} params, output ${fix.output_shape}`, "muted"));
      items.push(line);
    }
    box.replaceChildren(...items);
  });
}

function applyText(text, undoable) {
  const editor = $("editor");
  if (undoable) { state.undoText = editor.value; $("undo").hidden = false; }
  editor.value = text;
  redraw(performance.now());
  drawForm();
}

// ---- the layer form: add, remove, reorder, change an argument --------------------------------
// It edits the editor's JSON (parsed as data, never run) and writes it back, a layer a line.

function compact(value) {
  if (Array.isArray(value)) return `[${value.map(compact).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${compact(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value);
}

function specText(data) {
  const lines = [];
  for (const [key, value] of Object.entries(data)) {
    if (key !== "layers" && key !== "training") lines.push(`  ${JSON.stringify(key)}: ${compact(value)},`);
  }
  const rows = data.layers.map((layer) => `    ${compact(layer)}`).join(",\n");
  const training = "training" in data;
  lines.push(`  "layers": [\n${rows}\n  ]${training ? "," : ""}`);
  if (training) lines.push(`  "training": ${JSON.stringify(data.training, null, 2).replace(/\n/g, "\n  ")}`);
  return `{\n${lines.join("\n")}\n}\n`;
}

function editorData() {
  try {
    const data = JSON.parse($("editor").value);
    return data && typeof data === "object" && Array.isArray(data.layers) ? data : null;
  } catch (error) { return null; }
}

function option(value, label) { const o = el("option", label); o.value = value; return o; }

function editLayers(change, rebuild) {
  const data = editorData();
  if (!data) return;
  change(data.layers);
  $("editor").value = specText(data);
  redraw(performance.now());
  if (rebuild) drawForm();
}

function parseValue(text) {
  if (text.trim() === "") return undefined;
  try { return JSON.parse(text); } catch (error) { return text; }
}

function newValue(argument, index) {
  if (argument.default !== null && argument.default !== undefined) return argument.default;
  if (argument.choices) return argument.choices[0];
  if (argument.name === "name") return `layer_${index}`;
  return argument.name === "inputs" ? [] : 1;
}

function drawForm() {
  const box = $("layer-form");
  if (box.hidden) return;
  const data = editorData();
  if (!data) {
    box.replaceChildren(el("p", "The text is not a JSON spec with a layers list yet; fix it in the text view to use the form.", "muted"));
    return;
  }
  const cards = data.layers.map((layer, index) => {
    const card = el("div", null, "layer-card");
    card.dataset.index = index;
    const head = el("div", null, "layer-head");
    head.append(el("span", String(index), "muted"), el("strong", String(layer.type)));
    const last = data.layers.length - 1;
    for (const [label, title, action, off] of [
      ["↑", "move up", () => editLayers((l) => l.splice(index - 1, 0, l.splice(index, 1)[0]), true), index === 0],
      ["↓", "move down", () => editLayers((l) => l.splice(index + 1, 0, l.splice(index, 1)[0]), true), index === last],
      ["✕", "remove", () => editLayers((l) => l.splice(index, 1), true), false],
    ]) {
      const button = el("button", label, "small");
      button.type = "button"; button.title = title; button.disabled = off;
      button.dataset.action = title;
      button.addEventListener("click", action);
      head.append(button);
    }
    card.append(head);
    for (const [key, value] of Object.entries(layer)) {
      if (key === "type") continue;
      const row = el("label", null, "argument");
      const input = el("input");
      input.value = typeof value === "string" ? value : compact(value);
      input.dataset.argument = key;
      input.addEventListener("change", () => {
        const parsed = parseValue(input.value);
        editLayers((l) => { if (parsed === undefined) delete l[index][key]; else l[index][key] = parsed; }, parsed === undefined);
      });
      row.append(el("span", key), input);
      card.append(row);
    }
    const entry = state.catalogue[layer.type];
    const missing = entry ? entry.arguments.filter((a) => !(a.name in layer)) : [];
    if (missing.length) {
      const select = el("select", null, "add-argument");
      select.append(option("", "+ argument"));
      for (const a of missing) {
        const shown = a.default === null || a.default === undefined ? a.name : `${a.name} (default ${compact(a.default)})`;
        select.append(option(a.name, shown));
      }
      select.addEventListener("change", () => {
        const argument = missing.find((a) => a.name === select.value);
        if (argument) editLayers((l) => { l[index][argument.name] = newValue(argument, index); }, true);
      });
      card.append(select);
    }
    return card;
  });
  const adder = el("div", null, "bar");
  const types = el("select");
  types.id = "add-layer-type";
  for (const entry of Object.values(state.catalogue)) {
    const o = option(entry.type, entry.type);
    o.title = entry.description;
    types.append(o);
  }
  const add = el("button", "Add layer");
  add.type = "button"; add.id = "add-layer";
  add.addEventListener("click", () => {
    const entry = state.catalogue[types.value];
    if (entry) editLayers((l) => l.push(structuredClone(entry.starter)), true);
  });
  adder.append(types, add);
  box.replaceChildren(...cards, adder);
}

function selectView(form) {
  $("view-text").classList.toggle("active", !form);
  $("view-form").classList.toggle("active", form);
  $("editor").hidden = form;
  $("layer-form").hidden = !form;
  drawForm();
}

async function loadCatalogue() {
  const answer = await api("/api/layers");
  if (answer.ok) for (const entry of answer.layers) state.catalogue[entry.type] = entry;
}

// ---- files: open, save, reload ---------------------------------------------------------------

function updateStatus() {
  const edited = state.path !== null && $("editor").value !== state.savedText;
  $("status").textContent = state.path === null ? "not saved to a file" :
    `${state.path}${edited ? " (edited)" : ""}`;
}

async function listFiles() {
  const answer = await api("/api/files");
  if (!answer.ok) { banner(answer.error); return null; }
  $("folder").textContent = answer.folder;
  state.files = answer.files;
  for (const id of ["files", "compare-a", "compare-b"]) {
    const select = $(id);
    const options = answer.files.map((name) => { const o = el("option", name); o.value = name; return o; });
    if (id !== "files") { const o = el("option", "(the editor)"); o.value = ""; options.unshift(o); }
    select.replaceChildren(...options);
  }
  return answer;
}

async function openFile(path) {
  const answer = await api(`/api/file?path=${encodeURIComponent(path)}`);
  if (!answer.ok) { banner(answer.error); return; }
  state.path = answer.path;
  state.mtime = answer.mtime;
  state.savedText = answer.text;
  $("save-path").value = answer.path;
  $("files").value = answer.path;
  $("editor").value = answer.text;
  $("undo").hidden = true;
  redraw(performance.now());
  drawForm();
}

async function save(replace, mtime) {
  const path = $("save-path").value.trim();
  const same = path === state.path;
  const body = { path, text: $("editor").value, replace: replace || same,
                 mtime: mtime !== undefined ? mtime : (same ? state.mtime : null) };
  const answer = await api("/api/save", body);
  if (answer.ok) {
    state.path = answer.path; state.mtime = answer.mtime; state.savedText = body.text;
    banner(`Saved ${answer.path}.`);
    updateStatus();
    await listFiles();
    $("files").value = answer.path;
    return;
  }
  const actions = [];
  if (answer.conflict && !same) {
    actions.push([`Replace ${path}`, async () => {
      const now = await api(`/api/mtime?path=${encodeURIComponent(path)}`);
      if (now.ok) save(true, now.mtime); else banner(now.error);
    }]);
  } else if (answer.conflict) {
    actions.push(["Load the file from disk (your edits are replaced)", () => openFile(state.path)]);
  }
  banner(answer.error, actions);
}

async function watch() {
  if (state.path === null) return;
  const path = state.path;
  const answer = await api(`/api/mtime?path=${encodeURIComponent(path)}`);
  if (!answer.ok || path !== state.path || answer.mtime === state.mtime) return;
  if (answer.mtime === null) { banner(`${path} was deleted on disk; Save writes it again.`); state.mtime = null; return; }
  if ($("editor").value === state.savedText) {
    await openFile(path);
    banner(`Reloaded ${path}: it changed on disk.`);
  } else {
    state.mtime = answer.mtime; // ask once per change
    banner(`${path} changed on disk, and the editor holds unsaved edits.`, [
      ["Load the file from disk (your edits are replaced)", () => openFile(path)],
    ]);
  }
}

// ---- plan -----------------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
function svgEl(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

async function runPlan(event) {
  event.preventDefault();
  const form = Object.fromEntries(new FormData($("plan-form")).entries());
  show("plan-error", "");
  $("plan-summary").textContent = "Planning…";
  $("plan-run").disabled = true;
  const answer = await api("/api/plan", form);
  $("plan-run").disabled = false;
  if (!answer.ok) {
    show("plan-error", answer.error);
    $("plan-summary").textContent = "";
    $("plan-chosen").replaceChildren();
    $("pareto").replaceChildren();
    return;
  }
  $("plan-summary").textContent = `${count(answer.feasible)} of ${count(answer.examined)} networks examined fit. ${answer.limits} Click a point or a network to open its spec.`;
  const chosen = answer.points.slice(0, answer.top).map((point) => {
    const button = el("button", `${point.rank}. ${point.name}: ${count(point.params)} params, ${count(point.macs)} MACs`, "chosen");
    button.type = "button";
    button.addEventListener("click", () => openPoint(answer.plan, point.rank));
    return button;
  });
  $("plan-chosen").replaceChildren(...chosen);
  drawPareto(answer);
}

function drawPareto(answer) {
  const width = 720, height = 420, pad = 56;
  const points = answer.points.filter((p) => p.macs !== null && p.params > 0 && p.macs > 0);
  const svg = svgEl("svg", { width, height, viewBox: `0 0 ${width} ${height}`, id: "pareto-plot" });
  if (!points.length) { $("pareto").replaceChildren(svg); return; }
  const logs = (key) => points.map((p) => Math.log10(p[key]));
  const span = (values) => { const lo = Math.min(...values), hi = Math.max(...values); return [lo - 0.05, hi + 0.05 + (hi === lo ? 0.1 : 0)]; };
  const [x0, x1] = span(logs("params")), [y0, y1] = span(logs("macs"));
  const x = (v) => pad + (Math.log10(v) - x0) / (x1 - x0) * (width - 2 * pad);
  const y = (v) => height - pad - (Math.log10(v) - y0) / (y1 - y0) * (height - 2 * pad);
  svg.append(svgEl("rect", { x: pad, y: pad, width: width - 2 * pad, height: height - 2 * pad, class: "frame" }));
  for (let e = Math.ceil(x0); e <= x1; e++) {
    const tick = svgEl("text", { x: x(10 ** e), y: height - pad + 18, class: "tick", "text-anchor": "middle" });
    tick.textContent = `1e${e}`; svg.append(tick);
  }
  for (let e = Math.ceil(y0); e <= y1; e++) {
    const tick = svgEl("text", { x: pad - 6, y: y(10 ** e) + 4, class: "tick", "text-anchor": "end" });
    tick.textContent = `1e${e}`; svg.append(tick);
  }
  const xl = svgEl("text", { x: width / 2, y: height - 12, class: "axis", "text-anchor": "middle" });
  xl.textContent = "parameters (log)"; svg.append(xl);
  const yl = svgEl("text", { x: 14, y: height / 2, class: "axis", transform: `rotate(-90 14 ${height / 2})`, "text-anchor": "middle" });
  yl.textContent = "MACs (log)"; svg.append(yl);
  const front = points.filter((p) => p.pareto).sort((a, b) => a.params - b.params);
  if (front.length > 1) {
    svg.append(svgEl("polyline", { points: front.map((p) => `${x(p.params)},${y(p.macs)}`).join(" "), class: "front" }));
  }
  for (const point of [...points].reverse()) {
    const chosen = point.rank <= answer.top;
    const dot = svgEl("circle", { cx: x(point.params), cy: y(point.macs), r: chosen ? 6 : (point.pareto ? 4 : 2.5),
      class: chosen ? "dot chosen" : (point.pareto ? "dot front-dot" : "dot"), "data-rank": point.rank });
    const title = svgEl("title", {});
    title.textContent = `${point.rank}. ${point.name} (${point.family}): ${count(point.params)} params, ${count(point.macs)} MACs`;
    dot.append(title);
    dot.addEventListener("click", () => openPoint(answer.plan, point.rank));
    svg.append(dot);
  }
  $("pareto").replaceChildren(svg);
}

async function openPoint(plan, rank) {
  const answer = await api(`/api/plan/${Number(plan)}/${Number(rank)}`);
  if (!answer.ok) { show("plan-error", answer.error); return; }
  state.path = null; state.mtime = null; state.savedText = null;
  $("save-path").value = `${answer.name}.json`;
  selectTab("edit");
  applyText(answer.text, false);
}

// ---- compare --------------------------------------------------------------------------------

async function specOf(path) {
  if (!path) return { path: state.path, text: $("editor").value };
  const answer = await api(`/api/file?path=${encodeURIComponent(path)}`);
  if (!answer.ok) throw new Error(answer.error);
  return { path: answer.path, text: answer.text };
}

async function runCompare() {
  show("compare-error", "");
  let specs;
  try {
    specs = [await specOf($("compare-a").value), await specOf($("compare-b").value)];
  } catch (error) { show("compare-error", error.message); return; }
  const answer = await api("/api/compare", { specs, dtype: $("dtype").value,
    batch_size: $("batch").value === "" ? null : Number($("batch").value) });
  if (!answer.ok) { show("compare-error", answer.error); $("compare").replaceChildren(); return; }
  const head = el("tr");
  head.append(el("th", ""), ...answer.networks.map((name) => el("th", name)));
  const rows = [head];
  for (const row of answer.rows) {
    const line = el("tr");
    line.append(el("th", row.label));
    row.values.forEach((value, index) => {
      const best = row.best.includes(index);
      line.append(el("td", best ? `★ ${value}` : value, best ? "best" : ""));
    });
    rows.push(line);
  }
  $("compare").replaceChildren(...rows);
}

// ---- start ----------------------------------------------------------------------------------

function selectTab(name) {
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.tab === name);
  for (const panel of ["edit", "plan", "compare"]) $(`panel-${panel}`).hidden = panel !== name;
}

const STARTER = `{
  "name": "new-network",
  "input": {"shape": [32, 32, 3]},
  "layers": [
    {"type": "Conv2D", "filters": 16, "kernel_size": 3, "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "units": 10, "activation": "softmax"}
  ]
}
`;

async function start() {
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => selectTab(tab.dataset.tab));
  $("editor").addEventListener("input", (event) => redraw(event.timeStamp));
  $("dtype").addEventListener("change", () => redraw(performance.now()));
  $("batch").addEventListener("input", () => redraw(performance.now()));
  $("open").addEventListener("click", () => openFile($("files").value));
  $("save").addEventListener("click", () => save(false));
  $("undo").addEventListener("click", () => { $("undo").hidden = true; applyText(state.undoText, false); });
  $("plan-form").addEventListener("submit", runPlan);
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") { event.preventDefault(); save(false); }
  });
  $("view-text").addEventListener("click", () => selectView(false));
  $("view-form").addEventListener("click", () => selectView(true));
  await loadCatalogue();
  $("compare-run").addEventListener("click", runCompare);
  const listing = await listFiles();
  if (listing && listing.initial) await openFile(listing.initial);
  else applyText(STARTER, false);
  setInterval(watch, 1000);
}

start();
