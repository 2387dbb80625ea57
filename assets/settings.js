// The settings page's Copy buttons: a button with data-copy="<input id>" copies that input's value (the API key or
// invitation link shown once) to the clipboard and says so on the button. Loaded by every page; does nothing where
// there is no such button. No inline script anywhere: this file is the page's only JavaScript.
(function () {
  "use strict";

  function copied(button, ok) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = ok ? "Copied" : "Press Ctrl+C";
    button.setAttribute("data-copied", ok ? "yes" : "no");
    window.setTimeout(function () {
      button.textContent = label;
    }, 2000);
  }

  function fallback(input) {
    input.focus();
    input.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) return;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(
        function () {
          copied(button, true);
        },
        function () {
          copied(button, fallback(input));
        }
      );
    } else {
      copied(button, fallback(input));
    }
  });
})();
