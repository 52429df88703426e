// tracectl report: draws the page from the JSON in #report-data. Hand-written,
// no dependencies. Span data is only ever inserted as text (createTextNode,
// setAttribute), never parsed as markup.
'use strict';
(function () {
  const SVGNS = 'http://www.w3.org/2000/svg';

  // ---- DOM helpers ---------------------------------------------------------
  function set(e, attrs) {
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v == null || v === false) continue;
      if (k === 'on') for (const ev in v) e.addEventListener(ev, v[ev]);
      else if (k === 'style') Object.assign(e.style, v);
      else e.setAttribute(k, v === true ? '' : v);
    }
  }
  function add(e, kids) {
    for (const k of kids.flat(Infinity)) {
      if (k == null || k === false) continue;
      e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    }
  }
  function h(tag, attrs, ...kids) { const e = document.createElement(tag); set(e, attrs); add(e, kids); return e; }
  function s(tag, attrs, ...kids) { const e = document.createElementNS(SVGNS, tag); set(e, attrs); add(e, kids); return e; }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }

  // ---- formatting: the same text as tracectl's terminal output -------------
  // idiv divides integers exactly (a/b in doubles can round up to the next
  // integer); every value here stays below 2^53.
  function idiv(a, b) { return (a - a % b) / b; }
  const UNITS = [[1e3, 'µs'], [1e6, 'ms'], [1e9, 's']];
  function two(n) { return n < 10 ? '0' + n : String(n); }
  function minutes(u) {
    const sec = idiv(u + 5e8, 1e9);
    if (sec < 3600) return idiv(sec, 60) + 'm' + two(sec % 60) + 's';
    const m = idiv(u + 30e9, 60e9);
    return idiv(m, 60) + 'h' + two(m % 60) + 'm';
  }
  // unsigned is dag.FormatDuration for u ≥ 0: three significant digits and
  // a unit, rounding to nearest and carrying into the next unit.
  function unsigned(u) {
    if (u < 1000) return u + 'ns';
    for (let k = 0; k < UNITS.length; k++) {
      const div = UNITS[k][0];
      const q = idiv(u, div);
      if (q >= 1000) continue;
      let dec = 0, pow = 1;
      if (q < 10) { dec = 2; pow = 100; } else if (q < 100) { dec = 1; pow = 10; }
      let r = idiv(u * pow + div / 2, div);
      if (r === 1000) {
        if (dec === 0) {
          if (k + 1 < UNITS.length) { u = UNITS[k + 1][0]; continue; }
          return minutes(u);
        }
        dec--; pow /= 10; r = 100;
      }
      if (k === UNITS.length - 1 && r >= 60 * pow) return minutes(u);
      let out = String(idiv(r, pow));
      if (dec > 0) out += '.' + String(r % pow + pow).slice(1);
      return out + UNITS[k][1];
    }
    return minutes(u);
  }
  function dur(ns) { ns = Math.round(ns); return ns < 0 ? '-' + unsigned(-ns) : unsigned(ns); }
  function shift(ns) { ns = Math.round(ns); return ns > 0 ? '+' + unsigned(ns) : dur(ns); }
  function offset(ns) { return ns === 0 ? '0' : shift(ns); }
  function pct(x) { return (100 * x).toFixed(1) + '%'; }
  function plural(n, w) { return n === 1 ? '1 ' + w : n + ' ' + w + 's'; }
  function pval(p) { return p < 0.001 ? '<0.001' : p >= 0.995 ? '1' : p.toFixed(3); }
  function calls(x) { return String(Number(x.toPrecision(3))); }

  // ---- state, kept in the URL's fragment so a view can be linked ----------
  const D = JSON.parse(document.getElementById('report-data').textContent);
  const svc = (k) => (k >= 0 && D.services[k]) || { name: '', color: '#9ca3af' };
  const state = { trace: '', span: '', weight: 'crit', flip: false, q: '', by: 'operations', zoom: -1 };
  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    if (p.get('trace')) state.trace = p.get('trace');
    if (p.get('span')) state.span = p.get('span');
    if (p.get('weight') === 'self') state.weight = 'self';
    if (p.get('flame') === 'flame') state.flip = true;
    if (p.get('by') === 'services') state.by = 'services';
    if (p.get('q')) state.q = p.get('q');
  }
  function writeHash() {
    const p = new URLSearchParams();
    if (state.trace) p.set('trace', state.trace);
    if (state.span) p.set('span', state.span);
    if (state.weight === 'self') p.set('weight', 'self');
    if (state.flip) p.set('flame', 'flame');
    if (state.by === 'services') p.set('by', 'services');
    if (state.q) p.set('q', state.q);
    const hash = p.toString();
    history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
  }

  function section(id, title, ...kids) {
    document.getElementById('nav').append(h('a', { href: '#' + id, on: { click: (ev) => { ev.preventDefault(); document.getElementById(id).scrollIntoView(); } } }, title));
    return h('section', { id }, h('h2', null, title), kids);
  }
  function card(label, value, bad) { return h('div', { class: bad ? 'card bad' : 'card' }, h('b', null, value), h('span', null, label)); }
  function dot(k) { return h('span', { class: 'dot', style: { background: svc(k).color } }); }
  function seg(options, current, pick) {
    return h('span', { class: 'seg' }, options.map(([v, label]) =>
      h('button', { class: v === current ? 'on' : null, type: 'button', on: { click: () => pick(v) } }, label)));
  }
  function width(el, fallback) { return Math.max(320, (el && el.clientWidth) || fallback || 900); }

  // ---- summary --------------------------------------------------------------
  function summary() {
    const m = D.summary;
    const box = h('div');
    const el = section('summary', 'Summary',
      h('div', { class: 'cards' },
        card('traces', m.traces), card('spans', m.spans), card('services', D.services.length),
        card('error spans' + (m.errorSpans ? ' in ' + plural(m.errorTraces, 'trace') : ''), m.errorSpans, m.errorSpans > 0),
        card('p50 latency', dur(m.latency.p50)), card('p90', dur(m.latency.p90)),
        card('p99', dur(m.latency.p99)), card('max', dur(m.latency.max))),
      m.start ? h('p', { class: 'note' }, 'Spans from ', m.start, ' to ', m.end, ' UTC. End-to-end latency per trace (the root span\'s duration, as tracectl attrib reports it):') : h('p', { class: 'note' }, 'No traces.'),
      box);
    const draw = () => { clear(box).append(histogram(m.histogram, width(box, 900))); };
    later.push(draw);
    return el;
  }

  function histogram(hg, w) {
    const n = hg.counts.length;
    if (!n) return h('p', { class: 'note' }, 'No latency to show.');
    const H = 170, L = 44, B = 34, T = 8;
    const both = hg.baseCounts && hg.baseCounts.length === n;
    const total = hg.counts.reduce((a, b) => a + b, 0);
    const baseTotal = both ? hg.baseCounts.reduce((a, b) => a + b, 0) : 0;
    // With a base, bars are shares of each side so sides of different sizes compare.
    const val = (c, tot) => both ? (tot ? c / tot : 0) : c;
    let top = 0;
    for (let k = 0; k < n; k++) top = Math.max(top, val(hg.counts[k], total), both ? val(hg.baseCounts[k], baseTotal) : 0);
    top = top || 1;
    const pw = w - L - 10, bw = pw / n;
    const lo = Math.log(hg.edges[0]), hi = Math.log(hg.edges[n]);
    const x = (v) => L + (hi > lo ? (Math.log(v) - lo) / (hi - lo) * pw : 0);
    const y = (v) => T + (H - T - B) * (1 - v / top);
    const svg = s('svg', { width: w, height: H, class: 'chart histogram', role: 'img', 'aria-label': 'latency histogram' });
    const axis = s('g', { class: 'axis' });
    axis.append(s('line', { x1: L, x2: L + pw, y1: H - B, y2: H - B }));
    // Counts are whole: no half-way tick below 4.
    for (const f of both || top >= 4 ? [0, 0.5, 1] : [0, 1]) {
      const v = both ? top * f : Math.round(top * f);
      axis.append(s('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, both ? pct(v) : String(Math.round(v))));
    }
    // Ticks at the edges, thinned to fit.
    const step = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(pw / 70))));
    for (let k = 0; k <= n; k += step) {
      if (k > 0 && hg.edges[k] === hg.edges[0]) break; // one value: one label
      axis.append(s('line', { x1: x(hg.edges[k]), x2: x(hg.edges[k]), y1: H - B, y2: H - B + 4 }));
      axis.append(s('text', { x: x(hg.edges[k]), y: H - B + 16, 'text-anchor': k === 0 ? 'start' : k + step > n ? 'end' : 'middle' }, dur(hg.edges[k])));
    }
    svg.append(axis);
    for (let k = 0; k < n; k++) {
      const x0 = L + k * bw;
      const range = dur(hg.edges[k]) + ' – ' + dur(hg.edges[k + 1]);
      if (both) {
        const b = val(hg.baseCounts[k], baseTotal), c = val(hg.counts[k], total);
        svg.append(s('rect', { x: x0 + 1, y: y(b), width: Math.max(1, bw / 2 - 1), height: H - B - y(b), fill: '#9ca3af' },
          s('title', null, 'base ' + range + ': ' + plural(hg.baseCounts[k], 'trace') + ' (' + pct(b) + ')')));
        svg.append(s('rect', { x: x0 + bw / 2, y: y(c), width: Math.max(1, bw / 2 - 1), height: H - B - y(c), fill: '#2563eb' },
          s('title', null, 'candidate ' + range + ': ' + plural(hg.counts[k], 'trace') + ' (' + pct(c) + ')')));
      } else {
        const c = hg.counts[k];
        svg.append(s('rect', { x: x0 + 1, y: y(c), width: Math.max(1, bw - 2), height: H - B - y(c), fill: '#2563eb' },
          s('title', null, range + ': ' + plural(c, 'trace'))));
      }
    }
    svg.append(s('text', { x: L + pw, y: H - 4, 'text-anchor': 'end', class: 'muted' },
      both ? 'end-to-end latency (log scale) · grey: base, blue: candidate, share of each side' : 'end-to-end latency (log scale)'));
    return svg;
  }

  // ---- attribution ----------------------------------------------------------
  function attribution() {
    const box = h('div');
    const a = D.attribution;
    const cols = [
      ['label', 'group', false], ['spans', 'spans', true], ['traces', 'traces', true], ['self', 'self', true],
      ['selfShare', 'self %', true], ['crit', 'critical', true], ['critShare', 'crit %', true],
      ['p50', 'p50', true], ['p90', 'p90', true], ['p99', 'p99', true]];
    let sortKey = 'critShare';
    function draw() {
      const rows = a[state.by].slice();
      if (sortKey !== 'critShare') rows.sort((x, y) => sortKey === 'label' ? x.label.localeCompare(y.label) : y[sortKey] - x[sortKey]);
      const omitted = state.by === 'services' ? a.omittedServices : a.omittedOperations;
      const cell = (r, k) => {
        switch (k) {
          case 'label': return h('td', null, dot(r.svc), r.label);
          case 'spans': case 'traces': return h('td', { class: 'num' }, r[k]);
          case 'selfShare': case 'critShare':
            return h('td', { class: 'num' }, pct(r[k]), h('span', { class: 'sharebar', style: { width: Math.round(60 * r[k]) + 'px' } }));
          default: return h('td', { class: 'num' }, dur(r[k]));
        }
      };
      clear(box).append(
        h('div', { class: 'controls' }, seg([['operations', 'by operation'], ['services', 'by service']], state.by, (v) => { state.by = v; writeHash(); draw(); })),
        h('div', { class: 'scroll' }, h('table', { class: 'attrib' },
          h('thead', null, h('tr', null, cols.map(([k, label, num]) => h('th', {
            class: 'sort' + (num ? ' num' : '') + (k === sortKey ? ' sorted' : ''),
            on: { click: () => { sortKey = k; draw(); } }
          }, label)))),
          h('tbody', null, rows.map((r) => h('tr', { class: 'pick', title: 'show in the flame graph', on: { click: () => highlight(r.label) } }, cols.map(([k]) => cell(r, k))))),
          h('tfoot', null, h('tr', null, h('td', null, 'end to end, ' + plural(a.traces, 'trace') + (omitted ? ' (' + omitted + ' more rows not shown)' : '')),
            h('td'), h('td'), h('td'), h('td'), h('td', { class: 'num' }, dur(a.endToEnd)), h('td', { class: 'num' }, '100.0%'),
            h('td', { class: 'num' }, dur(D.summary.latency.p50)), h('td', { class: 'num' }, dur(D.summary.latency.p90)), h('td', { class: 'num' }, dur(D.summary.latency.p99)))))));
    }
    draw();
    return section('attribution', 'Where the time goes',
      h('p', { class: 'note' }, 'Per operation (service/span name) or service over every trace: self time, critical-path time and its share of the end-to-end total, and p50/p90/p99 of the critical time per trace (tracectl attrib). Sorted by critical share: the first row is what latency waits on.'),
      box);
  }

  // ---- flame graph ----------------------------------------------------------
  function flame() {
    const F = D.flame;
    const n = F.label.length;
    const kids = Array.from({ length: n }, () => []);
    const tops = [];
    for (let i = 0; i < n; i++) (F.parent[i] >= 0 ? kids[F.parent[i]] : tops).push(i);
    const depth = new Array(n);
    for (let i = 0; i < n; i++) depth[i] = F.parent[i] >= 0 ? depth[F.parent[i]] + 1 : 0;
    const box = h('div'), hover = h('div', { class: 'hover' });
    const search = h('input', { type: 'search', placeholder: 'highlight frames matching…', 'aria-label': 'search frames' });
    search.addEventListener('input', () => draw());
    function weightOf(i) { return state.weight === 'self' ? F.self[i] : F.crit[i]; }
    function draw() {
      const w = width(box, 1000), RH = 18;
      const q = search.value.trim().toLowerCase();
      const total = tops.reduce((a, i) => a + weightOf(i), 0);
      // Zoom: the focused frame spans the width; its ancestors are drawn full width above it.
      let focus = state.zoom >= 0 && state.zoom < n ? state.zoom : -1;
      const chain = [];
      for (let i = focus; i >= 0; i = F.parent[i]) chain.unshift(i);
      const span = focus >= 0 ? weightOf(focus) : total;
      const maxDepth = n ? Math.max(...depth) + 1 : 1;
      const H = maxDepth * RH + 4;
      const svg = s('svg', { width: w, height: H, class: 'chart flame', role: 'img', 'aria-label': 'flame graph' });
      const yOf = (d) => state.flip ? H - (d + 1) * RH : d * RH;
      let hits = 0;
      function frame(i, x0, fw) {
        const label = F.label[i];
        const v = weightOf(i);
        const match = q && F.label[i].toLowerCase().includes(q);
        if (match) hits++;
        const g = s('g', {
          class: 'frame' + (q ? (match ? ' hit' : ' dim') : ''), 'data-frame': i,
          on: {
            click: () => { state.zoom = i === focus ? F.parent[i] : i; draw(); },
            mouseenter: () => { hover.textContent = F.label[i] + ' — ' + dur(v) + ' (' + pct(total ? v / total : 0) + ' of all ' + (state.weight === 'self' ? 'self' : 'critical-path') + ' time)'; }
          }
        });
        const fill = F.queue[i] ? '#d1d5db' : svc(F.svc[i]).color;
        g.append(s('rect', { x: x0, y: yOf(depth[i]), width: Math.max(0.5, fw - 0.5), height: RH - 1, fill, rx: 1.5 }),
          s('title', null, F.label[i] + '\n' + dur(v) + ' · ' + pct(total ? v / total : 0)));
        if (fw > 40) {
          const chars = Math.floor((fw - 8) / 6.6);
          const text = label.length > chars ? label.slice(0, Math.max(0, chars - 1)) + '…' : label;
          g.append(s('text', { x: x0 + 4, y: yOf(depth[i]) + 12.5, 'pointer-events': 'none' }, text));
        }
        svg.append(g);
      }
      if (!span) { clear(box).append(h('p', { class: 'note' }, 'No time to show.')); return; }
      // Ancestors of the focus: full width.
      for (const i of chain.slice(0, -1)) frame(i, 0, w);
      // The focus (or the tops) and everything under it, to scale.
      const stack = [];
      if (focus >= 0) stack.push([focus, 0]);
      else { let x = 0; for (const i of tops) { stack.push([i, x]); x += weightOf(i) / span * w; } }
      while (stack.length) {
        const [i, x0] = stack.pop();
        const fw = weightOf(i) / span * w;
        if (fw < 0.3) continue;
        frame(i, x0, fw);
        let x = x0;
        for (const c of kids[i]) { stack.push([c, x]); x += weightOf(c) / span * w; }
      }
      clear(box).append(svg);
      if (q) hover.textContent = plural(hits, 'frame') + ' match “' + search.value.trim() + '”';
    }
    later.push(draw);
    highlight = (label) => {
      search.value = label;
      state.zoom = -1;
      draw();
      document.getElementById('flame').scrollIntoView();
    };
    const controls = h('div', { class: 'controls' });
    function drawControls() {
      clear(controls).append(
        seg([['crit', 'critical time'], ['self', 'self time']], state.weight, (v) => { state.weight = v; writeHash(); drawControls(); draw(); }),
        seg([[false, 'icicle'], [true, 'flame']], state.flip, (v) => { state.flip = v; writeHash(); drawControls(); draw(); }),
        h('button', { type: 'button', class: 'seg', style: { padding: '4px 10px' }, on: { click: () => { state.zoom = -1; draw(); } } }, 'reset zoom'),
        search);
    }
    drawControls();
    return section('flame', 'Flame graph',
      h('p', { class: 'note' }, 'Stacks of operations from the roots down, merged over every trace; width is critical-path time (what latency waited on) or self time (where work was done). Click a frame to zoom, again to zoom out.' +
        (F.omitted ? ' ' + plural(F.omitted, 'narrow frame') + ' left out.' : '')),
      controls, box, hover);
  }

  // ---- traces: list, waterfall, details ------------------------------------
  function traces() {
    const sel = D.selection;
    const list = h('div'), wf = h('div'), details = h('div');
    const search = h('input', { type: 'search', placeholder: 'search spans: name, service, id, attribute…', 'aria-label': 'search spans', value: state.q });
    const collapsed = new Set();
    let current = D.traces.find((t) => t.id === state.trace) || D.traces[0];
    if (current) state.trace = current.id;

    function spanText(t, n) {
      const parts = [n.n, svc(n.s).name, n.id, n.m || '', n.k || ''];
      for (const [k, v] of n.a || []) parts.push(k + '=' + v);
      if (n.r >= 0) for (const [k, v] of D.resources[n.r]) parts.push(k + '=' + v);
      for (const e of n.ev || []) parts.push(e.n);
      return parts.join('\n').toLowerCase();
    }
    const texts = new Map();
    function matches(t) {
      const q = state.q.trim().toLowerCase();
      if (!q) return null;
      if (!texts.has(t)) texts.set(t, t.nodes.map((n) => spanText(t, n)));
      const out = new Set();
      texts.get(t).forEach((x, i) => { if (x.includes(q)) out.add(i); });
      return out;
    }
    function drawList() {
      clear(list).append(h('div', { class: 'scroll', style: { maxHeight: '300px' } }, h('table', { class: 'traces' },
        h('thead', null, h('tr', null, ['trace', 'root', 'start', 'duration', 'spans', 'errors', 'shown because', state.q ? 'matches' : null]
          .filter((x) => x !== null).map((x, k) => h('th', { class: k >= 3 && k <= 5 || k === 7 ? 'num' : null }, x)))),
        h('tbody', null, D.traces.map((t) => {
          const m = matches(t);
          return h('tr', { class: 'pick' + (t === current ? ' sel' : ''), 'data-trace': t.id, on: { click: () => { current = t; state.trace = t.id; state.span = ''; collapsed.clear(); writeHash(); drawAll(); } } },
            h('td', { class: 'mono' }, t.id.slice(0, 16) + (t.id.length > 16 ? '…' : '')), h('td', null, t.root),
            h('td', { class: 'mono' }, t.start),
            h('td', { class: 'num' }, dur(t.duration)), h('td', { class: 'num' }, t.spans),
            h('td', { class: 'num' + (t.errors ? ' err' : '') }, t.errors), h('td', null, t.reasons.join(', ')),
            m ? h('td', { class: 'num' }, m.size) : null);
        })))));
    }
    // Keep the selected trace in view in its scrolling list.
    function showSelected() {
      const row = list.querySelector('tr.sel');
      if (row) row.parentElement.closest('.scroll').scrollTop = row.offsetTop - 60;
    }
    function drawWaterfall() {
      clear(wf);
      if (!current) { wf.append(h('p', { class: 'note' }, 'No traces.')); return; }
      const t = current;
      const m = matches(t);
      const w = width(wf, 1100);
      const LW = Math.min(460, Math.round(w * 0.38)), RW = 70, PW = w - LW - RW - 10, RH = 20, AX = 24;
      const ext = Math.max(1, t.extent);
      const x = (ns) => LW + ns / ext * PW;
      // Rows: the spans not under a collapsed one.
      const rows = [];
      const hiddenUnder = new Array(t.nodes.length).fill(false);
      const kidCount = new Array(t.nodes.length).fill(0);
      t.nodes.forEach((n, i) => {
        if (n.p >= 0) { kidCount[n.p]++; hiddenUnder[i] = hiddenUnder[n.p] || collapsed.has(n.p); }
        if (!hiddenUnder[i]) rows.push(i);
      });
      const H = AX + rows.length * RH + 4;
      const svg = s('svg', { width: w, height: H, class: 'chart waterfall', role: 'img', 'aria-label': 'waterfall of trace ' + t.id });
      const axis = s('g', { class: 'axis' });
      const ticks = Math.max(2, Math.floor(PW / 110));
      for (let k = 0; k <= ticks; k++) {
        const v = ext * k / ticks;
        axis.append(s('line', { x1: x(v), x2: x(v), y1: AX - 4, y2: H }));
        axis.append(s('text', { x: x(v), y: AX - 8, 'text-anchor': k === 0 ? 'start' : k === ticks ? 'end' : 'middle' }, offset(Math.round(v))));
      }
      svg.append(axis);
      rows.forEach((i, k) => {
        const n = t.nodes[i];
        const y = AX + k * RH;
        const hit = m && m.has(i);
        const g = s('g', {
          class: 'row' + (n.id === state.span ? ' sel' : '') + (m ? (hit ? ' hit' : ' dim') : ''), 'data-span': n.id,
          on: { click: () => { state.span = n.id; writeHash(); drawWaterfall(); drawDetails(); } }
        });
        g.append(s('rect', { class: 'bg', x: 0, y, width: w, height: RH, fill: 'transparent' }));
        const indent = 6 + Math.min(n.d, 24) * 12;
        if (kidCount[i]) {
          g.append(s('text', {
            x: indent - 2, y: y + 14, class: 'muted', 'data-toggle': i,
            on: { click: (ev) => { ev.stopPropagation(); collapsed.has(i) ? collapsed.delete(i) : collapsed.add(i); drawWaterfall(); } }
          }, collapsed.has(i) ? '▸' : '▾'));
        }
        g.append(s('circle', { cx: indent + 12, cy: y + 10, r: 4, fill: n.x ? 'none' : svc(n.s).color, stroke: n.x ? '#9ca3af' : 'none' }));
        // ◆ marks the spans on the critical path, as tracectl tree --critical does.
        const label = (n.c > 0 || n.q > 0 ? '◆ ' : '') + (n.x ? '' : svc(n.s).name + ' ') + n.n + (collapsed.has(i) ? ' (+' + kidCount[i] + ')' : '');
        const room = Math.floor((LW - indent - 24) / 6.4);
        g.append(s('text', { x: indent + 20, y: y + 14, class: n.e ? 'err' : null },
          (label.length > room ? label.slice(0, Math.max(1, room - 1)) + '…' : label) + (n.e ? ' ✗' : '')),
          s('title', null, label + (n.e ? '\nerror' + (n.m ? ': ' + n.m : '') : '') + '\n' + offset(n.t) + ' · ' + dur(n.du)));
        const x0 = x(n.t), bw = Math.max(1, n.du / ext * PW);
        const color = n.x ? '#9ca3af' : svc(n.s).color;
        g.append(s('rect', { x: x0, y: y + 4, width: bw, height: RH - 8, fill: color, 'fill-opacity': 0.35, stroke: n.e ? 'var(--error)' : 'none', rx: 2 }));
        for (const sg of segsOf.get(i) || []) {
          if (sg.q) {
            g.append(s('line', { class: 'queue', x1: x(sg.t), x2: x(sg.e), y1: y + RH / 2, y2: y + RH / 2 }));
            continue;
          }
          g.append(s('rect', { class: 'critseg', x: x(sg.t), y: y + 4, width: Math.max(1, (sg.e - sg.t) / ext * PW), height: RH - 8, fill: color }));
          g.append(s('rect', { class: 'crit', x: x(sg.t), y: y + RH - 6, width: Math.max(1, (sg.e - sg.t) / ext * PW), height: 2 }));
        }
        for (const e of n.ev || []) {
          g.append(s('line', { class: 'event', x1: x(e.t), x2: x(e.t), y1: y + 2, y2: y + RH - 2 }, s('title', null, offset(e.t) + ' ' + e.n)));
        }
        g.append(s('text', { x: Math.min(x0 + bw + 4, w - RW + 4), y: y + 14, class: 'muted' }, dur(n.du)));
        svg.append(g);
      });
      const head = h('p', { class: 'note' },
        h('b', null, t.root), ' · trace ', h('code', null, t.id), ' · ', t.start, ' UTC · ', dur(t.duration), ' · ', plural(t.spans, 'span'),
        t.errors ? [' · ', h('span', { class: 'err' }, plural(t.errors, 'error span'))] : null,
        t.joined ? [' · joined by links: ', t.joined.join(', ')] : null,
        t.omitted ? ' · the last ' + plural(t.omitted, 'span') + ' (in tree order) are not drawn' : null,
        m ? ' · ' + plural(m.size, 'span') + ' match' : null);
      wf.append(head,
        h('div', { class: 'legend' }, h('span', null, h('i', { style: { background: '#60a5fa', opacity: 0.35 } }), 'span'),
          h('span', null, h('i', { style: { background: '#60a5fa', borderBottom: '2px solid var(--crit)' } }), 'on the critical path'),
          h('span', null, h('i', { style: { borderTop: '2px dashed #9ca3af' } }), 'queue wait'),
          h('span', null, h('i', { style: { width: '2px', height: '12px', background: 'var(--fg)' } }), 'event'),
          h('span', null, 'click a span for its details; ▾ folds a subtree')),
        svg);
    }
    let segsOf = new Map();
    function indexSegments() {
      segsOf = new Map();
      if (!current) return;
      for (const sg of current.segments) {
        if (!segsOf.has(sg.n)) segsOf.set(sg.n, []);
        segsOf.get(sg.n).push(sg);
      }
    }
    function kv(list) {
      return list.map(([k, v]) => h('tr', null, h('td', { class: 'mono' }, k), h('td', { class: 'mono' }, v)));
    }
    function drawDetails() {
      clear(details);
      const t = current;
      if (!t) return;
      const i = t.nodes.findIndex((n) => n.id === state.span);
      if (i < 0) { details.append(h('p', { class: 'note' }, 'Click a span to see its attributes, events and status.')); return; }
      const n = t.nodes[i];
      const parent = n.p >= 0 ? t.nodes[n.p] : null;
      const rows = [
        ['service', n.x ? '' : svc(n.s).name], ['name', n.n], ['kind', n.k || ''], ['span id', n.id],
        ['parent', parent ? parent.id + ' (' + parent.n + ')' + (n.as ? ', asynchronous' : '') : 'none (root)'],
        ['status', (n.st || 'unset') + (n.m ? ': ' + n.m : '')],
        ['start', offset(n.t) + ' from the trace start'], ['duration', dur(n.du)], ['self time', dur(n.sf)],
        ['critical time', dur(n.c) + (t.duration ? ' (' + pct(n.c / t.duration) + ' of the trace)' : '')]];
      if (n.q) rows.push(['queue wait', dur(n.q)]);
      if (n.tid) rows.push(['trace', n.tid]);
      if (n.sc) rows.push(['scope', n.sc]);
      details.append(h('div', { class: 'details', id: 'span-details' },
        h('h3', null, n.x ? '' : [dot(n.s), svc(n.s).name, ' '], n.n, n.e ? h('span', { class: 'err' }, ' ✗ error') : null),
        h('table', null, rows.map(([k, v]) => h('tr', null, h('td', null, k), h('td', { class: k === 'status' && n.e ? 'err' : null }, v)))),
        n.a ? [h('h3', null, 'Attributes'), h('table', { class: 'attrs' }, kv(n.a))] : null,
        n.r >= 0 ? [h('h3', null, 'Resource'), h('table', null, kv(D.resources[n.r]))] : null,
        n.ev ? [h('h3', null, 'Events'), h('table', null, n.ev.map((e) => h('tr', null,
          h('td', { class: 'mono' }, offset(e.t)), h('td', null, h('b', null, e.n), e.a ? e.a.map(([k, v]) => h('div', { class: 'mono' }, k + ' = ' + v)) : null))))] : null,
        n.l ? [h('h3', null, 'Links'), h('table', null, n.l.map((l) => h('tr', null,
          h('td', { class: 'mono' }, l.tid + ' / ' + l.id), h('td', null, l.a ? l.a.map(([k, v]) => h('div', { class: 'mono' }, k + ' = ' + v)) : null))))] : null));
    }
    function drawAll() { indexSegments(); drawList(); showSelected(); drawWaterfall(); drawDetails(); }
    openSpan = (id, span) => {
      const t = D.traces.find((x) => x.id === id);
      if (!t) return;
      current = t; state.trace = id; state.span = span; collapsed.clear(); writeHash(); drawAll();
      const el = document.getElementById('span-details') || wf;
      el.scrollIntoView();
    };
    search.addEventListener('input', () => { state.q = search.value; writeHash(); drawList(); drawWaterfall(); });
    later.push(drawAll);
    const note = 'Up to ' + plural(sel.slowest, 'slowest trace') + ' and up to ' + sel.erroring + ' with errors (one of each kind of error first) of ' +
      plural(sel.of, 'trace') + ', each drawn up to ' + sel.maxSpans + ' spans; ' + D.traces.length + ' shown. tracectl report --waterfalls N shows more.';
    return section('traces', 'Slowest and erroring traces', h('p', { class: 'note' }, note),
      h('div', { class: 'controls' }, search), list, wf, details);
  }

  // ---- check ----------------------------------------------------------------
  function checks() {
    const c = D.check;
    const shown = new Set(D.traces.map((t) => t.id));
    const link = (id, span) => shown.has(id)
      ? h('a', { class: 'tid mono', on: { click: () => openSpan(id, span) } }, id)
      : h('span', { class: 'mono' }, id);
    const body = c.rules.length === 0
      ? h('p', null, plural(c.traces, 'trace') + ' checked (' + plural(c.spans, 'span') + '): no findings' + (c.pii ? ', no secrets or personal data (--pii).' : '.'))
      : [h('p', null, plural(c.findings, 'finding') + ' in ' + c.withFindings + ' of ' + plural(c.traces, 'trace') + ' (' + plural(c.spans, 'span') + ').'),
        c.rules.map((r) => h('details', { class: 'rule', open: r.severity === 'error' ? true : null },
          h('summary', null, h('span', { class: 'badge ' + r.severity }, r.severity), ' ', h('code', null, r.rule), ' · ', plural(r.count, 'finding'),
            r.count > r.findings.length ? ' (first ' + r.findings.length + ' listed)' : ''),
          h('div', { class: 'scroll', style: { maxHeight: '260px' } }, h('table', null,
            h('thead', null, h('tr', null, h('th', null, 'trace'), h('th', null, 'span'), h('th', null, 'message'))),
            h('tbody', null, r.findings.map((f) => h('tr', null, h('td', null, link(f.trace, f.span)), h('td', { class: 'mono' }, f.span), h('td', null, f.message)))))))),
        c.skew ? [h('h3', null, 'Clock skew (parent → child service)'), h('table', null,
          h('thead', null, h('tr', null, ['pair', 'offset', 'spans', 'explained'].map((x, k) => h('th', { class: k ? 'num' : null }, x)))),
          h('tbody', null, c.skew.map((p) => h('tr', null, h('td', null, p.parent + ' → ' + p.child), h('td', { class: 'num' }, shift(p.offset)),
            h('td', { class: 'num' }, p.spans), h('td', { class: 'num' }, p.explained)))))] : null];
    return section('check', 'Check findings', h('p', { class: 'note' }, 'Structural and happens-before problems by rule (tracectl check' + (c.pii ? ' --pii' : '') + ').'), body);
  }

  // openSpan shows a span of a drawn trace (set by traces()); highlight
  // marks an operation's frames in the flame graph (set by flame()).
  let openSpan = () => {};
  let highlight = () => {};

  // ---- service graph (drawn by tracectl, inserted as is) -------------------
  function graph() {
    const tpl = document.getElementById('graph-svg');
    const g = D.graph;
    if (!g || !g.nodes.length || !tpl) return null;
    const drawing = tpl.content.cloneNode(true);
    tpl.remove();
    return section('graph', 'Service graph',
      h('p', { class: 'note' }, 'Calls between services: a parent span in one service with a child in another is a call (dashed: asynchronous, the caller did not wait; red: calls that failed; dashed boxes: peers that sent no spans, named by the client spans). Latency is the caller\'s CLIENT span where there is one (tracectl graph).'),
      h('div', { class: 'graph' }, drawing),
      h('details', null, h('summary', null, plural(g.edges.length, 'edge') + ' as a table' + (D.graphOmitted ? ' (the most called; ' + D.graphOmitted + ' more not listed)' : '')),
        h('table', null,
          h('thead', null, h('tr', null, ['caller', 'callee', 'calls', 'errors', 'p50', 'p90', 'p99', 'traces'].map((x, k) => h('th', { class: k >= 2 ? 'num' : null }, x)))),
          h('tbody', null, g.edges.map((e) => h('tr', null,
            h('td', null, e.from), h('td', null, e.to, e.async ? ' (async)' : ''),
            h('td', { class: 'num' }, e.calls), h('td', { class: 'num' + (e.errors ? ' err' : '') }, e.errors + (e.errors ? ' (' + pct(e.errors / e.calls) + ')' : '')),
            h('td', { class: 'num' }, dur(e.p50_ns)), h('td', { class: 'num' }, dur(e.p90_ns)), h('td', { class: 'num' }, dur(e.p99_ns)),
            h('td', { class: 'num' }, e.traces)))))));
  }

  // ---- diff -----------------------------------------------------------------
  function diffView() {
    const d = D.diff;
    if (!d) return null;
    const arrow = (a, b, f) => f(a) + ' → ' + f(b);
    if (d.spans) {
      const mark = { added: '+', removed: '-', changed: '~', same: '' };
      return section('diff', 'Diff against the base',
        h('p', { class: 'note' }, 'base ', h('code', null, d.baseTrace), ' → candidate ', h('code', null, d.candTrace), ': spans aligned by path of (service, name, occurrence among same-named siblings).'),
        h('div', { class: 'scroll' }, h('table', { class: 'diff' },
          h('thead', null, h('tr', null, ['', 'span', 'duration', 'critical', 'Δ critical'].map((x, k) => h('th', { class: k >= 2 ? 'num' : null }, x)))),
          h('tbody', null, d.spans.map((sp) => h('tr', { class: sp.ch },
            h('td', { class: sp.ch }, mark[sp.ch]),
            h('td', { style: { paddingLeft: (10 + 14 * Math.min(sp.d, 24)) + 'px' } }, sp.s >= 0 ? [dot(sp.s), svc(sp.s).name, ' '] : null, sp.n),
            h('td', { class: 'num' }, sp.ch === 'added' ? dur(sp.cd) : sp.ch === 'removed' ? dur(sp.bd) : arrow(sp.bd, sp.cd, dur)),
            h('td', { class: 'num' }, sp.ch === 'added' ? dur(sp.cc) : sp.ch === 'removed' ? dur(sp.bc) : arrow(sp.bc, sp.cc, dur)),
            h('td', { class: 'num' }, sp.cc === sp.bc ? '' : shift(sp.cc - sp.bc))))))),
        d.omitted ? h('p', { class: 'note' }, plural(d.omitted, 'more span') + ' not shown.') : null);
    }
    return section('diff', 'Diff against the base',
      h('p', { class: 'note' }, 'base ' + plural(d.baseTraces, 'trace') + ', candidate ' + plural(d.candTraces, 'trace') + ' · per-trace critical time per ' + d.by +
        ' · α = ' + d.alpha + ' (Holm over the rows) · min change ' + pct(d.minChange) + ' of the base median (tracectl diff).'),
      h('div', { class: 'scroll' }, h('table', { class: 'diff' },
        h('thead', null, h('tr', null, [d.by, 'verdict', 'p50', 'p90', 'p99', 'shift (95% CI)', 'p', 'calls/trace', 'errors', 'share']
          .map((x, k) => h('th', { class: k >= 2 ? 'num' : null }, x)))),
        h('tbody', null, d.rows.map((r) => h('tr', null,
          h('td', null, r.svc >= 0 ? dot(r.svc) : null, r.group),
          h('td', { class: r.verdict }, r.verdict),
          h('td', { class: 'num' }, arrow(r.base.p50, r.cand.p50, dur)),
          h('td', { class: 'num' }, arrow(r.base.p90, r.cand.p90, dur)),
          h('td', { class: 'num' }, arrow(r.base.p99, r.cand.p99, dur)),
          h('td', { class: 'num' }, shift(r.shift) + ' [' + shift(r.low) + ', ' + shift(r.high) + ']'),
          h('td', { class: 'num' }, pval(r.p)),
          h('td', { class: 'num' }, arrow(r.base.calls, r.cand.calls, calls)),
          h('td', { class: 'num' }, arrow(r.base.errorRate, r.cand.errorRate, pct)),
          h('td', { class: 'num' }, r.verdict === 'unchanged' ? '' : pct(r.share))))))),
      d.omitted ? h('p', { class: 'note' }, plural(d.omitted, 'more row') + ' not shown.') : null,
      d.notes ? h('pre', { class: 'notes' }, d.notes.trim()) : null);
  }

  // ---- page -----------------------------------------------------------------
  const later = []; // drawings that need the laid-out width
  function fail(err) {
    const msg = 'The report could not be drawn: ' + (err && err.message ? err.message : String(err));
    document.body.dataset.error = msg;
    document.body.prepend(h('p', { class: 'banner', role: 'alert' }, msg));
  }
  window.addEventListener('error', (ev) => fail(ev.error || ev.message));
  try {
    readHash();
    const app = document.getElementById('app');
    add(app, [diffView(), summary(), graph(), attribution(), flame(), traces(), checks()]);
    for (const f of later) f();
    let pending = 0;
    window.addEventListener('resize', () => {
      clearTimeout(pending);
      pending = setTimeout(() => { for (const f of later) f(); }, 150);
    });
    if (state.span) {
      const el = document.getElementById('span-details');
      if (el) el.scrollIntoView();
    }
    document.body.dataset.ready = 'true';
  } catch (err) {
    fail(err);
  }
})();
