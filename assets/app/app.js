// The Mini App: city → a month calendar of test days with free seats → the times of a
// day with live counts → the choice, sent to our API, which continues the wizard in the
// chat. Telegram.WebApp comes from Telegram's script when the page loads it; on the
// offline network (no CDN) the launch parameters are read from the URL fragment, where
// Telegram passes them, and events go to the client the way Telegram's script sends them.
(function () {
  'use strict';
  var params = new URLSearchParams(location.hash.slice(1));

  function postEvent(type, data) {
    var body = JSON.stringify(data || {});
    if (window.TelegramWebviewProxy) {
      window.TelegramWebviewProxy.postEvent(type, body);
    } else if (window.external && 'notify' in window.external) {
      window.external.notify(JSON.stringify({ eventType: type, eventData: data || {} }));
    } else if (window.parent !== window) {
      window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data || {} }), '*');
    }
  }

  function shim() {
    var theme = {};
    try { theme = JSON.parse(params.get('tgWebAppThemeParams') || '{}'); } catch (e) { theme = {}; }
    return {
      initData: params.get('tgWebAppData') || '',
      themeParams: theme,
      ready: function () { postEvent('web_app_ready'); },
      expand: function () { postEvent('web_app_expand'); },
      close: function () { postEvent('web_app_close'); }
    };
  }

  var wa = (window.Telegram && window.Telegram.WebApp && window.Telegram.WebApp.initData)
    ? window.Telegram.WebApp : shim();
  window.Telegram = window.Telegram || {};
  window.Telegram.WebApp = wa;
  var theme = wa.themeParams || {};
  Object.keys(theme).forEach(function (k) {
    document.documentElement.style.setProperty('--tg-theme-' + k.replace(/_/g, '-'), theme[k]);
  });

  var $ = function (id) { return document.getElementById(id); };
  var T = {};
  var state = { cities: [], city: null, days: [], month: null, date: null, timer: null };

  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ 'Authorization': 'tma ' + wa.initData }, options.headers || {});
    return fetch(path, options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { status: r.status, body: body }; });
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function show(section) {
    ['cities', 'calendar', 'times'].forEach(function (s) { $(s).hidden = s !== section; });
    $('back').hidden = section === 'cities';
    if (state.timer && section !== 'times') { clearInterval(state.timer); state.timer = null; }
    $('status').textContent = '';
  }

  function status(text) { $('status').textContent = text; }

  function seats(n) { return n > 0 ? String(n) : T['miniapp-full']; }

  // ── cities, searchable in both languages ──
  function renderCities() {
    var q = $('search').value.trim().toLowerCase();
    var list = $('city-list');
    list.textContent = '';
    var shown = state.cities.filter(function (c) {
      return !q || c.name.toLowerCase().indexOf(q) >= 0 || c.other.toLowerCase().indexOf(q) >= 0;
    });
    shown.forEach(function (c) {
      var b = el('button');
      b.appendChild(el('span', '', c.name));
      b.appendChild(el('span', 'free', seats(c.free)));
      b.dataset.city = c.id;
      b.addEventListener('click', function () { openCity(c); });
      var li = el('li');
      li.appendChild(b);
      list.appendChild(li);
    });
    if (!shown.length) list.appendChild(el('li', 'hint', T['miniapp-no-city']));
  }

  // ── the month calendar ──
  function openCity(city) {
    state.city = city;
    api('/app/api/days?city=' + city.id).then(function (r) {
      if (r.status !== 200) return status(T['miniapp-failed']);
      state.days = r.body.days;
      var first = state.days.find(function (d) { return d.free > 0; }) || state.days[0];
      state.month = first ? first.date.slice(0, 7) : null;
      $('title').textContent = city.name;
      $('day-hint').textContent = T['miniapp-pick-day'];
      renderMonth();
      show('calendar');
    });
  }

  function months() { return state.days.map(function (d) { return d.date.slice(0, 7); })
    .filter(function (m, i, all) { return all.indexOf(m) === i; }); }

  function renderMonth() {
    var names = (T['miniapp-months'] || '').split(',');
    var wd = (T['miniapp-weekdays'] || '').split(',');
    var grid = $('days');
    grid.textContent = '';
    $('weekdays').textContent = '';
    wd.forEach(function (w) { $('weekdays').appendChild(el('span', '', w)); });
    if (!state.month) return;
    var y = +state.month.slice(0, 4), m = +state.month.slice(5, 7);
    $('month').textContent = (names[m - 1] || m) + ' ' + y;
    var all = months();
    var at = all.indexOf(state.month);
    $('prev').disabled = at <= 0;
    $('next').disabled = at < 0 || at >= all.length - 1;
    var lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7;
    for (var i = 0; i < lead; i++) grid.appendChild(el('span'));
    var count = new Date(Date.UTC(y, m, 0)).getUTCDate();
    for (var d = 1; d <= count; d++) {
      var iso = state.month + '-' + (d < 10 ? '0' : '') + d;
      var day = state.days.find(function (x) { return x.date === iso; });
      var b = el('button', 'day');
      b.appendChild(el('span', '', String(d)));
      b.dataset.date = iso;
      if (day) {
        b.classList.add('test');
        b.classList.add(day.free > 0 ? 'open' : 'full');
        b.appendChild(el('small', '', seats(day.free)));
        b.title = day.label;
        (function (dd) { b.addEventListener('click', function () { openDay(dd); }); })(day);
      } else {
        b.disabled = true;
      }
      grid.appendChild(b);
    }
  }

  // ── the times of a day, refreshed while shown ──
  function openDay(day) {
    state.date = day;
    $('time-hint').textContent = T['miniapp-pick-time'] + ' ' + day.label;
    show('times');
    loadSlots();
    state.timer = setInterval(loadSlots, 4000);
  }

  function loadSlots() {
    if (!state.date) return;
    api('/app/api/slots?city=' + state.city.id + '&date=' + state.date.date).then(function (r) {
      if (r.status !== 200) return status(T['miniapp-failed']);
      var list = $('slot-list');
      list.textContent = '';
      r.body.slots.forEach(function (s) {
        var b = el('button');
        b.appendChild(el('span', '', s.time + ' · ' + s.venue));
        b.appendChild(el('span', 'free', seats(s.free)));
        b.dataset.slot = s.id;
        b.disabled = s.free <= 0;
        b.addEventListener('click', function () { choose(s); });
        var li = el('li');
        li.appendChild(b);
        list.appendChild(li);
      });
    });
  }

  function choose(slot) {
    api('/app/api/choose', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ slot: slot.id })
    }).then(function (r) {
      if (r.status === 202) {
        status(T['miniapp-sent']);
        if (state.timer) { clearInterval(state.timer); state.timer = null; }
        setTimeout(function () { wa.close(); }, 700);
      } else if (r.status === 409) {
        status(T['miniapp-taken']);
        loadSlots();
      } else {
        status(T['miniapp-failed']);
      }
    });
  }

  $('back').addEventListener('click', function () {
    if (!$('times').hidden) { show('calendar'); renderMonth(); } else { $('title').textContent = T['miniapp-title']; show('cities'); }
  });
  $('prev').addEventListener('click', function () { var a = months(); state.month = a[a.indexOf(state.month) - 1]; renderMonth(); });
  $('next').addEventListener('click', function () { var a = months(); state.month = a[a.indexOf(state.month) + 1]; renderMonth(); });
  $('search').addEventListener('input', renderCities);

  api('/app/api/start').then(function (r) {
    if (r.status !== 200) { status('401'); return; }
    T = r.body.texts;
    document.documentElement.lang = r.body.locale;
    $('title').textContent = T['miniapp-title'];
    $('back').textContent = T['miniapp-back'];
    $('search').placeholder = T['miniapp-search'];
    state.cities = r.body.cities;
    renderCities();
    show('cities');
    if (wa.ready) wa.ready();
    if (wa.expand) wa.expand();
  });
})();
