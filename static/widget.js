/*
 * Frontdesk chat widget: embed it with one tag.
 *
 *   <script src="https://frontdesk.example/widget.js" data-widget="acme-site" async></script>
 *
 * Optional attributes: data-title ("Chat with us"), data-color (the accent, any CSS colour),
 * data-position ("right" or "left").
 * It finds its own <script> tag, takes the Frontdesk origin from its src, loads the client
 * library (frontdesk.js) from there and draws a launcher bubble in a shadow root, so that the
 * host page's styles and ours never meet.
 */
(function frontdeskWidget() {
  'use strict';

  var script = document.currentScript ||
    Array.prototype.slice.call(document.querySelectorAll('script[data-widget][src*="widget.js"]')).pop();
  if (!script || !script.dataset.widget) {
    console.error('Frontdesk: put data-widget="<widget id>" on the widget.js <script> tag');
    return;
  }
  var widgetId = script.dataset.widget;
  var scriptUrl = new URL(script.src, location.href);
  var libraryUrl = new URL('frontdesk.js', scriptUrl).href;
  var server = scriptUrl.origin;
  var title = script.dataset.title || 'Chat with us';
  var accent = script.dataset.color || '#4f46e5';
  var side = script.dataset.position === 'left' ? 'left' : 'right';

  var CSS = [
    ':host { all: initial; }',
    '* { box-sizing: border-box; }',
    '.root { position: fixed; bottom: 20px; ' + side + ': 20px; z-index: 2147483000; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1d2133; --accent: ' + accent + '; }',
    '.launcher { width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer; background: var(--accent); color: #fff; display: grid; place-items: center; box-shadow: 0 8px 24px rgb(16 24 40 / 25%); position: relative; margin-left: auto; transition: transform .15s; }',
    '.launcher:hover { transform: scale(1.05); }',
    '.launcher:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 45%, transparent); outline-offset: 2px; }',
    '.launcher svg { width: 28px; height: 28px; }',
    '.launcher .dot { position: absolute; top: 4px; right: 4px; width: 14px; height: 14px; border-radius: 50%; border: 2px solid #fff; background: #8a90a6; }',
    '.root[data-status="online"] .launcher .dot { background: #16a34a; }',
    '.panel { position: absolute; bottom: 76px; ' + side + ': 0; width: min(370px, calc(100vw - 40px)); background: #fff; border-radius: 16px; box-shadow: 0 20px 50px rgb(16 24 40 / 28%); overflow: hidden; display: flex; flex-direction: column; transform-origin: bottom ' + side + '; animation: pop .18s ease-out; }',
    '@keyframes pop { from { opacity: 0; transform: translateY(8px) scale(.98); } }',
    '.panel[hidden] { display: none; }',
    '.head { background: var(--accent); color: #fff; padding: 16px 18px 18px; display: flex; align-items: flex-start; gap: 10px; }',
    '.head h2 { font-size: 17px; margin: 0; flex: 1; }',
    '.head .x { background: transparent; border: 0; color: #fff; font-size: 22px; line-height: 1; cursor: pointer; padding: 0 4px; opacity: .85; }',
    '.banner { margin: -8px 12px 0; background: #fff; border-radius: 12px; padding: 12px 14px; box-shadow: 0 4px 14px rgb(16 24 40 / 10%); display: flex; gap: 10px; align-items: flex-start; }',
    '.banner .state { font-weight: 700; display: flex; align-items: center; gap: 6px; }',
    '.banner .state::before { content: ""; width: 9px; height: 9px; border-radius: 50%; background: #8a90a6; flex: none; }',
    '.banner[data-status="online"] .state::before { background: #16a34a; box-shadow: 0 0 0 3px #dcfce7; }',
    '.banner .message { color: #646b83; font-size: 14px; margin: 2px 0 0; }',
    '.banner .when { color: #3f4459; font-size: 13.5px; font-weight: 600; margin: 4px 0 0; }',
    '.banner .when:empty { display: none; }',
    '.body { padding: 14px 16px 16px; display: flex; flex-direction: column; gap: 10px; max-height: 50vh; overflow: auto; }',
    '.bubble { align-self: flex-end; background: var(--accent); color: #fff; padding: 8px 12px; border-radius: 14px 14px 4px 14px; max-width: 85%; white-space: pre-wrap; word-wrap: break-word; }',
    '.event { color: #646b83; font-size: 13.5px; text-align: center; }',
    '.joined { display: flex; align-items: center; gap: 8px; background: #f5f6fa; border-radius: 12px; padding: 8px 10px; font-size: 14px; }',
    '.faces { display: flex; }',
    '.face { width: 28px; height: 28px; border-radius: 50%; color: #fff; font-size: 11px; font-weight: 700; display: grid; place-items: center; border: 2px solid #fff; margin-left: -6px; }',
    '.face:first-child { margin-left: 0; }',
    '.queue { text-align: center; padding: 10px; background: #fdf3e4; color: #7c2d12; border-radius: 12px; font-size: 14px; }',
    '.queue strong { font-size: 20px; display: block; }',
    'form { display: flex; flex-direction: column; gap: 8px; }',
    'label { font-size: 13px; font-weight: 600; color: #646b83; }',
    'textarea, input { font: inherit; border: 1px solid #8a90a6; border-radius: 10px; padding: 8px 10px; color: #1d2133; background: #fff; }',
    'textarea { resize: none; min-height: 64px; }',
    'textarea:focus, input:focus { border-color: var(--accent); outline: none; }',
    '[aria-invalid="true"] { border-color: #b91c1c; }',
    '.field-error { color: #b91c1c; font-size: 13px; font-weight: 600; margin: -4px 0 0; }',
    '.field-error:empty { display: none; }',
    '.sent { background: #ecfdf3; color: #14532d; border-radius: 12px; padding: 10px 12px; font-size: 14px; }',
    '.note { color: #4b5167; font-size: 13.5px; margin: 0; }',
    '.primary { font: inherit; font-weight: 600; border: 0; border-radius: 10px; padding: 10px 14px; background: var(--accent); color: #fff; cursor: pointer; }',
    '.primary:disabled { opacity: .5; cursor: not-allowed; }',
    '.link { font: inherit; background: none; border: 0; color: var(--accent); cursor: pointer; font-weight: 600; padding: 4px; }',
    '.conn { font-size: 12.5px; color: #7c2d12; background: #fdf3e4; padding: 6px 16px; }',
    '.conn:empty { display: none; }',
    '.foot { font-size: 11.5px; color: #646b83; text-align: center; padding: 0 0 10px; }',
    // Phones: the open widget takes the whole screen, and the launcher steps aside.
    '@media (max-width: 480px) {',
    '  .root[data-open="true"] { inset: 0; }',
    '  .root[data-open="true"] .launcher { display: none; }',
    '  .root[data-open="true"] .panel { position: fixed; inset: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; animation: none; }',
    '  .root[data-open="true"] .body { max-height: none; flex: 1; }',
    '}',
  ].join('\n');

  var ICON = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 12a8.5 8.5 0 0 1-12.3 7.6L3 21l1.4-5.2A8.5 8.5 0 1 1 21 12z"/></svg>';

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function initials(name) {
    var words = String(name || '?').trim().split(/\s+/);
    return (words.length > 1 ? words[0][0] + words[1][0] : words[0].slice(0, 2)).toUpperCase();
  }

  function color(name) {
    var hash = 0;
    for (var i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
    return 'hsl(' + (hash % 360) + ' 55% 48%)';
  }

  function names(list) {
    if (list.length <= 1) return list.join('');
    return list.slice(0, -1).join(', ') + ' and ' + list[list.length - 1];
  }

  // ---- the DOM: a host element with a shadow root ---------------------------------------
  var host = el('div', { id: 'frontdesk-widget', 'data-widget': widgetId, 'data-status': 'unknown', 'data-conversation': 'none' });
  var shadow = host.attachShadow({ mode: 'open' });
  var style = el('style');
  style.textContent = CSS;
  var root = el('div', { class: 'root', 'data-status': 'unknown' });
  var panelId = 'frontdesk-panel';
  var launcher = el('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': panelId, 'aria-label': title });
  launcher.innerHTML = ICON + '<span class="dot" aria-hidden="true"></span>';
  var panel = el('section', { class: 'panel', id: panelId, role: 'dialog', 'aria-label': title });
  panel.hidden = true;
  var head = el('div', { class: 'head' });
  var heading = el('h2', {}, title);
  var closeButton = el('button', { class: 'x', type: 'button', 'aria-label': 'Close the chat' }, '×');
  head.append(heading, closeButton);
  var banner = el('div', { class: 'banner', role: 'status', 'aria-live': 'polite', 'data-status': 'unknown' });
  var bannerText = el('div');
  var bannerState = el('div', { class: 'state' }, 'Connecting…');
  var bannerMessage = el('p', { class: 'message' });
  var bannerWhen = el('p', { class: 'when' });
  bannerText.append(bannerState, bannerMessage, bannerWhen);
  banner.append(bannerText);
  var conn = el('div', { class: 'conn', role: 'status' });
  var body = el('div', { class: 'body', 'aria-live': 'polite' });
  var foot = el('div', { class: 'foot' }, 'Live chat by Frontdesk');
  panel.append(head, banner, conn, body, foot);
  root.append(panel, launcher);
  shadow.append(style, root);

  var form = el('form');
  var textId = 'frontdesk-text';
  var label = el('label', { for: textId }, 'How can we help?');
  var textarea = el('textarea', { id: textId, name: 'text', rows: '3', maxlength: '2000', placeholder: 'Type your question…' });
  var startButton = el('button', { class: 'primary', type: 'submit' }, 'Start a conversation');
  form.append(label, textarea, startButton);

  // The leave-a-message form: shown when the widget is offline, and whenever the page asks for
  // it (host.offerLeaveMessage(note), e.g. when a queued conversation is given up).
  var MAX_MESSAGE = 4000;
  var EMAIL = /^[^\s@<>"]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
  var leave = el('form', { class: 'leave', novalidate: '' });
  var leaveNote = el('p', { class: 'note' }, 'Leave a message and we will reply by email.');
  var emailLabel = el('label', { for: 'frontdesk-email' }, 'Your email');
  var emailInput = el('input', { id: 'frontdesk-email', name: 'email', type: 'email', autocomplete: 'email', required: '', 'aria-describedby': 'frontdesk-email-error' });
  var emailError = el('p', { class: 'field-error', id: 'frontdesk-email-error' });
  var messageLabel = el('label', { for: 'frontdesk-message' }, 'Your message');
  var messageInput = el('textarea', { id: 'frontdesk-message', name: 'text', rows: '4', maxlength: String(MAX_MESSAGE), required: '', 'aria-describedby': 'frontdesk-message-error' });
  var messageError = el('p', { class: 'field-error', id: 'frontdesk-message-error' });
  var leaveButton = el('button', { class: 'primary', type: 'submit' }, 'Send message');
  var leaveStatus = el('p', { class: 'field-error', role: 'alert' });
  leave.append(leaveNote, emailLabel, emailInput, emailError, messageLabel, messageInput, messageError, leaveStatus, leaveButton);
  var leaveState = { offered: null, sent: null }; // offered: a note, or null; sent: the email

  function showFieldErrors(fields) {
    emailError.textContent = fields.email || '';
    messageError.textContent = fields.text || '';
    emailInput.setAttribute('aria-invalid', String(!!fields.email));
    messageInput.setAttribute('aria-invalid', String(!!fields.text));
  }

  function checkLeave() {
    var fields = {};
    var email = emailInput.value.trim();
    if (!email) fields.email = 'Please give your email address.';
    else if (!EMAIL.test(email)) fields.email = 'That does not look like an email address.';
    var text = messageInput.value;
    if (!text.trim()) fields.text = 'Please write a message.';
    else if (text.length > MAX_MESSAGE) fields.text = 'At most ' + MAX_MESSAGE + ' characters, please.';
    showFieldErrors(fields);
    return fields;
  }

  leave.addEventListener('submit', function (event) {
    event.preventDefault();
    leaveStatus.textContent = '';
    var fields = checkLeave();
    if (fields.email || fields.text) {
      (fields.email ? emailInput : messageInput).focus();
      return;
    }
    if (!client) return;
    leaveButton.disabled = true;
    var email = emailInput.value.trim();
    client.leaveMessage({ email: email, text: messageInput.value }).then(function (answer) {
      leaveButton.disabled = false;
      if (answer.ok) {
        leaveState.sent = email;
        messageInput.value = '';
        host.dataset.message = 'sent';
        renderBody(true);
      } else if (answer.status === 422 && answer.body && answer.body.fields) {
        showFieldErrors({ email: answer.body.fields.email && 'That does not look like an email address.', text: answer.body.fields.text && 'Please write a message of at most ' + MAX_MESSAGE + ' characters.' });
      } else if (answer.status === 429) {
        leaveStatus.textContent = 'You have sent several messages just now. Please try again' + (answer.retryAfter ? ' in ' + answer.retryAfter + ' s.' : ' later.');
      } else {
        leaveStatus.textContent = 'Your message could not be sent. Please try again.';
      }
    }, function () {
      leaveButton.disabled = false;
      leaveStatus.textContent = 'Your message could not be sent. Please check your connection.';
    });
  });

  var client = null;
  var sentText = '';

  // The visitor's first message is kept for this tab with its conversation id, so that the
  // bubble is still there after a reload (the welcome brings the conversation, not the text).
  var TEXT_KEY = 'frontdesk.text.' + widgetId;
  var textFor = null; // the conversation sentText belongs to; null: the one being started

  function syncText() {
    var c = client && client.conversation;
    if (!c || !c.id || c.id === textFor) return;
    if (textFor === null && sentText) {
      textFor = c.id;
      try { sessionStorage.setItem(TEXT_KEY, JSON.stringify({ conversation: c.id, text: sentText })); } catch (e) { /* no storage */ }
      return;
    }
    // A conversation not started on this page (a reload, another tab): its text if kept.
    var kept = null;
    try { kept = JSON.parse(sessionStorage.getItem(TEXT_KEY) || 'null'); } catch (e) { /* nothing kept */ }
    sentText = kept && kept.conversation === c.id && typeof kept.text === 'string' ? kept.text : '';
    textFor = c.id;
  }

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    host.dataset.open = String(open);
    root.dataset.open = String(open);
    if (open && !form.hidden && form.isConnected) textarea.focus();
  }
  launcher.addEventListener('click', function () { setOpen(panel.hidden); });
  closeButton.addEventListener('click', function () { setOpen(false); launcher.focus(); });
  panel.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') { setOpen(false); launcher.focus(); }
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!client) return;
    sentText = textarea.value.trim();
    textFor = null;
    client.startConversation(sentText || undefined);
    textarea.value = '';
    render();
  });

  // ---- rendering ------------------------------------------------------------------------
  function renderStatus() {
    var s = client && client.status;
    var status = s ? s.status : 'unknown';
    host.dataset.status = status;
    root.dataset.status = status;
    banner.dataset.status = status;
    bannerState.textContent = status === 'online' ? 'We are online' : status === 'offline' ? 'We are offline' : 'Connecting…';
    bannerMessage.textContent = s && s.message ? s.message : '';
    bannerWhen.textContent = (s && lib && lib.describeNextChange(s, { timezone: client.timezone })) || '';
    launcher.setAttribute('aria-label', title + (status === 'online' ? ' (online)' : status === 'offline' ? ' (offline)' : ''));
  }

  var bodyKey = '';
  var lib = null;

  /** Show the leave-a-message form with `note` (e.g. "Nobody could take your conversation."). */
  function offerLeaveMessage(note) {
    leaveState.offered = note || 'Leave a message and we will reply by email.';
    leaveState.sent = null;
    renderBody(true);
  }
  /** Back to the normal states (the form stays while the widget is offline). */
  function withdrawLeaveMessage() {
    leaveState.offered = null;
    renderBody(true);
  }
  host.offerLeaveMessage = offerLeaveMessage;
  host.withdrawLeaveMessage = withdrawLeaveMessage;

  function renderBody(force) {
    var c = client && client.conversation;
    var online = !!(client && client.isOnline);
    host.dataset.conversation = c ? c.state : 'none';
    host.dataset.ended = c && c.reason ? c.reason : '';
    var key = JSON.stringify([c, online, !!(client && client.status), sentText, leaveState]);
    if (key === bodyKey && force !== true) return; // unchanged: leave the form (and what is typed) alone
    bodyKey = key;
    var nodes = [];
    if (c && sentText) nodes.push(el('div', { class: 'bubble' }, sentText));
    if (c && c.agents.length && c.state !== 'queued') {
      var joined = el('div', { class: 'joined' });
      var faces = el('div', { class: 'faces', 'aria-hidden': 'true' });
      c.agents.forEach(function (a) {
        faces.append(el('span', { class: 'face', style: 'background:' + color(a.name || a.id) }, initials(a.name || a.id)));
      });
      var who = names(c.agents.map(function (a) { return a.name || a.id; }));
      joined.append(faces, el('span', { class: 'who' }, who + ' joined the conversation'));
      nodes.push(joined);
    }
    var idle = !c || c.state === 'closed' || c.state === 'rejected';
    // Refused (the queue is full) or waited too long: say so, and offer the leave-a-message
    // form with the widget's offline message (contract: An honest queue).
    var turnedAway = !!c && (c.state === 'rejected' || c.state === 'closed' && c.reason === 'expired');
    var awayNote = turnedAway ? (c.message || (client && client.status && client.status.status === 'offline' && client.status.message) ||
      'Leave a message and we will reply by email.') : null;
    if (turnedAway) {
      nodes.push(el('div', { class: 'event turned-away', 'data-reason': c.reason || '' },
        c.state === 'rejected' ? 'All our agents are busy right now.' : 'Sorry, nobody could take your conversation in time.'));
    } else if (idle && c) nodes.push(el('div', { class: 'event' }, 'The conversation has ended. Thank you!'));
    if (leaveState.sent && (idle || leaveState.offered !== null)) {
      nodes.push(el('div', { class: 'sent', role: 'status' }, 'Thank you! Your message was sent. We will reply to ' + leaveState.sent + '.'));
      var again = el('button', { class: 'link', type: 'button' }, 'Send another message');
      again.addEventListener('click', function () { leaveState.sent = null; delete host.dataset.message; renderBody(true); });
      nodes.push(again);
    } else if (leaveState.offered !== null || turnedAway || (idle && !online && client && client.status)) {
      // Offline, turned away, or offered by the page: a message instead of a conversation.
      leaveNote.textContent = leaveState.offered || awayNote || 'Leave a message and we will reply by email.';
      host.dataset.form = 'leave-message';
      nodes.push(leave);
    } else if (idle) {
      host.dataset.form = 'start';
      startButton.disabled = !online;
      startButton.textContent = online ? (c ? 'Start a new conversation' : 'Start a conversation') : 'Connecting…';
      nodes.push(form);
    } else if (c.state === 'starting') {
      nodes.push(el('div', { class: 'event' }, 'Connecting you with our team…'));
    } else if (c.state === 'queued') {
      var q = el('div', { class: 'queue', 'data-position': String(c.position),
        'data-estimate': c.estimatedWait === null || c.estimatedWait === undefined ? '' : String(c.estimatedWait) });
      var line = lib && lib.describeQueue ? lib.describeQueue(c.position, c.estimatedWait)
        : (c.position === 1 ? 'You are next' : 'Number ' + c.position + ' in line');
      q.append(el('strong', { class: 'queue-line' }, line),
        document.createTextNode('An agent will be with you shortly.'));
      nodes.push(q);
    }
    if (leaveState.sent && idle && online) nodes.push(form);
    var focused = shadow.activeElement;
    body.replaceChildren.apply(body, nodes);
    if (focused && focused.isConnected && shadow.activeElement !== focused) focused.focus();
  }

  function renderConnection(info) {
    if (!client || client.state === 'open' || client.state === 'connecting' && !info) conn.textContent = '';
    else if (client.state === 'closed') conn.textContent = info && info.code === 4404 ? 'This chat is not available.' : 'Chat unavailable.';
    else conn.textContent = 'Reconnecting…';
  }

  function render() {
    renderStatus();
    renderBody();
  }

  function mount() {
    document.body.append(host);
    render();
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);

  // ---- the connection ------------------------------------------------------------------
  import(libraryUrl).then(function (library) {
    lib = library;
    client = new lib.FrontdeskWidget({ server: server, widget: widgetId });
    // The "Back Monday at 9:00" line names today and tomorrow: keep it current.
    setInterval(renderStatus, 60000);
    host.frontdesk = client; // for the page's own scripts and for tests
    // After a reload the welcome brings the open conversation back: client.conversation is
    // set before 'open', and its conversation.joined or .queued event follows (restored).
    client.on('open', function () { syncText(); renderConnection(); render(); });
    client.on('widget.status', renderStatus);
    client.on('widget.status', renderBody);
    client.on('conversation.queued', function () { syncText(); renderBody(); });
    client.on('conversation.joined', function () { syncText(); renderBody(); });
    client.on('conversation.closed', renderBody);
    client.on('conversation.rejected', renderBody);
    client.on('close', function (info) { renderConnection(info); });
    client.connect();
    render();
  }).catch(function (error) {
    conn.textContent = 'Chat unavailable.';
    console.error('Frontdesk: could not load ' + libraryUrl, error);
  });
})();
