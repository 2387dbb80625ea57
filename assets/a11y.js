// Accessibility repairs of Dash's own date picker markup (dcc.DatePickerRange, Dash 4), applied whenever it renders:
// - its wrapper <div> carries aria-expanded / aria-haspopup without a role that allows them (an invalid ARIA state
//   that screen readers misreport); the two date inputs inside it are the controls, labelled and usable by keyboard;
// - its calendar pop-up is a dialog without a name, and the calendar's year field has no label.
(function () {
  "use strict";
  var WRAPPER = ".dash-datepicker-input-wrapper";
  var INVALID = ["aria-expanded", "aria-haspopup"];

  var CALENDAR = '[role="dialog"][class*="dash-datepicker"]';

  function each(root, selector, fix) {
    Array.prototype.forEach.call(root.querySelectorAll(selector), fix);
  }

  function name(element, text) {
    if (!element.hasAttribute("aria-label") && !element.hasAttribute("aria-labelledby")) {
      element.setAttribute("aria-label", text);
    }
  }

  function repair(root) {
    each(root, WRAPPER, function (wrapper) {
      if (wrapper.hasAttribute("role")) return;
      INVALID.forEach(function (attribute) {
        if (wrapper.hasAttribute(attribute)) wrapper.removeAttribute(attribute);
      });
    });
    each(root, CALENDAR, function (calendar) {
      name(calendar, "Choose the dates of the range");
      each(calendar, 'input[type="number"]', function (input) {
        if (!input.labels || input.labels.length === 0) name(input, "Year");
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
