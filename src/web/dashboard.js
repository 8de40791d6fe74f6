// The dashboard view: targets vs actual, the application funnel, evaluation progress, training,
// money per line, the regions, the ranking of one region, a search of the applications, and the
// live activity feed. Built once; update() refreshes it in place with each read model the live
// link delivers, so focus and scroll stay where they are and the feed announces only what is new.

import { ApiError, get } from './api.js';
import { bar, funnel } from './charts.js';
import { h, replace } from './dom.js';
import {
  formatCents,
  formatCount,
  formatHalfPoints,
  formatLocal,
  formatPercent,
  localTimeElement,
  t,
  tn,
  tOr,
} from './i18n.js';

const SIDE_STAGES = ['late', 'inadmissible', 'ineligible', 'rejected', 'waiting', 'withdrawn', 'appealed'];
const RANKING_REFRESH_MS = 1500;

function number(value) {
  return h('span', { class: 'num', dir: 'ltr' }, formatCount(value));
}

function money(cents) {
  return h('span', { class: 'num', dir: 'ltr' }, formatCents(cents));
}

function section(id, titleKey, ...children) {
  const heading = h('h2', { id: `${id}-title` }, t(titleKey));
  return h('section', { class: `panel panel-${id}`, id, 'aria-labelledby': `${id}-title` }, heading, ...children);
}

export function problemText(e) {
  if (e instanceof ApiError) {
    if (e.status === 0) return t('error.network');
    if (e.status === 403) return t('error.forbidden');
    if (e.status === 404 && /no route/.test(e.message)) return t('error.missing');
    if (e.status === 404) return t('error.notfound');
    return t('error.generic', { status: e.status, detail: e.message });
  }
  return String(e && e.message ? e.message : e);
}

// The call the dashboard is about (for the ranking and the search).
export function callOf(data) {
  if (!data) return null;
  if (typeof data.call === 'string') return data.call;
  if (data.call && typeof data.call === 'object') return data.call.id || data.call.call_id || null;
  if (typeof data.call_id === 'string') return data.call_id;
  if (Array.isArray(data.calls) && data.calls.length) {
    const c = data.calls[data.calls.length - 1];
    return typeof c === 'string' ? c : c.id || c.call_id || null;
  }
  return null;
}

let knownCall = null;

// The call of the dashboard, or else of the first application the reader may see (the read
// model of the dashboard spans the programme's calls without naming them).
export async function resolveCall(data, region) {
  const named = callOf(data);
  if (named) return named;
  if (knownCall) return knownCall;
  const reply = await get('/v1/applications', { region, limit: 1 });
  const first = rowsOf(reply, 'items', 'applications')[0];
  knownCall = first ? first.call_id ?? null : null;
  return knownCall;
}

function rowsOf(reply, ...names) {
  if (Array.isArray(reply)) return reply;
  for (const n of names) if (reply && Array.isArray(reply[n])) return reply[n];
  return [];
}

export class DashboardView {
  // ctx: {session, region (null: all), canSwitch, setRegion(r|null)}
  constructor(ctx) {
    this.ctx = ctx;
    this.data = null;
    this.rankingRegion = null;
    this.rankingTimer = null;
    this.rankingPosition = -1;
    this.feedTop = 0;
    this.feedRegion = undefined;
    this.searchCursor = null;

    this.asOf = h('p', { class: 'asof', id: 'asof' });
    this.targets = h('div', { class: 'targets', id: 'targets-grid' });
    this.funnelBox = h('div', { class: 'funnel-box' });
    this.sideStages = h('dl', { class: 'chips', id: 'pipeline-side' });
    this.evaluation = h('div', { class: 'evaluation' });
    this.training = h('div', { class: 'training' });
    this.money = h('div', { class: 'money table-wrap' });
    this.regions = h('div', { class: 'regions table-wrap' });
    this.rankingHead = h('div', { class: 'ranking-head' });
    this.ranking = h('div', { class: 'ranking table-wrap', 'aria-live': 'polite', 'aria-busy': 'false' });
    this.feed = h('ol', {
      class: 'feed',
      id: 'feed',
      'aria-live': 'polite',
      'aria-relevant': 'additions',
      'aria-labelledby': 'activity-title',
    });
    this.feedEmpty = h('p', { class: 'muted', id: 'feed-empty' }, t('activity.empty'));
    this.searchResults = h('div', { class: 'results table-wrap', 'aria-live': 'polite' });

    this.root = h(
      'div',
      { class: 'dashboard', id: 'dashboard' },
      this.asOf,
      section('targets', 'section.targets', this.targets),
      h(
        'div',
        { class: 'two' },
        section('pipeline', 'section.pipeline', this.funnelBox, this.sideStages),
        section('evaluation', 'section.evaluation', this.evaluation),
      ),
      h(
        'div',
        { class: 'two' },
        section('money', 'section.money', this.money),
        section('training', 'section.training', this.training),
      ),
      section('regions', 'section.regions', this.regions),
      h(
        'div',
        { class: 'two wide-first' },
        section('ranking', 'section.ranking', this.rankingHead, this.ranking),
        section('activity', 'section.activity', this.feedEmpty, this.feed),
      ),
      section('search', 'section.search', this.searchForm(), this.searchResults),
    );
    this.onResize = () => {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => this.data && this.renderPipeline(this.data), 150);
    };
    window.addEventListener('resize', this.onResize);
  }

  destroy() {
    window.removeEventListener('resize', this.onResize);
    clearTimeout(this.rankingTimer);
    clearTimeout(this.resizeTimer);
  }

  update(data) {
    const previous = this.data;
    this.data = data;
    this.renderAsOf(data);
    this.renderTargets(data);
    this.renderPipeline(data);
    this.renderEvaluation(data);
    this.renderMoney(data);
    this.renderTraining(data);
    this.renderRegions(data);
    this.renderFeed(data);
    if (!previous || previous.position !== data.position || previous.region !== data.region) {
      this.scheduleRanking();
    }
  }

  // The region the page shows changed: the next read model starts the feed afresh.
  regionChanged() {
    this.feedRegion = undefined;
    this.rankingPosition = -1;
    this.searchCursor = null;
    replace(this.searchResults);
  }

  renderAsOf(data) {
    const at = data.as_of || {};
    const position = at.position ?? data.position;
    this.asOf.dataset.position = String(position ?? '');
    replace(
      this.asOf,
      h('span', { class: 'live-dot', 'aria-hidden': 'true' }),
      h('span', {}, t('asof.position', {
        position: String(position),
        time: formatLocal(at.recorded_at_local, { seconds: true }),
      })),
    );
  }

  renderTargets(data) {
    const regional = Boolean(data.region);
    const cards = (data.targets || []).map((target) => {
      const isMoney = target.unit === 'eur_cents';
      const show = isMoney ? money : number;
      const label = tOr(`target.${target.id}`, target.label);
      const actual = target.actual ?? 0;
      const goal = target.target ?? 0;
      const percent = formatPercent(actual, goal);
      const text = t('target.progress', {
        actual: isMoney ? formatCents(actual) : formatCount(actual),
        target: isMoney ? formatCents(goal) : formatCount(goal),
        percent,
      });
      return h(
        'article',
        { class: 'card target', 'data-target': target.id, 'data-actual': actual, 'data-goal': goal },
        h('h3', {}, label),
        h(
          'p',
          { class: 'figure' },
          h('span', { class: 'actual' }, show(actual)),
          ' ',
          h('span', { class: 'of' }, t('target.of', { target: '' }).trim(), ' ', show(goal)),
        ),
        bar(actual, goal, label, text),
        h(
          'p',
          { class: 'note' },
          h('span', { dir: 'ltr' }, percent),
          regional && target.scope === 'programme' ? ` · ${t('target.programme')}` : '',
        ),
      );
    });
    replace(this.targets, cards);
  }

  renderPipeline(data) {
    const p = data.pipeline || {};
    const rtl = document.documentElement.dir === 'rtl';
    const width = this.funnelBox.clientWidth || 560;
    replace(this.funnelBox, funnel(p, width, rtl));
    replace(
      this.sideStages,
      SIDE_STAGES.filter((k) => k in p).map((k) =>
        h('div', { class: 'chip', 'data-stage': k }, h('dt', {}, t(`pipeline.${k}`)), h('dd', {}, number(p[k]))),
      ),
    );
  }

  renderEvaluation(data) {
    const e = data.evaluation || {};
    const p = data.pipeline || {};
    const keys = ['assignments', 'declared', 'conflicts', 'scores', 'diverging', 'finalised'];
    const counters = h(
      'dl',
      { class: 'counters' },
      keys.map((k) =>
        h('div', { class: 'counter', 'data-eval': k }, h('dt', {}, t(`eval.${k}`)), h('dd', {}, number(e[k] ?? 0))),
      ),
    );
    const progress = (key, value, max) => {
      const label = t(`eval.progress.${key}`);
      const text = `${formatCount(value)} / ${formatCount(max)} (${formatPercent(value, max)})`;
      return h(
        'div',
        { class: 'progress', 'data-progress': key },
        h('div', { class: 'progress-label' }, h('span', {}, label), h('span', { class: 'num', dir: 'ltr' }, text)),
        bar(value, max, label, text),
      );
    };
    const active = Math.max(0, (e.assignments ?? 0) - (e.conflicts ?? 0));
    // Each evaluator's workload on the applications in view: what is left to declare or score.
    const cols = ['assigned', 'to_declare', 'to_score', 'scored', 'conflicts'];
    const workload = (data.evaluators || []).length
      ? h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'grid numeric', id: 'workload' },
          h('caption', {}, t('workload.caption')),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('workload.evaluator')),
            cols.map((k) => h('th', { scope: 'col' }, t(`workload.${k}`))))),
          h('tbody', {}, data.evaluators.map((w) => h(
            'tr',
            { 'data-evaluator': w.evaluator_id },
            h('th', { scope: 'row', dir: 'ltr' }, w.evaluator_id),
            cols.map((k) => h('td', { 'data-col': k }, number(w[k] ?? 0))),
          ))),
        ),
      )
      : null;
    replace(
      this.evaluation,
      counters,
      progress('declared', e.declared ?? 0, e.assignments ?? 0),
      progress('scores', e.scores ?? 0, active),
      progress('finalised', e.finalised ?? 0, p.eligible ?? 0),
      workload,
    );
  }

  renderMoney(data) {
    const lines = data.money || [];
    const total = { envelope: 0, awarded: 0, paid: 0, remaining: 0 };
    const rows = lines.map((m) => {
      total.envelope += m.envelope_cents ?? 0;
      total.awarded += m.awarded_cents ?? 0;
      total.paid += m.paid_cents ?? 0;
      total.remaining += m.remaining_cents ?? 0;
      const label = tOr(`line.${m.line}`, m.label);
      return h(
        'tr',
        { 'data-line': m.line },
        h('th', { scope: 'row' }, label, h('div', {}, bar(m.awarded_cents ?? 0, m.envelope_cents ?? 0, label,
          `${formatCents(m.awarded_cents ?? 0)} / ${formatCents(m.envelope_cents ?? 0)}`))),
        h('td', {}, money(m.envelope_cents)),
        h('td', {}, money(m.awarded_cents)),
        h('td', {}, money(m.paid_cents)),
        h('td', {}, money(m.remaining_cents)),
      );
    });
    const head = ['money.line', 'money.envelope', 'money.awarded', 'money.paid', 'money.remaining'];
    replace(
      this.money,
      h(
        'table',
        { class: 'grid numeric' },
        h('caption', { class: 'sr-only' }, t('section.money')),
        h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, rows),
        h(
          'tfoot',
          {},
          h(
            'tr',
            { 'data-line': 'total' },
            h('th', { scope: 'row' }, t('money.total')),
            h('td', {}, money(total.envelope)),
            h('td', {}, money(total.awarded)),
            h('td', {}, money(total.paid)),
            h('td', {}, money(total.remaining)),
          ),
        ),
      ),
    );
  }

  renderTraining(data) {
    const tr = data.training || {};
    const modules = tr.modules || [];
    const counters = h(
      'dl',
      { class: 'counters' },
      h('div', { class: 'counter', 'data-training': 'sessions' }, h('dt', {}, t('training.sessions')),
        h('dd', {}, number(tr.sessions ?? 0))),
      h('div', { class: 'counter', 'data-training': 'enrolled' }, h('dt', {}, t('training.enrolled')),
        h('dd', {}, number(tr.enrolled ?? 0))),
    );
    const head = ['training.module', 'training.sessions', 'training.attendances', 'training.completed'];
    const table = modules.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'grid numeric' },
            h('caption', { class: 'sr-only' }, t('section.training')),
            h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(k))))),
            h(
              'tbody',
              {},
              modules.map((m) =>
                h(
                  'tr',
                  { 'data-module': m.id },
                  h('th', { scope: 'row' }, tOr(`module.${m.id}`, m.label)),
                  h('td', {}, number(m.sessions ?? 0)),
                  h('td', {}, number(m.attendances ?? 0)),
                  h('td', {}, number(m.completed ?? 0)),
                ),
              ),
            ),
          ),
        )
      : null;
    const none = (tr.sessions ?? 0) === 0 ? h('p', { class: 'muted' }, t('training.none')) : null;
    replace(this.training, counters, none, table);
  }

  renderRegions(data) {
    const rows = data.by_region || [];
    const cols = ['quota', 'received', 'eligible', 'selected', 'waiting', 'accompanied'];
    const current = this.ctx.region();
    replace(
      this.regions,
      h(
        'table',
        { class: 'grid numeric' },
        h('caption', { class: 'sr-only' }, t('section.regions')),
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col' }, t('regions.region')), cols.map((c) => h('th', { scope: 'col' }, t(`regions.${c}`)))),
        ),
        h(
          'tbody',
          {},
          rows.map((r) =>
            h(
              'tr',
              { 'data-region': r.region, 'aria-current': r.region === current ? 'true' : null },
              h(
                'th',
                { scope: 'row' },
                this.ctx.canSwitch() && r.region !== current
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'link',
                        'aria-label': t('regions.show', { region: r.region }),
                        onClick: () => this.ctx.setRegion(r.region),
                      },
                      r.region,
                    )
                  : r.region,
              ),
              cols.map((c) => h('td', { 'data-col': c }, number(r[c] ?? 0))),
            ),
          ),
        ),
      ),
    );
  }

  renderFeed(data) {
    const items = (data.activity || []).slice().sort((a, b) => b.position - a.position);
    const reset = this.feedRegion !== (data.region ?? null);
    this.feedRegion = data.region ?? null;
    const item = (a, fresh) => {
      const role = a.actor?.role ? ` (${tOr(`role.${a.actor.role}`, a.actor.role)})` : '';
      const actor = a.actor?.id ? h('bdi', {}, a.actor.id) : null;
      return h(
        'li',
        { 'data-position': a.position, 'data-type': a.type, class: fresh ? 'fresh' : null },
        localTimeElement(a.recorded_at_local, { seconds: true }),
        ' ',
        h('span', { class: 'type' }, tOr(`event.${a.type}`, a.type)),
        a.application_id ? [' ', h('a', { href: `#/applications/${encodeURIComponent(a.application_id)}` },
          h('bdi', {}, a.application_id))] : null,
        actor ? [' ', h('span', { class: 'actor' }, tn('activity.by', { actor }), role)] : null,
        a.region ? [' ', h('span', { class: 'region' }, h('bdi', {}, a.region))] : null,
        h('span', { class: 'sr-only' }, ` · ${t('case.position')} ${a.position}`),
      );
    };
    if (reset) {
      this.feed.setAttribute('aria-busy', 'true');
      replace(this.feed, items.map((a) => item(a, false)));
      this.feed.setAttribute('aria-busy', 'false');
    } else {
      const fresh = items.filter((a) => a.position > this.feedTop);
      for (const a of fresh.reverse()) this.feed.prepend(item(a, true));
      const keep = new Set(items.map((a) => String(a.position)));
      for (const li of [...this.feed.children]) if (!keep.has(li.dataset.position)) li.remove();
    }
    this.feedTop = items.length ? items[0].position : this.feedTop;
    this.feedEmpty.hidden = items.length > 0;
  }

  // The ranking: re-read at most every RANKING_REFRESH_MS while the log moves.
  scheduleRanking() {
    if (this.rankingTimer) return;
    const wait = this.rankingLoaded ? RANKING_REFRESH_MS : 0;
    this.rankingTimer = setTimeout(() => {
      this.rankingTimer = null;
      this.loadRanking();
    }, wait);
  }

  rankingRegionNow() {
    const fixed = this.ctx.region();
    if (fixed) return fixed;
    const regions = this.data?.regions || [];
    if (!regions.includes(this.rankingRegion)) this.rankingRegion = regions[0] || null;
    return this.rankingRegion;
  }

  renderRankingHead(region) {
    if (this.ctx.region() || !(this.data?.regions || []).length) {
      replace(this.rankingHead, region ? h('p', { class: 'muted' }, h('bdi', {}, region)) : null);
      return;
    }
    const select = h(
      'select',
      {
        id: 'ranking-region',
        onChange: (e) => {
          this.rankingRegion = e.target.value;
          this.loadRanking();
        },
      },
      this.data.regions.map((r) => h('option', { value: r, selected: r === region }, r)),
    );
    replace(this.rankingHead, h('label', { for: 'ranking-region' }, t('ranking.region')), ' ', select);
  }

  async loadRanking() {
    const data = this.data;
    if (!data) return;
    const region = this.rankingRegionNow();
    this.renderRankingHead(region);
    if (!region) return;
    const position = data.position;
    this.ranking.setAttribute('aria-busy', 'true');
    try {
      const call = await resolveCall(data, this.ctx.region());
      if (!call) {
        replace(this.ranking, h('p', { class: 'muted' }, t('ranking.nocall')));
        return;
      }
      const reply = await get('/v1/ranking', { call, region, min_position: position });
      this.rankingLoaded = true;
      this.rankingPosition = position;
      this.renderRanking(reply, region);
    } catch (e) {
      replace(this.ranking, h('p', { class: 'error', role: 'alert' }, problemText(e)));
    } finally {
      this.ranking.setAttribute('aria-busy', 'false');
    }
  }

  renderRanking(reply, region) {
    const rows = rowsOf(reply, 'ranking', 'entries', 'applications', 'items');
    const facts = [];
    if (reply && typeof reply === 'object' && !Array.isArray(reply)) {
      const quota = reply.quota;
      const selected = Array.isArray(reply.selected) ? reply.selected.length : reply.selected;
      if (typeof quota === 'number' && typeof selected === 'number') {
        facts.push(t('ranking.places', { selected: formatCount(selected), quota: formatCount(quota) }));
      }
      const recorded = reply.selection?.position;
      if (typeof recorded === 'number') facts.push(t('ranking.recorded', { position: String(recorded) }));
    }
    if (!rows.length) {
      replace(this.ranking, h('p', { class: 'muted' }, t('ranking.none')));
      return;
    }
    const head = ['ranking.rank', 'ranking.application', 'ranking.organisation', 'ranking.score', 'ranking.status'];
    replace(
      this.ranking,
      facts.length ? h('p', { class: 'muted' }, facts.join(' · ')) : null,
      h(
        'table',
        { class: 'grid', 'data-region': region },
        h('caption', { class: 'sr-only' }, `${t('section.ranking')} — ${region}`),
        h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(k))))),
        h(
          'tbody',
          {},
          rows.map((r, i) => {
            const id = r.application_id ?? r.id;
            const stage = r.stage ?? r.status ?? r.decision;
            const name = r.organisation_name ?? r.legal_name ?? r.organisation?.name ?? r.organisation ?? '';
            return h(
              'tr',
              { 'data-application': id, 'data-stage': stage, class: stage ? `stage-${stage}` : null },
              h('td', { class: 'num' }, formatCount(r.rank ?? i + 1)),
              h('td', {}, id ? h('a', { href: `#/applications/${encodeURIComponent(id)}` }, h('bdi', {}, id)) : '—'),
              h('td', {}, h('bdi', {}, typeof name === 'string' ? name : '')),
              h('td', { class: 'num', dir: 'ltr' }, formatHalfPoints(r.final_half_points ?? r.final_score ?? r.score)),
              h('td', {}, stage ? tOr(`stage.${stage}`, stage) : '—'),
            );
          }),
        ),
      ),
    );
  }

  searchForm() {
    const q = h('input', { id: 'search-q', name: 'q', type: 'search', autocomplete: 'off', dir: 'auto' });
    const stages = ['received', 'inadmissible', 'ineligible', 'eligible', 'scored', 'selected', 'waiting', 'withdrawn'];
    const status = h(
      'select',
      { id: 'search-status', name: 'status' },
      h('option', { value: '' }, t('search.any')),
      stages.map((st) => h('option', { value: st }, t(`stage.${st}`))),
    );
    const form = h(
      'form',
      { class: 'search', role: 'search', 'aria-labelledby': 'search-title' },
      h('div', { class: 'field' }, h('label', { for: 'search-q' }, t('search.q')), q),
      h('div', { class: 'field' }, h('label', { for: 'search-status' }, t('search.status')), status),
      h('button', { type: 'submit' }, t('search.submit')),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.searchCursor = null;
      this.search({ q: q.value.trim(), status: status.value }, false);
    });
    return form;
  }

  async search(params, more) {
    this.lastSearch = params;
    try {
      const call = await resolveCall(this.data, this.ctx.region());
      const query = { call, region: this.ctx.region(), q: params.q, status: params.status };
      if (more && this.searchCursor) query.cursor = this.searchCursor;
      const reply = await get('/v1/applications', query);
      const rows = rowsOf(reply, 'applications', 'items', 'results');
      this.searchCursor = reply?.next ?? reply?.next_cursor ?? null;
      const table = more ? this.searchResults.querySelector('tbody') : null;
      const body = rows.map((a) => {
        const id = a.application_id ?? a.id;
        const stage = a.stage ?? a.status;
        const name = a.organisation_name ?? a.legal_name ?? a.organisation?.name ?? '';
        return h(
          'tr',
          { 'data-application': id },
          h('td', {}, h('a', { href: `#/applications/${encodeURIComponent(id)}` }, h('bdi', {}, id))),
          h('td', {}, h('bdi', {}, typeof name === 'string' ? name : '')),
          h('td', {}, h('bdi', {}, a.region ?? '')),
          h('td', {}, stage ? tOr(`stage.${stage}`, stage) : '—'),
          h('td', { class: 'num', dir: 'ltr' }, formatHalfPoints(a.final_score)),
        );
      });
      const moreButton = this.searchCursor
        ? h('button', { type: 'button', class: 'secondary', onClick: () => this.search(this.lastSearch, true) },
          t('search.more'))
        : null;
      if (table) {
        table.append(...body);
        const old = this.searchResults.querySelector('button.secondary');
        if (old) old.remove();
        if (moreButton) this.searchResults.append(moreButton);
        return;
      }
      const head = ['ranking.application', 'ranking.organisation', 'regions.region', 'ranking.status', 'ranking.score'];
      const total = typeof reply?.total === 'number' ? reply.total : null;
      replace(
        this.searchResults,
        rows.length
          ? [
              total !== null ? h('p', { class: 'muted' }, t('search.count', { count: formatCount(total) })) : null,
              h(
                'table',
                { class: 'grid' },
                h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(k))))),
                h('tbody', {}, body),
              ),
              moreButton,
            ]
          : h('p', { class: 'muted' }, t('search.none')),
      );
    } catch (e) {
      replace(this.searchResults, h('p', { class: 'error', role: 'alert' }, problemText(e)));
    }
  }
}
