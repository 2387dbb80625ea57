// Accessibility repairs of Dash's own date picker markup (dcc.DatePickerRange, Dash 4), applied whenever it renders:
// its wrapper <div> carries aria-expanded / aria-haspopup without a role that allows them (an invalid ARIA state
// that screen readers misreport). The two date inputs inside it are the controls, labelled and usable by keyboard.
(function () {
  "use strict";
  var WRAPPER = ".dash-datepicker-input-wrapper";
  var INVALID = ["aria-expanded", "aria-haspopup"];

  function repair(root) {
    var wrappers = root.querySelectorAll ? root.querySelectorAll(WRAPPER) : [];
    Array.prototype.forEach.call(wrappers, function (wrapper) {
      if (wrapper.hasAttribute("role")) return;
      INVALID.forEach(function (name) {
        if (wrapper.hasAttribute(name)) wrapper.removeAttribute(name);
      });
    });
  }

  function start() {
    repair(document);
    new MutationObserver(function () {
      repair(document);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: INVALID });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
