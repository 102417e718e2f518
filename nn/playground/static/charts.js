// The playground's charts: curves against the step, with axes, ticks and labels that
// fit inside the canvas. drawChart(canvas, points, series, options) draws
// points[i][series.key] against points[i][options.x]; a log scale shows only the
// positive values (a loss of exactly 0 has no place on it) and says so.
"use strict";

// Round steps of 1, 2 or 5 times a power of ten that cut [low, high] into about `count` parts.
function niceTicks(low, high, count) {
  const span = high - low || Math.abs(high) || 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let tick = Math.ceil(low / step) * step; tick <= high + step * 1e-9; tick += step) {
    ticks.push(Math.abs(tick) < step * 1e-9 ? 0 : tick);
  }
  return ticks;
}

// Powers of ten from below `low` to above `high` (and 2x, 5x between when there are few).
function logTicks(low, high) {
  const first = Math.floor(Math.log10(low));
  const last = Math.ceil(Math.log10(high));
  const ticks = [];
  for (let power = first; power <= last; power++) {
    const multiples = last - first <= 2 ? [1, 2, 5] : [1];
    for (const m of multiples) ticks.push(m * 10 ** power);
  }
  return ticks.filter((tick) => tick >= low * 0.999 && tick <= high * 1.001);
}

function tickText(value, percent) {
  if (percent) return `${Math.round(value * 100)}%`;
  if (value === 0) return "0";
  const size = Math.abs(value);
  if (size >= 1e4 || size < 1e-3) return value.toExponential(0).replace("e+", "e");
  return String(Number(value.toPrecision(3)));
}

function drawChart(canvas, points, series, { x = "steps", xLabel = "step", log = false,
  percent = false, title = "" } = {}) {
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  context.font = "11px system-ui, sans-serif";
  context.fillStyle = "#2d3748";
  context.textBaseline = "alphabetic";
  let values = series.flatMap(({ key }) => points.map((point) => point[key]))
    .filter((value) => typeof value === "number" && Number.isFinite(value));
  if (log) values = values.filter((value) => value > 0);
  const xs = points.map((point) => point[x]);
  const xMax = Math.max(1, ...xs);
  let low; let high;
  if (percent) { low = 0; high = 1; } else if (!values.length) { low = log ? 0.1 : 0; high = 1; } else if (log) {
    low = Math.min(...values); high = Math.max(...values);
    if (high / low < 10) { const middle = Math.sqrt(low * high); low = middle / Math.sqrt(10); high = middle * Math.sqrt(10); }
  } else {
    low = Math.min(0, ...values); high = Math.max(...values) * 1.05 || 1;
  }
  const yTicks = log ? logTicks(low, high) : niceTicks(low, high, Math.max(2, Math.floor(height / 35)));
  if (!log && !percent) high = Math.max(high, yTicks[yTicks.length - 1]);
  const labelWidth = Math.max(...yTicks.map((tick) => context.measureText(tickText(tick, percent)).width));
  const pad = { left: Math.ceil(labelWidth) + 8, right: 10, top: title ? 16 : 6, bottom: 28 };
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const X = (value) => pad.left + value / xMax * plotWidth;
  const Y = log
    ? (value) => pad.top + (1 - (Math.log(value) - Math.log(low)) / (Math.log(high) - Math.log(low))) * plotHeight
    : (value) => pad.top + (1 - (value - low) / (high - low)) * plotHeight;
  if (title) { context.textAlign = "left"; context.fillText(title, pad.left, 11); }
  // the grid and the y axis's ticks
  context.strokeStyle = "#e2e8f0"; context.lineWidth = 1; context.setLineDash([]);
  context.textAlign = "right"; context.textBaseline = "middle";
  for (const tick of yTicks) {
    const y = Y(tick);
    if (y < pad.top - 0.5 || y > pad.top + plotHeight + 0.5) continue;
    context.beginPath(); context.moveTo(pad.left, y); context.lineTo(pad.left + plotWidth, y); context.stroke();
    context.fillText(tickText(tick, percent), pad.left - 4, y);
  }
  // the x axis's ticks and its label, all inside the canvas
  context.textBaseline = "top";
  const xTicks = niceTicks(0, xMax, Math.max(2, Math.floor(plotWidth / 60)));
  xTicks.forEach((tick, index) => {
    if (tick > xMax) return;
    const px = X(tick);
    context.textAlign = index === 0 ? "left" : px > width - 30 ? "right" : "center";
    context.fillText(tickText(tick, false), px, pad.top + plotHeight + 3);
  });
  context.textAlign = "right";
  context.fillText(`${xLabel}${log ? " · log scale" : ""}`, width - pad.right, height - 12);
  context.strokeStyle = "#a0aec0";
  context.strokeRect(pad.left, pad.top, plotWidth, plotHeight);
  // the curves
  context.save();
  context.beginPath(); context.rect(pad.left, pad.top, plotWidth, plotHeight); context.clip();
  for (const { key, colour, dashed } of series) {
    context.beginPath(); context.strokeStyle = colour; context.lineWidth = 1.8;
    context.setLineDash(dashed ? [5, 4] : []);
    let started = false;
    for (const point of points) {
      const value = point[key];
      if (typeof value !== "number" || !Number.isFinite(value) || (log && value <= 0)) { started = false; continue; }
      const [px, py] = [X(point[x]), Y(value)];
      if (started) context.lineTo(px, py); else { context.moveTo(px, py); started = true; }
    }
    context.stroke();
  }
  context.restore();
  context.setLineDash([]);
  canvas.dataset.ticks = yTicks.map((tick) => tickText(tick, percent)).join(" ");
}
