// Drag-and-drop for the portal's file forms: files dropped on a form's zone become the
// chosen files of its input, shown by name, checked against the limits; "Adăugare"
// still sends them. Without this script the Răsfoire button and the form work alone.
(function () {
  'use strict';
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }
  function setup(zone) {
    var input = zone.querySelector('input[type=file]');
    var chosen = zone.querySelector('output.chosen');
    var problem = zone.querySelector('.client-error');
    if (!input || !chosen) return;
    var none = chosen.textContent;
    var maxFiles = Number(zone.dataset.maxFiles || 0);
    var maxBytes = Number(zone.dataset.maxBytes || 0);
    function check() {
      var files = Array.prototype.slice.call(input.files || []);
      chosen.textContent = files.length ? files.map(function (f) { return f.name; }).join(', ') : none;
      var message = '';
      if (maxFiles && files.length > maxFiles) {
        message = fill(zone.dataset.tooMany || '', { count: maxFiles });
      } else {
        var big = files.filter(function (f) { return maxBytes && f.size > maxBytes; })[0];
        if (big) message = fill(zone.dataset.tooLarge || '', { name: big.name, mb: Math.round(maxBytes / 1048576) });
      }
      if (problem) { problem.textContent = message; problem.hidden = !message; }
      return !message;
    }
    input.addEventListener('change', check);
    ['dragenter', 'dragover'].forEach(function (type) {
      zone.addEventListener(type, function (e) {
        if (!e.dataTransfer || Array.prototype.indexOf.call(e.dataTransfer.types || [], 'Files') < 0) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        zone.classList.add('over');
      });
    });
    zone.addEventListener('dragleave', function (e) {
      if (!zone.contains(e.relatedTarget)) zone.classList.remove('over');
    });
    zone.addEventListener('drop', function (e) {
      zone.classList.remove('over');
      if (!e.dataTransfer || !e.dataTransfer.files || !e.dataTransfer.files.length) return;
      e.preventDefault();
      var all = new DataTransfer();
      Array.prototype.forEach.call(input.files || [], function (f) { all.items.add(f); });
      Array.prototype.forEach.call(e.dataTransfer.files, function (f) { all.items.add(f); });
      input.files = all.files;
      check();
    });
    zone.addEventListener('submit', function (e) {
      if (!check()) e.preventDefault();
    });
  }
  document.querySelectorAll('form.dropzone').forEach(setup);
})();
