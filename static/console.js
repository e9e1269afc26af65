// The agent console: own status (the avatar at the bottom left), the team, the account's
// widgets, and conversation notifications. The token arrives in the URL fragment
// (console.html#token=JWT), so it never reaches a server log, and is kept in sessionStorage.

import { showAgentDay } from './coverage_view.js';
import { FrontdeskAgent, watchActivity } from './frontdesk.js';
import { avatarColor, formatWhen, h, initials, listNames, shortId } from './ui.js';

const TOKEN_KEY = 'frontdesk.agentToken';
const $ = (id) => document.getElementById(id);

const REASONS = { manual: 'Set by hand', schedule: 'By the opening hours', team_away: 'Team away: no agent available' };

/** Take the token from the fragment (then drop it from the address bar) or from the session. */
function takeToken() {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromHash = params.get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

// ---- alerts: desktop notifications and a chime ------------------------------------------

let audio = null;

const MUTE_KEY = 'frontdesk.console.muted';

function isMuted() {
  try { return localStorage.getItem(MUTE_KEY) === '1'; } catch { return false; }
}

function renderMuteButton() {
  const muted = isMuted();
  const button = $('mute-button');
  button.setAttribute('aria-pressed', String(muted));
  button.textContent = muted ? 'Sound off' : 'Sound on';
  button.title = muted ? 'New conversations arrive without a chime' : 'New conversations chime';
}

$('mute-button').addEventListener('click', () => {
  try { localStorage.setItem(MUTE_KEY, isMuted() ? '0' : '1'); } catch { /* no storage */ }
  renderMuteButton();
});

function chime() {
  if (isMuted()) return;
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') audio.resume();
    const now = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      const start = now + i * 0.14;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.18, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.35);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.4);
    }
  } catch {
    // No audio here (or not yet allowed): the list and the notification still tell.
  }
}

function notify(title, body, tag) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag, renotify: true });
    n.onclick = () => { window.focus(); n.close(); };
  } catch {
    // Some browsers only allow notifications from a service worker: the page still shows it.
  }
}

function bellIcon() {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.innerHTML = '<path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0" '
    + 'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>';
  return svg;
}

function renderAlertsButton() {
  const button = $('alerts-button');
  const permission = 'Notification' in window ? Notification.permission : 'unsupported';
  const on = permission === 'granted';
  button.setAttribute('aria-pressed', String(on));
  const label = on ? 'Alerts on' : permission === 'denied' ? 'Notifications blocked' : 'Enable alerts';
  button.replaceChildren(bellIcon(), label);
  button.title = permission === 'denied' ? 'Allow notifications for this site in the browser settings' : '';
}

$('alerts-button').addEventListener('click', async () => {
  chime(); // a click lets the page play sound from now on (muted: silent all the same)
  if ('Notification' in window && Notification.permission === 'default') {
    await Notification.requestPermission();
  }
  renderAlertsButton();
});

// ---- rendering ---------------------------------------------------------------------------

function presenceOf(a) {
  if (!a.connected) return { key: 'offline', label: 'Offline' };
  if (a.status === 'busy') return { key: 'busy', label: 'Busy' };
  return { key: 'online', label: 'Online' };
}

function avatar(name, presence, extra = '') {
  return h('span', {
    class: `avatar ${extra}`, 'aria-hidden': 'true', dataset: { presence },
    style: `--avatar: ${avatarColor(name)}`,
  }, initials(name));
}

function renderTeam(client) {
  const list = $('team');
  const me = client.agent?.id;
  const team = [...client.team.values()].sort((a, b) =>
    (a.agent === me ? -1 : b.agent === me ? 1 : 0) || String(a.name).localeCompare(String(b.name)));
  list.replaceChildren(...team.map((a) => {
    const p = presenceOf(a);
    return h('li', { class: 'person', dataset: { agent: a.agent, presence: p.key } },
      avatar(a.name, p.key),
      h('span', { class: 'who' },
        h('span', { class: 'name' }, a.name || a.agent, a.agent === me ? h('span', { class: 'you' }, ' (you)') : null),
        h('span', { class: 'presence' }, p.label)));
  }));
}

function renderMe(client) {
  const me = client.agent;
  if (!me) return;
  const self = client.team.get(me.id);
  const connected = client.state === 'open';
  const key = !connected ? 'offline' : me.status === 'busy' ? 'busy' : 'online';
  const el = $('me-avatar');
  el.textContent = initials(me.name);
  el.dataset.presence = key;
  el.style.setProperty('--avatar', avatarColor(me.name));
  $('me-name').textContent = me.name;
  $('me-status').textContent = `${me.status === 'busy' ? 'Busy' : 'Online'}${connected ? '' : ' · reconnecting'}`;
  $('me-button').disabled = false;
  $('me-button').setAttribute('aria-label', `${me.name}, ${me.status}. Change your status`);
  for (const item of document.querySelectorAll('#status-menu [role="menuitemradio"]')) {
    item.setAttribute('aria-checked', String(item.dataset.status === me.status));
  }
  document.body.dataset.agentStatus = me.status;
  if (self) document.body.dataset.available = String(self.available);
}

function renderWidgets(client) {
  const widgets = [...client.widgets.values()].sort((a, b) => a.widget.localeCompare(b.widget));
  $('no-widgets').hidden = widgets.length > 0;
  $('widgets').replaceChildren(...widgets.map((w) => h('li', { class: 'card widget-card', dataset: { widget: w.widget, status: w.status } },
    h('div', { class: 'card-head' },
      h('span', { class: 'card-title' }, w.widget),
      h('span', { class: `pill ${w.status}` }, w.status === 'online' ? 'Online' : 'Offline')),
    h('div', { class: 'meta reason' }, REASONS[w.reason] ?? w.reason),
    w.message ? h('p', { class: 'message' }, `“${w.message}”`) : null,
    h('div', { class: 'meta' }, w.next_change ? `Changes ${formatWhen(w.next_change)}` : 'No scheduled change'),
    h('div', { class: 'card-actions' },
      h('a', { class: 'button small', href: `settings.html?widget=${encodeURIComponent(w.widget)}` }, 'Hours and targeting')))));
}

/** The page a visitor is on, as a link when it is a web address (never a javascript: one). */
function pageLink(page) {
  if (!page) return null;
  let safe = false;
  try { safe = ['http:', 'https:'].includes(new URL(page).protocol); } catch { safe = false; }
  return h('div', { class: 'page' }, 'On ', safe
    ? h('a', { href: page, target: '_blank', rel: 'noopener noreferrer' }, page)
    : page);
}

function renderConversations(client) {
  // Closed conversations leave the list (their card fades out first).
  const all = [...client.conversations.values()].reverse().filter((c) => !c.closed || leaving.has(c.conversation));
  const open = all.filter((c) => !c.closed).length;
  $('no-conversations').hidden = all.length > 0;
  $('conversation-count').textContent = open ? `${open} open` : '';
  $('conversations').replaceChildren(...all.map((c) => {
    const names = (c.agents ?? []).map((a) => a.name || a.id);
    return h('li', {
      class: `card conversation${c.closed ? ' closed leaving' : ''}${fresh.has(c.conversation) ? ' new' : ''}`,
      dataset: { conversation: c.conversation, visitor: c.visitor, state: c.closed ? 'closed' : 'open' },
    },
      avatar('Visitor', 'offline', 'visitor-avatar'),
      h('div', { class: 'body' },
        h('div', { class: 'card-title' }, `Visitor ${shortId(c.visitor)}`, h('span', { class: 'meta' }, ` on ${c.widget}`)),
        c.text ? h('p', { class: 'message' }, `“${c.text}”`) : null,
        pageLink(c.page),
        h('div', { class: 'meta' }, c.closed ? 'Closed' : c.at ? `Started ${formatWhen(c.at)}` : 'Open'),
        h('div', { class: 'agents', 'aria-label': `Agents: ${listNames(names)}` },
          ...names.map((n) => h('span', { class: 'tag' }, n)))),
      c.closed ? null : h('button', {
        type: 'button', class: 'small danger close-conversation',
        'aria-label': `Close the conversation with visitor ${shortId(c.visitor)}`,
        onclick: () => client.closeConversation(c.conversation),
      }, 'Close'));
  }));
}

function renderOfflineMessages(client) {
  const messages = [...client.offlineMessages.values()]
    .sort((a, b) => String(b.created).localeCompare(String(a.created)) || String(b.message).localeCompare(String(a.message)));
  $('no-offline-messages').hidden = messages.length > 0;
  $('message-count').textContent = messages.length ? `${messages.length} unread` : '';
  $('offline-messages').replaceChildren(...messages.map((m) => h('li', {
    class: 'card offline-message', dataset: { message: m.message },
  },
    h('div', { class: 'card-head' },
      h('a', { href: `mailto:${m.email}` }, m.email),
      h('span', { class: 'meta' }, `${formatWhen(m.created)} · ${m.widget}`)),
    h('p', { class: 'message' }, m.text),
    h('div', { class: 'card-actions' },
      h('button', {
        type: 'button', class: 'small mark-read', 'aria-label': `Mark the message from ${m.email} read`,
        onclick: () => client.send({ type: 'offline_message.read', message: m.message }),
      }, 'Mark read')))));
}

function renderConnection(client, info) {
  const el = $('connection');
  el.className = 'notice';
  if (client.state === 'open') {
    el.textContent = '';
  } else if (client.state === 'connecting' && !info) {
    el.textContent = 'Connecting…';
  } else if (client.state === 'closed' && info && !info.byClient) {
    el.classList.add('error');
    el.textContent = info.code === 4401
      ? 'Your sign-in link is not valid or has expired. Open a fresh console link.'
      : `Disconnected: ${info.meaning}.`;
  } else if (info?.reconnect) {
    el.classList.add('warn');
    el.textContent = `Connection lost (${info.meaning}). Reconnecting${info.delay > 1500 ? ` in ${Math.round(info.delay / 1000)} s` : ''}…`;
  }
}

// ---- auto-away and reassignment (issue 15) -----------------------------------------------

const REVOKED = {
  agent_unavailable: 'went to a teammate: you were unavailable',
  reassigned: 'was reassigned by your team',
};

function clockTime(date) {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

/**
 * The banner after auto-away: "You were set to Busy at 17:42 after N minutes idle", with a
 * one-click return to Online. The server never sets an agent back online by itself.
 * `lastInput`: ms of this page's last input (its idle minutes are what the agent knows).
 */
function renderIdleBanner(client, lastInput, live) {
  const me = client.agent;
  const banner = $('idle-banner');
  const away = me?.status === 'busy' && me.status_reason === 'idle';
  if (!away) {
    banner.hidden = true;
    return;
  }
  if (banner.hidden) { // first shown now: the time and minutes of this change
    const now = new Date();
    const minutes = Math.round((now.getTime() - lastInput) / 60000);
    const idleFor = minutes < 1 ? 'less than a minute' : `${minutes} minute${minutes === 1 ? '' : 's'}`;
    $('idle-text').textContent = live
      ? `You were set to Busy at ${clockTime(now)} after ${idleFor} idle.`
      : 'You were set to Busy after being idle.';
  }
  banner.hidden = false;
}

function showRevoked(frame, visitor) {
  const text = `The conversation with visitor ${shortId(visitor ?? frame.conversation)} ${REVOKED[frame.reason] ?? 'was taken from you'}.`;
  const item = h('li', { dataset: { conversation: frame.conversation, reason: frame.reason } }, text);
  $('revoked').append(item);
  setTimeout(() => item.remove(), 15000);
}

// ---- the status menu ---------------------------------------------------------------------

function wireStatusMenu(client) {
  const button = $('me-button');
  const menu = $('status-menu');
  const items = () => [...menu.querySelectorAll('[role="menuitemradio"]')];
  const open = () => {
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    (items().find((i) => i.getAttribute('aria-checked') === 'true') ?? items()[0]).focus();
  };
  const close = (focusButton = true) => {
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (focusButton) button.focus();
  };
  button.addEventListener('click', () => (menu.hidden ? open() : close()));
  menu.addEventListener('click', (event) => {
    const item = event.target.closest('[role="menuitemradio"]');
    if (!item) return;
    client.setStatus(item.dataset.status);
    close();
  });
  menu.addEventListener('keydown', (event) => {
    const list = items();
    const i = list.indexOf(document.activeElement);
    if (event.key === 'Escape') close();
    else if (event.key === 'ArrowDown') list[(i + 1) % list.length].focus();
    else if (event.key === 'ArrowUp') list[(i - 1 + list.length) % list.length].focus();
    else return;
    event.preventDefault();
  });
  document.addEventListener('click', (event) => {
    if (!menu.hidden && !event.target.closest('.me')) close(false);
  });
}

// ---- conversations this tab has shown -----------------------------------------------------

// Each conversation is announced (chime, notification, highlight) once. What this tab has
// shown, with when, is kept in sessionStorage, so that a reload brings the cards back from
// the welcome without announcing them again. A conversation first seen in a welcome is
// announced only when this tab showed the console before (a reload) and not that one: it was
// given to this agent while the page was reloading.
const SEEN_KEY = 'frontdesk.console.seen';

function loadSeen() {
  try {
    const value = JSON.parse(sessionStorage.getItem(SEEN_KEY) ?? 'null');
    return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

const seenBefore = loadSeen(); // null: this tab has not shown the console yet
const seen = { ...seenBefore }; // conversation id -> ISO time first shown (null: unknown)

/** Keep the open conversations' entries (closed cards do not survive a reload anyway). */
function saveSeen(client) {
  for (const id of Object.keys(seen)) {
    const c = client.conversations.get(id);
    if (!c || c.closed) delete seen[id];
  }
  try {
    sessionStorage.setItem(SEEN_KEY, JSON.stringify(seen));
  } catch {
    // no storage: after a reload the cards come back all the same, just silently
  }
}

// ---- coverage gaps: a widget offline while open (coverage.gap / coverage.gap_ended) --------

function showGap(frame) {
  const since = new Date(frame.since);
  const text = `${frame.widget} has been offline while open since `
    + `${since.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: nobody is available to take visitors.`;
  const item = h('li', { class: 'notice warn', dataset: { widget: frame.widget } }, text);
  for (const old of $('gap-alerts').querySelectorAll(`[data-widget="${CSS.escape(frame.widget)}"]`)) old.remove();
  $('gap-alerts').append(item);
  notify('Visitors are being turned away', text, `gap-${frame.widget}`);
}

function endGap(frame) {
  for (const old of $('gap-alerts').querySelectorAll(`[data-widget="${CSS.escape(frame.widget)}"]`)) old.remove();
}

// ---- the agent's own day ---------------------------------------------------------------

const activityUrl = new URL('api/v1/agent/activity', new URL('/', location.href)).href;
let dayTimer = null;

/** Draw the day now, and again a little after each change of this agent (and each minute). */
function refreshDay(token, delay = 0) {
  clearTimeout(dayTimer);
  dayTimer = setTimeout(async () => {
    const shown = await showAgentDay($('my-day'), { url: activityUrl, token }).catch(() => null);
    if (shown) document.body.dataset.day = 'shown';
    refreshDay(token, 60000);
  }, delay);
}

// ---- start -------------------------------------------------------------------------------

const fresh = new Set();
const leaving = new Set(); // closed conversations whose cards are fading out

function signOut(client) {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(SEEN_KEY);
  client?.close();
  location.replace(location.pathname);
}

function showSession(on) {
  $('session-actions').hidden = !on;
  for (const section of document.querySelectorAll('.needs-session')) section.hidden = !on;
}

function start(token) {
  $('signin').hidden = true;
  const client = new FrontdeskAgent({ token });
  const activity = watchActivity(client);
  window.frontdeskConsole = { client, activity }; // for the browser tests and for debugging
  $('idle-return').addEventListener('click', () => {
    client.setStatus('online');
    $('idle-banner').hidden = true;
  });
  const renderAll = () => {
    renderMe(client);
    renderTeam(client);
    renderWidgets(client);
    renderConversations(client);
    renderOfflineMessages(client);
  };
  client.on('open', (welcome) => {
    $('account-line').textContent = `Signed in as ${welcome.agent.name}`;
    document.body.dataset.connected = 'true';
    showSession(true);
    // The welcome's open conversations are in client.conversations already (their
    // conversation.joined events follow): show them with the time this tab first saw them.
    for (const c of client.conversations.values()) c.at ??= seen[c.conversation] ?? null;
    renderConnection(client);
    renderAll();
    renderIdleBanner(client, activity.lastInput(), false);
    saveSeen(client);
    refreshDay(token, 300);
  });
  client.on('agent.status', (frame) => {
    renderTeam(client);
    renderMe(client);
    if (frame.agent === client.agent?.id) {
      renderIdleBanner(client, activity.lastInput(), true);
      refreshDay(token, 500);
    }
  });
  client.on('conversation.revoked', (frame) => {
    const card = document.querySelector(`#conversations [data-conversation="${CSS.escape(frame.conversation)}"]`);
    showRevoked(frame, card?.dataset.visitor);
    renderConversations(client);
    saveSeen(client);
  });
  client.on('widget.status', () => renderWidgets(client));
  client.on('coverage.gap', (frame) => showGap(frame));
  client.on('coverage.gap_ended', (frame) => endGap(frame));
  client.on('conversation.joined', (frame) => {
    const id = frame.conversation;
    const c = client.conversations.get(id);
    const announce = !(id in seen) && !(frame.restored && seenBefore === null);
    if (!(id in seen)) seen[id] = announce ? new Date().toISOString() : null;
    c.at = seen[id];
    saveSeen(client);
    if (announce) {
      fresh.add(id);
      setTimeout(() => { fresh.delete(id); }, 1500);
    }
    renderConversations(client);
    if (!announce) return;
    chime();
    const names = listNames((frame.agents ?? []).map((a) => a.name));
    const lines = [frame.text ? `“${frame.text}”` : `Visitor ${shortId(frame.visitor)} on ${frame.widget}`];
    if (frame.page) lines.push(`On ${frame.page}`);
    if (names) lines.push(`With ${names}`);
    notify('New conversation', lines.join('\n'), id);
  });
  client.on('conversation.closed', (frame) => {
    if (!frame.restored) {
      leaving.add(frame.conversation);
      setTimeout(() => { leaving.delete(frame.conversation); renderConversations(client); }, 400);
    }
    renderConversations(client);
    saveSeen(client);
  });
  client.on('offline_message.created', (frame) => {
    renderOfflineMessages(client);
    chime();
    notify('New message', `${frame.email}: ${frame.text}`, `message-${frame.message}`);
  });
  client.on('offline_message.read', () => renderOfflineMessages(client));
  client.on('error', (frame) => {
    $('connection').className = 'notice error';
    $('connection').textContent = frame.message || frame.code;
  });
  client.on('close', (info) => {
    document.body.dataset.connected = 'false';
    if (info.code === 4401) sessionStorage.removeItem(TOKEN_KEY);
    renderConnection(client, info);
    renderMe(client);
    if (info.code === 4401) {
      showSession(false);
      $('signin').hidden = false;
    }
  });
  $('signout-button').addEventListener('click', () => signOut(client));
  wireStatusMenu(client);
  client.connect();
  renderConnection(client);
}

$('signin').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('token-input').value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  location.reload();
});

renderAlertsButton();
renderMuteButton();
const token = takeToken();
if (token) start(token);
else $('signin').hidden = false;
