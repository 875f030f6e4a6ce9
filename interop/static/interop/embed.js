/* The embed page's one script: load the timeline's TimelineJS JSON from the API and draw it. A file rather than
   an inline script, so the page works under a Content-Security-Policy that allows only 'self' scripts. */
(function () {
  "use strict";
  var holder = document.getElementById("timeline");
  fetch(holder.getAttribute("data-source"), { headers: { Accept: "application/vnd.timelinejs+json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("The timeline could not be loaded (" + response.status + ")."); }
      return response.json();
    })
    .then(function (data) { window.timeline = new TL.Timeline("timeline", data, { hash_bookmark: false }); })
    .catch(function (error) { holder.textContent = error.message; });
})();
