// The pages' side of worker.js (chainrule in Pyodide in a Web Worker), for the
// static build: chainruleWorker(handlers).call(name, ...args) posts one call of
// nn/playground/worker.py's Pages and returns a promise of its answer. The
// worker's loading statuses, failures and playground frames go to the handlers.
"use strict";

function chainruleWorker(handlers) {
  const worker = new Worker("static/worker.js", { type: "module" });
  const waiting = new Map();
  let ids = 0;
  worker.addEventListener("message", ({ data }) => {
    if (data.status) handlers.status(data.status);
    if (data.ready) handlers.status("ready");
    if (data.failure) handlers.failure(data.failure);
    if (data.frame) handlers.frame(JSON.parse(data.frame));
    if (data.id !== undefined) {
      const { resolve, reject } = waiting.get(data.id);
      waiting.delete(data.id);
      if (data.error !== undefined) reject(new Error(data.error)); else resolve(data.result);
    }
  });
  worker.addEventListener("error", (event) => handlers.failure(event.message || "the worker failed to start"));
  const call = (name, ...args) => new Promise((resolve, reject) => {
    waiting.set(++ids, { resolve, reject });
    worker.postMessage({ id: ids, call: name, args });
  });
  return { call };
}
