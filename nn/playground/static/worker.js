// The static pages' engine: chainrule itself, in Pyodide (CPython compiled to
// WebAssembly), in this Web Worker. Loads Pyodide and the chainrule archive from
// this site's own files, then turns each message {id, call, args} into a call of
// nn/playground/worker.py's Pages and answers {id, result} or {id, error}. While a
// playground session plays, a timer takes its slices (there are no threads) and
// each new frame is posted as {frame}. No network beyond this site's files.
import { loadPyodide } from "./pyodide/pyodide.mjs";

const here = new URL(".", import.meta.url);

async function start() {
  postMessage({ status: "loading Python (Pyodide)…" });
  const pyodide = await loadPyodide({ indexURL: new URL("pyodide/", here).href });
  postMessage({ status: "loading chainrule…" });
  const archive = await fetch(new URL("chainrule.zip", here));
  if (!archive.ok) throw new Error(`chainrule.zip: ${archive.status} ${archive.statusText}`);
  pyodide.unpackArchive(await archive.arrayBuffer(), "zip", { extractDir: "/home/pyodide/chainrule" });
  pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide/chainrule')");
  return pyodide.pyimport("nn.playground.worker").Pages();
}

const pages = start();
let playing = null;  // the timer of the next slice, while the session plays

function sendFrame(engine) {
  const frame = engine.frame();
  if (frame !== undefined) postMessage({ frame });
}

function play(engine, delay) {
  if (playing !== null || delay < 0) return;
  playing = setTimeout(() => {
    playing = null;
    let next;
    try { next = engine.play_slice(); } catch (error) { postMessage({ failure: reason(error) }); return; }
    sendFrame(engine);
    play(engine, next * 1000);
  }, delay);
}

// A Python error's last line, without its type: what the page shows.
function reason(error) {
  const last = String(error.message || error).trim().split("\n").at(-1);
  return last.replace(/^[A-Za-z]*(Error|Exception|Warning): /, "");
}

const PLAYGROUND_CALLS = new Set(["start", "act"]);

onmessage = async ({ data: { id, call, args } }) => {
  let engine;
  try { engine = await pages; } catch (error) { postMessage({ id, error: String(error) }); return; }
  try {
    const result = engine[call](...args);
    postMessage({ id, result });
  } catch (error) {
    postMessage({ id, error: reason(error) });
  }
  if (PLAYGROUND_CALLS.has(call) && engine.session) {
    sendFrame(engine);
    if (engine.session.running) play(engine, 0);
  }
};

pages.then(() => postMessage({ ready: true }), (error) => postMessage({ failure: String(error) }));
