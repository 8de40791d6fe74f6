// The page's live link: one WebSocket to /v1/stream holding a `dashboard` subscription
// (API.md). It authenticates with its first message, receives the read model at once and then
// each new one, and after a lost connection reconnects with exponential backoff (0.5 s doubling
// to 8 s, with jitter) and subscribes again, which brings the page up to date by itself.
//
// If the server does not serve the dashboard topic (an older server answers 404), it follows
// the `events` topic instead and asks the page to re-read GET /v1/dashboard when events arrive.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;
const CLOSE_POLICY = 1008; // bad token: do not retry

export class Live {
  // handlers: onDashboard(data, position), onChanged(position) (events fallback),
  // onStatus({state: 'connecting'|'online'|'offline', retryAt}), onUnauthenticated()
  constructor(getToken, handlers) {
    this.getToken = getToken;
    this.handlers = handlers;
    this.ws = null;
    this.region = null;
    this.attempt = 0;
    this.timer = null;
    this.subId = null;
    this.seq = 0;
    this.mode = 'dashboard';
    this.stopped = true;
    this.state = 'idle';
  }

  start(region) {
    this.region = region || null;
    this.stopped = false;
    if (!this.ws) this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000);
    }
  }

  // Follows another region (null: the whole programme).
  setRegion(region) {
    const next = region || null;
    if (next === this.region) return;
    this.region = next;
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.authenticated) {
      if (this.subId) this.send({ op: 'unsubscribe', id: this.subId });
      this.subscribe();
    }
  }

  status(state, retryAt = null) {
    this.state = state;
    this.handlers.onStatus?.({ state, retryAt });
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let ws;
    try {
      ws = new WebSocket(`${scheme}//${location.host}/v1/stream`);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    this.authenticated = false;
    this.subId = null;
    if (this.state !== 'offline') this.status('connecting');
    ws.addEventListener('open', () => {
      ws.send(JSON.stringify({ op: 'auth', token: this.getToken() }));
    });
    ws.addEventListener('message', (e) => {
      if (ws !== this.ws) return;
      let m;
      try {
        m = JSON.parse(e.data);
      } catch {
        return;
      }
      this.receive(m);
    });
    ws.addEventListener('close', (e) => {
      if (ws !== this.ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (e.code === CLOSE_POLICY && !this.authenticated) {
        this.status('offline');
        this.handlers.onUnauthenticated?.();
        return;
      }
      this.retry();
    });
  }

  retry() {
    if (this.stopped) return;
    const base = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** this.attempt);
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.attempt += 1;
    this.status('offline', Date.now() + delay);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  subscribe() {
    this.seq += 1;
    this.subId = `${this.mode}-${this.seq}`;
    if (this.mode === 'dashboard') {
      const message = { op: 'subscribe', id: this.subId, topic: 'dashboard' };
      if (this.region) message.region = this.region;
      this.send(message);
    } else {
      this.send({ op: 'subscribe', id: this.subId, topic: 'events' });
    }
  }

  receive(m) {
    switch (m.op) {
      case 'authenticated':
        this.authenticated = true;
        this.subscribe();
        if (this.mode === 'events') {
          // Nothing arrives until the next commit: the page re-reads at once to catch up.
          this.online();
          this.handlers.onChanged?.(0);
        }
        break;
      case 'dashboard':
        if (m.sub !== this.subId) return;
        this.online();
        this.handlers.onDashboard?.(m.data, m.position);
        break;
      case 'events':
        if (m.sub !== this.subId || !m.events?.length) return;
        this.handlers.onChanged?.(m.events[m.events.length - 1].position);
        break;
      case 'error':
        if (m.sub && m.sub === this.subId && m.status === 404 && this.mode === 'dashboard') {
          this.mode = 'events';
          this.subscribe();
          this.online();
          this.handlers.onChanged?.(0);
        } else if (m.sub === null && !this.authenticated) {
          this.handlers.onUnauthenticated?.();
        } else if (m.sub === this.subId) {
          this.handlers.onError?.(m);
        }
        break;
      default:
        break;
    }
  }

  online() {
    this.attempt = 0;
    if (this.state !== 'online') this.status('online');
  }
}
