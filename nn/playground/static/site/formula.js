// A typed formula's backward pass, step by step, computed by chainrule in the
// browser (worker-client.js): the worker parses the formula (never eval), runs
// backward_steps and draws each frame; this page shows them.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { frames: [], shown: null };
const engine = chainruleWorker({
  status: (text) => { $("status").textContent = text; },
  failure: (text) => { $("formula-error").textContent = text; },
  frame: () => {},
});

function number(value) { return typeof value === "number" ? String(Number(value.toPrecision(6))) : String(value); }

async function showFrame(index) {
  if (!state.frames.length) return;
  const frame = Math.min(Math.max(index, 0), state.frames.length - 1);
  const asked = state.frames;
  $("backward-step").value = frame;
  $("caption").textContent = asked[frame].caption;
  $("formulas").replaceChildren(...asked[frame].formulas.map((line) => {
    const item = document.createElement("div"); item.textContent = line; return item;
  }));
  let text;
  try { text = await engine.call("formula_svg", frame); } catch (error) {
    $("formula-error").textContent = error.message; return;
  }
  if (state.frames !== asked || $("backward-step").valueAsNumber !== frame) return;  // moved on
  const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  $("graph").replaceChildren(document.importNode(svg, true));
  $("graph").dataset.step = frame;
}

async function differentiate(event) {
  event.preventDefault();
  $("formula-error").textContent = "";
  let answer;
  try {
    answer = JSON.parse(await engine.call("formula", $("formula").value, $("values").value));
  } catch (error) { $("formula-error").textContent = error.message; return; }
  state.frames = answer.frames;
  $("result").textContent = `value = ${number(answer.value)}; ${answer.frames.length - 1} backward steps.`;
  $("gradients").replaceChildren(...answer.gradients.map(([name, gradient, used]) => {
    const item = document.createElement("li");
    item.textContent = `d/d${name} = ${number(gradient)}` + (used ? "" : ` (${name} does not appear in the formula)`);
    return item;
  }));
  $("stepper").hidden = answer.frames.length < 2;
  $("backward-step").max = answer.frames.length - 1;
  $("graph").replaceChildren();
  await showFrame(0);
}

$("formula-form").addEventListener("submit", differentiate);
$("backward-step").addEventListener("input", () => showFrame($("backward-step").valueAsNumber));
$("previous-step").addEventListener("click", () => showFrame($("backward-step").valueAsNumber - 1));
$("next-step").addEventListener("click", () => showFrame($("backward-step").valueAsNumber + 1));
window.chainruleFormula = { state };
