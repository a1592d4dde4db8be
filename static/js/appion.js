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
  // A long action (booking, paying, a CSV export) shows that it is under way: its button
  // waits with a spinner and a second tap sends nothing more. The button is never
  // disabled, so that its name and value still go with the form; without JavaScript the
  // form or link works as it is.
  function showBusy(element, container, text) {
    if (element.classList.contains("is-busy")) {
      return;
    }
    element.classList.add("is-busy");
    element.setAttribute("aria-disabled", "true");
    const spinner = document.createElement("span");
    spinner.className = "spinner-border spinner-border-sm busy-spinner";
    spinner.setAttribute("aria-hidden", "true");
    element.prepend(spinner);
    const said = document.createElement("span");
    said.className = "visually-hidden busy-status";
    said.setAttribute("role", "status");
    said.textContent = text;
    container.append(said);
  }
  function clearBusy() {
    document.querySelectorAll(".busy-spinner, .busy-status").forEach(function (node) { node.remove(); });
    document.querySelectorAll(".is-busy").forEach(function (node) {
      node.classList.remove("is-busy");
      node.removeAttribute("aria-disabled");
    });
    document.querySelectorAll("form.is-sending").forEach(function (form) {
      form.classList.remove("is-sending");
      form.removeAttribute("aria-busy");
    });
  }
  document.body.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches("form[data-busy]") || event.defaultPrevented) {
      return;
    }
    if (form.classList.contains("is-sending")) {
      event.preventDefault();
      return;
    }
    form.classList.add("is-sending");
    form.setAttribute("aria-busy", "true");
    const button = event.submitter || form.querySelector("button:not([type=button])");
    if (button) {
      showBusy(button, form, form.dataset.busy);
    }
  });
  document.body.addEventListener("click", function (event) {
    const link = event.target.closest("a[data-busy]");
    if (!link) {
      return;
    }
    if (link.classList.contains("is-busy")) {
      event.preventDefault();
      return;
    }
    // A download leaves the page where it is: the link is itself again after a while.
    showBusy(link, link.parentElement, link.dataset.busy);
    window.setTimeout(clearBusy, 6000);
  });
  // Back to a page from the browser's cache: its buttons are ready again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      clearBusy();
    }
  });
  // Buttons marked data-confirm ask before a destructive action.
  document.body.addEventListener("click", function (event) {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
});
