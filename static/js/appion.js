// Appion's own behaviour; no inline scripts anywhere (the CSP forbids them).
document.addEventListener("DOMContentLoaded", function () {
  // The directory's filters fold away after a search so that a phone shows the results
  // first; a wide screen has room for both, so there they stay open.
  const searchPanel = document.querySelector("details.search-panel");
  if (searchPanel && window.matchMedia("(min-width: 992px)").matches) {
    searchPanel.open = true;
    searchPanel.classList.add("search-panel-wide");
  }
  // A read-only address (the calendar feed's) is selected whole when focused, and its
  // Copy button, hidden without JavaScript, puts it on the clipboard.
  document.querySelectorAll("input[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    const input = document.getElementById(button.dataset.copy);
    if (!input || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.dataset.copied;
      }, function () {
        input.focus();
      });
    });
  });
  // Buttons marked data-confirm ask before a destructive action.
  document.body.addEventListener("click", function (event) {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
});
