// A progress page (a round, a comparison) reloads itself every few seconds while the
// work runs; without JavaScript its "Refresh this page" link does the same. How often
// is the page's own (data-refresh-ms, the service's setting), 3 s if it says none.
(function () {
  "use strict";
  var banner = document.querySelector("[data-refresh]");
  if (banner) {
    var ms = parseInt(banner.getAttribute("data-refresh-ms"), 10);
    window.setTimeout(function () {
      window.location.replace(banner.getAttribute("data-refresh"));
    }, ms > 0 ? ms : 3000);
  }
})();
