// placematch's own small enhancements; every page works without them.
// The error summary takes focus when a page shows one, so a screen reader reads it
// and the keyboard starts there (GOV.UK's error summary does the same).
(function () {
  "use strict";
  var summary = document.querySelector("[data-module='error-summary']");
  if (summary) {
    summary.focus();
  }
})();
