// The editor cell: the reader's code runs in chainrule's worker (worker-client.js),
// its printed output shown below. Only what the reader typed runs.
"use strict";

const $ = (id) => document.getElementById(id);
const engine = chainruleWorker({
  status: (text) => { $("status").textContent = text; },
  failure: (text) => { $("output").textContent = text; },
  frame: () => {},
});

async function run(event) {
  event.preventDefault();
  $("run").disabled = true;
  $("output").textContent = "running…";
  delete $("output").dataset.failed;
  try {
    const { output, failed } = JSON.parse(await engine.call("run", $("code").value));
    $("output").textContent = output || "(no output)";
    $("output").dataset.failed = failed;
  } catch (error) { $("output").textContent = error.message; }
  $("run").disabled = false;
}

$("cell").addEventListener("submit", run);
$("code").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("cell").requestSubmit();
});
