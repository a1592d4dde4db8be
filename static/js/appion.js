// Appion's own behaviour; no inline scripts anywhere (the CSP forbids them).
document.addEventListener("DOMContentLoaded", function () {
  // The directory's filters fold away after a search so that a phone shows the results
  // first; a wide screen has room for both, so there they stay open.
  const searchPanel = document.querySelector("details.search-panel");
  if (searchPanel && window.matchMedia("(min-width: 992px)").matches) {
    searchPanel.open = true;
    searchPanel.classList.add("search-panel-wide");
  }
  // Buttons marked data-confirm ask before a destructive action.
  document.body.addEventListener("click", function (event) {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
});
