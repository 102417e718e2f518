// The playground page: settings in, frames out. The session trains; this draws.
// One session per tab, reached through one of two transports with the same calls:
// the local server (frames as server-sent events, actions POSTed; it can run native
// code), or, in the static build (<html data-transport="worker">), chainrule in
// Pyodide in a Web Worker (worker.js). No library, no network beyond the page's
// own origin.
"use strict";

const CLASS_COLOURS = [[43, 108, 176], [221, 107, 32], [47, 133, 90]];
const ABOVE_ZERO = [43, 108, 176];  // a regression task's values: blue above zero,
const BELOW_ZERO = [221, 107, 32];  // orange below, deeper the larger
const TRAIN_COLOUR = "#2b6cb0";
const TEST_COLOUR = "#c05621";
const $ = (id) => document.getElementById(id);

const page = {
  choices: null, transport: null, frame: null, graph: null, firstFrameAt: null,
  precomputed: null,  // the default run's first frame from the static build, if it was drawn
  inspecting: false,  // an inspect on its way
  hash: null, runHash: null,  // the address's settings; the same but the speed
};

// --- the transports: choices(), start(settings, onFrame), act(action, extra), svg(graph, step)

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || `${response.status} ${response.statusText}`);
  return answer;
}

function serverTransport() {
  let session = null;
  let events = null;
  window.addEventListener("pagehide", () => {
    if (session) {
      navigator.sendBeacon(`/api/sessions/${session}`,
        new Blob([JSON.stringify({ action: "close" })], { type: "application/json" }));
    }
  });
  return {
    choices: async () => (await fetch("/api/choices")).json(),
    async start(settings, onFrame) {
      session = (await post("/api/sessions", { settings })).id;
      events = new EventSource(`/api/sessions/${session}/events`);
      events.addEventListener("frame", (event) => onFrame(JSON.parse(event.data)));
      events.addEventListener("closed", () => {
        events.close(); $("status").textContent = "the server has stopped this session: reload the page";
      });
    },
    act: (action, extra = {}) => post(`/api/sessions/${session}`, { action, ...extra }),
    async svg(graph, step) {
      const response = await fetch(`/api/sessions/${session}/graphs/${graph}/${step}.svg`);
      const text = await response.text();
      if (!response.ok) throw new Error(JSON.parse(text).error);
      return text;
    },
  };
}

// chainrule in Pyodide in a Web Worker (worker-client.js): each call a message.
// The form's choices and the default run's first frame come with the site (the build
// wrote them), so the page draws before Pyodide has booted. The worker starts at the
// first call, after that drawing: its WebAssembly compiles would compete with it.
function workerTransport() {
  let onFrame = () => {};
  let worker = null;
  const call = (...args) => {
    worker ??= chainruleWorker({
      status: (text) => { if (!page.frame || page.frame.precomputed) $("status").textContent = text; },
      failure: (text) => showError("run-error", text),
      frame: (frame) => onFrame(frame),
    });
    return worker.call(...args);
  };
  const file = async (name) => {
    const response = await fetch(`static/${name}`);
    if (!response.ok) throw new Error(`${name}: ${response.status} ${response.statusText}`);
    return response.json();
  };
  const firstFrame = file("first-frame.json");
  return {
    choices: () => file("choices.json"),
    firstFrame: () => firstFrame,
    async start(settings, frames) { onFrame = frames; await call("start", JSON.stringify(settings)); },
    act: async (action, extra = {}) => JSON.parse(await call("act", action, JSON.stringify(extra))),
    svg: (graph, step) => call("svg", graph, step),
  };
}

function act(action, extra = {}) { return page.transport.act(action, extra); }

function showError(element, error) { $(element).textContent = error ? String(error.message || error) : ""; }

// --- the settings form ----------------------------------------------------------

function fillSelect(select, values, labels = values) {
  select.replaceChildren(...values.map((value, index) => new Option(labels[index], value)));
}

function optimizerFields(options) {
  const box = $("optimizer-options");
  box.replaceChildren();
  for (const [key, value] of Object.entries(options)) {
    (Array.isArray(value) ? value : [value]).forEach((item, position) => {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.dataset.option = key;
      input.dataset.position = Array.isArray(value) ? position : "";
      if (typeof item === "boolean") { input.type = "checkbox"; input.checked = item; }
      else { input.type = "number"; input.step = "any"; input.min = "0"; input.value = item; }
      label.append(`${key}${Array.isArray(value) ? `[${position}]` : ""} `, input);
      box.append(label);
    });
  }
}

function readOptimizerFields() {
  const options = {};
  for (const input of $("optimizer-options").querySelectorAll("input")) {
    const value = input.type === "checkbox" ? input.checked : Number(input.value);
    if (input.dataset.position === "") options[input.dataset.option] = value;
    else (options[input.dataset.option] ||= [])[Number(input.dataset.position)] = value;
  }
  return options;
}

function datasetChanged() {
  const dataset = page.choices.datasets[$("dataset").value];
  fillSelect($("loss"), dataset.losses);  // a regression task: mse only
  // a regression task's points carry targets, not classes: none are added by hand
  $("your-points").hidden = dataset.regression;
  $("add-help").hidden = dataset.regression;
  $("noise").value = dataset.noise;
  $("noise-field").hidden = $("dataset").value === "iris";
  $("iris-fields").hidden = $("dataset").value !== "iris";
}

function batchKindChanged() { $("batch-size-field").hidden = $("batch_kind").value !== "mini"; }

function showSettings(settings) {
  for (const key of ["dataset", "examples", "noise", "test_fraction", "activation", "optimizer",
    "lr", "lr_schedule", "epochs", "l2", "seed"]) $(key).value = settings[key];
  datasetChanged();
  $("noise").value = settings.noise;
  $("loss").value = settings.loss;
  $("hidden").value = settings.hidden.join(",");
  for (const box of $("features").querySelectorAll("input")) {
    box.checked = settings.features.includes(box.value);
  }
  [$("iris_x").value, $("iris_y").value] = settings.iris_features;
  optimizerFields(settings.optimizer_options);
  const size = settings.batch_size;
  $("batch_kind").value = size === null ? "full" : size === 1 ? "1" : "mini";
  $("batch_size").value = size === null || size === 1 ? 10 : size;
  batchKindChanged();
  $("speed").value = settings.steps_per_second;
  $("live-lr").value = settings.lr;
}

function readSettings() {
  const text = $("hidden").value.trim();
  const hidden = text === "" ? [] : text.split(",").map((part) => Number(part.trim()));
  const kind = $("batch_kind").value;
  return {
    dataset: $("dataset").value, examples: Number($("examples").value),
    noise: Number($("noise").value), test_fraction: Number($("test_fraction").value),
    iris_features: [Number($("iris_x").value), Number($("iris_y").value)],
    features: [...$("features").querySelectorAll("input:checked")].map((box) => box.value),
    hidden, activation: $("activation").value, loss: $("loss").value,
    optimizer: $("optimizer").value, optimizer_options: readOptimizerFields(),
    lr: Number($("lr").value), lr_schedule: $("lr_schedule").value,
    epochs: Number($("epochs").value),
    batch_size: kind === "full" ? null : kind === "1" ? 1 : Number($("batch_size").value),
    l2: Number($("l2").value), seed: Number($("seed").value),
    steps_per_second: Number($("speed").value),
  };
}

function buildForm(choices) {
  fillSelect($("dataset"), Object.keys(choices.datasets));
  fillSelect($("activation"), choices.activations);
  fillSelect($("optimizer"), Object.keys(choices.optimizers));
  const features = ["sepal length", "sepal width", "petal length", "petal width"];
  for (const id of ["iris_x", "iris_y"]) fillSelect($(id), features.map((_, i) => i), features);
  // the network's inputs: one box per feature of the table (nn/data.py's INPUT_FEATURES)
  for (const [name, label] of Object.entries(choices.features)) {
    const box = Object.assign(document.createElement("input"),
      { type: "checkbox", value: name, id: `feature-${name}` });
    const item = document.createElement("label");
    item.append(box, ` ${label}`);
    $("features").append(item);
  }
  $("examples").max = choices.limits.examples;
  $("speed").max = choices.limits.steps_per_second;
  $("dataset").addEventListener("change", datasetChanged);
  $("batch_kind").addEventListener("change", batchKindChanged);
  $("optimizer").addEventListener("change", () =>
    optimizerFields(choices.optimizers[$("optimizer").value]));
}

// --- drawing a frame -------------------------------------------------------------

function toCanvas(frame, canvas, [x, y]) {
  const [[left, right], [bottom, top]] = frame.bounds;
  return [(x - left) / (right - left) * canvas.width, (top - y) / (top - bottom) * canvas.height];
}

// A regression task's colour for `value`: diverging around zero, full at `scale`.
function valueColour(value, scale) {
  const share = Number.isFinite(value) ? Math.min(1, Math.abs(value) / scale) : 0;
  return (value >= 0 ? ABOVE_ZERO : BELOW_ZERO).map((channel) =>
    Math.round(255 - (255 - channel) * (0.05 + 0.8 * share)));
}

// The scale of a regression frame's colours: the largest size of a target or a prediction.
function valueScale(frame) {
  const values = [...frame.boundary.values, ...frame.points.train.map((point) => point[2]),
    ...frame.points.test.map((point) => point[2])].filter(Number.isFinite).map(Math.abs);
  return Math.max(1e-9, ...values);
}

function drawBoundary(frame) {
  const canvas = $("boundary");
  const context = canvas.getContext("2d");
  const { size, classes, certainty, values } = frame.boundary;
  const grid = new ImageData(size, size);
  const scale = frame.regression ? valueScale(frame) : 1;
  const pointColour = (label) => `rgb(${(frame.regression ? valueColour(label, scale)
    : CLASS_COLOURS[label]).join(",")})`;
  for (let cell = 0; cell < size * size; cell++) {
    const shade = frame.regression ? 0 : 0.15 + 0.55 * certainty[cell];
    const colour = frame.regression ? valueColour(values[cell], scale)
      : CLASS_COLOURS[classes[cell]].map((channel) => Math.round(255 - (255 - channel) * shade));
    colour.forEach((channel, c) => { grid.data[4 * cell + c] = channel; });
    grid.data[4 * cell + 3] = 255;
  }
  const small = new OffscreenCanvas(size, size);
  small.getContext("2d").putImageData(grid, 0, 0);
  context.imageSmoothingEnabled = true;
  // NOTE: the grid's points are cell centres at the box's edges, so each cell
  // spans half a cell beyond them; the picture is shifted by half a cell.
  const cell = canvas.width / (size - 1);
  context.drawImage(small, -cell / 2, -cell / 2, canvas.width + cell, canvas.height + cell);
  for (const which of ["train", "test"]) {
    for (const point of frame.points[which]) {
      const [x, y] = toCanvas(frame, canvas, point);
      context.beginPath();
      context.arc(x, y, which === "train" ? 4.5 : 5, 0, 2 * Math.PI);
      const colour = pointColour(point[2]);
      if (which === "train") {
        context.fillStyle = colour; context.fill();
        context.strokeStyle = frame.regression ? "#2d3748" : "white";
        context.lineWidth = 1.2; context.stroke();
      } else {
        context.strokeStyle = colour; context.lineWidth = 2.2; context.stroke();
      }
    }
  }
  if (page.graph) {
    const point = frame.points[page.graph.set][page.graph.index];
    if (point) {
      const [x, y] = toCanvas(frame, canvas, point);
      context.beginPath(); context.arc(x, y, 9, 0, 2 * Math.PI);
      context.strokeStyle = "#d62828"; context.lineWidth = 2.5; context.stroke();
    }
  }
}

function number(value) {
  if (Number.isInteger(value)) return String(value);  // a count, as the optimizer's steps
  return typeof value === "number" ? value.toPrecision(5) : String(value);
}

function drawParameters(frame) {
  const body = document.querySelector("#parameters tbody");
  if (body.rows.length !== frame.parameters.length) {
    body.replaceChildren(...frame.parameters.map(() => {
      const row = document.createElement("tr");
      row.append(document.createElement("th"), ...[1, 2, 3].map(() => document.createElement("td")));
      row.firstChild.scope = "row";
      return row;
    }));
  }
  frame.parameters.forEach(([name, value, gradient, state], index) => {
    const cells = body.rows[index].cells;
    const stateText = Object.entries(state).map(([key, item]) => `${key} ${number(item)}`).join(", ");
    [name, number(value), number(gradient), stateText || "–"].forEach((text, column) => {
      if (cells[column].textContent !== text) cells[column].textContent = text;
    });
  });
}

function drawCharts(frame) {
  drawChart($("curves"), frame.curves, [
    { key: "train_loss", colour: TRAIN_COLOUR }, { key: "train_objective", colour: TRAIN_COLOUR, dashed: true },
    { key: "test_loss", colour: TEST_COLOUR }, { key: "test_objective", colour: TEST_COLOUR, dashed: true },
  ], { log: $("log-scale").checked, title: "loss" });
  $("accuracy").hidden = frame.regression;  // a real-valued target has no accuracy
  if (!frame.regression) {
    drawChart($("accuracy"), frame.curves, [
      { key: "train_accuracy", colour: TRAIN_COLOUR }, { key: "test_accuracy", colour: TEST_COLOUR },
    ], { percent: true, title: "accuracy" });
  }
  drawChart($("lr-curve"), frame.curves, [{ key: "lr", colour: "#553c9a" }], { title: "learning rate" });
}

function percent(value) { return typeof value === "number" ? `${(100 * value).toFixed(1)}%` : "—"; }

// The address shows the run's settings (link.js), so a copied link opens the same run.
function showLink(settings) {
  const hash = settingsToHash(settings);
  const { steps_per_second: _, ...run } = settings;
  const runHash = settingsToHash(run);
  if (runHash !== page.runHash) {  // a new run (a link, the form): the form shows its settings
    if (page.runHash !== null) showSettings(settings);
    const classes = page.choices.datasets[settings.dataset].classes;
    if ($("point-class").options.length !== classes) {
      fillSelect($("point-class"), [...Array(classes).keys()].map(String),
        ["0 (blue)", "1 (orange)", "2 (green)"].slice(0, classes));
    }
    page.runHash = runHash;
  }
  if (hash !== page.hash) {
    page.hash = hash;
    history.replaceState(null, "", hash);
    $("link").href = linkOf(hash);
  }
}

// A link to the page with `hash`, without the local server's token (the cookie carries it).
function linkOf(hash) { return `${location.origin}${location.pathname}${hash}`; }

// A link opened, or a hash typed into the address: its settings, or the reason they are refused
// (the run goes on unchanged).
async function openLink() {
  if (location.hash === page.hash) return;
  const { settings, error } = settingsFromHash(location.hash);
  if (error) { showError("settings-error", error); return; }
  if (!settings) return;
  try {
    await act("configure", { settings });
    showError("settings-error", null);
  } catch (refusal) {
    showError("settings-error", `the link's settings are refused: ${refusal.message}`);
  }
}

async function copy(text) {
  try { await navigator.clipboard.writeText(text); $("copied").textContent = "copied"; } catch (error) {
    $("copied").textContent = "the browser does not allow copying here: select the text instead";
  }
}

// The status line; while a large network plays, its pictures (the output plane and
// the neurons') may be of an earlier step than the numbers: the line says which.
function statusText(frame) {
  const rate = frame.running ? `${frame.steps_per_second} steps/s` : "paused";
  const pictures = frame.boundary.at_step === frame.steps ? ""
    : ` · pictures of step ${frame.boundary.at_step}`;
  return `step ${frame.steps} · epoch ${frame.epoch} · ` +
    `${frame.examples_seen} examples seen · learning rate ${number(frame.lr)} · ${rate} · ` +
    `${frame.engine}${pictures}`;
}

function drawFrame(frame) {
  if (page.firstFrameAt === null) page.firstFrameAt = performance.now();
  page.frame = frame;
  showLink(frame.settings);
  $("play").textContent = frame.running ? "Pause" : "Play";
  $("play").setAttribute("aria-pressed", String(frame.running));
  $("status").textContent = statusText(frame);
  $("status").dataset.steps = frame.steps;
  $("runtime").textContent = `Engine: ${frame.engine}, in ${frame.runtime}.`;
  showError("run-error", frame.error);
  drawBoundary(frame);
  drawNetwork($("network"), frame);
  drawCharts(frame);
  followPoint(frame);
  const last = frame.curves[frame.curves.length - 1];
  $("output-key").textContent = frame.regression
    ? "The output: the predicted value, blue above zero, orange below, deeper where larger " +
      "(the points: their targets, on the same scale);"
    : "The output: the predicted class, deeper where surer;";
  $("latest").textContent = `now: train data loss ${number(last.train_loss)}, objective ` +
    `${number(last.train_objective)}, accuracy ${percent(last.train_accuracy)}; test data loss ` +
    `${number(last.test_loss)}, accuracy ${percent(last.test_accuracy)}`;
  drawParameters(frame);
  $("command").textContent = frame.export.command;
  $("exact").textContent = frame.export.missing.length
    ? "The nearest command: chainrule train cannot express"
    : `This command repeats the run's first ${frame.settings.epochs} epochs exactly.`;
  $("missing").replaceChildren(...frame.export.missing.map((text) => {
    const item = document.createElement("li"); item.textContent = text; return item;
  }));
}

// --- a point's graph ------------------------------------------------------------------

async function inspect(set, index, { keepStep = false } = {}) {
  showError("run-error", null);
  const previous = page.graph;
  page.inspecting = true;
  try {
    page.graph = await act("inspect", { set, index, collapse: $("collapse").checked });
  } catch (error) { showError("run-error", error); return; } finally { page.inspecting = false; }
  page.graph.inspectedAt = performance.now();
  const graph = page.graph;
  $("point-set").value = set; $("point-index").value = index;
  const target = Array.isArray(graph.prediction) ? `class ${graph.target}` : `target ${graph.target}`;
  $("point-summary").textContent = `${set} point ${index} at (${graph.inputs.map(number).join(", ")}), ` +
    `${target}, after step ${graph.at_step}: prediction ${[].concat(graph.prediction).map(number).join(", ")}, ` +
    `loss ${number(graph.loss)} (without L2). Its graph has ${graph.values} values and ` +
    `${graph.captions.length} backward steps.` + (graph.drawable ? "" :
    ` Drawings stop at ${graph.limit} values (a 2-8-8-1 network fits): the steps are listed as text.`);
  $("stepper").hidden = graph.captions.length === 0;
  const step = keepStep && previous ? $("backward-step").valueAsNumber : 0;
  $("backward-step").max = Math.max(graph.captions.length - 1, 0);
  if (!keepStep) $("graph").replaceChildren();
  showStep(step);
  showPointGradients(graph.gradients);
  if (page.frame) drawBoundary(page.frame);
}

function showPointGradients(rows) {
  const body = document.querySelector("#point-gradients tbody");
  body.replaceChildren(...rows.map(([name, gradient, difference]) => {
    const row = document.createElement("tr");
    const scale = Math.max(Math.abs(gradient), Math.abs(difference), 1e-12);
    const relative = Math.abs(gradient - difference) / scale;
    for (const text of [name, number(gradient), number(difference), relative.toExponential(1)]) {
      const cell = document.createElement("td"); cell.textContent = text; row.append(cell);
    }
    return row;
  }));
  $("point-gradients").hidden = rows.length === 0;
}

// While training runs, the point followed is inspected again (at most once a second).
function followPoint(frame) {
  const graph = page.graph;
  if (!graph || !$("follow").checked || page.inspecting || !frame.running) return;
  if (frame.steps === graph.at_step || performance.now() - graph.inspectedAt < 1000) return;
  inspect(graph.set, graph.index, { keepStep: true });
}

async function showStep(index) {
  const graph = page.graph;
  if (!graph || !graph.captions.length) return;
  const step = Math.min(Math.max(index, 0), graph.captions.length - 1);
  $("backward-step").value = step;
  $("caption").textContent = graph.captions[step];
  if (!graph.drawable) return;
  let text;
  try { text = await page.transport.svg(graph.graph, step); } catch (error) {
    showError("run-error", error); return;
  }
  if (page.graph !== graph || Number($("backward-step").value) !== step) return;  // moved on
  const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  $("graph").replaceChildren(document.importNode(svg, true));
  $("graph").dataset.step = step;
}

function pointAt(frame, canvasX, canvasY) {
  let best = null;
  for (const set of ["train", "test"]) {
    frame.points[set].forEach((point, index) => {
      const [x, y] = toCanvas(frame, $("boundary"), point);
      const distance = Math.hypot(x - canvasX, y - canvasY);
      if (distance <= 8 && (!best || distance < best.distance)) best = { set, index, distance };
    });
  }
  return best;
}

// --- your own points ---------------------------------------------------------------------

// A new run from the frame's settings with `changes` (data changes restart training).
async function reconfigure(changes) {
  showError("run-error", null); showError("settings-error", null);
  await act("configure", { settings: { ...page.frame.settings, ...changes } });
}

function fromCanvas(frame, canvas, x, y) {
  const [[left, right], [bottom, top]] = frame.bounds;
  return [left + x / canvas.width * (right - left), top - y / canvas.height * (top - bottom)];
}

// A click on the plane: a point of the chosen class (shift: the next class) where it
// landed; an alt-click on one of your points removes it.
async function changePoints(event, hit) {
  const frame = page.frame;
  const points = frame.settings.points;
  if (event.altKey) {
    const yours = hit && hit.set === "train" ? hit.index - (frame.train_size - points.length) : -1;
    if (yours < 0) throw new Error("alt-click removes one of your own points; that one is the data set's");
    await reconfigure({ points: points.filter((_, index) => index !== yours) });
    return;
  }
  const classes = page.choices.datasets[frame.settings.dataset].classes;
  if (frame.regression) {
    throw new Error(`${frame.settings.dataset} is a regression task with its own targets: ` +
      "your points go with a data set of classes");
  }
  const chosen = Number($("point-class").value);
  const label = event.shiftKey ? (chosen + 1) % classes : chosen % classes;
  const canvas = $("boundary");
  const [x, y] = fromCanvas(frame, canvas, ...canvasPoint(canvas, event))
    .map((value) => Math.round(value * 1000) / 1000);
  await reconfigure({ points: [...points, [x, y, label]] });
}

async function uploadCsv() {
  const file = $("csv").files[0];
  $("csv").value = "";
  if (!file) return;
  if (file.size > 12000) {
    throw new Error(`${file.name} is ${file.size} bytes; a CSV of your points (x,y,class a line) has at most 12000`);
  }
  showError("settings-error", null);
  try {
    await act("csv", { text: await file.text() });
  } catch (error) { throw new Error(`${file.name}: ${error.message}`); }
}

// Where weight `name`'s line is, in the page's coordinates (for the browser test).
function weightPosition(name) {
  const canvas = $("network");
  const [x, y] = weightPoint(canvas, page.frame, name);
  const box = canvas.getBoundingClientRect();
  return { x: box.left + x * box.width / canvas.width, y: box.top + y * box.height / canvas.height };
}

// Where a point is drawn, in the page's coordinates (for the browser test).
function pointPosition(set, index) {
  const canvas = $("boundary");
  const [x, y] = toCanvas(page.frame, canvas, page.frame.points[set][index]);
  const box = canvas.getBoundingClientRect();
  return { x: box.left + x * box.width / canvas.width, y: box.top + y * box.height / canvas.height };
}

// --- the network view's hover text and weight editor -------------------------------

function canvasPoint(canvas, event) {
  const box = canvas.getBoundingClientRect();
  return [(event.clientX - box.left) * canvas.width / box.width,
    (event.clientY - box.top) * canvas.height / box.height];
}

function networkHover(event) {
  const canvas = $("network");
  const tip = $("network-tip");
  const item = page.frame && networkItemAt(canvas, page.frame, ...canvasPoint(canvas, event));
  tip.hidden = !item;
  if (!item) return;
  tip.textContent = networkItemText(page.frame, item);
  const box = canvas.getBoundingClientRect();
  tip.style.left = `${event.clientX - box.left + 12}px`;
  tip.style.top = `${event.clientY - box.top + 12}px`;
}

function networkClick(event) {
  const canvas = $("network");
  if (!page.frame) return;
  const item = networkItemAt(canvas, page.frame, ...canvasPoint(canvas, event));
  if (!item || !item.parameter) return;
  if (page.frame.running) { showError("run-error", "pause the training first: a weight is edited while paused"); return; }
  const editor = $("weight-editor");
  const box = canvas.getBoundingClientRect();
  editor.dataset.name = item.parameter;
  $("weight-name").textContent = item.parameter;
  $("weight-value").value = page.frame.parameters.find(([name]) => name === item.parameter)[1];
  editor.style.left = `${Math.min(event.clientX - box.left, box.width - 260)}px`;
  editor.style.top = `${event.clientY - box.top + 8}px`;
  editor.hidden = false;
  $("weight-value").focus();
}

// --- wiring -----------------------------------------------------------------------------

function wire() {
  const guarded = (element, action) => (...args) => action(...args).catch((error) => showError(element, error));
  $("settings").addEventListener("submit", guarded("settings-error", async (event) => {
    event.preventDefault();
    showError("settings-error", null);
    await act("configure", { settings: readSettings() });
    $("live-lr").value = $("lr").value;
  }));
  $("play").addEventListener("click", guarded("run-error", () =>
    act(page.frame && page.frame.running ? "pause" : "play")));
  $("step").addEventListener("click", guarded("run-error", () => act("step")));
  $("reset").addEventListener("click", guarded("run-error", () => act("reset")));
  $("set-lr").addEventListener("click", guarded("run-error", () => act("lr", { lr: Number($("live-lr").value) })));
  $("speed").addEventListener("change", guarded("run-error", () =>
    act("speed", { steps_per_second: Number($("speed").value) })));
  $("inspect").addEventListener("click", () => inspect($("point-set").value, Number($("point-index").value)));
  $("boundary").addEventListener("click", (event) => {
    if (!page.frame) return;
    const canvas = $("boundary");
    const box = canvas.getBoundingClientRect();
    const hit = pointAt(page.frame, (event.clientX - box.left) * canvas.width / box.width,
      (event.clientY - box.top) * canvas.height / box.height);
    if (hit && !event.altKey) { inspect(hit.set, hit.index); return; }
    guarded("run-error", () => changePoints(event, hit))();
  });
  $("clear-points").addEventListener("click", guarded("run-error", () =>
    reconfigure({ dataset: "yours", points: [] })));
  $("csv").addEventListener("change", guarded("settings-error", uploadCsv));
  $("network").addEventListener("mousemove", networkHover);
  $("network").addEventListener("mouseleave", () => { $("network-tip").hidden = true; });
  $("network").addEventListener("click", networkClick);
  $("weight-editor").addEventListener("submit", guarded("run-error", async (event) => {
    event.preventDefault();
    showError("run-error", null);
    const editor = $("weight-editor");
    await act("parameter", { name: editor.dataset.name, value: $("weight-value").valueAsNumber });
    editor.hidden = true;
  }));
  $("weight-cancel").addEventListener("click", () => { $("weight-editor").hidden = true; });
  window.addEventListener("hashchange", guarded("settings-error", openLink));
  $("copy-link").addEventListener("click", () => copy($("link").href));
  $("download-model").addEventListener("click", guarded("run-error", async () => {
    const exported = await act("export");
    const url = URL.createObjectURL(new Blob([exported.model], { type: "application/json" }));
    const link = Object.assign(document.createElement("a"), { href: url, download: "model.json" });
    document.body.append(link); link.click(); link.remove();
    URL.revokeObjectURL(url);
  }));
  $("show-script").addEventListener("click", guarded("run-error", async () => {
    const exported = await act("export");
    $("script").textContent = exported.script;
    $("script-box").hidden = false;
  }));
  $("copy-command").addEventListener("click", () => copy($("command").textContent));
  $("log-scale").addEventListener("change", () => { if (page.frame) drawCharts(page.frame); });
  $("backward-step").addEventListener("input", () => showStep($("backward-step").valueAsNumber));
  $("previous-step").addEventListener("click", () => showStep($("backward-step").valueAsNumber - 1));
  $("next-step").addEventListener("click", () => showStep($("backward-step").valueAsNumber + 1));
}

// The first session: the link's settings if it has any and they pass, else the defaults
// (and the reason the link's were refused).
async function startFromLink({ settings, error }) {
  if (settings) {
    try {
      await page.transport.start(settings, (frame) => {
        if (page.runHash === null) showSettings(frame.settings);
        drawFrame(frame);
      });
      return;
    } catch (refusal) {
      showError("settings-error", `the link's settings are refused: ${refusal.message}; ` +
        "the defaults run instead");
    }
  }
  if (error) showError("settings-error", `${error}; the defaults run instead`);
  await page.transport.start(readSettings(), drawFrame);
}

// Whether a link's settings (or none, or unreadable ones) start the default run: only
// then is the frame computed for the defaults at build time the right picture.
function asksForDefaults({ settings }, defaults) {
  return !settings || Object.entries(settings).every(
    ([key, value]) => JSON.stringify(value) === JSON.stringify(defaults[key]));
}

async function start() {
  const inWorker = document.documentElement.dataset.transport === "worker";
  page.transport = inWorker ? workerTransport() : serverTransport();
  $("static-pages").hidden = !inWorker;
  try {
    page.choices = await page.transport.choices();
    buildForm(page.choices);
    showSettings(page.choices.defaults);
    wire();
    const link = settingsFromHash(location.hash);
    if (page.transport.firstFrame && asksForDefaults(link, page.choices.defaults)) {
      page.precomputed = await page.transport.firstFrame();
      drawFrame(page.precomputed);
    }
    await startFromLink(link);
  } catch (error) { showError("run-error", error); $("status").textContent = "not connected"; }
}

window.chainrulePlayground = { pointPosition, weightPosition, statusText, page };
start();
