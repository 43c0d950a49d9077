// A batch run's page: while the run is going, reload the page every 5 seconds so its
// progress shows without pressing Refresh. The page works without this (a Refresh link).
(function () {
  "use strict";
  var status = document.getElementById("run-status");
  if (!status) {
    return;
  }
  var going = status.getAttribute("data-run-status");
  if (going === "queued" || going === "running") {
    window.setTimeout(function () {
      window.location.reload();
    }, 5000);
  }
})();
