      // in such a phase the maps come from the whole network: the frozen layers included, as a picture meets them
      add('its feature maps at ' + (last.maps_layer ? 'layer ' + last.maps_layer : 'the first convolution')
        + (last.maps_through_cached ? ' (through the whole network, frozen layers included) ' : ' ')
        + (last.maps_shape || ''), last.maps, 'feature-maps');// The dashboard polls /api/runs and each shown run's new events once a second, keeps every event in memory and
// redraws: uPlot charts per step and per epoch (one line per run, runs side by side as in TensorBoard), a table
// with each run's latest state, and per run the first layer's kernels, a sample's feature maps and the
// confusion matrix once the run has ended (with the class map of a run that only evaluated: transfer Case 0).
'use strict';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const runs = new Map(); // id -> {events, next, shown, finished, colour}
const charts = new Map(); // element id -> {plot, key}

function colourOf(id) {
  return runs.get(id).colour;
}

async function poll() {
  try {
    const list = await (await fetch('/api/runs')).json();
    for (const r of list) {
      if (!runs.has(r.id)) {
        runs.set(r.id, {events: [], next: 0, shown: true, finished: false, colour: COLOURS[runs.size % COLOURS.length]});
      }
      runs.get(r.id).live = r.live;
    }
    for (const [id, run] of runs) {
      // a live run may train again after an end (fuse trains each member of a late fusion in turn)
      if (!run.shown || (run.finished && !run.live && run.next > 0)) continue;
      const page = await (await fetch('/api/runs/' + encodeURIComponent(id) + '/events?from=' + run.next)).json();
      run.events.push(...page.events);
      run.next = page.next;
      // ended: the last start, phase or end is an end (fuse adds its confusion matrix after the end; transfer's next
      // phase begins with a phase event, maybe long before its training starts)
      const mark = run.events.findLast(e => e.type === 'start' || e.type === 'end' || e.type === 'phase');
      run.finished = mark !== undefined && mark.type === 'end';
    }
    render();
  } catch (e) {
    document.title = 'convnet4j dashboard (server not answering)';
  }
  setTimeout(poll, 1000);
}

function shownRuns() {
  return [...runs.entries()].filter(([, r]) => r.shown);
}

/**
 * A run's step and epoch events with their x: the step or epoch, except in a run trained in phases (transfer: the new
 * head on the frozen base, then fine-tuning, then their refit), whose phases each count from 1 again: each phase is
 * drawn after the one before.
 */
function placed(r) {
  const steps = [];
  const epochs = [];
  let stepBase = 0;
  let epochBase = 0;
  let lastStep = 0;
  let lastEpoch = 0;
  for (const e of r.events) {
    if (e.type === 'phase') {
      stepBase = lastStep;
      epochBase = lastEpoch;
    } else if (e.type === 'step') {
      lastStep = stepBase + e.step;
      steps.push({e, x: lastStep});
    } else if (e.type === 'epoch') {
      lastEpoch = epochBase + e.epoch;
      epochs.push({e, x: lastEpoch});
    }
  }
  return {steps, epochs};
}

/** One line per run of field f of the step events, over the global step. */
function stepSeries(f) {
  return shownRuns().map(([id, r]) => {
    const pts = placed(r).steps.filter(p => p.e[f] !== undefined && p.e[f] >= 0);
    return {id, xs: pts.map(p => p.x), ys: pts.map(p => p.e[f]), dash: null};
  });
}

/** Two lines per run (train solid, validation dashed) of an epoch record's metric. */
function epochSeries(metric) {
  const out = [];
  for (const [id, r] of shownRuns()) {
    const pts = placed(r).epochs;
    for (const [prefix, dash] of [['train_', null], ['val_', [6, 4]]]) {
      const withValue = pts.filter(p => p.e.record[prefix + metric] !== undefined && p.e.record[prefix + metric] >= 0);
      if (withValue.length) {
        out.push({id, label: id + ' ' + prefix.slice(0, -1), xs: withValue.map(p => p.x),
          ys: withValue.map(p => p.e.record[prefix + metric]), dash});
      }
    }
  }
  return out;
}

/**
 * The y axis' width: its longest tick label as drawn in the axis' font, plus the tick and the gap, at least 40 px.
 * A fixed 60 px cut labels such as 0.00075 (a decaying learning rate) at the left edge.
 */
function axisWidth(u, values, i, cycle) {
  const a = u.axes[i];
  if (cycle > 1 && a._size) return a._size; // uPlot asks again after laying out: keep the first answer
  u.ctx.font = a.font[0];
  const widest = Math.max(0, ...(values || []).map(v => u.ctx.measureText(String(v)).width)) / devicePixelRatio;
  return Math.max(40, Math.ceil(widest + a.ticks.size + a.gap + 4));
}

// steps and epochs are whole numbers: x ticks 1, 2, 5, 10, ... apart (a 3-epoch run was labelled 1, 1.5, 2, 2.5, 3)
const WHOLE_STEPS = [1, 2, 5].flatMap(m => [1, 10, 100, 1000, 10000, 100000, 1000000].map(p => m * p))
  .sort((a, b) => a - b);

function draw(elementId, title, xLabel, series) {
  const el = document.getElementById(elementId);
  const tables = series.filter(s => s.xs.length).map(s => [Float64Array.from(s.xs), Float64Array.from(s.ys)]);
  const drawn = series.filter(s => s.xs.length);
  el.dataset.points = String(drawn.reduce((n, s) => n + s.xs.length, 0));
  el.dataset.lastX = drawn.length ? String(Math.max(...drawn.map(s => s.xs[s.xs.length - 1]))) : '';
  if (!drawn.length) return;
  const data = tables.length === 1 ? [tables[0][0], tables[0][1]] : uPlot.join(tables);
  const key = drawn.map(s => s.label || s.id).join('|');
  const existing = charts.get(elementId);
  if (existing && existing.key === key) {
    existing.plot.setData(data);
    return;
  }
  if (existing) existing.plot.destroy();
  const opts = {
    title, width: 430, height: 240,
    // with several runs the legend listed every run's name, one per line, under each chart (longer than the chart);
    // the runs table above names the colours, so the legend (and its values under the cursor) is kept for 1-2 lines
    legend: {show: drawn.length <= 2},
    scales: {x: {time: false}},
    // three significant digits: learning rates like 0.0015 would otherwise print as 0.002
    axes: [{label: xLabel, incrs: WHOLE_STEPS}, {size: axisWidth, values: (u, vals) => vals.map(v => v == null ? '' : +v.toPrecision(3))}],
    series: [{label: xLabel}].concat(drawn.map(s => ({
      label: s.label || s.id, stroke: colourOf(s.id), width: 1.5, dash: s.dash || undefined, spanGaps: true,
      points: {show: s.xs.length < 40}}))),
  };
  charts.set(elementId, {plot: new uPlot(opts, data, el), key});
}

function fmtSeconds(s) {
  if (s === undefined) return '';
  s = Math.round(s);
  return s >= 3600 ? Math.floor(s / 3600) + 'h' + String(Math.floor(s % 3600 / 60)).padStart(2, '0')
    : Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
}

/** A phase's title for the runs table: at most 60 characters (the whole title is its tooltip). */
function shortTitle(t) {
  return t.length > 60 ? t.slice(0, 57) + '...' : t;
}

function renderTable() {
  const body = document.querySelector('#runs tbody');
  body.innerHTML = '';
  for (const [id, r] of runs) {
    const at = type => r.events.findLastIndex(e => e.type === type);
    const phaseAt = at('phase');
    const startAt = at('start');
    const stepAt = at('step');
    const progressAt = at('progress');
    // the latest training (of the current phase, in a run trained in phases), not yet begun when a phase is newer
    const start = startAt > phaseAt ? r.events[startAt] : {};
    const steps = placed(r).steps;
    const lastPlaced = stepAt > phaseAt ? steps[steps.length - 1] : null;
    const last = lastPlaced ? lastPlaced.e : {};
    // what a phase computes before its first step (the frozen layers' outputs), while that is the latest news
    const preparing = progressAt > Math.max(startAt, stepAt) ? r.events[progressAt] : null;
    const phase = phaseAt >= 0 ? r.events[phaseAt] : null;
    const now = preparing || last;
    // a run that only evaluated (transfer Case 0: no step) shows its result's accuracy
    const evaluated = steps.length ? null : r.events.findLast(e => e.type === 'end' && e.confusion);
    const tr = document.createElement('tr');
    tr.className = 'run';
    tr.dataset.run = id;
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = r.shown;
    box.addEventListener('change', () => { r.shown = box.checked; render(); });
    const phaseText = phase ? phase.phase + ': ' + shortTitle(phase.title) + (preparing && !r.finished
      ? '; ' + preparing.what + ' ' + preparing.done + ' / ' + preparing.total : '') : '';
    const cells = [box, id, (last.epoch || '') + (start.epochs ? ' / ' + start.epochs : ''), lastPlaced ? lastPlaced.x : '',
      last.running_loss !== undefined ? last.running_loss.toFixed(4) : '',
      last.running_accuracy !== undefined ? last.running_accuracy.toFixed(4)
        : evaluated ? evaluated.confusion.accuracy.toFixed(4) : '',
      now.images_per_second !== undefined ? Math.round(now.images_per_second) : '',
      r.finished ? '' : fmtSeconds(now.eta_seconds), phaseText, r.finished ? 'finished' : 'running'];
    cells.forEach((c, i) => {
      const td = document.createElement('td');
      if (c instanceof Node) { td.appendChild(c); } else { td.textContent = c; }
      if (i === 1) td.style.color = r.colour;
      if (i === cells.length - 2) {
        td.className = 'phase';
        if (phase) td.title = 'phase ' + phase.phase + ': ' + phase.title;
      }
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
}

function renderDetails() {
  const box = document.getElementById('details');
  box.innerHTML = '';
  for (const [id, r] of shownRuns()) {
    const epochs = r.events.filter(e => e.type === 'epoch');
    const last = epochs[epochs.length - 1];
    const end = r.events.find(e => e.type === 'end');
    // the latest confusion matrix: an end event's, or one added after the run (a fusion of separately trained members)
    const withConfusion = r.events.filter(e => e.confusion);
    const confusion = withConfusion.length ? withConfusion[withConfusion.length - 1].confusion : null;
    if (!last && !end && !confusion) continue;
    const section = document.createElement('div');
    section.className = 'run-details';
    const h = document.createElement('h2');
    h.textContent = id + (last ? ' after epoch ' + last.epoch : '');
    h.style.color = r.colour;
    section.appendChild(h);
    const add = (title, src, cls) => {
      if (!src) return;
      const p = document.createElement('div');
      p.className = 'panel maps';
      p.innerHTML = '<div class="muted"></div>';
      p.firstChild.textContent = title;
      const img = document.createElement('img');
      img.src = src;
      img.className = cls;
      // small maps are scaled up with crisp pixels (CSS image-rendering), large ones fit the panel
      img.onload = () => { img.style.width = Math.min(420, img.naturalWidth * (img.naturalWidth < 100 ? 8 : 3)) + 'px'; };
      p.appendChild(img);
      section.appendChild(p);
    };
    if (last) {
      // a transfer phase trained after a frozen, cached part: its first convolution is not the network's first layer
      add((last.kernels_after_cached ? 'kernels of ' + last.kernels_layer + ', the first convolution this phase trains (the '
        + 'frozen layers before it are computed once, outside its model) '
        : 'first layer kernels ' + (last.kernels_layer ? '(' + last.kernels_layer + ') ' : '')) + (last.kernels_shape || ''),
        last.kernels, 'kernels');
      add('sample', last.sample, 'sample');
      // in such a phase the maps come from the whole network: the frozen layers included, as a picture meets them
      add('its feature maps at ' + (last.maps_layer ? 'layer ' + last.maps_layer : 'the first convolution')
        + (last.maps_through_cached ? ' (through the whole network, frozen layers included) ' : ' ')
        + (last.maps_shape || ''), last.maps, 'feature-maps');
    }
    if (confusion) {
      section.appendChild(confusionTable(confusion));
    }
    const mapped = r.events.findLast(e => e.class_map);
    if (mapped) {
      section.appendChild(classMapTable(mapped.class_map));
    }
    box.appendChild(section);
  }
}

function confusionTable(c) {
  const wrap = document.createElement('div');
  wrap.className = 'panel';
  const title = document.createElement('div');
  title.className = 'muted';
  title.textContent = 'confusion matrix (' + (c.data || 'validation') + '; rows: true class, columns: predicted), accuracy '
    + c.accuracy.toFixed(4);
  const t = document.createElement('table');
  t.className = 'cm confusion';
  const head = document.createElement('tr');
  head.appendChild(document.createElement('th'));
  c.classes.forEach((n, i) => { const th = document.createElement('th'); th.textContent = i; th.title = n; head.appendChild(th); });
  t.appendChild(head);
  const max = Math.max(1, ...c.matrix.flat());
  c.matrix.forEach((row, a) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.textContent = a + ' ' + c.classes[a];
    tr.appendChild(th);
    row.forEach((v, p) => {
      const td = document.createElement('td');
      td.textContent = v;
      const shade = Math.round(255 - 160 * v / max);
      td.style.background = a === p ? `rgb(${shade},255,${shade})` : `rgb(255,${shade},${shade})`;
      tr.appendChild(td);
    });
    t.appendChild(tr);
  });
  wrap.append(title, t);
  return wrap;
}

/**
 * Which of the model's classes answers for each class of the data (transfer Case 0: the base as it is, matched by name
 * leniently); a class it does not know can only be answered wrong.
 */
function classMapTable(map) {
  const wrap = document.createElement('div');
  wrap.className = 'panel';
  const title = document.createElement('div');
  title.className = 'muted';
  title.textContent = 'classes: each class of the data and the model\'s class that answers for it';
  const t = document.createElement('table');
  t.className = 'class-map';
  const head = document.createElement('tr');
  for (const h of ['class', 'answered by the model\'s class']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.appendChild(th);
  }
  t.appendChild(head);
  for (const m of map) {
    const tr = document.createElement('tr');
    const own = m.model_class === undefined ? 'none: the model does not know it (its pictures count as wrong)'
      : m.model_class + (m.model_class === m.class ? '' : ' (same name but for case and punctuation)');
    for (const c of [m.class, own]) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.appendChild(td);
    }
    t.appendChild(tr);
  }
  wrap.append(title, t);
  return wrap;
}

let detailsKey = '';

function render() {
  renderTable();
  draw('step-loss', 'loss (batch)', 'step', stepSeries('loss'));
  draw('step-accuracy', 'accuracy (epoch so far)', 'step', stepSeries('running_accuracy'));
  draw('step-lr', 'learning rate', 'step', stepSeries('lr'));
  draw('step-speed', 'images/s', 'step', stepSeries('images_per_second'));
  draw('epoch-loss', 'loss', 'epoch', epochSeries('loss'));
  draw('epoch-accuracy', 'accuracy', 'epoch', epochSeries('accuracy'));
  // pictures and tables are rebuilt only when a shown run has new events, so that they do not flicker
  const key = shownRuns().map(([id, r]) => id + ':' + r.events.length).join('|');
  if (key !== detailsKey) {
    detailsKey = key;
    renderDetails();
  }
}

poll();
