// The staff console's only script: refreshes [data-live] blocks (the overview's figures,
// a broadcast's progress) by fetching their server-rendered HTML again every few seconds.
// Served by the bot itself: no CDN, works offline.
'use strict';
(function () {
  function refresh(el) {
    const url = el.getAttribute('data-live');
    const every = parseInt(el.getAttribute('data-every') || '5000', 10);
    let timer = null;
    async function tick() {
      if (document.hidden) return;
      try {
        const r = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
        if (r.status === 401 || r.status === 403) { clearInterval(timer); return; }
        if (!r.ok) return;
        el.innerHTML = await r.text();
        el.setAttribute('data-refreshed', String(Date.now()));
        if (el.querySelector('[data-finished]')) clearInterval(timer);
      } catch (e) { /* offline for a moment: the next tick tries again */ }
    }
    if (el.querySelector('[data-finished]')) return;
    timer = setInterval(tick, every);
  }
  document.querySelectorAll('[data-live]').forEach(refresh);
})();
