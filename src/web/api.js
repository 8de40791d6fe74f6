// The page's reads of the HTTP API (API.md): every call carries the token as a bearer token;
// errors come back as RFC 9457 problem documents and are thrown as ApiError.

const TOKEN_KEY = 'sijill.token';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function storeToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage refused (private mode): the token lives in memory only.
  }
}

let onUnauthenticated = () => {};

// Called when the server answers 401 (the token expired or was revoked meanwhile).
export function whenUnauthenticated(callback) {
  onUnauthenticated = callback;
}

// GET `path` with the query `params` (null and empty values left out); resolves to the parsed
// JSON body, rejects with ApiError (status 0: the server could not be reached).
export async function get(path, params = {}, token = storedToken()) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(key, String(value));
  }
  const url = query.toString() ? `${path}?${query}` : path;
  let response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    throw new ApiError(0, { title: 'network', detail: String(e && e.message) });
  }
  const type = response.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    if (response.status === 401) onUnauthenticated();
    throw new ApiError(response.status, typeof body === 'object' ? body : { detail: body });
  }
  return body;
}
