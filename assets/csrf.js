// Adds the CSRF token to the dashboard's plain POST forms (the header's "Log out").
// The server sets the `_csrf_token` cookie on every logged-in page load (auth/csrf.py); Dash's renderer sends the same
// cookie as an X-CSRFToken header with its callbacks. Forms rendered by the server already carry the field.
(function () {
  "use strict";
  var FIELD = "csrf_token";

  function token() {
    var match = document.cookie.match(/(?:^|;\s*)_csrf_token=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
      if (new URL(form.action, document.baseURI).origin !== window.location.origin) return;
      var value = token();
      if (!value || form.elements.namedItem(FIELD)) return;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = FIELD;
      input.value = value;
      form.appendChild(input);
    },
    true
  );
})();
