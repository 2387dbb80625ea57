/* Clickboard: auto-refresh. The auto-refresh select sets the timer (a dcc.Interval whose ticks are an input of the
 * data callback) through window.dash_clientside.clickboard.autoRefresh; this script pauses the timer while the tab
 * is hidden and resumes it, with one update at once, when the tab is shown again. The ticks record nothing. */
(function () {
  "use strict";
  var TIMER = "auto-refresh-timer";
  var choice = "off";

  function paused() {
    return choice === "off" || document.hidden;
  }

  document.addEventListener("visibilitychange", function () {
    if (choice === "off" || !window.dash_clientside || !window.dash_clientside.set_props) {
      return;
    }
    window.dash_clientside.set_props(TIMER, { disabled: paused() });
    if (!document.hidden) {
      // back on screen after a pause: the figures may be old, update them now
      window.dash_clientside.set_props(TIMER, { n_intervals: Date.now() });
    }
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.clickboard = Object.assign({}, window.dash_clientside.clickboard, {
    autoRefresh: function (value, periods) {
      choice = value && periods && periods[value] ? value : "off";
      var interval = choice === "off" ? 60000 : periods[choice];
      return [interval, paused()];
    },
  });
})();
