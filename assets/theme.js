/* Clickboard: the colour theme. The server renders the analyst's choice on <html data-theme-choice> (and
 * data-bs-theme when it is light or dark), so the page arrives in its colours. For "system" this script, loaded
 * before the dashboard is drawn, sets data-bs-theme from the browser's preference and follows it when it changes.
 * The theme-toggle select calls window.dash_clientside.clickboard.applyTheme (a clientside callback). */
(function () {
  "use strict";
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function apply(choice) {
    if (choice !== "light" && choice !== "dark" && choice !== "system") {
      choice = "system";
    }
    root.setAttribute("data-theme-choice", choice);
    var theme = choice === "system" ? (media && media.matches ? "dark" : "light") : choice;
    root.setAttribute("data-bs-theme", theme);
  }

  apply(root.getAttribute("data-theme-choice") || "system");
  if (media && media.addEventListener) {
    media.addEventListener("change", function () {
      if (root.getAttribute("data-theme-choice") === "system") {
        apply("system");
      }
    });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.clickboard = Object.assign({}, window.dash_clientside.clickboard, {
    applyTheme: function (choice) {
      if (!choice) {
        return window.dash_clientside.no_update;
      }
      apply(choice);
      return choice;
    },
  });
})();
