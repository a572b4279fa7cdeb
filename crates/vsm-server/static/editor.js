// vsm's workshop editor: the map shared by everyone in the workshop, edited live.
//
// Plain JavaScript, no framework and no build step, embedded in the server's binary and served
// from /static/editor.js. It draws what the server sends (the map's SVG, its summary and its
// checks' messages) and sends the person's changes as ops (see the document API); the server
// applies them in order, tells everyone through the event stream, and says when a change
// replaced someone else's. Undo and redo are this page's own: each answer carries the batch that
// undoes it.
'use strict';

(() => {
  const root = document.getElementById('editor');
  if (!root) return;
  const stream = root.dataset.stream;
  const me = root.dataset.user;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const api = `/api/streams/${encodeURIComponent(stream)}`;
  const $ = (selector, within = document) => within.querySelector(selector);
  const $$ = (selector, within = document) => [...within.querySelectorAll(selector)];

  const state = {
    view: null,
    lastSvg: null, // the last valid map's picture, shown dimmed while the map has errors
    selected: null, // the selected step's id, or null: the map's own fields
    undo: [],
    redo: [],
    people: [],
    online: null, // not known until the live connection opens or fails
    presenter: false,
    guided: null,
    rendering: false, // the panel is being rebuilt: its fields' change events are not the person's
    futures: {}, // countermeasure index -> the future state's URL made from it
  };

  // ---- small helpers ------------------------------------------------------------------------

  /** An element: h('p', {class: 'x'}, 'text', child...). */
  function h(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
      else if (name === 'dataset') Object.assign(element.dataset, value);
      else if (value === true) element.setAttribute(name, '');
      else element.setAttribute(name, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  const equal = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const key = (path) => JSON.stringify(path);

  /** A path as the server writes it: steps[2].name. */
  function pathText(path) {
    let text = '';
    for (const part of path) {
      if (typeof part === 'number') text += `[${part}]`;
      else text += text ? `.${part}` : part;
    }
    return text || '(the map)';
  }

  /** The server's words, its `backticked` names as code rather than backticks. */
  const coded = (text) => String(text).split('`').map((part, i) => (i % 2 ? h('code', {}, part) : part));

  /** A value as a notice quotes it. */
  function quoted(value) {
    if (value === undefined || value === null) return 'nothing';
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return `“${text.length > 60 ? `${text.slice(0, 59)}…` : text}”`;
  }

  const tree = () => (state.view && state.view.tree) || {};
  const steps = () => (Array.isArray(tree().steps) ? tree().steps : []);
  const selectedIndex = () =>
    state.selected === null ? -1 : steps().findIndex((s) => s && s.id === state.selected);
  const stepName = (step) => (step && (step.name || step.id)) || 'a step';
  const canEdit = () => {
    const role = state.view ? state.view.role : root.dataset.role;
    return role === 'editor' || role === 'admin';
  };

  /**
   * A person's own colour, the same in every browser: by their place among everyone in the
   * editor, in the order of their names, so that up to eight people never share one.
   */
  function colour(user) {
    const colours = ['#c2185b', '#00796b', '#6a1b9a', '#b34700', '#2e7d32', '#1565c0', '#5d4037', '#37474f'];
    const everyone = [...new Set([me, ...state.people.map((p) => p.user)])].sort();
    return colours[Math.max(0, everyone.indexOf(user)) % colours.length];
  }

  /** An id for a new step from its name, not taken by another step. */
  function freshId(name) {
    const taken = new Set(steps().map((s) => s && s.id));
    let base = String(name || 'step')
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 32)
      .replace(/-+$/, '');
    if (!base) base = 'step';
    if (!taken.has(base)) return base;
    for (let n = 2; ; n += 1) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
  }

  /** A step's id is still the one `n` made up, and nothing refers to it yet. */
  function placeholderId(id) {
    if (!/^step(-\d+)?$/.test(id)) return false;
    const t = tree();
    const refers = (list, fields) =>
      (Array.isArray(list) ? list : []).some((item) => item && fields.some((f) => item[f] === id));
    const follows = steps().some((s) => s && [].concat(s.after || []).includes(id));
    return !follows && !refers(t.rework, ['from', 'to']) && !refers(t.flows, ['from', 'to'])
      && !refers(t.improvements, ['step']);
  }

  // ---- talking to the server ----------------------------------------------------------------

  async function call(method, path, body) {
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.headers['X-CSRF-Token'] = csrf;
      init.body = JSON.stringify(body);
    } else if (method !== 'GET') {
      init.headers['X-CSRF-Token'] = csrf;
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      notice(`Could not reach the server (${error.message}); your change was not sent.`, 'problem');
      return { status: 0, body: null };
    }
    let answer = null;
    const text = await response.text();
    try {
      answer = text ? JSON.parse(text) : null;
    } catch {
      answer = { error: text };
    }
    return { status: response.status, body: answer };
  }

  // Edits go one after another, in the order the person made them.
  let queue = Promise.resolve();
  const inTurn = (work) => {
    const turn = queue.then(work, work);
    queue = turn.catch(() => undefined);
    return turn;
  };

  /** Sends one batch of ops; answers the server's answer, or null when it was refused. */
  function send(ops, { record = true } = {}) {
    return inTurn(() => post(`${api}/edits`, { ops }, record));
  }

  async function post(path, body, record) {
    const answer = await call('POST', path, body);
    if (answer.status !== 200) {
      if (answer.status !== 0) refused(answer);
      return null;
    }
    const result = answer.body;
    if (record) {
      state.undo.push(result.undo);
      state.redo.length = 0;
    }
    followRenamedSelection(body.ops || []);
    for (const conflict of result.conflicts || []) {
      const path = pathText(conflict.path);
      notice(
        conflict.overwrote
          ? `Your change to ${path} replaced ${conflict.overwrote}'s (${quoted(conflict.found)}).`
          : `Your change to ${path} replaced ${quoted(conflict.found)}, which you had not seen.`,
        'conflict',
      );
    }
    applyView(result.view);
    return result;
  }

  function refused(answer) {
    const body = answer.body || {};
    let text = body.error || `the server answered ${answer.status}`;
    if (body.help) text += ` (${body.help})`;
    notice(`Not done: ${text}`, 'problem');
  }

  /** Undo (`from` the undo stack, its answer's batch onto redo) or redo (the other way round). */
  function replay(from, onto, nothing) {
    return inTurn(async () => {
      const batch = from.pop();
      if (!batch) return notice(nothing);
      const result = await post(`${api}/edits`, { ops: batch }, false);
      if (result) onto.push(result.undo);
      updateButtons();
    });
  }

  const undo = () => replay(state.undo, state.redo, 'Nothing of yours to undo.');
  const redo = () => replay(state.redo, state.undo, 'Nothing to redo.');

  function save() {
    if (!canEdit()) return;
    commitFocused();
    inTurn(async () => {
      const answer = await call('POST', `${api}/document/save`, { message: 'Saved in the workshop editor' });
      if (answer.status !== 200) {
        const errors = (answer.body && answer.body.diagnostics) || [];
        if (errors.length) notice(`Not saved: the map has ${errors.length} problem(s); see the list under the map.`, 'problem');
        else refused(answer);
        return;
      }
      const { version, unchanged, view } = answer.body;
      notice(unchanged ? `Nothing new to save: the map is version ${version}.` : `Saved as version ${version}.`);
      if (view) applyView(view);
    });
  }

  // ---- the live connection ------------------------------------------------------------------

  function connect() {
    const source = new EventSource(`${api}/live`);
    source.addEventListener('open', () => setOnline(true));
    source.addEventListener('error', () => {
      setOnline(false);
      // EventSource reconnects by itself unless the server refused it outright.
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    });
    source.addEventListener('view', (event) => {
      setOnline(true);
      applyView(JSON.parse(event.data).view);
    });
    source.addEventListener('change', (event) => {
      const change = JSON.parse(event.data);
      followRenamedSelection(change.ops || []);
      if (change.author !== me) {
        for (const conflict of change.conflicts || []) {
          const path = pathText(conflict.path);
          if (conflict.overwrote === me) {
            notice(`${change.author}'s change to ${path} replaced yours (${quoted(conflict.found)}).`, 'conflict');
          } else if (conflict.overwrote) {
            notice(`${change.author}'s change to ${path} replaced ${conflict.overwrote}'s (${quoted(conflict.found)}).`, 'conflict');
          }
        }
      }
      applyView(change.view);
    });
    source.addEventListener('presence', (event) => {
      state.people = JSON.parse(event.data).people || [];
      renderPeople();
      placeMarks();
    });
    source.addEventListener('saved', (event) => applyView(JSON.parse(event.data).view));
  }

  function setOnline(online) {
    if (state.online === online) return;
    state.online = online;
    const status = $('#ed-connection');
    status.textContent = online ? 'Live' : 'Offline: reconnecting…';
    status.classList.toggle('ed-offline', !online);
  }

  /** The whole state, on opening the page (the live stream's first event has it too). */
  async function reload() {
    const answer = await call('GET', `${api}/document`);
    if (answer.status === 200) applyView(answer.body);
  }

  /** Someone changed the id of the step selected here: keep it selected under its new id. */
  function followRenamedSelection(ops) {
    for (const op of ops) {
      if (op.op === 'set' && op.path.length === 3 && op.path[0] === 'steps' && op.path[2] === 'id'
        && op.expect === state.selected && typeof op.value === 'string') {
        state.selected = op.value;
      }
    }
  }

  let presenceTimer = null;
  function sendPresence() {
    clearTimeout(presenceTimer);
    presenceTimer = setTimeout(() => {
      const index = selectedIndex();
      call('POST', `${api}/presence`, { selection: index >= 0 ? ['steps', index] : null });
    }, 100);
  }

  // ---- the state shown ----------------------------------------------------------------------

  function applyView(view) {
    if (!view) return;
    // Edits are numbered in order: an older view (an answer overtaken by the live stream) waits out.
    if (state.view && view.seq < state.view.seq) return;
    state.view = view;
    if (view.people) state.people = view.people;
    if (state.selected !== null && selectedIndex() < 0) state.selected = null;
    render();
  }

  function render() {
    const view = state.view;
    $('#ed-name').textContent = view.name || stream;
    $('#ed-readonly').hidden = canEdit();
    renderSummary();
    renderCanvas();
    renderPanel();
    renderProblems();
    renderPeople();
    renderCountermeasures();
    updateButtons();
    if (state.guided) askGuided();
    if ($('#ed-history').open) loadHistory();
  }

  function renderSummary() {
    const summary = state.view.summary;
    for (const cell of $$('[data-summary]')) {
      const name = cell.dataset.summary;
      let text = '–';
      if (summary) {
        text = name === 'constraint' ? summary.constraint_name || summary.constraint || 'none' : summary[name];
      }
      cell.textContent = text;
    }
    const { unsaved, version } = state.view;
    $('#ed-saved').textContent = unsaved
      ? `${unsaved} unsaved edit${unsaved === 1 ? '' : 's'} · saved as version ${version}`
      : `All saved as version ${version}`;
  }

  function renderCanvas() {
    const figure = $('#ed-canvas');
    const view = state.view;
    // The last valid picture, dimmed, while the map has errors; none for a map with no steps.
    const svg = view.svg || (steps().length ? state.lastSvg : null);
    if (view.svg) state.lastSvg = view.svg;
    figure.classList.toggle('ed-stale', !view.svg && !!svg);
    if (svg) {
      if (figure.dataset.shown !== svg) {
        figure.innerHTML = svg;
        figure.dataset.shown = svg;
      }
    } else {
      delete figure.dataset.shown;
      figure.replaceChildren(
        h('p', { class: 'meta' }, steps().length
          ? 'The map has no picture until its problems are fixed; its steps:'
          : 'An empty map: add its first step (n) or start the guided mode (g).'),
        h('ol', { class: 'ed-plain-steps' }, steps().map((step, index) =>
          h('li', { 'data-step': step && step.id, class: index === selectedIndex() ? 'ed-selected' : null },
            stepName(step)))),
      );
    }
    for (const group of $$('g.vsm-step', figure)) {
      group.classList.toggle('ed-selected', group.dataset.step === state.selected);
    }
    placeMarks();
  }

  /** Everyone's selections on the canvas: an outline in their colour, with their name. */
  function placeMarks() {
    const marks = $('#ed-marks');
    const wrap = $('#ed-canvas-wrap');
    marks.replaceChildren();
    if (!state.view) return;
    const origin = wrap.getBoundingClientRect();
    for (const person of state.people) {
      if (person.user === me || !Array.isArray(person.selection) || person.selection[0] !== 'steps') continue;
      const step = steps()[person.selection[1]];
      if (!step) continue;
      const box = $(`#ed-canvas [data-step="${CSS.escape(step.id)}"]`);
      if (!box) continue;
      const r = (box.querySelector('rect.vsm-box') || box).getBoundingClientRect();
      const mark = h('div', { class: 'ed-mark' }, h('span', {}, person.user));
      mark.style.left = `${r.left - origin.left - 4}px`;
      mark.style.top = `${r.top - origin.top - 4}px`;
      mark.style.width = `${r.width + 8}px`;
      mark.style.height = `${r.height + 8}px`;
      mark.style.setProperty('--who', colour(person.user));
      marks.append(mark);
    }
  }

  function renderPeople() {
    const list = $('#ed-people');
    const people = state.people.some((p) => p.user === me)
      ? state.people
      : [{ user: me, selection: selectedIndex() >= 0 ? ['steps', selectedIndex()] : null }, ...state.people];
    list.replaceChildren(...people.map((person) => {
      const step = Array.isArray(person.selection) && person.selection[0] === 'steps'
        ? steps()[person.selection[1]] : null;
      const chip = h('span', { class: 'ed-chip', 'aria-hidden': 'true' });
      chip.style.background = colour(person.user);
      return h('li', {}, chip, h('strong', {}, person.user), person.user === me ? ' (you)' : '',
        step ? ` · on “${stepName(step)}”` : ' · on the map');
    }));
  }

  function updateButtons() {
    const edit = canEdit();
    for (const button of $$('[data-edit]')) button.disabled = !edit;
    for (const button of $$('[data-needs-step]')) button.disabled = !edit || selectedIndex() < 0;
    $('[data-action="undo"]').disabled = !edit || !state.undo.length;
    $('[data-action="redo"]').disabled = !edit || !state.redo.length;
    $('[data-action="presenter"]').setAttribute('aria-pressed', String(state.presenter));
    $('[data-action="guided"]').setAttribute('aria-pressed', String(!!state.guided));
  }

  // ---- the side panel -----------------------------------------------------------------------

  /** A labelled field for the value at `path`. */
  function field(path, label, value, kind = 'text', options = null) {
    const id = `f-${path.join('-')}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const absent = value === undefined;
    const attributes = {
      id,
      dataset: { path: key(path), kind, seen: absent ? '' : JSON.stringify(value), absent: absent ? '1' : '' },
      disabled: !canEdit(),
    };
    let input;
    let shown;
    if (kind === 'bool') {
      input = h('input', { ...attributes, type: 'checkbox' });
      input.checked = value === true;
      shown = String(input.checked);
    } else if (kind === 'textarea') {
      input = h('textarea', { ...attributes, rows: 3 });
      shown = value == null ? '' : String(value);
      input.value = shown;
    } else if (kind === 'select') {
      input = h('select', attributes, options.map(([v, text]) => h('option', { value: v }, text)));
      shown = value == null ? '' : String(value);
      input.value = shown;
    } else {
      const structured = value !== null && typeof value === 'object' && kind !== 'list';
      input = h('input', { ...attributes, type: kind === 'number' ? 'number' : 'text', autocomplete: 'off' });
      if (kind === 'number') input.min = '0';
      shown = value == null ? '' : kind === 'list' ? [].concat(value).join(', ') : structured ? JSON.stringify(value) : String(value);
      input.value = shown;
      if (structured) {
        input.disabled = true;
        input.title = 'A structured value: edit it in the YAML file (export, change, import)';
      }
    }
    input.dataset.shown = shown;
    const wrapper = h('div', { class: `ed-field ed-field-${kind}` });
    if (kind === 'bool') wrapper.append(input, h('label', { for: id }, label));
    else wrapper.append(h('label', { for: id }, label), input);
    return wrapper;
  }

  function currentValue(input) {
    if (input.type === 'checkbox') return String(input.checked);
    return input.value;
  }

  const isDirty = (input) => currentValue(input) !== input.dataset.shown;

  /** The ops a field's change makes, or none. */
  function fieldOps(input) {
    const path = JSON.parse(input.dataset.path);
    const absent = input.dataset.absent === '1';
    const seen = absent ? undefined : JSON.parse(input.dataset.seen);
    let value;
    const text = input.type === 'checkbox' ? '' : input.value.trim();
    switch (input.dataset.kind) {
      case 'bool':
        value = input.checked ? true : absent ? undefined : false;
        break;
      case 'number':
        value = text === '' ? undefined : Number.isFinite(Number(text)) ? Number(text) : text;
        break;
      case 'list': {
        const items = text.split(/[\s,]+/).filter(Boolean);
        value = items.length ? items : undefined;
        break;
      }
      default:
        value = text === '' ? undefined : typeof seen === 'number' && Number.isFinite(Number(text)) ? Number(text) : text;
    }
    if (equal(value, seen)) return [];
    if (value === undefined) return [{ path, op: 'remove', expect: seen }];
    const op = { path, op: 'set', value };
    if (!absent) op.expect = seen;
    const ops = [op];
    // A new step's made-up id follows its first name, while nothing refers to it.
    if (path.length === 3 && path[0] === 'steps' && path[2] === 'name' && typeof value === 'string') {
      const step = steps()[path[1]];
      if (step && placeholderId(step.id)) {
        const id = freshId(value);
        if (id !== step.id && !/^step(-\d+)?$/.test(id)) {
          ops.push({ path: ['steps', path[1], 'id'], op: 'set', value: id, expect: step.id });
        }
      }
    }
    return ops;
  }

  function commit(input) {
    if (state.rendering || !input.dataset.path || !canEdit()) return null;
    // Enter sends a field's value, and leaving the field then fires its change event: once.
    if (input.dataset.sent === currentValue(input)) return null;
    const ops = fieldOps(input);
    // Sent: not the person's typing any more; the answer's view shows what the map holds.
    input.dataset.shown = currentValue(input);
    input.dataset.sent = currentValue(input);
    if (!ops.length) return null;
    return send(ops);
  }

  function commitFocused() {
    const active = document.activeElement;
    if (active && active.dataset && active.dataset.path) commit(active);
  }

  /**
   * Rebuilds `container`, keeping the person's place: the focused control keeps focus, and a
   * field they are typing in keeps their text (and what they saw before it, so that sending it
   * tells them whose change it replaces).
   */
  function rebuild(container, children) {
    const active = document.activeElement;
    let keep = null;
    if (active && container.contains(active) && active.id) {
      keep = { id: active.id, dirty: active.dataset.path ? isDirty(active) : false };
      if (keep.dirty) {
        Object.assign(keep, {
          value: active.value, checked: active.checked, seen: active.dataset.seen,
          absent: active.dataset.absent, shown: active.dataset.shown,
        });
      }
      if (typeof active.selectionStart === 'number') {
        keep.start = active.selectionStart;
        keep.end = active.selectionEnd;
      }
    }
    state.rendering = true;
    try {
      container.replaceChildren(...children);
    } finally {
      state.rendering = false;
    }
    if (!keep) return;
    const again = document.getElementById(keep.id);
    if (!again) return;
    if (keep.dirty) {
      again.value = keep.value;
      again.checked = keep.checked;
      Object.assign(again.dataset, { seen: keep.seen, absent: keep.absent, shown: keep.shown });
    }
    again.focus({ preventScroll: true });
    if (keep.start !== undefined && typeof again.setSelectionRange === 'function') {
      try {
        again.setSelectionRange(keep.start, keep.end);
      } catch {
        // Not a text field.
      }
    }
  }

  function renderPanel() {
    const panel = $('#ed-panel');
    const index = selectedIndex();
    rebuild(panel, index >= 0 ? stepPanel(index) : mapPanel());
    placeProblems(panel);
  }

  function stepPanel(index) {
    const step = steps()[index];
    const at = (name) => ['steps', index, name];
    const others = steps().filter((s, i) => i !== index && s && s.id);
    const usesLeadTime = step.lead_time !== undefined && step.wait_time === undefined;
    return [
      h('h2', { id: 'ed-panel-title' }, `Step ${index + 1} of ${steps().length}: ${stepName(step)}`),
      h('div', { class: 'ed-fields', 'data-anchor': key(['steps', index]) },
        field(at('name'), 'Name', step.name),
        field(at('id'), 'Id', step.id),
        field(at('team'), 'Team', step.team),
        field(at('people'), 'People', step.people, 'number'),
        field(at('automated'), 'Automated (a machine does it)', step.automated, 'bool'),
        field(at('process_time'), 'Process time (hands-on, e.g. 2h)', step.process_time),
        usesLeadTime
          ? field(at('lead_time'), 'Lead time (wait + process)', step.lead_time)
          : field(at('wait_time'), 'Wait time (before it starts, e.g. 3d)', step.wait_time),
        field(at('complete_accurate'), '%C&A (e.g. 90%)', step.complete_accurate),
        field(at('after'), 'After (ids of the steps it follows; empty: the one before)', step.after, 'list'),
        field(at('notes'), 'Notes', step.notes, 'textarea')),
      h('div', { class: 'ed-row ed-connect' },
        h('label', { for: 'ed-connect-to' }, 'Connect to'),
        h('select', { id: 'ed-connect-to', disabled: !canEdit() || !others.length },
          others.map((s) => h('option', { value: s.id },
            `${stepName(s)} (${steps().indexOf(s) > index ? 'follows this one' : 'rework back to it'})`))),
        h('button', { type: 'button', id: 'ed-connect', disabled: !canEdit() || !others.length,
          onclick: () => connectSteps(step.id, $('#ed-connect-to').value) }, 'Connect')),
      h('div', { class: 'ed-row' },
        h('button', { type: 'button', id: 'ed-step-earlier', disabled: !canEdit() || index === 0, onclick: () => moveSelected(-1) }, 'Move earlier'),
        h('button', { type: 'button', id: 'ed-step-later', disabled: !canEdit() || index === steps().length - 1, onclick: () => moveSelected(1) }, 'Move later'),
        h('button', { type: 'button', id: 'ed-step-delete', class: 'ed-danger', disabled: !canEdit(), onclick: deleteSelected }, 'Delete step'),
        h('button', { type: 'button', id: 'ed-step-deselect', onclick: () => select(null) }, 'The map’s fields')),
    ];
  }

  function mapPanel() {
    const t = tree();
    const scope = t.scope && typeof t.scope === 'object' ? t.scope : {};
    return [
      h('h2', { id: 'ed-panel-title' }, 'The map'),
      h('nav', { 'aria-label': 'Steps of the map', class: 'ed-step-list' },
        steps().length
          ? h('ol', {}, steps().map((step, index) => h('li', {},
            h('button', { type: 'button', class: 'link', id: `ed-pick-${index}`, onclick: () => select(['steps', index]) }, stepName(step)))))
          : h('p', { class: 'meta' }, 'No steps yet.')),
      h('div', { class: 'ed-fields', 'data-anchor': key([]) },
        field(['name'], 'Name', t.name),
        field(['customer'], 'Customer', t.customer),
        t.scope === undefined || typeof t.scope === 'object'
          ? [field(['scope', 'start'], 'Scope starts at', scope.start), field(['scope', 'end'], 'Scope ends at', scope.end)]
          : field(['scope'], 'Scope', t.scope),
        field(['demand'], 'Demand (e.g. 20/week)', t.demand)),
      listSection('rework', 'Rework loops', [['from', 'From (where it is found)'], ['to', 'Back to'], ['share', 'Share (e.g. 20%)']], () => {
        const s = steps();
        return { from: s.length ? s[s.length - 1].id : 'step', to: s.length ? s[0].id : 'step' };
      }),
      listSection('flows', 'Information flows', [['from', 'From'], ['to', 'To'],
        ['kind', 'Kind', [['', '(electronic)'], ['electronic', 'electronic'], ['manual', 'manual']]], ['label', 'What is passed']],
      () => ({ from: 'customer', to: steps().length ? steps()[0].id : 'customer', label: 'requests' })),
      listSection('systems', 'Systems', [['id', 'Id'], ['name', 'Name']], () => ({ id: freshListId('systems', 'system'), name: 'New system' })),
      listSection('improvements', 'Improvements', [['id', 'Id'], ['step', 'Step'], ['action', 'Action'], ['owner', 'Owner'],
        ['due', 'Due (YYYY-MM-DD)'], ['status', 'Status', [['', '(planned)'], ['planned', 'planned'], ['in_progress', 'in progress'], ['done', 'done'], ['dropped', 'dropped']]]],
      () => ({ id: freshListId('improvements', 'improvement'), step: steps().length ? steps()[selectedOr0()].id : 'step', action: 'What will be done', status: 'planned' })),
    ];
  }

  const selectedOr0 = () => Math.max(0, selectedIndex());

  function freshListId(list, base) {
    const items = Array.isArray(tree()[list]) ? tree()[list] : [];
    const taken = new Set(items.map((item) => item && item.id));
    for (let n = 1; ; n += 1) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
  }

  /** A list of the map (rework loops, flows, systems, improvements): a row of fields per item. */
  function listSection(name, title, columns, fresh) {
    const items = Array.isArray(tree()[name]) ? tree()[name] : [];
    const rows = items.map((item, i) => h('div', { class: 'ed-item', 'data-anchor': key([name, i]), role: 'group', 'aria-label': `${title}: item ${i + 1}` },
      columns.map(([column, label, options]) => field([name, i, column], label, item ? item[column] : undefined, options ? 'select' : 'text', options)),
      h('button', { type: 'button', class: 'small', id: `ed-remove-${name}-${i}`, disabled: !canEdit(),
        'aria-label': `Remove ${title.toLowerCase()} item ${i + 1}`,
        onclick: () => send([{ path: [name, i], op: 'remove', expect: item }]) }, 'Remove')));
    const add = () => {
      const value = fresh();
      if (Array.isArray(tree()[name])) send([{ path: [name, items.length], op: 'insert', value }]);
      else send([{ path: [name], op: 'set', value: [value] }]);
    };
    return h('section', { class: 'ed-list', 'data-anchor': key([name]) },
      h('h3', {}, title),
      rows.length ? rows : h('p', { class: 'meta' }, 'None.'),
      h('button', { type: 'button', class: 'small', id: `ed-add-${name}`, disabled: !canEdit(), onclick: add }, `Add to ${title.toLowerCase()}`));
  }

  // ---- the map's checks -------------------------------------------------------------------

  /** Each diagnostic with a path shown next to its field, when the panel shows that field. */
  function placeProblems(panel) {
    const fields = $$('[data-path]', panel).map((input) => ({ input, path: JSON.parse(input.dataset.path) }));
    const anchors = $$('[data-anchor]', panel).map((element) => ({ element, path: JSON.parse(element.dataset.anchor) }));
    const startsWith = (path, prefix) => prefix.length <= path.length && prefix.every((part, i) => path[i] === part);
    (state.view.diagnostics || []).forEach((diagnostic, n) => {
      if (!Array.isArray(diagnostic.path)) return;
      const exact = fields.find((f) => equal(f.path, diagnostic.path))
        || fields.filter((f) => startsWith(diagnostic.path, f.path)).sort((a, b) => b.path.length - a.path.length)[0];
      const id = `ed-problem-${n}`;
      const message = h('p', { class: `ed-field-problem ed-${diagnostic.severity}`, id }, coded(diagnostic.message));
      if (exact) {
        exact.input.setAttribute('aria-invalid', diagnostic.severity === 'error' ? 'true' : 'false');
        exact.input.setAttribute('aria-describedby', [exact.input.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
        exact.input.closest('.ed-field').append(message);
        return;
      }
      const anchor = anchors.filter((a) => a.path.length && startsWith(diagnostic.path, a.path))
        .sort((a, b) => b.path.length - a.path.length)[0];
      if (anchor) anchor.element.append(message);
    });
  }

  function renderProblems() {
    const box = $('#ed-problems');
    const diagnostics = state.view.diagnostics || [];
    if (!diagnostics.length) {
      box.replaceChildren();
      return;
    }
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const dimmed = errors && steps().length && state.lastSvg;
    box.replaceChildren(
      h('h2', {}, errors ? `The map has ${errors} error${errors === 1 ? '' : 's'}` : 'Warnings'),
      h('p', { class: 'meta', hidden: !dimmed }, 'The picture is the last valid map, dimmed, until these are fixed.'),
      h('ul', { class: 'ed-diagnostics' }, diagnostics.map((d) => {
        const stepAt = Array.isArray(d.path) && d.path[0] === 'steps' && typeof d.path[1] === 'number' ? d.path[1] : -1;
        return h('li', { class: `ed-${d.severity}` },
          h('strong', {}, d.severity === 'error' ? 'Error' : 'Warning'), ': ', coded(d.message),
          d.help ? h('span', { class: 'meta' }, ' (', coded(d.help), ')') : null,
          Array.isArray(d.path) ? ' ' : null,
          stepAt >= 0 && steps()[stepAt]
            ? h('button', { type: 'button', class: 'link', onclick: () => select(['steps', stepAt]) }, `at ${pathText(d.path)}`)
            : Array.isArray(d.path) ? h('code', {}, pathText(d.path)) : null);
      })),
    );
  }

  // ---- countermeasures and future states ----------------------------------------------------

  function renderCountermeasures() {
    const box = $('#ed-countermeasures');
    const list = state.view.countermeasures || [];
    if (!list.length) {
      box.replaceChildren(h('p', { class: 'meta' }, 'None proposed: no flagged bottleneck, or the map has errors.'));
      return;
    }
    rebuild(box, [h('ul', { class: 'ed-countermeasures' }, list.map((cm, i) => {
      const step = steps().find((s) => s && s.id === cm.step);
      return h('li', {},
        h('strong', {}, step ? stepName(step) : cm.step), `: ${cm.action} `,
        h('span', { class: 'ed-effect' }, cm.effect),
        cm.assumption ? h('span', { class: 'meta small' }, ` (${cm.assumption})`) : null, ' ',
        h('button', { type: 'button', class: 'small', id: `ed-apply-${i}`, disabled: !canEdit(),
          'aria-label': `Apply as future state: ${cm.action}`, onclick: () => makeFuture(cm.overlay, i) }, 'Apply as future state'),
        state.futures[i] ? [' ', h('a', { href: state.futures[i] }, 'Open the future state')] : null);
    }))]);
  }

  async function makeFuture(overlay, index) {
    commitFocused();
    for (let n = 1; n <= 50; n += 1) {
      const body = { id: `${stream}-future-${n}` };
      if (overlay) body.overlay = overlay;
      const answer = await inTurn(() => call('POST', `${api}/futures`, body));
      if (answer.status === 201) {
        const url = answer.body.url || `/streams/${answer.body.stream}`;
        if (index === undefined) {
          $('#ed-future-link').replaceChildren(h('a', { href: url }, `Open ${answer.body.stream}`));
        } else {
          state.futures[index] = url;
          renderCountermeasures();
        }
        notice(`Made the future state ${answer.body.stream}.`);
        return;
      }
      if (answer.status !== 409) {
        if (answer.status) refused(answer);
        return;
      }
    }
    notice('Not done: 50 future states of this stream exist already.', 'problem');
  }

  // ---- history ------------------------------------------------------------------------------

  let historyTimer = null;
  function loadHistory() {
    clearTimeout(historyTimer);
    historyTimer = setTimeout(async () => {
      const seq = state.view ? state.view.seq : 0;
      const [edits, versions] = await Promise.all([
        call('GET', `${api}/edits?after=${Math.max(0, seq - 200)}&limit=200`),
        call('GET', `${api}/versions`),
      ]);
      const when = (at) => new Date(at).toLocaleString();
      const body = $('#ed-history-body');
      const rows = edits.status === 200 ? [...edits.body.edits].reverse() : [];
      body.replaceChildren(
        h('h3', {}, 'Edits'),
        rows.length
          ? h('table', { class: 'ed-history' },
            h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Who'), h('th', {}, 'When'), h('th', {}, 'What'), h('th', {}, 'Saved in'))),
            h('tbody', {}, rows.map((e) => h('tr', {},
              h('td', {}, e.seq), h('td', {}, e.author), h('td', {}, when(e.at)), h('td', {}, coded(e.what)),
              h('td', {}, e.saved_in ? `version ${e.saved_in}` : 'not yet')))))
          : h('p', { class: 'meta' }, 'No edits yet.'),
        h('h3', {}, 'Saved versions'),
        versions.status === 200 && versions.body.length
          ? h('ul', {}, versions.body.map((v) => h('li', {},
            h('a', { href: `/streams/${encodeURIComponent(stream)}?version=${v.number}` }, `Version ${v.number}`),
            ` by ${v.author}, ${when(v.created_at)}${v.message ? `: ${v.message}` : ''}`)))
          : h('p', { class: 'meta' }, 'None.'),
      );
    }, 150);
  }

  // ---- what a person does -------------------------------------------------------------------

  function select(path) {
    const index = Array.isArray(path) && path[0] === 'steps' ? path[1] : -1;
    const step = steps()[index];
    selectId(step ? step.id : null);
  }

  function selectId(id) {
    state.selected = id;
    renderCanvas();
    renderPanel();
    renderPeople();
    updateButtons();
    sendPresence();
  }

  function selectBy(offset) {
    const list = steps();
    if (!list.length) return;
    const index = selectedIndex();
    const next = index < 0 ? (offset > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, index + offset));
    select(['steps', next]);
    announce(`Selected step ${next + 1} of ${list.length}: ${stepName(list[next])}`);
  }

  /** Adds a step after the selected one (or at the end), selects it and puts the cursor in its name. */
  async function addStep() {
    if (!canEdit()) return;
    const index = selectedIndex() >= 0 ? selectedIndex() + 1 : steps().length;
    const id = freshId('step');
    const value = { id, name: 'New step' };
    const op = Array.isArray(tree().steps)
      ? { path: ['steps', index], op: 'insert', value }
      : { path: ['steps'], op: 'set', value: [value] };
    const answer = await send([op]);
    if (!answer) return;
    selectId(id);
    focusName(true);
  }

  function focusName(selectAll = false) {
    const input = $(`#ed-panel [data-path='${key(['steps', selectedIndex(), 'name'])}']`);
    if (!input) return;
    input.focus();
    if (selectAll) input.select();
  }

  function deleteSelected() {
    const index = selectedIndex();
    if (index < 0 || !canEdit()) return;
    const step = steps()[index];
    send([{ path: ['steps', index], op: 'remove', expect: step }]).then((answer) => {
      if (!answer) return;
      const left = steps();
      select(left.length ? ['steps', Math.min(index, left.length - 1)] : null);
      announce(`Deleted “${stepName(step)}”.`);
    });
  }

  function moveSelected(offset) {
    const index = selectedIndex();
    const to = index + offset;
    if (index < 0 || to < 0 || to >= steps().length || !canEdit()) return;
    send([{ path: ['steps', index], op: 'move', to, expect: steps()[index] }]).then((answer) => {
      if (answer) announce(`Moved “${stepName(steps()[to])}” to place ${to + 1}.`);
    });
  }

  /**
   * Connects two steps, as dragging one onto the other does: onto a later step, it comes after
   * the first too (a parallel branch); onto an earlier one, a rework loop goes back to it.
   */
  function connectSteps(fromId, toId) {
    if (!canEdit()) return;
    const list = steps();
    const from = list.findIndex((s) => s && s.id === fromId);
    const to = list.findIndex((s) => s && s.id === toId);
    if (from < 0 || to < 0 || from === to) return;
    if (to > from) {
      const step = list[to];
      const after = step.after === undefined ? [] : [].concat(step.after);
      if (after.includes(fromId)) return notice(`“${stepName(step)}” already comes after “${stepName(list[from])}”.`);
      const op = { path: ['steps', to, 'after'], op: 'set', value: [...after, fromId] };
      if (step.after !== undefined) op.expect = step.after;
      send([op]).then((answer) => answer && announce(`“${stepName(step)}” now comes after “${stepName(list[from])}”.`));
    } else {
      const loops = Array.isArray(tree().rework) ? tree().rework : null;
      if (loops && loops.some((l) => l && l.from === fromId && l.to === toId)) {
        return notice(`There is a rework loop from “${stepName(list[from])}” to “${stepName(list[to])}” already.`);
      }
      const value = { from: fromId, to: toId };
      const op = loops ? { path: ['rework', loops.length], op: 'insert', value } : { path: ['rework'], op: 'set', value: [value] };
      send([op]).then((answer) => answer && announce(`Rework now goes from “${stepName(list[from])}” back to “${stepName(list[to])}”.`));
    }
  }

  async function importFile(event) {
    event.preventDefault();
    const file = $('#ed-import-file').files[0];
    if (!file) return notice('Choose a map file to import first.', 'problem');
    let yaml;
    try {
      yaml = await file.text();
    } catch (error) {
      return notice(`Could not read ${file.name}: ${error.message}`, 'problem');
    }
    const answer = await inTurn(() => post(`${api}/document/import`, { yaml }, true));
    if (answer) notice(`Imported ${file.name}; Undo brings the map before it back.`);
  }

  async function startFrom(event) {
    event.preventDefault();
    const template = $('#ed-template-choice').value;
    const answer = await inTurn(() => post(`${api}/document/import`, { template }, true));
    if (answer) {
      select(null);
      notice(`Started again from “${$('#ed-template-choice').selectedOptions[0].textContent}”; Undo brings the map before it back.`);
    }
  }

  function togglePresenter(on = !state.presenter) {
    state.presenter = on;
    document.body.classList.toggle('ed-presenter', on);
    updateButtons();
    requestAnimationFrame(placeMarks);
    if (on) announce('Presenter view: p or Esc leaves it.');
  }

  // ---- guided mode: backwards from the customer, then each step's numbers -----------------

  const GUIDED_FIELDS = [
    ['team', (n) => `Who does “${n}”? (the team)`],
    ['process_time', (n) => `How long is the hands-on work of “${n}”? (e.g. 2h, 1d)`],
    ['wait_time', (n) => `How long does work wait before “${n}” starts? (e.g. 3d)`],
    ['complete_accurate', (n) => `What share of what “${n}” hands on is complete and accurate? (e.g. 90%)`],
  ];

  function toggleGuided(on = !state.guided) {
    if (on && !canEdit()) return;
    state.guided = on ? { phase: 'back', before: null } : null;
    $('#ed-guided').hidden = !on;
    updateButtons();
    if (on) {
      askGuided();
      $('#ed-guided-answer').focus();
    } else {
      announce('Guided mode ended.');
    }
  }

  function askGuided() {
    const g = state.guided;
    const customer = tree().customer || 'the customer';
    let question;
    let hint;
    if (g.phase === 'back') {
      const before = steps().find((s) => s && s.id === g.before);
      if (g.before && !before) g.before = null;
      question = before
        ? `What happens just before “${stepName(before)}”?`
        : `What is the last thing that happens before ${customer} has it?`;
      hint = before
        ? `Each answer adds a step before the last one. Skip when “${stepName(before)}” is the first step: then the guide asks about each step.`
        : 'Answer with what happens, e.g. “Deploy to production”.';
    } else {
      const step = steps()[g.step];
      if (!step) return finishGuided();
      question = GUIDED_FIELDS[g.field][1](stepName(step));
      const current = step[GUIDED_FIELDS[g.field][0]];
      hint = `Step ${g.step + 1} of ${steps().length}.${current !== undefined ? ` Now: ${current}.` : ''} Skip keeps it as it is.`;
    }
    if ($('#ed-guided-question').textContent !== question) {
      $('#ed-guided-question').textContent = question;
      $('#ed-guided-hint').textContent = hint;
    }
  }

  async function answerGuided(event) {
    event.preventDefault();
    const g = state.guided;
    // One answer at a time: the next question depends on what the last one did.
    if (!g || g.busy) return;
    g.busy = true;
    try {
      await answered(g);
    } finally {
      g.busy = false;
    }
    if (state.guided) {
      askGuided();
      $('#ed-guided-answer').focus();
    }
  }

  async function answered(g) {
    const input = $('#ed-guided-answer');
    const text = input.value.trim();
    input.value = '';
    if (g.phase === 'back') {
      if (!text) return skipGuided();
      const index = g.before ? steps().findIndex((s) => s && s.id === g.before) : steps().length;
      const value = { id: freshId(text), name: text };
      const op = Array.isArray(tree().steps)
        ? { path: ['steps', Math.max(0, index)], op: 'insert', value }
        : { path: ['steps'], op: 'set', value: [value] };
      if (await send([op])) {
        g.before = value.id;
        selectId(value.id);
      }
    } else if (text) {
      const step = steps()[g.step];
      let name = GUIDED_FIELDS[g.field][0];
      // A step given by its lead time keeps it: the wait is what the lead time holds beyond the work.
      if (name === 'wait_time' && step.lead_time !== undefined && step.wait_time === undefined) name = 'lead_time';
      const op = { path: ['steps', g.step, name], op: 'set', value: text };
      if (step[name] !== undefined) op.expect = step[name];
      if (await send([op])) nextGuided();
    } else {
      nextGuided();
    }
  }

  function skipGuided() {
    const g = state.guided;
    if (!g) return;
    if (g.phase === 'back') {
      if (!steps().length) return notice('Name the last thing that happens first: the map has no steps yet.');
      Object.assign(g, { phase: 'details', step: 0, field: 0 });
      select(['steps', 0]);
    } else {
      nextGuided();
    }
    if (state.guided) {
      askGuided();
      $('#ed-guided-answer').focus();
    }
  }

  function nextGuided() {
    const g = state.guided;
    g.field += 1;
    if (g.field >= GUIDED_FIELDS.length) {
      g.field = 0;
      g.step += 1;
      if (g.step >= steps().length) return finishGuided();
      select(['steps', g.step]);
    }
  }

  function finishGuided() {
    toggleGuided(false);
    notice('Guided mode done: every step has been asked about.');
  }

  // ---- notices ------------------------------------------------------------------------------

  function notice(text, kind = 'info') {
    const box = $('#ed-notices');
    const item = h('div', { class: `ed-notice ed-notice-${kind}` }, h('span', {}, coded(text)),
      h('button', { type: 'button', class: 'link', 'aria-label': `Dismiss: ${text.replaceAll('`', '')}`, onclick: () => item.remove() }, 'Dismiss'));
    box.append(item);
    while (box.children.length > 6) box.firstElementChild.remove();
    if (kind === 'info') setTimeout(() => item.remove(), 12000);
  }

  /** Said to screen readers only: where the selection went. */
  function announce(text) {
    $('#ed-announce').textContent = text;
  }

  // ---- mouse: click selects, dragging from one step onto another connects them ------------

  let drag = null;
  const dragLine = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  dragLine.setAttribute('class', 'ed-drag');
  dragLine.setAttribute('aria-hidden', 'true');
  dragLine.innerHTML = '<line x1="0" y1="0" x2="0" y2="0"/>';

  function onPointerDown(event) {
    const group = event.target.closest('[data-step]');
    if (!group || event.button !== 0) return;
    // No text selection while dragging; the canvas takes the focus, where the shortcuts work.
    event.preventDefault();
    $('#ed-canvas').focus({ preventScroll: true });
    drag = { from: group.dataset.step, x: event.clientX, y: event.clientY, moved: false };
  }

  function onPointerMove(event) {
    if (!drag) return;
    if (!drag.moved && Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < 6) return;
    if (!canEdit()) return;
    drag.moved = true;
    if (!dragLine.isConnected) document.body.append(dragLine);
    const line = dragLine.firstElementChild;
    line.setAttribute('x1', drag.x);
    line.setAttribute('y1', drag.y);
    line.setAttribute('x2', event.clientX);
    line.setAttribute('y2', event.clientY);
  }

  function onPointerUp(event) {
    if (!drag) return;
    const { from, moved } = drag;
    drag = null;
    dragLine.remove();
    if (!moved) {
      const index = steps().findIndex((s) => s && s.id === from);
      if (index >= 0) select(['steps', index]);
      return;
    }
    const target = document.elementFromPoint(event.clientX, event.clientY);
    const onto = target && target.closest('#ed-canvas [data-step]');
    if (onto && onto.dataset.step !== from) connectSteps(from, onto.dataset.step);
  }

  // ---- keyboard -----------------------------------------------------------------------------

  function onKey(event) {
    const target = event.target;
    const typing = target instanceof Element && !!target.closest('input:not([type=checkbox]):not([type=file]), textarea, select, [contenteditable]');
    const ctrl = event.ctrlKey || event.metaKey;
    const letter = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (ctrl && letter === 's') {
      event.preventDefault();
      save();
      return;
    }
    if (typing) {
      // Enter sends a field's change and Esc takes back what was typed; both leave the field
      // for the canvas, where the shortcuts work again. Any other key is the person's typing.
      if (target.dataset.path && target.tagName === 'INPUT' && event.key === 'Enter') {
        event.preventDefault();
        commit(target);
        $('#ed-canvas').focus({ preventScroll: true });
      } else if (target.dataset.path && event.key === 'Escape') {
        event.preventDefault();
        target.value = target.dataset.shown;
        $('#ed-canvas').focus({ preventScroll: true });
      }
      return;
    }
    if ($('#ed-help').open) return;
    const act = (work) => {
      event.preventDefault();
      work();
    };
    if (ctrl && !event.altKey) {
      if (letter === 'z' && !event.shiftKey) return act(undo);
      if ((letter === 'z' && event.shiftKey) || letter === 'y') return act(redo);
      return;
    }
    if (event.altKey) {
      if (event.key === 'ArrowUp') return act(() => moveSelected(-1));
      if (event.key === 'ArrowDown') return act(() => moveSelected(1));
      return;
    }
    const onControl = target instanceof Element && !!target.closest('button, a, summary, input');
    switch (event.key) {
      case 'n': return act(addStep);
      case 'Delete': return act(deleteSelected);
      case 'ArrowUp': case 'ArrowLeft': case 'k': return act(() => selectBy(-1));
      case 'ArrowDown': case 'ArrowRight': case 'j': return act(() => selectBy(1));
      case 'Enter':
        if (onControl || selectedIndex() < 0) return undefined;
        return act(() => focusName(false));
      case 'Escape':
        if (state.presenter) return act(() => togglePresenter(false));
        if (state.guided) return act(() => toggleGuided(false));
        return act(() => select(null));
      case 'p': return act(() => togglePresenter());
      case 'g': return act(() => toggleGuided());
      case '?': return act(() => $('#ed-help').showModal());
      default: return undefined;
    }
  }

  // ---- wiring -------------------------------------------------------------------------------

  function start() {
    root.append(h('div', { id: 'ed-announce', class: 'visually-hidden', role: 'status', 'aria-live': 'polite' }));
    $('#ed-canvas').setAttribute('tabindex', '0');
    const actions = {
      add: addStep, delete: deleteSelected, earlier: () => moveSelected(-1), later: () => moveSelected(1),
      undo, redo, save, presenter: () => togglePresenter(), guided: () => toggleGuided(),
      help: () => $('#ed-help').showModal(), future: () => makeFuture(undefined, undefined),
    };
    for (const button of $$('[data-action]')) {
      button.addEventListener('click', () => actions[button.dataset.action]());
    }
    const panel = $('#ed-panel');
    panel.addEventListener('change', (event) => {
      if (event.target.dataset.path) commit(event.target);
    });
    $('#ed-canvas').addEventListener('pointerdown', onPointerDown);
    window.addEventListener('pointermove', onPointerMove);
    window.addEventListener('pointerup', onPointerUp);
    window.addEventListener('resize', () => requestAnimationFrame(placeMarks));
    document.addEventListener('keydown', onKey);
    $('#ed-guided-form').addEventListener('submit', answerGuided);
    $('#ed-guided-skip').addEventListener('click', skipGuided);
    $('#ed-guided-done').addEventListener('click', () => toggleGuided(false));
    $('#ed-import').addEventListener('submit', importFile);
    $('#ed-template').addEventListener('submit', startFrom);
    $('#ed-history').addEventListener('toggle', () => $('#ed-history').open && loadHistory());
    call('GET', '/api/templates').then((answer) => {
      if (answer.status !== 200) return;
      const choice = $('#ed-template-choice');
      choice.replaceChildren(...answer.body.templates.map((t) => h('option', { value: t.id }, t.name)));
    });
    setInterval(sendPresence, 20000);
    reload().then(sendPresence);
    connect();
    updateButtons();
  }

  window.vsmEditor = {
    get view() {
      return state.view;
    },
    get selected() {
      return state.selected;
    },
    send: (ops) => send(ops),
    select: (path) => select(path),
  };

  start();
})();
