(function () {
  var only = document.getElementById('only-problems');
  var kind = document.getElementById('kind');
  var q = document.getElementById('q');
  var shown = document.getElementById('shown');
  var cards = document.querySelectorAll('.card');
  var sections = document.querySelectorAll('main section');
  location.hash.replace(/^#/, '').split('&').forEach(function (part) {
    var kv = part.split('=');
    var value = decodeURIComponent(kv[1] || '');
    if (kv[0] === 'problems') { only.checked = true; }
    if (kv[0] === 'kind') { kind.value = value; }
    if (kind.selectedIndex < 0) { kind.value = ''; }
    if (kv[0] === 'q') { q.value = value; }
  });
  function apply() {
    var k = kind.value;
    var text = q.value.trim().toLowerCase();
    var visible = 0;
    cards.forEach(function (c) {
      var show = (!only.checked || c.dataset.problem === '1') &&
        (!k || (' ' + c.dataset.kinds + ' ').indexOf(' ' + k + ' ') >= 0) &&
        (!text || c.dataset.search.indexOf(text) >= 0);
      c.hidden = !show;
      if (show) { visible++; }
    });
    sections.forEach(function (s) { s.hidden = !s.querySelector('.card:not([hidden])'); });
    shown.textContent = visible + ' of ' + cards.length + ' shown';
    var hash = [];
    if (only.checked) { hash.push('problems'); }
    if (k) { hash.push('kind=' + encodeURIComponent(k)); }
    if (text) { hash.push('q=' + encodeURIComponent(text)); }
    history.replaceState(null, '', hash.length ? '#' + hash.join('&') : location.pathname);
  }
  only.addEventListener('change', apply);
  kind.addEventListener('change', apply);
  q.addEventListener('input', apply);
  apply();
  document.body.setAttribute('data-ready', '1');
})();
