// Hookline admin page: plain JavaScript, no build step, loaded with `defer` (the CSP allows no
// inline script). Every string that came from the server or the user goes into the page through
// textContent, createTextNode or setAttribute, never as HTML.
(() => {
  'use strict';

  const API_BASE = (
    document.querySelector('meta[name="hookline-api-base"]')?.getAttribute('content') || '/api/v1'
  ).replace(/\/+$/, '');
  // sessionStorage only: the token ends with the tab and is never a cookie, so there is no CSRF
  // surface (every request carries it explicitly in Authorization)
  const TOKEN_KEY = 'hookline.admin.token';

  const STATUS_LABELS = {
    PENDING_VERIFICATION: ['Pending verification', 'warn'],
    VERIFIED: ['Verified', 'ok'],
    DISABLED_BY_FAILURE: ['Disabled by failure', 'bad'],
  };
  const STATE_LABELS = {
    PENDING: ['Pending', 'muted'],
    IN_FLIGHT: ['In flight', 'muted'],
    RETRYING: ['Retrying', 'warn'],
    SUCCEEDED: ['Succeeded', 'ok'],
    FAILED: ['Failed', 'bad'],
  };
  const FORM_FIELDS = {
    name: 'f-name',
    description: 'f-description',
    uri: 'f-uri',
    api_key: 'f-api-key',
    apiKey: 'f-api-key',
    tenant: 'f-tenant',
    subscribed_events: 'f-events',
    events: 'f-events',
    filter: 'f-filter',
  };

  const state = {
    me: null,
    eventTypes: [],
    listCursor: null,
    editing: null, // {id, version, name} while the Edit form is open
    formMode: null, // 'add' or 'edit': an Edit form whose webhook did not load has no `editing`
    formOpened: 0, // counts forms opened: an answer for a form since left is not applied
    idempotencyKey: null, // one per create attempt, kept across a network failure
    deliveries: { webhookId: null, cursor: null },
    busy: 0,
    confirmResolve: null,
    restoreFocus: null,
  };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- DOM helpers (text only)

  /** Makes an element; attributes by setAttribute, children as text nodes or elements. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function badge(labels, value) {
    const [text, kind] = labels[value] || [String(value || 'Unknown'), 'muted'];
    return el('span', { class: 'badge ' + kind }, text);
  }

  function time(iso) {
    if (!iso) return el('span', {}, '—');
    const d = new Date(iso);
    const text = Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
    return el('time', { datetime: iso }, text);
  }

  function quoted(name) {
    return '\u201c' + name + '\u201d';
  }

  function setBusy(delta) {
    state.busy = Math.max(0, state.busy + delta);
    $('main').setAttribute('aria-busy', state.busy > 0 ? 'true' : 'false');
  }

  function showMessage(text) {
    $('error').hidden = true;
    $('error').textContent = '';
    $('message').textContent = text;
    $('message').hidden = false;
  }

  function showError(text) {
    $('message').hidden = true;
    $('message').textContent = '';
    $('error').textContent = text;
    $('error').hidden = false;
  }

  function clearMessages() {
    for (const id of ['message', 'error']) {
      $(id).hidden = true;
      $(id).textContent = '';
    }
  }

  function showView(id) {
    for (const view of document.querySelectorAll('.view')) view.hidden = view.id !== id;
    const heading = $(id).querySelector('h2');
    if (heading) heading.focus({ preventScroll: false });
  }

  // ---------------------------------------------------------------- the REST client

  class ApiError extends Error {
    constructor(status, problem, headers) {
      super((problem && (problem.detail || problem.title)) || 'HTTP ' + status);
      this.status = status;
      this.problem = problem || {};
      this.headers = headers || new Headers();
    }
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  async function api(method, path, opts = {}) {
    const headers = { Accept: 'application/json, application/problem+json' };
    const t = token();
    if (t) headers.Authorization = 'Bearer ' + t;
    let body;
    if (opts.body !== undefined) {
      headers['Content-Type'] = opts.contentType || 'application/json';
      body = JSON.stringify(opts.body);
    }
    Object.assign(headers, opts.headers || {});
    setBusy(1);
    try {
      let res;
      try {
        res = await fetch(API_BASE + path, {
          method,
          headers,
          body,
          credentials: 'omit',
          cache: 'no-store',
          redirect: 'error',
        });
      } catch (e) {
        throw new ApiError(0, {
          title: 'The server could not be reached',
          detail: String((e && e.message) || e),
        });
      }
      const text = await res.text();
      let json = null;
      if (text) {
        try {
          json = JSON.parse(text);
        } catch (e) {
          json = null;
        }
      }
      if (!res.ok) {
        throw new ApiError(res.status, json || { title: res.statusText || 'HTTP ' + res.status }, res.headers);
      }
      return { status: res.status, headers: res.headers, data: json };
    } finally {
      setBusy(-1);
    }
  }

  /** A sentence for any failed call, from the problem document the server sent. */
  function describe(err, doing) {
    if (!(err instanceof ApiError)) return doing + ' failed: ' + String((err && err.message) || err);
    const p = err.problem;
    switch (err.status) {
      case 0:
        return doing + ' failed: the server could not be reached (' + (p.detail || 'network error') + ').';
      case 401:
        return 'Your token was refused (401): paste a valid token again.';
      case 403:
        return doing + ' is not allowed for this token (403): it lacks the scope.'
          + (p.detail ? ' ' + p.detail : '');
      case 404:
        return doing + ' failed: not found (404). It may have been deleted.';
      case 429: {
        const after = err.headers.get('Retry-After');
        return doing + ' was refused: too many requests (429).'
          + (after ? ' Try again in ' + after + ' s.' : ' Try again later.');
      }
      default: {
        let text = doing + ' failed (' + err.status + '): ' + (p.title || 'error');
        if (p.detail && p.detail !== p.title) text += ' \u2014 ' + p.detail;
        if (Array.isArray(p.errors) && p.errors.length) {
          text += ' (' + p.errors.map((e) => (e.field ? e.field + ': ' : '') + (e.reason || '')).join('; ') + ')';
        }
        return text;
      }
    }
  }

  /** Reports a failure; a refused token sends the user back to the sign-in form. */
  function fail(err, doing) {
    if (err instanceof ApiError && err.status === 401) {
      forgetToken();
      showError(describe(err, doing));
      return;
    }
    showError(describe(err, doing));
  }

  // ---------------------------------------------------------------- session and scopes

  function can(scope) {
    return !!(state.me && Array.isArray(state.me.scopes) && state.me.scopes.includes(scope));
  }

  function applyScopes() {
    for (const node of document.querySelectorAll('[data-needs]')) {
      node.hidden = !can(node.getAttribute('data-needs'));
    }
  }

  async function loadSession() {
    const me = (await api('GET', '/me')).data || {};
    state.me = { principal: me.principal || 'token', tenant: me.tenant || null, scopes: me.scopes || [] };
    const types = [];
    let cursor = null;
    for (let page = 0; page < 20; page++) {
      const q = cursor ? '?cursor=' + encodeURIComponent(cursor) : '';
      const r = (await api('GET', '/event-types' + q)).data || {};
      types.push(...(r.data || []));
      if (r.done || !r.next_cursor) break;
      cursor = r.next_cursor;
    }
    state.eventTypes = types;
    const who = state.me.principal
      + (state.me.tenant ? ' \u00b7 tenant ' + state.me.tenant : ' \u00b7 host-level')
      + ' \u00b7 ' + (state.me.scopes.length ? state.me.scopes.join(', ') : 'no scopes');
    $('session-who').textContent = who;
    $('session').hidden = false;
    applyScopes();
  }

  function forgetToken() {
    sessionStorage.removeItem(TOKEN_KEY);
    state.me = null;
    $('session').hidden = true;
    $('session-who').textContent = '';
    $('webhook-rows').replaceChildren();
    $('delivery-rows').replaceChildren();
    showView('view-token');
  }

  async function useToken(event) {
    event.preventDefault();
    const value = $('token-input').value.trim();
    if (!value) {
      showError('Paste a token first.');
      $('token-input').focus();
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, value);
    $('token-input').value = '';
    try {
      await loadSession();
    } catch (err) {
      sessionStorage.removeItem(TOKEN_KEY);
      showError(describe(err, 'Signing in'));
      $('token-input').focus();
      return;
    }
    clearMessages();
    if (location.hash && location.hash !== '#/') {
      route();
    } else {
      location.hash = '#/';
      route();
    }
  }

  // ---------------------------------------------------------------- routing

  function route() {
    if (!token() || !state.me) {
      showView('view-token');
      return;
    }
    const hash = location.hash || '#/';
    let m;
    if (hash === '#/new') {
      openForm(null);
    } else if ((m = /^#\/webhooks\/([^/]+)\/edit$/.exec(hash))) {
      openForm(decodeURIComponent(m[1]));
    } else if ((m = /^#\/webhooks\/([^/]+)\/deliveries$/.exec(hash))) {
      openDeliveries(decodeURIComponent(m[1]));
    } else {
      openList();
    }
  }

  function go(hash) {
    if (location.hash === hash) {
      route();
    } else {
      location.hash = hash; // hashchange routes
    }
  }

  // ---------------------------------------------------------------- the Webhooks list

  function openList() {
    showView('view-list');
    loadList(false);
  }

  function listQuery() {
    const q = new URLSearchParams();
    if ($('list-status').value) q.set('status', $('list-status').value);
    if ($('list-enabled').value) q.set('enabled', $('list-enabled').value);
    return q;
  }

  async function loadList(append) {
    const q = listQuery();
    if (append && state.listCursor) q.set('cursor', state.listCursor);
    let page;
    try {
      page = (await api('GET', '/webhooks?' + q.toString())).data || {};
    } catch (err) {
      fail(err, 'Loading the webhooks');
      return;
    }
    const rows = $('webhook-rows');
    if (!append) rows.replaceChildren();
    const webhooks = page.data || [];
    for (const w of webhooks) rows.appendChild(webhookRow(w));
    state.listCursor = page.done ? null : page.next_cursor || null;
    $('list-more').hidden = !state.listCursor;
    $('list-empty').hidden = rows.children.length > 0;
    if (state.restoreFocus) {
      const [id, action] = state.restoreFocus;
      state.restoreFocus = null;
      const again = rows.querySelector('tr[data-id="' + CSS.escape(id) + '"] button[data-action="' + action + '"]');
      if (again) again.focus();
    }
    if (can('deliveries:read')) {
      await Promise.all(webhooks.map((w) => loadCounts(w.id)));
    }
  }

  async function loadCounts(id) {
    const cell = $('webhook-rows').querySelector('tr[data-id="' + CSS.escape(id) + '"] td.counts');
    if (!cell) return;
    try {
      const s = (await api('GET', '/webhooks/' + encodeURIComponent(id) + '/summary')).data || {};
      cell.replaceChildren(countsText(s));
    } catch (err) {
      cell.replaceChildren(el('span', {}, 'unavailable'));
    }
  }

  function countsText(s) {
    return el(
      'span',
      { class: 'count-line' },
      `${s.total ?? 0} total \u00b7 ${s.succeeded ?? 0} succeeded \u00b7 ${s.failed ?? 0} failed`
        + ` \u00b7 ${s.retrying ?? 0} retrying \u00b7 ${s.pending ?? 0} pending`,
    );
  }

  function actionButton(action, text, w, extraClass) {
    return el(
      'button',
      {
        type: 'button',
        class: 'small ' + (extraClass || 'secondary'),
        'data-action': action,
        'data-id': w.id,
        'aria-label': text + ' ' + w.name,
      },
      text,
    );
  }

  function webhookRow(w) {
    const actions = el('div', { class: 'buttons' });
    if (can('deliveries:read')) actions.appendChild(actionButton('deliveries', 'Deliveries', w));
    if (can('webhooks:write')) {
      actions.appendChild(actionButton('edit', 'Edit', w));
      actions.appendChild(w.enabled ? actionButton('disable', 'Disable', w) : actionButton('enable', 'Enable', w));
      actions.appendChild(actionButton('verify', 'Verify', w));
      actions.appendChild(actionButton('test', 'Send test', w));
      actions.appendChild(actionButton('rotate', 'Rotate signing secret', w));
      actions.appendChild(actionButton('delete', 'Delete', w, 'danger'));
    }
    const name = el('div', {}, el('span', { class: 'name' }, w.name || '(unnamed)'));
    if (w.tenant) name.appendChild(el('div', { class: 'hint' }, 'tenant ' + w.tenant));
    name.appendChild(el('div', { class: 'hint' }, w.uri || ''));
    const row = el(
      'tr',
      { 'data-id': w.id, 'data-name': w.name || '', 'data-version': w.version },
      el('td', { 'data-label': 'Status' }, badge(STATUS_LABELS, w.status)),
      el('td', { 'data-label': 'Name', class: 'name-cell' }, name),
      el('td', { 'data-label': 'Description', class: 'description' }, w.description || ''),
      el('td', { 'data-label': 'Enabled', class: 'enabled' }, w.enabled ? 'Yes' : 'No'),
      el('td', { 'data-label': 'Deliveries', class: 'counts' }, can('deliveries:read') ? '\u2026' : '\u2014'),
      el('td', { 'data-label': 'Actions', class: 'actions' }, actions),
    );
    return row;
  }

  async function onListClick(event) {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const row = button.closest('tr');
    const id = button.getAttribute('data-id');
    const name = row ? row.getAttribute('data-name') : id;
    const action = button.getAttribute('data-action');
    const path = '/webhooks/' + encodeURIComponent(id);
    if (action === 'deliveries') {
      go('#/webhooks/' + encodeURIComponent(id) + '/deliveries');
      return;
    }
    if (action === 'edit') {
      go('#/webhooks/' + encodeURIComponent(id) + '/edit');
      return;
    }
    button.disabled = true;
    try {
      switch (action) {
        case 'enable':
          await api('POST', path + '/enable');
          showMessage('Enabled ' + quoted(name) + '.');
          state.restoreFocus = [id, 'disable'];
          break;
        case 'disable':
          await api('POST', path + '/disable');
          showMessage('Disabled ' + quoted(name) + '.');
          state.restoreFocus = [id, 'enable'];
          break;
        case 'verify': {
          const r = (await api('POST', path + '/verify')).data || {};
          reportHandshake(name, r);
          state.restoreFocus = [id, 'verify'];
          break;
        }
        case 'test': {
          const r = (await api('POST', path + '/test')).data || {};
          showMessage('Test notification sent to ' + quoted(name)
            + (r.delivery_id ? ' (delivery ' + r.delivery_id + ').' : '.'));
          state.restoreFocus = [id, 'test'];
          break;
        }
        case 'rotate': {
          const r = (await api('POST', path + '/signing-secret/rotate')).data || {};
          showMessage('Rotated the signing secret of ' + quoted(name) + '.');
          await showSecret(name, r.signing_secret || '', null);
          state.restoreFocus = [id, 'rotate'];
          break;
        }
        case 'delete': {
          const ok = await confirmDialog(
            'Delete ' + quoted(name) + '? Its endpoint stops receiving notifications, and this cannot be undone.',
            'Delete',
          );
          if (!ok) {
            button.disabled = false;
            button.focus();
            return;
          }
          await api('DELETE', path);
          showMessage('Deleted ' + quoted(name) + '.');
          break;
        }
        default:
          return;
      }
    } catch (err) {
      fail(err, actionName(action) + ' ' + quoted(name));
      button.disabled = false;
      return;
    }
    await loadList(false);
  }

  function actionName(action) {
    return {
      enable: 'Enabling',
      disable: 'Disabling',
      verify: 'Verifying',
      test: 'Sending a test to',
      rotate: 'Rotating the signing secret of',
      delete: 'Deleting',
    }[action] || action;
  }

  function reportHandshake(name, r) {
    const detail = r.detail ? ': ' + r.detail : '.';
    if (r.verified) {
      showMessage('Handshake passed for ' + quoted(name) + detail);
    } else {
      showError('Handshake failed for ' + quoted(name) + detail);
    }
  }

  // ---------------------------------------------------------------- dialogs

  function confirmDialog(text, okLabel) {
    const dialog = $('confirm-dialog');
    $('confirm-text').textContent = text;
    $('confirm-ok').textContent = okLabel;
    return new Promise((resolve) => {
      state.confirmResolve = resolve;
      dialog.showModal();
      $('confirm-cancel').focus();
    });
  }

  function settleConfirm(value) {
    const resolve = state.confirmResolve;
    state.confirmResolve = null;
    const dialog = $('confirm-dialog');
    if (dialog.open) dialog.close();
    if (resolve) resolve(value);
  }

  function showSecret(name, secret, handshake) {
    const dialog = $('secret-dialog');
    $('secret-webhook').textContent = name;
    $('secret-value').value = secret;
    $('secret-handshake').hidden = true;
    $('secret-handshake').textContent = '';
    if (handshake) handshake.then((text) => {
      if (text) {
        $('secret-handshake').className = 'summary ' + (text.startsWith('Handshake passed') ? 'ok' : 'bad');
        $('secret-handshake').textContent = text;
        $('secret-handshake').hidden = false;
      }
    });
    return new Promise((resolve) => {
      const done = () => {
        $('secret-value').value = ''; // shown once: gone from the page when the dialog closes
        dialog.removeEventListener('close', done);
        resolve();
      };
      dialog.addEventListener('close', done);
      dialog.showModal();
      $('secret-value').focus();
      $('secret-value').select();
    });
  }

  // ---------------------------------------------------------------- + Add webhook and Edit

  function renderEventChoices(selected) {
    const box = $('f-events');
    box.replaceChildren();
    const chosen = new Set(selected || []);
    for (const t of state.eventTypes) {
      const id = 'ev-' + String(t.name).replace(/[^A-Za-z0-9_-]/g, '-');
      const input = el('input', {
        type: 'checkbox',
        id,
        name: 'events',
        value: t.name,
        disabled: !t.subscribable,
        'aria-describedby': t.subscribable ? null : id + '-note',
      });
      input.checked = t.subscribable && (chosen.has(t.name) || chosen.has(t.display_name));
      const text = el('span', {}, t.display_name || t.name);
      if (!t.subscribable) {
        text.appendChild(el('span', { id: id + '-note', class: 'hint' }, ' (not supported)'));
      }
      box.appendChild(el('label', { for: id, class: t.subscribable ? null : 'unsupported' }, input, text));
    }
  }

  function clearFieldErrors() {
    $('form-errors').hidden = true;
    $('form-errors').textContent = '';
    for (const id of new Set(Object.values(FORM_FIELDS))) {
      const err = $(id + '-error');
      if (err) {
        err.hidden = true;
        err.textContent = '';
      }
      const input = $(id);
      if (input) input.removeAttribute('aria-invalid');
    }
  }

  function resetForm() {
    $('webhook-form').reset();
    clearFieldErrors();
    $('conflict').hidden = true;
    $('conflict-text').textContent = '';
    for (const input of $('webhook-form').querySelectorAll('input, textarea, button')) input.disabled = false;
  }

  async function openForm(id) {
    resetForm();
    state.editing = null;
    state.formMode = id ? 'edit' : 'add';
    state.formOpened++;
    state.idempotencyKey = null;
    $('f-tenant-field').hidden = !!id || !!(state.me && state.me.tenant);
    if (!id) {
      $('form-heading').textContent = 'Add webhook';
      $('form-submit').textContent = 'Add webhook';
      $('f-api-key').placeholder = '';
      $('f-api-key').required = true;
      renderEventChoices([]);
      showView('view-form');
      $('f-name').focus();
      return;
    }
    $('form-heading').textContent = 'Edit webhook';
    $('form-submit').textContent = 'Save changes';
    $('f-api-key').placeholder = 'Leave empty to keep the current key';
    $('f-api-key').required = false;
    renderEventChoices([]);
    showView('view-form');
    await fillForm(id);
  }

  async function fillForm(id) {
    const opened = state.formOpened;
    let w;
    try {
      w = (await api('GET', '/webhooks/' + encodeURIComponent(id))).data || {};
      // the user may have left this form (for the Add form, or another's Edit form) meanwhile
      if (state.formOpened !== opened) return;
    } catch (err) {
      if (state.formOpened !== opened) return;
      fail(err, 'Loading the webhook');
      $('form-submit').disabled = true; // nothing to save changes to
      return;
    }
    state.editing = { id: w.id || id, version: w.version, name: w.name };
    $('form-heading').textContent = 'Edit ' + quoted(w.name || id);
    $('f-name').value = w.name || '';
    $('f-description').value = w.description || '';
    $('f-uri').value = w.uri || '';
    $('f-api-key').value = '';
    $('f-filter').value = w.filter || '';
    renderEventChoices(w.subscribed_events || []);
    $('f-name').focus();
  }

  function formValues() {
    const events = [...$('f-events').querySelectorAll('input[type="checkbox"]:checked')].map((c) => c.value);
    return {
      name: $('f-name').value.trim(),
      description: $('f-description').value.trim(),
      uri: $('f-uri').value.trim(),
      apiKey: $('f-api-key').value,
      tenant: $('f-tenant').value.trim(),
      events,
      filter: $('f-filter').value.trim(),
    };
  }

  function showFieldErrors(err) {
    const problems = (err instanceof ApiError && Array.isArray(err.problem.errors)) ? err.problem.errors : [];
    const general = [];
    let first = null;
    for (const e of problems) {
      const field = String(e.field || '').replace(/^\/+/, '').split(/[./[]/)[0];
      const id = FORM_FIELDS[field];
      const text = (e.reason || 'invalid') + (e.allowed ? ' (allowed: ' + e.allowed + ')' : '');
      const box = id ? $(id + '-error') : null;
      if (!box) {
        general.push((e.field ? e.field + ': ' : '') + text);
        continue;
      }
      box.textContent = box.textContent ? box.textContent + ' ' + text : text;
      box.hidden = false;
      const input = $(id);
      if (input && input.tagName !== 'DIV') input.setAttribute('aria-invalid', 'true');
      if (!first) first = id === 'f-events' ? $('f-events').querySelector('input:not([disabled])') : input;
    }
    if (!problems.length || general.length) {
      const text = problems.length ? general.join('; ') : describe(err, state.editing ? 'Saving' : 'Adding the webhook');
      $('form-errors').textContent = text;
      $('form-errors').hidden = false;
    }
    showError(describe(err, state.editing ? 'Saving ' + quoted(state.editing.name || '') : 'Adding the webhook'));
    if (first) first.focus();
  }

  async function submitForm(event) {
    event.preventDefault();
    if (state.formMode === 'edit' && !state.editing) {
      // the webhook never loaded: saving must not turn into creating another one
      showError('Not saved: the webhook was not loaded. Go back to the list and open it again.');
      return;
    }
    clearFieldErrors();
    $('conflict').hidden = true;
    const v = formValues();
    const submit = $('form-submit');
    submit.disabled = true;
    try {
      if (state.editing) {
        await saveEdit(v);
      } else {
        await create(v);
      }
    } catch (err) {
      // never a silent failure: whatever went wrong in the page is said
      showError(describe(err, state.editing ? 'Saving' : 'Adding the webhook'));
    } finally {
      submit.disabled = false;
    }
  }

  async function create(v) {
    const body = { name: v.name, uri: v.uri, api_key: v.apiKey, subscribed_events: v.events };
    if (v.description) body.description = v.description;
    if (v.filter) body.filter = v.filter;
    if (v.tenant && !(state.me && state.me.tenant)) body.tenant = v.tenant;
    if (!state.idempotencyKey) state.idempotencyKey = newIdempotencyKey();
    let created;
    try {
      created = (await api('POST', '/webhooks', { body, headers: { 'Idempotency-Key': state.idempotencyKey } })).data || {};
    } catch (err) {
      // a lost answer may be retried with the same key; anything the server answered needs a new one
      if (!(err instanceof ApiError && err.status === 0)) state.idempotencyKey = null;
      showFieldErrors(err);
      return;
    }
    state.idempotencyKey = null;
    const name = created.name || v.name;
    showMessage('Added ' + quoted(name) + '. Running the verification handshake\u2026');
    const handshake = runHandshake(created.id, name);
    await showSecret(name, created.signing_secret || '', handshake);
    await handshake;
    go('#/');
  }

  /**
   * A random version-4 UUID. crypto.randomUUID exists only in secure contexts (https, localhost);
   * crypto.getRandomValues everywhere, so the page also works over plain http on a LAN.
   */
  function newIdempotencyKey() {
    if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  /** Runs the handshake after a create; resolves to a sentence for the secret dialog. */
  async function runHandshake(id, name) {
    if (!id) return '';
    try {
      const r = (await api('POST', '/webhooks/' + encodeURIComponent(id) + '/verify')).data || {};
      reportHandshake(name, r);
      return (r.verified ? 'Handshake passed' : 'Handshake failed') + (r.detail ? ': ' + r.detail : '.');
    } catch (err) {
      fail(err, 'The handshake of ' + quoted(name));
      return describe(err, 'The handshake');
    }
  }

  async function saveEdit(v) {
    const { id, version, name } = state.editing;
    const patch = {
      name: v.name,
      description: v.description || null,
      uri: v.uri,
      subscribed_events: v.events,
      filter: v.filter || null,
    };
    const path = '/webhooks/' + encodeURIComponent(id);
    try {
      await api('PATCH', path, {
        body: patch,
        contentType: 'application/merge-patch+json',
        headers: { 'If-Match': '"' + version + '"' },
      });
      if (v.apiKey) {
        await api('POST', path + '/api-key', { body: { api_key: v.apiKey } });
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        await showConflict(id, version, name);
        return;
      }
      showFieldErrors(err);
      return;
    }
    showMessage('Saved ' + quoted(v.name) + '.');
    go('#/');
  }

  async function showConflict(id, version, name) {
    let now = '';
    try {
      const current = (await api('GET', '/webhooks/' + encodeURIComponent(id))).data || {};
      if (current.version !== undefined) now = '; it is now at version ' + current.version;
    } catch (err) {
      // the sentence below is still true without the current version
    }
    $('conflict-text').textContent =
      'Conflict: ' + quoted(name || id) + ' was changed by someone else after you opened it'
      + ' (you edited version ' + version + now + '). Your changes were NOT saved.'
      + ' Reload the current version, then make your change again.';
    $('conflict').hidden = false;
    showError('Not saved: the webhook changed since you opened it (412, stale version).');
    $('conflict-reload').focus();
  }

  // ---------------------------------------------------------------- the delivery log

  function localInputValue(date) {
    const pad = (n) => String(n).padStart(2, '0');
    return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate())
      + 'T' + pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds());
  }

  function isoFromInput(value) {
    if (!value) return null;
    const d = new Date(value); // datetime-local has no zone: the browser's local time
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }

  async function openDeliveries(id) {
    const changed = state.deliveries.webhookId !== id;
    state.deliveries.webhookId = id;
    if (changed) {
      $('deliveries-filter').reset();
      const type = $('d-type');
      type.replaceChildren(el('option', { value: '' }, 'Any'));
      for (const t of state.eventTypes) type.appendChild(el('option', { value: t.name }, t.display_name || t.name));
      $('recover-since').value = localInputValue(new Date(Date.now() - 24 * 3600 * 1000));
      $('delivery-rows').replaceChildren();
      $('deliveries-heading').textContent = 'Deliveries';
      $('deliveries-summary').textContent = '';
    }
    showView('view-deliveries');
    const path = '/webhooks/' + encodeURIComponent(id);
    try {
      const w = (await api('GET', path)).data || {};
      // the user may have opened another webhook's log meanwhile: this answer is not for it
      if (state.deliveries.webhookId !== id) return;
      $('deliveries-heading').textContent = 'Deliveries of ' + quoted(w.name || id);
      $('deliveries-heading').setAttribute('data-name', w.name || id);
    } catch (err) {
      if (state.deliveries.webhookId === id) fail(err, 'Loading the webhook');
      return;
    }
    await Promise.all([loadSummary(id), loadDeliveries(false)]);
  }

  async function loadSummary(id) {
    try {
      const s = (await api('GET', '/webhooks/' + encodeURIComponent(id) + '/summary')).data || {};
      if (state.deliveries.webhookId !== id) return; // another webhook's log is shown now
      $('deliveries-summary').replaceChildren(countsText(s));
    } catch (err) {
      if (state.deliveries.webhookId === id) $('deliveries-summary').textContent = '';
    }
  }

  function deliveryQuery() {
    const q = new URLSearchParams();
    if ($('d-state').value) q.set('state', $('d-state').value);
    if ($('d-type').value) q.set('type', $('d-type').value);
    const since = isoFromInput($('d-since').value);
    const until = isoFromInput($('d-until').value);
    if (since) q.set('since', since);
    if (until) q.set('until', until);
    q.set('limit', '50');
    return q;
  }

  async function loadDeliveries(append) {
    const id = state.deliveries.webhookId;
    const q = deliveryQuery();
    if (append && state.deliveries.cursor) q.set('cursor', state.deliveries.cursor);
    let page;
    try {
      page = (await api('GET', '/webhooks/' + encodeURIComponent(id) + '/deliveries?' + q.toString())).data || {};
    } catch (err) {
      fail(err, 'Loading the deliveries');
      return;
    }
    if (state.deliveries.webhookId !== id) return; // the user moved on
    const rows = $('delivery-rows');
    if (!append) rows.replaceChildren();
    for (const d of page.data || []) rows.appendChild(deliveryRow(d));
    state.deliveries.cursor = page.done ? null : page.next_cursor || null;
    $('deliveries-more').hidden = !state.deliveries.cursor;
    $('deliveries-empty').hidden = rows.children.length > 0;
  }

  function displayName(type) {
    const t = state.eventTypes.find((e) => e.name === type);
    return t && t.display_name ? t.display_name : type || '';
  }

  function deliveryRow(d) {
    const actions = el('div', { class: 'buttons' });
    actions.appendChild(
      el('button', {
        type: 'button',
        class: 'small secondary',
        'data-action': 'attempts',
        'data-delivery': d.id,
        'aria-expanded': 'false',
        'aria-label': 'Attempts of delivery ' + d.id,
      }, 'Attempts'),
    );
    if (d.state === 'FAILED' && can('deliveries:redeliver')) {
      actions.appendChild(
        el('button', {
          type: 'button',
          class: 'small',
          'data-action': 'redeliver',
          'data-delivery': d.id,
          'aria-label': 'Redeliver delivery ' + d.id,
        }, 'Redeliver'),
      );
    }
    return el(
      'tr',
      { 'data-delivery': d.id, 'data-state': d.state, 'data-event-type': d.event_type },
      el('td', { 'data-label': 'Created' }, time(d.created_at)),
      el('td', { 'data-label': 'Event' },
        el('div', {}, displayName(d.event_type)),
        el('div', { class: 'hint' }, d.event_id || '')),
      el('td', { 'data-label': 'State', class: 'state' }, badge(STATE_LABELS, d.state)),
      el('td', { 'data-label': 'Attempts' }, String(d.attempt_count ?? 0)),
      el('td', { 'data-label': 'Last status' }, d.last_status === undefined || d.last_status === null ? '\u2014' : String(d.last_status)),
      el('td', { 'data-label': 'Actions', class: 'actions' }, actions),
    );
  }

  async function onDeliveriesClick(event) {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const deliveryId = button.getAttribute('data-delivery');
    const webhookId = state.deliveries.webhookId;
    const path = '/webhooks/' + encodeURIComponent(webhookId) + '/deliveries/' + encodeURIComponent(deliveryId);
    if (button.getAttribute('data-action') === 'attempts') {
      await toggleAttempts(button, path);
      return;
    }
    button.disabled = true;
    try {
      const r = (await api('POST', path + '/redeliver')).data || {};
      showMessage('Redelivery queued' + (r.delivery_id ? ' (delivery ' + r.delivery_id + ').' : '.'));
    } catch (err) {
      fail(err, 'Redelivering ' + deliveryId);
      button.disabled = false;
      return;
    }
    await Promise.all([loadSummary(webhookId), loadDeliveries(false)]);
  }

  async function toggleAttempts(button, path) {
    const row = button.closest('tr');
    const next = row.nextElementSibling;
    if (next && next.classList.contains('detail')) {
      next.remove();
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    let d;
    try {
      d = (await api('GET', path)).data || {};
    } catch (err) {
      fail(err, 'Loading the attempts');
      return;
    }
    const list = el('ol', { class: 'timeline', 'aria-label': 'Attempt timeline' });
    for (const a of d.attempts || []) {
      const parts = [];
      if (a.status !== undefined && a.status !== null) parts.push('HTTP ' + a.status);
      if (a.error_kind) parts.push(a.error_kind);
      if (a.duration_ms !== undefined && a.duration_ms !== null) parts.push(a.duration_ms + ' ms');
      const item = el('li', { class: 'attempt' }, 'Attempt ' + (a.number ?? '?') + ' \u00b7 ', time(a.at),
        parts.length ? ' \u00b7 ' + parts.join(' \u00b7 ') : '');
      if (a.response_excerpt) item.appendChild(el('pre', {}, a.response_excerpt));
      list.appendChild(item);
    }
    if (!list.children.length) list.appendChild(el('li', {}, 'No attempt yet.'));
    if (d.next_attempt_at) list.appendChild(el('li', {}, 'Next attempt: ', time(d.next_attempt_at)));
    const detail = el('tr', { class: 'detail' }, el('td', { colspan: '6' }, list));
    row.after(detail);
    button.setAttribute('aria-expanded', 'true');
  }

  async function recover(event) {
    event.preventDefault();
    const since = isoFromInput($('recover-since').value);
    if (!since) {
      showError('Choose the time from which to redeliver the failed deliveries.');
      $('recover-since').focus();
      return;
    }
    const webhookId = state.deliveries.webhookId;
    $('recover-submit').disabled = true;
    try {
      const r = (await api('POST', '/webhooks/' + encodeURIComponent(webhookId) + '/recover', { body: { since } })).data || {};
      const n = r.redelivered ?? 0;
      showMessage('Redelivering ' + n + ' failed ' + (n === 1 ? 'delivery' : 'deliveries') + ' since '
        + new Date(since).toLocaleString() + '.');
    } catch (err) {
      fail(err, 'Redelivering the failed deliveries');
      return;
    } finally {
      $('recover-submit').disabled = false;
    }
    await Promise.all([loadSummary(webhookId), loadDeliveries(false)]);
  }

  // ---------------------------------------------------------------- wiring

  function wire() {
    $('token-form').addEventListener('submit', useToken);
    $('forget-token').addEventListener('click', () => {
      forgetToken();
      showMessage('The token was removed from this tab.');
    });
    $('refresh-list').addEventListener('click', () => loadList(false));
    $('add-webhook').addEventListener('click', () => go('#/new'));
    $('list-filter').addEventListener('submit', (e) => {
      e.preventDefault();
      loadList(false);
    });
    $('list-more').addEventListener('click', () => loadList(true));
    $('webhook-rows').addEventListener('click', onListClick);

    $('webhook-form').addEventListener('submit', submitForm);
    $('form-cancel').addEventListener('click', () => go('#/'));
    $('conflict-reload').addEventListener('click', async () => {
      if (!state.editing) return;
      const id = state.editing.id;
      resetForm();
      await fillForm(id);
      showMessage('Reloaded the current version. Make your change again.');
    });

    $('deliveries-back').addEventListener('click', () => go('#/'));
    const reloadDeliveries = () => {
      loadSummary(state.deliveries.webhookId);
      loadDeliveries(false);
    };
    $('deliveries-refresh').addEventListener('click', reloadDeliveries);
    $('deliveries-filter').addEventListener('submit', (e) => {
      e.preventDefault();
      reloadDeliveries();
    });
    $('d-show-failed').addEventListener('click', () => {
      $('d-state').value = 'FAILED';
      reloadDeliveries();
    });
    $('deliveries-more').addEventListener('click', () => loadDeliveries(true));
    $('delivery-rows').addEventListener('click', onDeliveriesClick);
    $('recover-form').addEventListener('submit', recover);

    $('confirm-ok').addEventListener('click', () => settleConfirm(true));
    $('confirm-cancel').addEventListener('click', () => settleConfirm(false));
    $('confirm-dialog').addEventListener('close', () => settleConfirm(false));
    $('secret-done').addEventListener('click', () => $('secret-dialog').close());

    window.addEventListener('hashchange', route);
  }

  async function start() {
    wire();
    setBusy(0);
    if (!token()) {
      showView('view-token');
      return;
    }
    try {
      await loadSession();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        forgetToken();
        showError(describe(err, 'Signing in'));
      } else {
        showView('view-token');
        showError(describe(err, 'Signing in'));
      }
      return;
    }
    route();
  }

  start();
})();
