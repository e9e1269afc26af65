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
    'textarea { font: inherit; border: 1px solid #cfd4e2; border-radius: 10px; padding: 8px 10px; resize: none; min-height: 64px; }',
    'textarea:focus { border-color: var(--accent); outline: none; }',
    '.primary { font: inherit; font-weight: 600; border: 0; border-radius: 10px; padding: 10px 14px; background: var(--accent); color: #fff; cursor: pointer; }',
    '.primary:disabled { opacity: .5; cursor: not-allowed; }',
    '.link { font: inherit; background: none; border: 0; color: var(--accent); cursor: pointer; font-weight: 600; padding: 4px; }',
    '.conn { font-size: 12.5px; color: #7c2d12; background: #fdf3e4; padding: 6px 16px; }',
    '.conn:empty { display: none; }',
    '.foot { font-size: 11.5px; color: #9aa0b8; text-align: center; padding: 0 0 10px; }',
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
  bannerText.append(bannerState, bannerMessage);
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
    launcher.setAttribute('aria-label', title + (status === 'online' ? ' (online)' : status === 'offline' ? ' (offline)' : ''));
  }

  var bodyKey = '';

  function renderBody() {
    var c = client && client.conversation;
    var online = !!(client && client.isOnline);
    host.dataset.conversation = c ? c.state : 'none';
    var key = JSON.stringify([c, online, sentText]);
    if (key === bodyKey) return; // unchanged: leave the form (and what is typed) alone
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
    if (!c || c.state === 'closed') {
      if (c) nodes.push(el('div', { class: 'event' }, 'The conversation has ended. Thank you!'));
      startButton.disabled = !online;
      startButton.textContent = online ? (c ? 'Start a new conversation' : 'Start a conversation') : 'We are offline right now';
      nodes.push(form);
    } else if (c.state === 'starting') {
      nodes.push(el('div', { class: 'event' }, 'Connecting you with our team…'));
    } else if (c.state === 'queued') {
      var q = el('div', { class: 'queue', 'data-position': String(c.position) });
      q.append(el('strong', {}, c.position === 1 ? 'You are next' : 'Number ' + c.position + ' in line'),
        document.createTextNode('An agent will be with you shortly.'));
      nodes.push(q);
    }
    var hadFocus = shadow.activeElement === textarea;
    body.replaceChildren.apply(body, nodes);
    if (hadFocus && textarea.isConnected) textarea.focus();
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
  import(libraryUrl).then(function (lib) {
    client = new lib.FrontdeskWidget({ server: server, widget: widgetId });
    host.frontdesk = client; // for the page's own scripts and for tests
    // After a reload the welcome brings the open conversation back: client.conversation is
    // set before 'open', and its conversation.joined or .queued event follows (restored).
    client.on('open', function () { syncText(); renderConnection(); render(); });
    client.on('widget.status', renderStatus);
    client.on('widget.status', renderBody);
    client.on('conversation.queued', function () { syncText(); renderBody(); });
    client.on('conversation.joined', function () { syncText(); renderBody(); });
    client.on('conversation.closed', renderBody);
    client.on('close', function (info) { renderConnection(info); });
    client.connect();
    render();
  }).catch(function (error) {
    conn.textContent = 'Chat unavailable.';
    console.error('Frontdesk: could not load ' + libraryUrl, error);
  });
})();
