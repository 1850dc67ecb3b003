// picoflow monitor: follow the log live. The page's body names its
// stream (data-live), the URL of the part to refresh (data-fragment) and
// the element it replaces (data-target); on each "run" or "runs" event
// the part is fetched again and swapped in, without a reload.
(function () {
  "use strict";
  var body = document.body;
  var live = body.dataset.live, fragment = body.dataset.fragment;
  var target = document.getElementById(body.dataset.target || "");
  if (!live || !fragment || !target || !window.EventSource) {
    return;
  }
  var busy = false, again = false;
  function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(fragment, { cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (html) {
        if (html !== null) {
          target.innerHTML = html;
          body.dataset.refreshed = String(Number(body.dataset.refreshed || 0) + 1);
        }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }
  var es = new EventSource(live);
  es.onopen = function () { body.classList.add("connected"); };
  es.onerror = function () { body.classList.remove("connected"); };
  es.addEventListener("run", refresh);
  es.addEventListener("runs", refresh);
  es.addEventListener("gone", function () {
    es.close();
    body.classList.remove("connected");
    refresh();
  });
})();
