// The network view: every neuron as a small picture of its output over the input
// plane, every weight as a line from its input to its neuron, coloured by its sign and
// as thick as its size. networkItemAt() finds what is under the pointer (a weight, a
// neuron, an input) for the hover text and the weight editor.
"use strict";

const POSITIVE = [43, 108, 176];
const NEGATIVE = [221, 107, 32];

// Where each node sits: columns for the inputs and each layer, nodes centred in each.
function networkLayout(canvas, layers) {
  const { width, height } = canvas;
  const widest = Math.max(...layers);
  const size = Math.max(8, Math.min(40, Math.floor((height - 24) / widest * 0.8)));
  const gap = widest > 1 ? Math.min(size * 0.6, (height - 24 - widest * size) / (widest - 1)) : 0;
  const margin = size / 2 + 30;
  const columns = layers.map((count, column) => {
    const x = layers.length === 1 ? width / 2
      : margin + column * (width - 2 * margin) / (layers.length - 1);
    const span = count * size + (count - 1) * gap;
    const top = (height - 12 - span) / 2 + 12;
    return Array.from({ length: count }, (_, index) => ({ x, y: top + index * (size + gap) + size / 2 }));
  });
  return { size, columns };
}

function parameterTable(frame) {
  const table = new Map();
  for (const [name, value, gradient] of frame.parameters) table.set(name, { value, gradient });
  return table;
}

function colourOf(value, scale) {
  const share = Math.min(1, Math.abs(value) / scale);
  const base = value >= 0 ? POSITIVE : NEGATIVE;
  return base.map((channel) => Math.round(255 - (255 - channel) * share));
}

// A neuron's picture: its outputs on a size x size grid (row by row from the top).
function neuronPicture(values, size) {
  const finite = values.filter(Number.isFinite);
  const scale = Math.max(1e-9, ...finite.map(Math.abs));
  const image = new ImageData(size, size);
  values.forEach((value, cell) => {
    const colour = Number.isFinite(value) ? colourOf(value, scale) : [128, 128, 128];
    colour.forEach((channel, c) => { image.data[4 * cell + c] = channel; });
    image.data[4 * cell + 3] = 255;
  });
  const picture = new OffscreenCanvas(size, size);
  picture.getContext("2d").putImageData(image, 0, 0);
  return picture;
}

// An input's name: its feature's label (x, y, x², sin x, ...).
function inputName(frame, position) { return frame.inputs[position]; }

function weightName(layer, neuron, input) { return `layer${layer}.neuron${neuron}.w${input}`; }

function drawNetwork(canvas, frame) {
  const context = canvas.getContext("2d");
  const { layers, neurons } = frame;
  const layout = networkLayout(canvas, layers);
  const { size, columns } = layout;
  const table = parameterTable(frame);
  context.clearRect(0, 0, canvas.width, canvas.height);
  let largest = 1e-12;
  for (const [name, value] of frame.parameters) {
    if (!name.endsWith(".b") && Number.isFinite(value)) largest = Math.max(largest, Math.abs(value));
  }
  // the weights, under the neurons
  for (let layer = 1; layer < columns.length; layer++) {
    columns[layer].forEach((to, neuron) => {
      columns[layer - 1].forEach((from, input) => {
        const { value } = table.get(weightName(layer - 1, neuron, input));
        const colour = value >= 0 ? POSITIVE : NEGATIVE;
        context.strokeStyle = `rgba(${colour.join(",")},0.75)`;
        context.lineWidth = 0.3 + 4 * Math.min(1, Math.abs(value) / largest);
        context.beginPath();
        context.moveTo(from.x + size / 2, from.y); context.lineTo(to.x - size / 2, to.y);
        context.stroke();
      });
    });
  }
  // the neurons' pictures, inputs first
  context.imageSmoothingEnabled = false;
  let index = 0;
  columns.forEach((column, layer) => {
    column.forEach((node, position) => {
      // an input's picture: its feature's value over the plane (the session computes it)
      const values = layer === 0 ? neurons.inputs[position] : neurons.outputs[index++];
      context.drawImage(neuronPicture(values, neurons.size), node.x - size / 2, node.y - size / 2, size, size);
      context.strokeStyle = "#4a5568"; context.lineWidth = 1;
      context.strokeRect(node.x - size / 2, node.y - size / 2, size, size);
    });
  });
  // the columns' names
  context.fillStyle = "#2d3748"; context.font = "11px system-ui, sans-serif";
  context.textAlign = "center"; context.textBaseline = "top";
  columns.forEach((column, layer) => {
    const name = layer === 0 ? "inputs" : layer === columns.length - 1 ? "output" : `layer ${layer - 1}`;
    context.fillText(name, column[0].x, 0);
  });
  // each input's name, left of its picture
  context.textAlign = "right"; context.textBaseline = "middle";
  columns[0].forEach((node, position) => {
    context.fillText(inputName(frame, position), node.x - size / 2 - 3, node.y);
  });
  canvas.dataset.neurons = String(index);
  canvas.dataset.inputs = frame.inputs.join(",");
  return layout;
}

function distanceToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax; const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

// What is at canvas point (x, y): {kind: "input"|"neuron"|"weight", name, ...} or null.
function networkItemAt(canvas, frame, x, y) {
  const { size, columns } = networkLayout(canvas, frame.layers);
  for (let layer = 0; layer < columns.length; layer++) {
    const position = columns[layer].findIndex((node) =>
      Math.abs(node.x - x) <= size / 2 + 1 && Math.abs(node.y - y) <= size / 2 + 1);
    if (position >= 0) {
      return layer === 0 ? { kind: "input", name: inputName(frame, position) }
        : { kind: "neuron", name: `layer${layer - 1}.neuron${position}`, parameter: `layer${layer - 1}.neuron${position}.b` };
    }
  }
  let best = null;
  for (let layer = 1; layer < columns.length; layer++) {
    columns[layer].forEach((to, neuron) => {
      columns[layer - 1].forEach((from, input) => {
        const distance = distanceToSegment(x, y, from.x + size / 2, from.y, to.x - size / 2, to.y);
        if (distance <= 4 && (!best || distance < best.distance)) {
          best = { kind: "weight", name: weightName(layer - 1, neuron, input), parameter: weightName(layer - 1, neuron, input),
            from: layer === 1 ? inputName(frame, input) : `layer${layer - 2}.neuron${input}`, to: `layer${layer - 1}.neuron${neuron}`, distance };
        }
      });
    });
  }
  return best;
}

// The hover text of an item: its value and the gradient of the latest update.
function networkItemText(frame, item) {
  const show = (value) => (typeof value === "number" ? value.toPrecision(4) : String(value));
  if (item.kind === "input") {
    return `${item.name}: an input, computed from each point (x, y); its picture: its value over the plane`;
  }
  const { value, gradient } = parameterTable(frame).get(item.parameter);
  if (item.kind === "neuron") {
    return `${item.name}\nbias b = ${show(value)}\n∂L/∂b = ${show(gradient)}`;
  }
  return `${item.name} (${item.from} → ${item.to})\nw = ${show(value)}\n∂L/∂w = ${show(gradient)}`;
}

// A point of weight `name`'s line that no other line crosses, in canvas coordinates
// (for the browser tests: a weight's line crosses others at many places).
function weightPoint(canvas, frame, name) {
  const [, layer, neuron, input] = name.match(/^layer(\d+)\.neuron(\d+)\.w(\d+)$/).map(Number);
  const { size, columns } = networkLayout(canvas, frame.layers);
  const from = columns[layer][input]; const to = columns[layer + 1][neuron];
  const [ax, bx] = [from.x + size / 2, to.x - size / 2];
  for (let share = 0.1; share < 0.9; share += 0.01) {
    const point = [ax + (bx - ax) * share, from.y + (to.y - from.y) * share];
    const item = networkItemAt(canvas, frame, ...point);
    if (item && item.name === name) return point;
  }
  return null;
}
