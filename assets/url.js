/* Clickboard: the view is the URL. The server puts the current view's query string and title in the view-url store
 * (callbacks/url.py); syncUrl writes them to the address bar and the tab without reloading: the page's first view
 * replaces the current history entry (so a bare "/" then shows the saved view's address), each later change adds
 * one, so Back and Forward step through views. Going back or forward loads that address again: the page is served
 * with the URL's view, and loading a page records nothing. copyLink copies the address for the share-link button. */
(function () {
  "use strict";
  var shown = false;

  window.addEventListener("popstate", function () {
    window.location.reload();
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.clickboard = Object.assign({}, window.dash_clientside.clickboard, {
    syncUrl: function (data) {
      if (!data) {
        return;
      }
      var target = window.location.pathname + (data.search || "");
      if (window.location.pathname + window.location.search !== target) {
        if (shown) {
          window.history.pushState(null, "", target);
        } else {
          window.history.replaceState(null, "", target);
        }
      }
      shown = true;
      if (data.title) {
        document.title = data.title;
      }
    },
    copyLink: function (clicks) {
      if (!clicks) {
        return window.dash_clientside.no_update;
      }
      var url = window.location.href;
      var manual = "Copy the address bar to share this view.";
      if (!navigator.clipboard || !navigator.clipboard.writeText) {
        return manual;
      }
      return navigator.clipboard.writeText(url).then(
        function () {
          return "Link copied.";
        },
        function () {
          return manual;
        }
      );
    },
  });
})();
