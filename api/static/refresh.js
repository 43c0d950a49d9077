// A progress page (a round, a comparison) reloads itself every few seconds while the
// work runs; without JavaScript its "Refresh this page" link does the same.
(function () {
  "use strict";
  var banner = document.querySelector("[data-refresh]");
  if (banner) {
    window.setTimeout(function () {
      window.location.replace(banner.getAttribute("data-refresh"));
    }, 3000);
  }
})();
