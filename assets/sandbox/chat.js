// The sandbox chat page: one simulated Telegram user talking to the bot through the
// in-process Bot API emulator. Everything the bot or a user wrote is put on the page with
// textContent (never innerHTML): bot text is plain text, and links are built as elements.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const els = {
    messages: $('messages'), empty: $('empty-chat'), user: $('user'), lang: $('lang'),
    status: $('status'), form: $('form'), input: $('input'), keyboard: $('reply-keyboard'),
    kbBtn: $('kb-btn'), menuBtn: $('menu-btn'), commands: $('commands'), attachBtn: $('attach-btn'),
    attachMenu: $('attach-menu'), shareContact: $('share-contact'), toast: $('toast'),
    alert: $('alert'), alertText: $('alert-text'), alertOk: $('alert-ok'), orders: $('orders'),
  };

  const state = {
    users: [],
    user: null,
    // Bumped on every user switch: answers for an earlier user are dropped.
    generation: 0,
    poll: null,
    instance: null,
    version: -1,
    activity: 0,
    answers: 0,
    loaded: false,
    rendered: new Map(),
    keyboardHidden: false,
    pending: 0,
    ordersVersion: -1,
  };

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function api(path, body, signal) {
    const init = { signal, headers: {} };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
    return data;
  }

  // ── users ──────────────────────────────────────────────────────────────

  function userLabel(u) {
    return `${u.first_name} · ${u.id}${u.admin ? ' · admin' : ''}`;
  }

  async function init() {
    const { users } = await api('/sandbox/api/users');
    state.users = users;
    for (const u of users) {
      const option = document.createElement('option');
      option.value = String(u.id);
      option.textContent = userLabel(u);
      els.user.append(option);
    }
    const wanted = Number(new URLSearchParams(location.search).get('user'));
    const start = users.find((u) => u.id === wanted) || users[0];
    selectUser(start.id);
  }

  function currentUser() {
    return state.users.find((u) => u.id === state.user);
  }

  function selectUser(id) {
    state.generation += 1;
    if (state.poll) state.poll.abort();
    state.user = id;
    state.version = -1;
    state.activity = 0;
    state.answers = 0;
    state.loaded = false;
    state.rendered.clear();
    state.keyboardHidden = false;
    state.ordersVersion = -1;
    els.messages.replaceChildren(els.empty);
    els.empty.hidden = false;
    els.keyboard.hidden = true;
    els.orders.hidden = true;
    els.user.value = String(id);
    const u = currentUser();
    els.lang.value = (u && u.language_code) || '';
    const url = new URL(location.href);
    url.searchParams.set('user', String(id));
    history.replaceState(null, '', url);
    pollLoop(state.generation);
  }

  els.user.addEventListener('change', () => selectUser(Number(els.user.value)));

  els.lang.addEventListener('change', async () => {
    try {
      const snap = await api('/sandbox/api/language', { user: state.user, language_code: els.lang.value || null });
      const u = currentUser();
      if (u) u.language_code = snap.user.language_code;
      render(snap);
      toast(`Telegram language: ${els.lang.value || '(none)'}`);
    } catch (e) {
      toast(e.message);
    }
  });

  // ── long poll ──────────────────────────────────────────────────────────

  async function pollLoop(generation) {
    let first = true;
    while (generation === state.generation) {
      const controller = new AbortController();
      state.poll = controller;
      const query = first
        ? `user=${state.user}`
        : `user=${state.user}&after=${state.activity}&answers=${state.answers}`;
      try {
        const snap = await api(`/sandbox/api/chat?${query}`, undefined, controller.signal);
        if (generation !== state.generation) return;
        render(snap);
        first = false;
      } catch (e) {
        if (generation !== state.generation) return;
        setStatus('connecting…');
        await sleep(1500);
      }
    }
  }

  // ── actions ────────────────────────────────────────────────────────────

  async function act(path, body, busyElement) {
    const generation = state.generation;
    if (busyElement) busyElement.classList.add('busy');
    try {
      const answer = await api(path, { user: state.user, ...body });
      if (generation !== state.generation) return;
      // Whoever just wrote or tapped wants to see the answer.
      state.jump = true;
      state.stuck = true;
      render(answer.chat);
      track(answer.update_id, generation);
    } catch (e) {
      toast(e.message);
    } finally {
      if (busyElement) busyElement.classList.remove('busy');
    }
  }

  // Until the bot has handled what we sent, the header says «typing…», as Telegram does.
  async function track(updateId, generation) {
    state.pending += 1;
    refreshPending();
    try {
      await api(`/sandbox/api/handled?update=${updateId}`);
    } catch (e) {
      // The chat still updates through the long poll; only the indicator is lost.
    } finally {
      if (generation === state.generation) {
        state.pending = Math.max(0, state.pending - 1);
        refreshPending();
      }
    }
  }

  function refreshPending() {
    document.body.dataset.pending = String(state.pending);
    setStatus(state.pending > 0 ? 'typing…' : 'bot');
  }

  function setStatus(text) {
    els.status.textContent = text;
    els.status.classList.toggle('typing', text === 'typing…');
  }

  els.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = els.input.value.trim();
    if (!text) return;
    els.input.value = '';
    hidePopups();
    act('/sandbox/api/send', { text });
  });

  els.shareContact.addEventListener('click', () => {
    hidePopups();
    act('/sandbox/api/contact', {});
  });

  // A sample photo or PDF, as a phone would send one (the retest's documents).
  for (const id of ['send-photo', 'send-pdf']) {
    $(id).addEventListener('click', (event) => {
      hidePopups();
      act('/sandbox/api/file', { kind: event.currentTarget.dataset.kind });
    });
  }

  els.menuBtn.addEventListener('click', () => togglePopup(els.commands));
  els.attachBtn.addEventListener('click', () => togglePopup(els.attachMenu));
  els.kbBtn.addEventListener('click', () => {
    state.keyboardHidden = !state.keyboardHidden;
    els.keyboard.hidden = state.keyboardHidden;
    scrollToBottomIfNear(true);
  });
  els.alertOk.addEventListener('click', () => { els.alert.hidden = true; });

  function togglePopup(popup) {
    const show = popup.hidden;
    hidePopups();
    popup.hidden = !show;
  }

  function hidePopups() {
    els.commands.hidden = true;
    els.attachMenu.hidden = true;
  }

  document.addEventListener('click', (event) => {
    if (!event.target.closest('.popup, #menu-btn, #attach-btn')) hidePopups();
  });

  // ── rendering ──────────────────────────────────────────────────────────

  function render(snap) {
    if (snap.user.id !== state.user) return;
    if (state.instance && snap.instance !== state.instance) {
      // The server restarted: its emulator starts from an empty chat.
      state.version = -1;
      state.activity = 0;
      state.answers = 0;
      state.loaded = false;
      state.rendered.clear();
    }
    state.instance = snap.instance;
    if (snap.version < state.version) return;
    state.version = snap.version;
    state.activity = snap.activity;

    const fresh = snap.callback_answers.slice(state.loaded ? state.answers : snap.callback_answers.length);
    state.answers = snap.answers;
    for (const answer of fresh) {
      if (!answer.text) continue;
      if (answer.show_alert) showAlert(answer.text); else toast(answer.text);
    }

    renderMessages(snap.messages);
    renderKeyboard(snap.reply_keyboard);
    renderCommands(snap.commands);
    state.loaded = true;
    document.body.dataset.version = String(snap.version);
    refreshOrders(snap.version);
  }

  function nearBottom() {
    const m = els.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 120;
  }

  function scrollToBottomIfNear(force) {
    if (force || state.stuck) els.messages.scrollTop = els.messages.scrollHeight;
  }

  // Whoever reads the newest message keeps reading it when the space around the chat
  // changes (a keyboard or the orders bar appears, the window turns).
  state.stuck = true;
  els.messages.addEventListener('scroll', () => { state.stuck = nearBottom(); }, { passive: true });
  new ResizeObserver(() => scrollToBottomIfNear(false)).observe(els.messages);

  function renderMessages(messages) {
    const stick = !state.loaded || state.stuck || nearBottom();
    const nodes = [];
    const seen = new Set();
    for (const m of messages) {
      const signature = JSON.stringify(m);
      let entry = state.rendered.get(m.id);
      if (!entry || entry.signature !== signature) {
        entry = { signature, node: messageNode(m) };
        state.rendered.set(m.id, entry);
      }
      seen.add(m.id);
      nodes.push(entry.node);
    }
    for (const id of [...state.rendered.keys()]) if (!seen.has(id)) state.rendered.delete(id);
    els.empty.hidden = nodes.length > 0;
    els.messages.replaceChildren(els.empty, ...nodes);
    if (stick || state.jump) scrollToBottomIfNear(true);
    state.jump = false;
  }

  function messageNode(m) {
    const row = document.createElement('div');
    row.className = `msg ${m.from_bot ? 'bot' : 'user'}`;
    row.dataset.id = String(m.id);

    const bubble = document.createElement('div');
    bubble.className = 'bubble';
    const text = document.createElement('div');
    text.className = 'text';
    if (m.kind === 'contact') {
      text.classList.add('contact');
      const icon = document.createElement('span');
      icon.className = 'contact-icon';
      icon.textContent = '👤';
      const phone = document.createElement('span');
      phone.textContent = ` ${m.contact || ''}`;
      text.append(icon, phone);
    } else if (['photo', 'sticker', 'document', 'voice'].includes(m.kind)) {
      text.textContent = `[${m.kind}]`;
    } else {
      appendLinkified(text, m.text);
    }
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = m.edited ? 'edited' : '';
    if (!m.from_bot) meta.textContent += (meta.textContent ? ' ' : '') + '✓✓';
    bubble.append(text, meta);
    row.append(bubble);

    if (m.inline_keyboard.length) {
      row.classList.add('has-kb');
      const keyboard = document.createElement('div');
      keyboard.className = 'inline-kb';
      for (const buttons of m.inline_keyboard) {
        const line = document.createElement('div');
        line.className = 'kb-row';
        for (const b of buttons) line.append(inlineButton(m.id, b));
        keyboard.append(line);
      }
      row.append(keyboard);
    }
    return row;
  }

  function inlineButton(messageId, b) {
    const url = b.url && safeUrl(b.url);
    if (url) {
      const a = document.createElement('a');
      a.className = 'ikb url';
      a.href = url;
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = b.text;
      const arrow = document.createElement('span');
      arrow.className = 'arrow';
      arrow.textContent = '↗';
      a.append(arrow);
      return a;
    }
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'ikb';
    button.textContent = b.text;
    if (b.callback) {
      button.addEventListener('click', () => act('/sandbox/api/press', { message_id: messageId, text: b.text }, button));
    } else {
      button.disabled = true;
    }
    return button;
  }

  function safeUrl(raw) {
    try {
      const url = new URL(raw, location.href);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  const URL_PATTERN = /https?:\/\/[^\s<>"'«»]+/g;

  function appendLinkified(parent, text) {
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      let raw = match[0].replace(/[.,;:!?)]+$/, '');
      const url = safeUrl(raw);
      if (!url) continue;
      parent.append(document.createTextNode(text.slice(last, match.index)));
      const a = document.createElement('a');
      a.href = url;
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = raw;
      parent.append(a);
      last = match.index + raw.length;
    }
    parent.append(document.createTextNode(text.slice(last)));
  }

  function renderKeyboard(rows) {
    els.keyboard.replaceChildren();
    if (!rows || !rows.length) {
      els.keyboard.hidden = true;
      els.kbBtn.hidden = true;
      return;
    }
    const stick = state.stuck || nearBottom();
    for (const buttons of rows) {
      const line = document.createElement('div');
      line.className = 'kb-row';
      for (const b of buttons) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = b.request_contact ? 'rkb contact' : 'rkb';
        button.textContent = b.text;
        button.addEventListener('click', () => act('/sandbox/api/reply', { text: b.text }, button));
        line.append(button);
      }
      els.keyboard.append(line);
    }
    els.kbBtn.hidden = false;
    els.keyboard.hidden = state.keyboardHidden;
    if (stick) scrollToBottomIfNear(true);
  }

  function renderCommands(commands) {
    els.commands.replaceChildren();
    els.menuBtn.hidden = !commands.length;
    for (const c of commands) {
      const button = document.createElement('button');
      button.type = 'button';
      const name = document.createElement('b');
      name.textContent = `/${c.command}`;
      const description = document.createElement('span');
      description.textContent = c.description;
      button.append(name, description);
      button.addEventListener('click', () => {
        hidePopups();
        act('/sandbox/api/send', { text: `/${c.command}` });
      });
      els.commands.append(button);
    }
  }

  // Orders awaiting payment get a link to the sandbox payment page: a Kaspi order is paid
  // in the Kaspi app, which the sandbox stands in for.
  async function refreshOrders(version) {
    if (version === state.ordersVersion) return;
    state.ordersVersion = version;
    const generation = state.generation;
    let orders;
    try {
      ({ orders } = await api(`/sandbox/api/orders?user=${state.user}`));
    } catch (e) {
      return;
    }
    if (generation !== state.generation) return;
    const pending = orders.filter((o) => o.status === 'pending' && o.application_status === 'awaiting_payment');
    els.orders.replaceChildren();
    for (const o of pending) {
      const line = document.createElement('div');
      line.className = 'order';
      const what = document.createElement('span');
      const amount = String(o.amount_tenge).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
      what.textContent = `💳 ${o.method === 'kaspi' ? 'Kaspi' : 'Card'} · № ${o.order_number} · ${amount}\u00a0₸`;
      const link = document.createElement('a');
      link.href = `/pay/${encodeURIComponent(o.order_number)}`;
      link.target = '_blank';
      link.rel = 'noopener';
      link.textContent = 'Pay (sandbox) →';
      line.append(what, link);
      els.orders.append(line);
    }
    els.orders.hidden = pending.length === 0;
  }

  // ── toasts ─────────────────────────────────────────────────────────────

  let toastTimer = null;
  function toast(text) {
    els.toast.textContent = text;
    els.toast.hidden = false;
    els.toast.classList.add('show');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => {
      els.toast.classList.remove('show');
      els.toast.hidden = true;
    }, 2600);
  }

  function showAlert(text) {
    els.alertText.textContent = text;
    els.alert.hidden = false;
    els.alertOk.focus();
  }

  init().catch((e) => {
    setStatus('cannot load: ' + e.message);
  });
})();
