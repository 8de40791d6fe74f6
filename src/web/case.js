// The case view: one application's file (identity, submissions and documents with their
// digests, eligibility, the evaluators' scores, decisions) and its decision history. Auditors
// (and admins) get an "as of" slider whose steps are the positions of the history's events:
// moving it replays the file to that position (GET /v1/applications/{id}?as_of=P).

import { get } from './api.js';
import { problemText } from './dashboard.js';
import { h, replace } from './dom.js';
import {
  formatCount,
  formatHalfPoints,
  formatLocal,
  localTimeElement,
  t,
  tOr,
} from './i18n.js';

const LOCAL_SUFFIX = '_local';

function isScalar(v) {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function scalarText(key, v, record) {
  if (v === null || v === undefined) return t('case.none');
  if (typeof v === 'boolean') return v ? t('yes') : t('no');
  if (key && record && typeof v === 'string' && typeof record[`${key}${LOCAL_SUFFIX}`] === 'string') {
    return formatLocal(record[`${key}${LOCAL_SUFFIX}`], { seconds: true });
  }
  if (key && key.endsWith(LOCAL_SUFFIX) && typeof v === 'string') return formatLocal(v, { seconds: true });
  if (key && /cents$/.test(key) && typeof v === 'number') return formatCount(v / 100);
  if (typeof v === 'number') return formatCount(v);
  return v;
}

// Fields a person reads as a label: known words, else the key itself.
function fieldLabel(key) {
  return tOr(`case.${key}`, tOr(`criterion.${key}`, key.replace(/_/g, ' ')));
}

function isFraction(v) {
  return v && typeof v === 'object' && 'numerator' in v && 'denominator' in v;
}

function valueNode(key, v, record) {
  if (isFraction(v)) return h('span', { class: 'num', dir: 'ltr' }, t('points', { points: formatHalfPoints(v) }));
  if (key === 'sha256' || key === 'digest' || key.endsWith('_sha256') || key === 'hash') {
    return h('code', { class: 'digest', dir: 'ltr' }, String(v));
  }
  if ((key === 'half_points' || key.endsWith('_half_points')) && typeof v === 'number') {
    return h('span', { class: 'num', dir: 'ltr' }, t('points', { points: formatHalfPoints(v) }));
  }
  if (key === 'stage' || key === 'status' || key === 'decision') {
    return typeof v === 'string' ? tOr(`stage.${v}`, v) : generic(v);
  }
  if (key === 'type' && typeof v === 'string') return tOr(`event.${v}`, v);
  if (key === 'appeal' && typeof v === 'string') return tOr(`appeal.${v}`, v);
  if ((key === 'position' || key.endsWith('_position')) && Number.isInteger(v)) return h('span', { class: 'num', dir: 'ltr' }, String(v));
  if (key === 'size' && typeof v === 'number') return h('span', { class: 'num', dir: 'ltr' }, t('bytes', { size: formatCount(v) }));
  if (key === 'role' && typeof v === 'string') return tOr(`role.${v}`, v);
  if (key === 'actor' && v && typeof v === 'object' && 'id' in v) {
    return `${v.id}${v.role ? ` (${tOr(`role.${v.role}`, v.role)})` : ''}`;
  }
  if (key === 'application_id' && typeof v === 'string') {
    return h('a', { href: `#/applications/${encodeURIComponent(v)}` }, h('bdi', {}, v));
  }
  if (key.endsWith(LOCAL_SUFFIX) && typeof v === 'string') return localTimeElement(v, { seconds: true });
  if (record && typeof v === 'string' && typeof record[`${key}${LOCAL_SUFFIX}`] === 'string') {
    return localTimeElement(record[`${key}${LOCAL_SUFFIX}`], { seconds: true });
  }
  if (isScalar(v)) {
    const text = scalarText(key, v, record);
    return typeof v === 'number' ? h('span', { class: 'num', dir: 'ltr' }, text) : h('bdi', {}, text);
  }
  return generic(v);
}

// Keys shown as their local form only.
function visibleKeys(o) {
  return Object.keys(o).filter((k) => !(k.endsWith(LOCAL_SUFFIX) && k.slice(0, -LOCAL_SUFFIX.length) in o));
}

// Any JSON value, readably: a definition list for an object, a table for a list of objects.
export function generic(v) {
  if (isScalar(v) || v === undefined) return h('bdi', {}, scalarText('', v));
  if (isFraction(v)) return valueNode('', v);
  if (Array.isArray(v)) {
    if (!v.length) return h('span', { class: 'muted' }, t('case.none'));
    if (v.every((x) => x && typeof x === 'object' && !Array.isArray(x) && !isFraction(x))) return table(v);
    return h('ul', { class: 'plain' }, v.map((x) => h('li', {}, generic(x))));
  }
  return dl(v);
}

function dl(o) {
  return h(
    'dl',
    { class: 'facts' },
    visibleKeys(o).map((k) => h('div', { 'data-field': k }, h('dt', {}, fieldLabel(k)), h('dd', {}, valueNode(k, o[k], o)))),
  );
}

function table(rows, columns) {
  const keys = columns || [...new Set(rows.flatMap((r) => visibleKeys(r)))];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'grid' },
      h('thead', {}, h('tr', {}, keys.map((k) => h('th', { scope: 'col' }, fieldLabel(k))))),
      h('tbody', {}, rows.map((r) => h('tr', {}, keys.map((k) => h('td', { 'data-col': k }, k in r ? valueNode(k, r[k], r) : ''))))),
    ),
  );
}

// The documents of a case, wherever the file lists them (its submissions, or its own list).
function documentsOf(file) {
  const docs = [];
  const add = (list, source) => {
    for (const d of list || []) if (d && typeof d === 'object' && (d.sha256 || d.digest)) docs.push({ ...d, source });
  };
  add(file.documents, 'documents');
  for (const key of ['dossiers', 'forms', 'submissions']) {
    for (const sub of file[key] || []) add(sub.documents, key);
  }
  return docs;
}

function historyEntries(history) {
  if (Array.isArray(history)) return history;
  for (const key of ['decisions', 'events', 'history', 'entries']) {
    if (history && Array.isArray(history[key])) return history[key];
  }
  return [];
}

export class CaseView {
  // ctx: {session, canReplay()}
  constructor(ctx, id, asOf) {
    this.ctx = ctx;
    this.id = id;
    this.asOf = asOf ?? null;
    this.history = null;
    this.title = h('h1', { id: 'case-title', tabindex: '-1' }, t('case.title', { id: this.id }));
    this.replay = h('section', { class: 'panel replay', id: 'replay', hidden: true, 'aria-labelledby': 'replay-title' });
    this.status = h('p', { class: 'asof', id: 'case-asof', role: 'status' });
    this.body = h('div', { class: 'case-body', id: 'case-body', 'aria-busy': 'true' });
    this.historyBox = h('section', { class: 'panel', id: 'history', 'aria-labelledby': 'history-title' },
      h('h2', { id: 'history-title' }, t('case.history')));
    this.root = h(
      'div',
      { class: 'case', id: 'case', 'data-application': id },
      h('p', { class: 'back' }, h('a', { href: '#/' }, t('case.back'))),
      this.title,
      this.replay,
      this.status,
      this.body,
      this.historyBox,
    );
  }

  async load() {
    await Promise.all([this.loadFile(), this.loadHistory()]);
  }

  async loadFile() {
    this.body.setAttribute('aria-busy', 'true');
    const seq = (this.fileSeq = (this.fileSeq || 0) + 1);
    try {
      const file = await get(`/v1/applications/${encodeURIComponent(this.id)}`, { as_of: this.asOf });
      if (seq !== this.fileSeq) return;
      this.file = file;
      this.renderFile(file);
    } catch (e) {
      if (seq !== this.fileSeq) return;
      this.file = null;
      replace(this.body, h('p', { class: 'error', role: 'alert' }, e.status === 404 ? t('case.notfound') : problemText(e)));
      replace(this.status);
    } finally {
      this.body.setAttribute('aria-busy', 'false');
    }
  }

  async loadHistory() {
    try {
      this.history = await get(`/v1/applications/${encodeURIComponent(this.id)}/history`);
      this.renderHistory(this.history);
      this.renderReplay();
    } catch (e) {
      replace(this.historyBox, h('h2', { id: 'history-title' }, t('case.history')),
        h('p', { class: 'error' }, problemText(e)));
    }
  }

  // Replays the file to `position` (null: now), keeping the slider where it is.
  setAsOf(position) {
    this.asOf = position === null ? null : Number(position);
    this.ctx.asOfChanged(this.asOf);
    if (this.nowButton) this.nowButton.disabled = this.asOf === null;
    for (const tr of this.historyBox.querySelectorAll('tbody tr')) {
      if (this.asOf !== null && Number(tr.dataset.position) === this.asOf) tr.setAttribute('aria-current', 'step');
      else tr.removeAttribute('aria-current');
    }
    return this.loadFile();
  }

  // Something happened on this case (seen in the live feed): read it again unless replaying.
  refresh() {
    if (this.asOf !== null) return;
    this.load();
  }

  // Every position the history names: submissions, decisions and the events they rest on.
  replayPositions() {
    const all = [];
    const subs = Array.isArray(this.history?.submissions) ? this.history.submissions : [];
    for (const e of [...subs, ...historyEntries(this.history)]) {
      all.push(e.position);
      for (const l of e.rests_on || []) all.push(l.position);
    }
    return [...new Set(all.filter(Number.isInteger))].sort((a, b) => a - b);
  }

  positionText(position) {
    const subs = Array.isArray(this.history?.submissions) ? this.history.submissions : [];
    const entry = [...subs, ...historyEntries(this.history)].find((e) => e.position === position);
    return entry ? formatLocal(entry.recorded_at_local ?? entry.received_at_local, { seconds: true }) : '';
  }

  renderStatus(file) {
    const at = file.as_of || {};
    const position = at.position ?? file.position;
    if (this.asOf !== null) {
      replace(this.status, t('case.asof.at', {
        position: String(position ?? this.asOf),
        time: formatLocal(at.recorded_at_local, { seconds: true }) || this.positionText(Number(this.asOf)),
      }));
      this.status.classList.add('replaying');
    } else {
      replace(this.status, t('case.asof.current', { position: String(position) }));
      this.status.classList.remove('replaying');
    }
    this.status.dataset.position = String(position ?? '');
  }

  renderFile(file) {
    this.renderStatus(file);
    const org = file.organisation && typeof file.organisation === 'object' ? file.organisation : {};
    const used = new Set(['position', 'as_of', 'events']);
    const take = (...keys) => keys.forEach((k) => used.add(k));
    const sections = [];

    // Identity: the organisation and where the application stands.
    const identity = {};
    for (const k of ['legal_name', 'legal_form', 'registration_number', 'organisation_id', 'region', 'province', 'domains']) {
      if (k in org) identity[k] = Array.isArray(org[k]) ? org[k].join(', ') : org[k];
    }
    for (const k of ['call_id', 'stage', 'round', 'late', 'late_accepted', 'complete_at', 'complete_at_local',
      'place_region', 'notified_at', 'notified_at_local', 'appeal_deadline', 'appeal_deadline_local', 'appeal']) {
      if (k in file && file[k] !== null && file[k] !== undefined) identity[k] = file[k];
    }
    if (Number.isInteger(file.rank)) identity.rank = file.of ? `${file.rank} / ${file.of}` : file.rank;
    take('organisation', 'application_id', ...Object.keys(identity), 'of', 'rank', 'complete_at', 'notified_at',
      'appeal_deadline', 'place_region', 'appeal');
    if (!Object.keys(org).length) {
      for (const k of visibleKeys(file)) if (!used.has(k) && isScalar(file[k])) { identity[k] = file[k]; used.add(k); }
    }
    sections.push(['identity', t('case.identity'), dl(identity)]);

    // Submissions (the e-mailed dossier and the online form) and the documents they carry.
    const parts = Array.isArray(file.parts) ? file.parts : [];
    take('parts', 'attachments', 'documents', 'dossiers', 'forms', 'submissions');
    if (parts.length) {
      sections.push(['submissions', t('case.submissions'), table(parts.map((p) => ({
        part: tOr(`part.${p.part}`, p.part),
        position: p.position,
        received_at: p.received_at,
        received_at_local: p.received_at_local,
        late: p.late,
        effective: p.effective,
        missing_documents: Array.isArray(p.missing_documents) && p.missing_documents.length
          ? p.missing_documents.map((d) => tOr(`doc.${d}`, d)).join(', ') : null,
        hash: p.hash,
      })), ['part', 'position', 'received_at', 'late', 'effective', 'missing_documents', 'hash'])]);
    }
    const answers = parts.filter((p) => p.answers && typeof p.answers === 'object' && Object.keys(p.answers).length);
    if (answers.length) {
      sections.push(['answers', t('case.submissions'), answers.map((p) => [
        h('h3', {}, t('case.answers', { position: p.position })),
        dl(Object.fromEntries(Object.entries(p.answers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]))),
      ])]);
      sections[sections.length - 1][1] = tOr('part.form', 'form');
    }
    const docs = [];
    for (const p of parts) for (const d of p.documents || []) docs.push({ ...d, position: p.position });
    for (const d of file.attachments || []) docs.push({ ...d });
    for (const d of documentsOf(file)) if (!docs.some((x) => x.sha256 === d.sha256)) docs.push(d);
    if (docs.length) {
      sections.push(['documents', t('case.documents'), table(docs.map((d) => ({
        kind: tOr(`doc.${d.kind}`, d.kind),
        name: d.name,
        size: d.size,
        sha256: d.sha256 ?? d.digest,
      })), ['kind', 'name', 'size', 'sha256'])]);
    }

    // Eligibility: the four criteria, each met with its evidence or not met with its reason.
    take('eligibility');
    if (file.eligibility && typeof file.eligibility === 'object') {
      const e = file.eligibility;
      const criteria = e.criteria && typeof e.criteria === 'object' ? e.criteria : {};
      sections.push(['eligibility', t('case.eligibility'), [
        dl({ eligible: e.eligible, rationale: e.rationale, position: e.position }),
        table(Object.entries(criteria).map(([id, c]) => ({
          criterion: tOr(`criterion.${id}`, id),
          met: c && c.met,
          evidence: c && (c.met ? c.evidence : c.reason),
        })), ['criterion', 'met', 'evidence']),
      ]]);
    }

    // The evaluators' declarations and scores, then the consensus and the final score.
    take('evaluators', 'consensus', 'final_score', 'scores', 'evaluations');
    const evaluators = Array.isArray(file.evaluators) ? file.evaluators : [];
    if (evaluators.length || file.final_score || file.consensus) {
      const criteria = [...new Set(evaluators.flatMap((w) => (w.scores && typeof w.scores === 'object' ? Object.keys(w.scores) : [])))];
      const rows = evaluators.map((w) => {
        const cells = [
          h('td', {}, h('bdi', {}, w.evaluator_id)),
          h('td', { class: 'num' }, formatCount(w.round)),
          h('td', {}, tOr(`declaration.${w.declaration}`, w.declaration), w.statement ? h('div', { class: 'muted' }, h('bdi', {}, w.statement)) : null),
        ];
        const hiddenScores = typeof w.scores === 'string';
        for (const c of criteria) {
          const v = w.scores && typeof w.scores === 'object' ? w.scores[c] : null;
          cells.push(h('td', { class: 'num', dir: 'ltr', 'data-col': c }, v ? formatHalfPoints(v.half_points) : '—'));
        }
        cells.push(h('td', { class: 'num total', dir: 'ltr' }, w.scored && !hiddenScores ? formatHalfPoints(w.total_half_points) : '—'));
        const why = w.scores && typeof w.scores === 'object'
          ? h('details', {}, h('summary', {}, t('case.justification')),
            h('dl', { class: 'facts' }, criteria.filter((c) => w.scores[c]).map((c) => h('div', {},
              h('dt', {}, tOr(`criterion.${c}`, c)), h('dd', {}, h('bdi', {}, w.scores[c].justification || '')))))) : (hiddenScores ? h('span', { class: 'muted' }, w.scores) : '');
        cells.push(h('td', {}, why));
        return h('tr', { 'data-evaluator': w.evaluator_id }, cells);
      });
      const head = [t('case.evaluator'), t('case.round'), t('case.declaration'), ...criteria.map((c) => tOr(`criterion.${c}`, c)),
        t('case.total'), t('case.justification')];
      const content = [];
      if (rows.length) {
        content.push(h('div', { class: 'table-wrap' }, h('table', { class: 'grid scores' },
          h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows))));
      }
      if (file.consensus && typeof file.consensus === 'object') {
        content.push(h('h3', {}, t('case.consensus')), dl(file.consensus));
      }
      if (file.final_score && typeof file.final_score === 'object') {
        const f = file.final_score;
        content.push(h('h3', {}, t('case.final_score')), dl({
          final_half_points: f.final_half_points, basis: f.basis ? tOr(`basis.${f.basis}`, f.basis) : null,
          relevance_half_points: f.relevance_half_points, divergence_half_points: f.divergence_half_points,
          rules_version: f.rules_version, position: f.position,
        }));
      }
      sections.push(['scores', t('case.scores'), content]);
    }

    // Decisions on the application, in order.
    take('decisions');
    if (Array.isArray(file.decisions) && file.decisions.length) {
      sections.push(['decisions', t('case.decisions'), this.decisionTable(file.decisions, false)]);
    }

    for (const k of Object.keys(file).filter((k) => !used.has(k) && !k.endsWith(LOCAL_SUFFIX))) {
      if (file[k] === null || file[k] === undefined) continue;
      sections.push([`more-${k}`, fieldLabel(k), generic(file[k])]);
    }

    const name = org.legal_name ? h('p', { class: 'subtitle' }, h('bdi', {}, org.legal_name),
      file.stage ? [' · ', h('span', { class: `stage stage-${file.stage}` }, tOr(`stage.${file.stage}`, file.stage))] : null) : null;
    replace(
      this.body,
      name,
      sections.map(([id, title, content]) =>
        h(
          'section',
          { class: 'panel', id: `case-${id}`, 'aria-labelledby': `case-${id}-title` },
          h('h2', { id: `case-${id}-title` }, title),
          content,
        ),
      ),
    );
  }

  // A table of decisions (the file's, or the history's with the rules and what each rests on).
  decisionTable(decisions, full) {
    const head = ['case.position', 'case.when', 'case.who', 'case.what', 'case.why'];
    if (full) head.push('case.rests_on');
    const rows = decisions.slice().sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).map((d) => {
      const why = d.rationale ?? d.reason ?? '';
      const what = d.decision ? tOr(`decision.${d.decision}`, d.decision) : tOr(`event.${d.type}`, d.type ?? '—');
      const cells = [
        h('td', { class: 'num' }, d.position !== undefined ? String(d.position) : '—'),
        h('td', {}, localTimeElement(d.recorded_at_local ?? d.received_at_local, { seconds: true })),
        h('td', {}, d.actor ? valueNode('actor', d.actor) : '—'),
        h('td', {}, what, d.type && d.decision ? h('div', { class: 'muted' }, tOr(`event.${d.type}`, d.type)) : null),
        h('td', {}, h('bdi', {}, typeof why === 'string' ? why : ''), full && d.rules_version ? h('div', { class: 'muted' }, h('bdi', {}, d.rules_version)) : null),
      ];
      if (full) {
        const links = Array.isArray(d.rests_on) ? d.rests_on : [];
        cells.push(h('td', {}, links.length ? h('ul', { class: 'plain links' }, links.map((l) => h('li', {},
          h('span', { class: 'num' }, String(l.position)), ' ', tOr(`event.${l.type}`, l.type),
          l.hash ? [' ', h('code', { class: 'digest short', title: l.hash, dir: 'ltr' }, `${l.hash.slice(0, 12)}…`)] : null))) : ''));
      }
      return h('tr', { 'data-position': d.position, 'data-decision': d.decision ?? d.type,
        'aria-current': full && this.asOf !== null && Number(this.asOf) === d.position ? 'step' : null }, cells);
    });
    return h('div', { class: 'table-wrap' }, h('table', { class: 'grid decisions' },
      h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(k))))), h('tbody', {}, rows)));
  }

  renderHistory(history) {
    const entries = historyEntries(history);
    const subs = Array.isArray(history?.submissions) ? history.submissions : [];
    replace(
      this.historyBox,
      h('h2', { id: 'history-title' }, t('case.history')),
      this.decisionTable([...subs, ...entries.filter((e) => !subs.includes(e))], true),
    );
  }

  renderReplay() {
    const positions = this.replayPositions();
    if (!this.ctx.canReplay() || !positions.length) {
      this.replay.hidden = true;
      return;
    }
    this.replay.hidden = false;
    const current = this.asOf === null ? positions.length - 1 : Math.max(0, positions.findIndex((p) => p >= Number(this.asOf)));
    const valueText = (i) => `${t('case.position')} ${positions[i]} · ${this.positionText(positions[i])}`;
    const output = h('output', { id: 'asof-output', for: 'asof-range' }, valueText(current));
    const range = h('input', {
      type: 'range',
      id: 'asof-range',
      min: 0,
      max: positions.length - 1,
      step: 1,
      value: current,
      'aria-valuetext': valueText(current),
      'aria-describedby': 'asof-help',
      dataset: { positions: positions.join(',') },
    });
    let timer = null;
    range.addEventListener('input', () => {
      const i = Number(range.value);
      output.textContent = valueText(i);
      range.setAttribute('aria-valuetext', valueText(i));
      clearTimeout(timer);
      timer = setTimeout(() => this.setAsOf(positions[i]), 250);
    });
    const now = h('button', { type: 'button', class: 'secondary', id: 'asof-now', disabled: this.asOf === null,
      onClick: () => {
        this.setAsOf(null);
        range.value = String(positions.length - 1);
        output.textContent = valueText(positions.length - 1);
        range.setAttribute('aria-valuetext', valueText(positions.length - 1));
        range.focus();
      } }, t('case.asof.now'));
    this.nowButton = now;
    replace(
      this.replay,
      h('h2', { id: 'replay-title' }, t('case.asof')),
      h('p', { id: 'asof-help', class: 'muted' }, t('case.asof.help')),
      h('div', { class: 'replay-row' }, h('label', { for: 'asof-range', class: 'sr-only' }, t('case.asof')), range, output, now),
    );
  }
}
