// Webhooks on the settings page (issue 13): the account's webhooks
// (GET /api/v1/accounts/{account}/webhooks), each with its last deliveries and a "Send again"
// button per delivery (POST .../deliveries/{event}/redeliver, 202), a form to add one (the
// secret is shown once, as the 201 answer is the only one that carries it) and a delete button.

import { h } from './ui.js';

const $ = (id) => document.getElementById(id);
const SHOWN_DELIVERIES = 10;
const FIELDS = ['url', 'events'];

let current = null; // { account, request, apiBase }

function base() {
  return `${current.apiBase}accounts/${encodeURIComponent(current.account)}/webhooks`;
}

function state(text, kind = '') {
  const el = $('webhooks-state');
  el.className = `notice ${kind}`.trim();
  el.textContent = text;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

function deliveryRow(hook, delivery) {
  const send = h('button', {
    type: 'button', class: 'small',
    'aria-label': `Send ${delivery.type} event ${delivery.event} again`,
    onclick: () => redeliver(hook, delivery, send),
  }, 'Send again');
  return h('tr', { dataset: { event: delivery.event, status: delivery.status } },
    h('td', {}, h('code', {}, delivery.event)),
    h('td', {}, delivery.type),
    h('td', {}, h('span', { class: `delivery ${delivery.status}` }, delivery.status)),
    h('td', { class: 'num' }, String(delivery.attempts)),
    h('td', { class: 'num', title: delivery.last_error ?? '' }, delivery.last_code == null ? '—' : String(delivery.last_code)),
    h('td', {}, when(delivery.next_attempt)),
    h('td', {}, send));
}

function deliveriesTable(hook, deliveries) {
  if (!deliveries.length) return h('p', { class: 'help' }, 'No deliveries yet.');
  const caption = `Last deliveries to ${hook.url}`;
  return h('table', { class: 'deliveries' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ...['Event', 'Type', 'Status', 'Attempts', 'Last code', 'Next attempt', '']
      .map((t) => h('th', { scope: 'col' }, t || h('span', { class: 'visually-hidden' }, 'Actions'))))),
    h('tbody', {}, ...deliveries.slice(-SHOWN_DELIVERIES).reverse().map((d) => deliveryRow(hook, d))));
}

async function hookItem(hook) {
  let deliveries = [];
  let problem = null;
  try {
    const { status, data } = await current.request('GET', `${base()}/${encodeURIComponent(hook.id)}/deliveries`);
    if (status === 200 && Array.isArray(data)) deliveries = data;
    else problem = data?.message ?? `the server answered ${status}`;
  } catch {
    problem = 'the server could not be reached';
  }
  const headingId = `hook-${hook.id}`;
  return h('li', { class: 'card webhook', dataset: { webhook: hook.id }, 'aria-labelledby': headingId },
    h('div', { class: 'card-head' },
      h('h3', { class: 'card-title', id: headingId }, hook.url),
      h('button', {
        type: 'button', class: 'small ghost', 'aria-label': `Delete the webhook to ${hook.url}`,
        onclick: () => remove(hook),
      }, 'Delete')),
    h('p', { class: 'meta' }, `Events: ${hook.events.join(', ')} · added ${when(hook.created)} · `, h('code', {}, hook.id)),
    problem ? h('p', { class: 'notice error' }, `Deliveries not shown: ${problem}.`) : deliveriesTable(hook, deliveries));
}

/** Fetch the account's webhooks and their deliveries and show them. */
export async function refreshWebhooks() {
  if (!current) return;
  const panel = $('webhooks-panel');
  let listed;
  try {
    listed = await current.request('GET', base());
  } catch {
    state('Webhooks not shown: the server could not be reached.', 'error');
    return;
  }
  if (listed.status !== 200 || !Array.isArray(listed.data)) {
    state(`Webhooks not shown: ${listed.data?.message ?? `the server answered ${listed.status}`}.`, 'error');
    return;
  }
  const items = await Promise.all(listed.data.map(hookItem));
  $('webhooks-list').replaceChildren(...items);
  $('webhooks-empty').hidden = listed.data.length > 0;
  panel.hidden = false;
  panel.dataset.loaded = String(Number(panel.dataset.loaded ?? 0) + 1);
}

async function redeliver(hook, delivery, button) {
  button.disabled = true;
  try {
    const url = `${base()}/${encodeURIComponent(hook.id)}/deliveries/${encodeURIComponent(delivery.event)}/redeliver`;
    const { status, data } = await current.request('POST', url);
    if (status === 202) state(`Event ${delivery.event} will be sent again to ${hook.url}.`);
    else state(`Not sent again: ${data?.message ?? `the server answered ${status}`}.`, 'error');
  } catch {
    state('Not sent again: the server could not be reached.', 'error');
  }
  await refreshWebhooks();
}

async function remove(hook) {
  if (!window.confirm(`Delete the webhook to ${hook.url}? Its deliveries stop.`)) return;
  try {
    const { status, data } = await current.request('DELETE', `${base()}/${encodeURIComponent(hook.id)}`);
    if (status === 204) state(`Deleted the webhook to ${hook.url}.`);
    else state(`Not deleted: ${data?.message ?? `the server answered ${status}`}.`, 'error');
  } catch {
    state('Not deleted: the server could not be reached.', 'error');
  }
  await refreshWebhooks();
}

function clearErrors() {
  for (const name of FIELDS) {
    $(`webhook-${name}-error`).textContent = '';
    $(`webhook-${name}`).removeAttribute('aria-invalid');
  }
}

async function add(event) {
  event.preventDefault();
  if (!current) return;
  const text = $('webhook-events').value.trim();
  const body = {
    url: $('webhook-url').value.trim(),
    events: text === '' ? [] : text.split(/[\s,]+/).filter(Boolean),
  };
  $('webhook-add').disabled = true;
  $('webhook-secret').hidden = true;
  try {
    const { status, data } = await current.request('POST', base(), body);
    clearErrors();
    if (status === 201) {
      $('webhook-secret-value').textContent = data.secret;
      $('webhook-secret').hidden = false;
      $('webhook-url').value = '';
      state(`Added the webhook to ${data.url}.`);
      await refreshWebhooks();
    } else if (status === 422) {
      for (const [name, message] of Object.entries(data?.fields ?? {})) {
        const slot = $(`webhook-${name}-error`);
        if (!slot) continue;
        slot.textContent = String(message);
        $(`webhook-${name}`).setAttribute('aria-invalid', 'true');
        $(`webhook-${name}`).setAttribute('aria-errormessage', slot.id);
      }
      state(`Not added: ${data?.message ?? 'see the fields marked in red'}.`, 'error');
    } else {
      state(`Not added: ${data?.message ?? `the server answered ${status}`}.`, 'error');
    }
  } catch {
    state('Not added: the server could not be reached.', 'error');
  } finally {
    $('webhook-add').disabled = false;
  }
}

/** Show the account's webhooks (called once the widget's account is known). */
export async function showWebhooks(account, request, apiBase) {
  if (!$('webhooks-panel')) return;
  if (current?.account === account) return;
  current = { account, request, apiBase };
  $('webhooks-account').textContent = account;
  await refreshWebhooks();
}

$('webhook-form')?.addEventListener('submit', add);
$('webhooks-refresh')?.addEventListener('click', () => refreshWebhooks());
