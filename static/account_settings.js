// Account settings on the settings page (issue 15): GET and PUT
// /api/v1/accounts/{account}/settings, with the 422 errors next to their fields.

const $ = (id) => document.getElementById(id);
const FIELDS = ['auto_away_after', 'reassign_after', 'gap_alert_after'];

let current = null; // { account, request, apiBase }

function url() {
  return `${current.apiBase}accounts/${encodeURIComponent(current.account)}/settings`;
}

function fill(data) {
  for (const name of FIELDS) $(name).value = String(data?.[name] ?? 0);
}

function clearErrors() {
  for (const name of FIELDS) {
    $(`${name}-error`).textContent = '';
    $(name).removeAttribute('aria-invalid');
  }
}

function state(text, kind = '') {
  const el = $('account-state');
  el.className = `notice ${kind}`.trim();
  el.textContent = text;
}

/** Show the account's settings under the widget's (called once the widget's account is known). */
export async function showAccountSettings(account, request, apiBase) {
  const form = $('account-form');
  if (!form) return;
  // Shown once per account: saving the widget again must not overwrite what is being typed here.
  if (current?.account === account && form.dataset.loaded === 'true') return;
  current = { account, request, apiBase };
  $('account-name').textContent = account;
  clearErrors();
  state('');
  const { status, data } = await request('GET', url());
  if (status !== 200) {
    form.hidden = true;
    return;
  }
  fill(data);
  form.hidden = false;
  form.dataset.loaded = 'true';
}

async function save(event) {
  event.preventDefault();
  if (!current) return;
  const body = {};
  for (const name of FIELDS) {
    const text = $(name).value.trim();
    body[name] = text === '' ? 0 : Number(text);
  }
  $('account-save').disabled = true;
  state('Saving…');
  try {
    const { status, data } = await current.request('PUT', url(), body);
    clearErrors();
    if (status === 200) {
      fill(data);
      state('Saved. The change is live.');
    } else if (status === 422) {
      for (const [name, text] of Object.entries(data?.fields ?? {})) {
        const slot = $(`${name}-error`);
        if (!slot) continue;
        slot.textContent = String(text);
        $(name).setAttribute('aria-invalid', 'true');
        $(name).setAttribute('aria-errormessage', slot.id);
      }
      state('Not saved: see the fields marked in red.', 'error');
    } else {
      state(`Not saved: ${data?.message ?? `the server answered ${status}`}.`, 'error');
    }
  } catch {
    state('Not saved: the server could not be reached.', 'error');
  } finally {
    $('account-save').disabled = false;
  }
}

$('account-form')?.addEventListener('submit', save);
