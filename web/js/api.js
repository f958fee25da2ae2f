// The REST API, authenticated by the HttpOnly session cookie (the page never sees the
// token). Errors carry the problem+json detail, as people should read it.

import {formatWhen} from './dom.js';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/**
 * Whether a failed change says the screen is out of date: the thing changed since it was
 * drawn (400: a slot it offered is gone; 404: it, or the reader's place in it, is gone;
 * 409: cancelled, or it has begun). The view then draws it again as it is now, with the
 * error beside it.
 */
export const isStale = (error) => [400, 404, 409].includes(error?.status);

// A busy server answers 503 with Retry-After: its queue of requests is full (the request
// never ran) or a back end is briefly away (a change may then have been saved). A request
// that does the same when asked twice, and answers the same, is asked again after that many
// seconds, with a little jitter so that a crowd of pages does not come back at the same
// instant: at most twice, and only for a short wait. That is GET and PUT here; not a POST,
// nor a DELETE, whose second ask would answer 404 for what the first one did. Their error
// is shown.
const kRetried = new Set(['GET', 'HEAD', 'PUT']);
const kRetries = 2;
const kMaxRetryAfterS = 10;

/** `ended` (set by the app) hears of every 401: the session the page had may have ended. */
export const session = {ended: null};

export async function api(method, path, body) {
  const options = {method, credentials: 'same-origin', headers: {}};
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(path, options);
    } catch {
      throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.');
    }
    if (response.status === 401) session.ended?.();
    const wait = attempt < kRetries && kRetried.has(method) ? retryAfterMs(response) : null;
    if (wait === null) return answer(response);
    response.body?.cancel().catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

// How long a 503 asks to wait (delta-seconds only), or null: not a 503, or no short wait.
function retryAfterMs(response) {
  if (response.status !== 503) return null;
  const value = (response.headers.get('Retry-After') || '').trim();
  if (!/^\d{1,3}$/.test(value) || Number(value) > kMaxRetryAfterS) return null;
  return Number(value) * 1000 + Math.random() * 250;
}

async function answer(response) {
  const type = response.headers.get('Content-Type') || '';
  const payload = type.includes('json') ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    const detail = payload && typeof payload === 'object' && payload.detail ? payload.detail : friendly(response.status);
    throw new ApiError(response.status, sentence(detail));
  }
  return payload;
}

function friendly(status) {
  if (status === 401) return 'Please sign in.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'That no longer exists.';
  if (status === 429) return 'Too many tries. Please wait a while and try again.';
  if (status >= 500) return 'Something went wrong on our side. Please try again.';
  return 'That did not work. Please try again.';
}

// The server's details say until when in RFC 3339 UTC ("muted until 2026-12-03T18:00:00Z"):
// people read that in their own time zone, as everywhere else on the page. Other times stay
// as they are ("a date-time such as 2026-12-06T18:00:00Z" shows the format to use).
function sentence(text) {
  const trimmed = String(text).trim().replace(/\buntil (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)\b/g,
                                              (phrase, iso) => `until ${formatWhen(iso)}`);
  return trimmed ? trimmed[0].toUpperCase() + trimmed.slice(1) + (/[.!?]$/.test(trimmed) ? '' : '.') : trimmed;
}

/**
 * Keeps a view current with what `load()` answers, given to `apply`: an older answer never
 * overwrites a newer one. `run()` while a load is on its way loads once more after it;
 * `invalidate()` (after applying something newer, a push) drops the answer on its way and
 * loads again. What a load throws goes to `onError`.
 */
export function latestLoader(load, apply, onError) {
  let running = false, stale = false;
  const run = async () => {
    stale = true;
    if (running) return;
    running = true;
    try {
      while (stale) {
        stale = false;
        const fresh = await load();
        if (!stale) apply(fresh);
      }
    } catch (error) {
      onError(error);
    } finally {
      running = false;
    }
  };
  return {run, invalidate: () => { if (running) stale = true; }};
}
