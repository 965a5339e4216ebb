// The console's small helpers: live refresh of the queue's rows, keyboard shortcuts,
// canned replies into the reply box, and picking a found customer at phone intake. Every action also works without it.
(function () {
  'use strict';
  var table = document.querySelector('table.queue[data-refresh]');
  var rows = function () { return Array.prototype.slice.call(document.querySelectorAll('table.queue tbody tr[data-href]')); };
  var focused = -1;
  function focusRow(i) {
    var all = rows();
    if (!all.length) return;
    focused = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (r, j) { r.classList.toggle('focus', j === focused); });
    all[focused].scrollIntoView({ block: 'nearest' });
  }
  if (table) {
    // Live refresh: only the rows, every 20 s, while the page is visible.
    setInterval(function () {
      if (document.hidden) return;
      fetch(table.dataset.refresh, { credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) return null;
        return r.text();
      }).then(function (html) {
        if (html === null || html === undefined) return;
        var body = table.querySelector('tbody');
        var keep = focused;
        body.innerHTML = html;
        if (keep >= 0) focusRow(keep);
      }).catch(function () {});
    }, 20000);
  }
  function typing(e) {
    var t = e.target;
    return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
  }
  var pending = '';
  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    var k = e.key;
    if (pending === 'g' && k === 'q') { pending = ''; location.href = '/console'; return; }
    pending = k === 'g' ? 'g' : '';
    if (k === '/') { var s = document.querySelector('[data-key="/"]'); if (s) { e.preventDefault(); s.focus(); } }
    else if (k === 'j') focusRow(focused + 1);
    else if (k === 'k') focusRow(focused - 1);
    else if (k === 'Enter' && focused >= 0 && rows()[focused]) location.href = rows()[focused].dataset.href;
    else if (k === 't') { var take = document.querySelector('[data-key="t"]'); if (take) take.click(); }
    else if (k === 'r' || k === 'n') { var box = document.querySelector('textarea[data-key]'); if (box) { e.preventDefault(); box.focus(); } }
    else if (k === 'c') { var pick = document.querySelector('select[data-key="c"]'); if (pick) { e.preventDefault(); pick.focus(); } }
    else if (k === '?') { var d = document.getElementById('shortcuts'); if (d && d.showModal) d.showModal(); }
  });
  // A canned reply goes into the reply box at the cursor, ready to edit: picked in its
  // list, then Enter or the Insert button (arrows alone only move through the list).
  var canned = document.querySelector('select[data-key="c"]');
  var box = document.querySelector('textarea[data-key]');
  function insertCanned() {
    var opt = canned.options[canned.selectedIndex];
    if (!opt || !opt.dataset.text) return;
    var at = box.selectionStart || 0, end = box.selectionEnd || 0;
    box.value = box.value.slice(0, at) + opt.dataset.text + box.value.slice(end);
    canned.value = '';
    box.focus();
    box.selectionStart = box.selectionEnd = at + opt.dataset.text.length;
  }
  if (canned && box) {
    canned.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { e.preventDefault(); insertCanned(); }
    });
    var insert = document.getElementById('canned-insert');
    if (insert) { insert.hidden = false; insert.addEventListener('click', insertCanned); }
  }
  // Who else is on this ticket: a beat every 2 s says we are here (and whether we wrote in
  // the reply box in the last 5 s); the answer names the other agents.
  var presence = document.getElementById('presence');
  if (presence && presence.dataset.url) {
    var lastInput = 0;
    var writing = document.querySelector('textarea[data-key]');
    if (writing) writing.addEventListener('input', function () { lastInput = Date.now(); });
    var beat = function () {
      if (document.hidden) return;
      var typing = Date.now() - lastInput < 5000 ? '1' : '0';
      var body = new URLSearchParams({ csrf: presence.dataset.csrf, typing: typing });
      fetch(presence.dataset.url, { method: 'POST', credentials: 'same-origin', body: body })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (v) {
          if (!v) return;
          var names = v.others.map(function (o) { return o.name + (o.typing ? ' (' + presence.dataset.writing + ')' : ''); });
          presence.textContent = names.length ? presence.dataset.here + ' ' + names.join(', ') : '';
          presence.hidden = !names.length;
        }).catch(function () {});
    };
    beat();
    setInterval(beat, 2000);
  }
  document.querySelectorAll('button.pick').forEach(function (b) {
    b.addEventListener('click', function () {
      ['email', 'name', 'phone'].forEach(function (f) {
        var input = document.getElementById(f);
        if (input) input.value = b.dataset[f] || '';
      });
      var subject = document.getElementById('subject');
      if (subject) subject.focus();
    });
  });
})();
